/*
 * Unit tests for the boot structures: e820 map, zero page, PVH start info,
 * GDT/IDT, identity page tables, the kernel command line and where the
 * initrd goes (loader_initrd).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bootparams.h"
#include "layout.h"
#include "loader.h"

#define MiB	 (1ULL << 20)
#define GiB	 (1ULL << 30)
#define RAM_SIZE (64 * MiB)

static void gm_new(struct guest_mem *gm, uint64_t size)
{
	struct errbuf e;

	assert_int_equal(gm_init(gm, size, &e), 0);
}

static uint64_t rd(const struct guest_mem *gm, uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	assert_int_equal(gm_read(gm, &v, gpa, size), 0);
	return v;
}

static void elf_ki(struct kernel_info *ki, enum boot_protocol proto)
{
	memset(ki, 0, sizeof(*ki));
	ki->format = KERNEL_ELF;
	ki->proto = proto;
	ki->entry = 16 * MiB;
	ki->load_start = 16 * MiB;
	ki->load_end = 20 * MiB;
	ki->initrd_addr_max = MMIO_GAP_START - 1;
	ki->cmdline_max = 2047;
}

static void check_e820(const struct e820_entry *m, uint64_t addr, uint64_t size, uint32_t type)
{
	assert_int_equal(m->addr, addr);
	assert_int_equal(m->size, size);
	assert_int_equal(m->type, type);
}

/* ---- e820 --------------------------------------------------------------- */

static void e820_128m(void **state)
{
	struct e820_entry m[E820_MAX];
	struct guest_mem gm;

	gm_new(&gm, 128 * MiB);
	assert_int_equal(bootparams_e820(&gm, m, E820_MAX), 3);
	check_e820(&m[0], 0, 0x9fc00, E820_RAM);
	check_e820(&m[1], 0x9fc00, MiB - 0x9fc00, E820_RESERVED);
	check_e820(&m[2], MiB, 127 * MiB, E820_RAM);
	assert_int_equal(bootparams_e820(&gm, m, 2), 2); /* truncated to @max */
	assert_int_equal(bootparams_e820(&gm, m, 0), 0);
	gm_destroy(&gm);
}

static void e820_3g_4g(void **state)
{
	struct e820_entry m[E820_MAX];
	struct guest_mem gm;

	gm_new(&gm, 3 * GiB);
	assert_int_equal(bootparams_e820(&gm, m, E820_MAX), 3);
	check_e820(&m[2], MiB, 3 * GiB - MiB, E820_RAM);
	gm_destroy(&gm);
	gm_new(&gm, 4 * GiB);
	assert_int_equal(bootparams_e820(&gm, m, E820_MAX), 4);
	check_e820(&m[0], 0, 0x9fc00, E820_RAM);
	check_e820(&m[1], 0x9fc00, MiB - 0x9fc00, E820_RESERVED);
	check_e820(&m[2], MiB, 3 * GiB - MiB, E820_RAM); /* low RAM ends at the MMIO gap */
	check_e820(&m[3], 4 * GiB, GiB, E820_RAM);
	gm_destroy(&gm);
}

static void e820_tiny(void **state)
{
	struct e820_entry m[E820_MAX];
	struct guest_mem gm;

	gm_new(&gm, 512 * 1024);
	assert_int_equal(bootparams_e820(&gm, m, E820_MAX), 2);
	check_e820(&m[0], 0, 512 * 1024, E820_RAM);
	check_e820(&m[1], 0x9fc00, MiB - 0x9fc00, E820_RESERVED);
	gm_destroy(&gm);
}

/* ---- GDT, IDT, page tables ---------------------------------------------- */

static void gdt_values(void **state)
{
	uint64_t g[4];

	bootparams_gdt(BOOT_PROTO_LINUX64, g);
	assert_int_equal(g[0], 0);
	assert_int_equal(g[1], 0x00af9b000000ffffULL);
	assert_int_equal(g[2], 0x00cf93000000ffffULL);
	assert_int_equal(g[3], 0x008f8b000000ffffULL);
	bootparams_gdt(BOOT_PROTO_PVH, g);
	assert_int_equal(g[0], 0);
	assert_int_equal(g[1], 0x00cf9b000000ffffULL);
	assert_int_equal(g[2], 0x00cf93000000ffffULL);
	assert_int_equal(g[3], 0x00008b0000000067ULL);
}

/* walk - translate @va through the guest's 4-level tables; ~0 if unmapped. */
static uint64_t walk(const struct guest_mem *gm, uint64_t va)
{
	const uint64_t addr_mask = 0x000ffffffffff000ULL;
	uint64_t pml4e, pdpte, pde;

	pml4e = rd(gm, PML4_ADDR + ((va >> 39) & 511) * 8, 8);
	if (!(pml4e & 1))
		return ~0ULL;
	pdpte = rd(gm, (pml4e & addr_mask) + ((va >> 30) & 511) * 8, 8);
	if (!(pdpte & 1))
		return ~0ULL;
	assert_false(pdpte & 0x80); /* no 1 GiB pages */
	pde = rd(gm, (pdpte & addr_mask) + ((va >> 21) & 511) * 8, 8);
	if (!(pde & 1))
		return ~0ULL;
	assert_true(pde & 0x80); /* 2 MiB page */
	assert_true(pde & 0x02); /* writable */
	return (pde & 0x000fffffffe00000ULL) | (va & 0x1fffff);
}

static void linux64_tables(void **state)
{
	static const uint64_t probes[] = {0,	      0x1234,	  0x1fffff,   0x200000,
					  0x40000005, 0x7fffffff, 0xbfffffff, 0xc0001000,
					  0xfee00000, 0xffffffff};
	struct kernel_info ki;
	struct guest_mem gm;
	struct errbuf e;
	uint64_t gdt[4];
	unsigned int i;

	gm_new(&gm, 128 * MiB);
	memset(gm_ptr(&gm, 0, MiB), 0xff, MiB); /* stale bytes everywhere below 1 MiB */
	elf_ki(&ki, BOOT_PROTO_LINUX64);
	assert_int_equal(bootparams_setup(&gm, &ki, "console=ttyS0", 0, 0, &e), 0);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		assert_int_equal(walk(&gm, probes[i]), probes[i]);
	assert_int_equal(walk(&gm, 4 * GiB), ~0ULL);
	assert_int_equal(walk(&gm, 512 * GiB), ~0ULL);
	for (i = 0; i < 4 * 512; i++)
		assert_int_equal(rd(&gm, PD_ADDR + i * 8ULL, 8), ((uint64_t)i << 21) | 0x83);
	assert_int_equal(rd(&gm, PML4_ADDR, 8), PDPT_ADDR | 3);
	assert_int_equal(rd(&gm, PDPT_ADDR + 3 * 8, 8), (PD_ADDR + 0x3000) | 3);
	bootparams_gdt(BOOT_PROTO_LINUX64, gdt);
	assert_memory_equal(gm_ptr(&gm, BOOT_GDT_ADDR, sizeof(gdt)), gdt, sizeof(gdt));
	assert_int_equal(rd(&gm, BOOT_IDT_ADDR, 8), 0);
	gm_destroy(&gm);
}

/* ---- zero page ---------------------------------------------------------- */

static void zero_page_elf(void **state)
{
	const char *cmd = "console=ttyS0 reboot=k panic=1";
	struct kernel_info ki;
	struct guest_mem gm;
	struct errbuf e;
	struct e820_entry m;
	uint64_t zp = ZERO_PAGE_ADDR;

	gm_new(&gm, 128 * MiB);
	memset(gm_ptr(&gm, zp, 4096), 0xff, 4096);
	memset(gm_ptr(&gm, CMDLINE_ADDR, 4096), 0xff, 4096);
	elf_ki(&ki, BOOT_PROTO_LINUX64);
	assert_int_equal(bootparams_setup(&gm, &ki, cmd, 0x7000000, 0x123456, &e), 0);
	assert_int_equal(rd(&gm, zp + 0x1fe, 2), 0xaa55);
	assert_memory_equal(gm_ptr(&gm, zp + 0x202, 4), "HdrS", 4);
	assert_int_equal(rd(&gm, zp + 0x206, 2), 0x020f);
	assert_int_equal(rd(&gm, zp + 0x230, 4), 0x1000000); /* kernel_alignment */
	assert_int_equal(rd(&gm, zp + 0x210, 1), 0xff);	     /* type_of_loader */
	assert_int_equal(rd(&gm, zp + 0x211, 1), 0x01);	     /* loadflags: LOADED_HIGH */
	assert_int_equal(rd(&gm, zp + 0x228, 4), CMDLINE_ADDR);
	assert_int_equal(rd(&gm, zp + 0x0c8, 4), 0);
	assert_int_equal(rd(&gm, zp + 0x238, 4), strlen(cmd) + 1);
	assert_int_equal(rd(&gm, zp + 0x218, 4), 0x7000000);
	assert_int_equal(rd(&gm, zp + 0x21c, 4), 0x123456);
	assert_int_equal(rd(&gm, zp + 0x0c0, 4), 0);
	assert_int_equal(rd(&gm, zp + 0x0c4, 4), 0);
	assert_int_equal(rd(&gm, zp + 0x1ef, 1), 0); /* sentinel */
	assert_int_equal(rd(&gm, zp + 0x1e8, 1), 3); /* e820_entries */
	assert_int_equal(gm_read(&gm, &m, zp + 0x2d0 + 2 * 20, 20), 0);
	check_e820(&m, MiB, 127 * MiB, E820_RAM);
	assert_int_equal(gm_read(&gm, &m, zp + 0x2d0, 20), 0);
	check_e820(&m, 0, 0x9fc00, E820_RAM);
	assert_int_equal(rd(&gm, zp + 0x2d0 + 3 * 20, 8), 0); /* rest of the table clean */
	assert_int_equal(rd(&gm, zp + 0xff8, 8), 0);
	assert_string_equal(gm_ptr(&gm, CMDLINE_ADDR, strlen(cmd) + 1), cmd);
	gm_destroy(&gm);
}

static void zero_page_bzimage_header(void **state)
{
	struct kernel_info ki;
	struct guest_mem gm;
	struct errbuf e;
	uint64_t zp = ZERO_PAGE_ADDR;
	uint8_t want[SETUP_HDR_MAX];
	size_t i;

	gm_new(&gm, 5 * GiB);
	memset(&ki, 0, sizeof(ki));
	ki.format = KERNEL_BZIMAGE;
	ki.proto = BOOT_PROTO_LINUX64;
	ki.cmdline_max = 255;
	ki.has_setup_header = true;
	ki.setup_header_len = 0x268 - 0x1f1;
	for (i = 0; i < ki.setup_header_len; i++)
		ki.setup_header[i] = (uint8_t)(i * 13 + 1);
	ki.setup_header[0x211 - 0x1f1] = 0x01; /* loadflags as the kernel ships them */
	memcpy(want, ki.setup_header, sizeof(want));
	memset(gm_ptr(&gm, zp, 4096), 0xff, 4096);
	/* An initrd above 4 GiB needs the ext_ high halves. */
	assert_int_equal(bootparams_setup(&gm, &ki, "", 4 * GiB + 0x3000, 5ULL << 28, &e), 0);
	for (i = 0; i < ki.setup_header_len; i++) {
		size_t off = 0x1f1 + i;

		/* Fields ember owns are overwritten; the rest is the kernel's. */
		if (off == 0x210 || off == 0x211 || (off >= 0x218 && off < 0x220) ||
		    (off >= 0x224 && off < 0x22c) || (off >= 0x238 && off < 0x23c))
			continue;
		assert_int_equal(rd(&gm, zp + off, 1), want[i]);
	}
	assert_int_equal(rd(&gm, zp + 0x268, 8), 0); /* past the header: zero */
	assert_int_equal(rd(&gm, zp + 0x210, 1), 0xff);
	assert_int_equal(rd(&gm, zp + 0x211, 1), 0x81); /* LOADED_HIGH | CAN_USE_HEAP */
	assert_int_equal(rd(&gm, zp + 0x224, 2), 0xfe00);
	assert_int_equal(rd(&gm, zp + 0x228, 4), CMDLINE_ADDR);
	assert_int_equal(rd(&gm, zp + 0x238, 4), 1);
	assert_int_equal(rd(&gm, zp + 0x218, 4), 0x3000);
	assert_int_equal(rd(&gm, zp + 0x0c0, 4), 1);
	assert_int_equal(rd(&gm, zp + 0x21c, 4), 0x50000000);
	assert_int_equal(rd(&gm, zp + 0x0c4, 4), 0);
	assert_int_equal(rd(&gm, zp + 0x1e8, 1), 4);
	assert_int_equal(rd(&gm, CMDLINE_ADDR, 1), 0);
	gm_destroy(&gm);
}

static void cmdline_limits(void **state)
{
	struct kernel_info ki;
	struct guest_mem gm;
	struct errbuf e = {""};
	char cmd[5000];

	gm_new(&gm, 128 * MiB);
	elf_ki(&ki, BOOT_PROTO_LINUX64);
	memset(cmd, 'a', 5000);
	cmd[2048] = 0;
	assert_int_equal(bootparams_setup(&gm, &ki, cmd, 0, 0, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "limit of 2047 bytes"));
	cmd[2047] = 0;
	assert_int_equal(bootparams_setup(&gm, &ki, cmd, 0, 0, &e), 0);
	assert_int_equal(rd(&gm, CMDLINE_ADDR + 2046, 1), 'a');
	assert_int_equal(rd(&gm, CMDLINE_ADDR + 2047, 1), 0);
	/* ember's own CMDLINE_MAX caps a kernel that claims more. */
	ki.cmdline_max = 100000;
	cmd[2047] = cmd[2048] = 'a';
	cmd[4096] = 0;
	assert_int_equal(bootparams_setup(&gm, &ki, cmd, 0, 0, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "limit of 4095 bytes"));
	cmd[4095] = 0;
	assert_int_equal(bootparams_setup(&gm, &ki, cmd, 0, 0, &e), 0);
	assert_int_equal(bootparams_setup(&gm, &ki, NULL, 0, 0, &e), 0);
	assert_int_equal(rd(&gm, CMDLINE_ADDR, 1), 0);
	gm_destroy(&gm);
}

static void bad_initrd_and_tiny_ram(void **state)
{
	struct kernel_info ki;
	struct guest_mem gm;
	struct errbuf e = {""};

	gm_new(&gm, 128 * MiB);
	elf_ki(&ki, BOOT_PROTO_LINUX64);
	assert_int_equal(bootparams_setup(&gm, &ki, "", 127 * MiB, 2 * MiB, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "initrd"));
	assert_int_equal(bootparams_setup(&gm, &ki, "", UINT64_MAX - 10, 100, &e), -EINVAL);
	gm_destroy(&gm);
	gm_new(&gm, 64 * 1024); /* the cmdline at 0x20000 is not RAM */
	assert_int_equal(bootparams_setup(&gm, &ki, "x", 0, 0, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "too small"));
	gm_destroy(&gm);
}

/* ---- PVH ---------------------------------------------------------------- */

static void pvh_start_info(void **state)
{
	struct e820_entry m[E820_MAX];
	struct kernel_info ki;
	struct guest_mem gm;
	struct errbuf e;
	uint64_t si = PVH_INFO_ADDR, ml = PVH_MODLIST_ADDR;
	int i, n;

	gm_new(&gm, 5 * GiB);
	memset(gm_ptr(&gm, 0, MiB), 0xff, MiB);
	elf_ki(&ki, BOOT_PROTO_PVH);
	assert_int_equal(bootparams_setup(&gm, &ki, "console=hvc0", 0x8000000, 0x5000, &e), 0);
	assert_int_equal(rd(&gm, si + 0, 4), 0x336ec578);
	assert_int_equal(rd(&gm, si + 4, 4), 1);
	assert_int_equal(rd(&gm, si + 8, 4), 0);
	assert_int_equal(rd(&gm, si + 12, 4), 1);
	assert_int_equal(rd(&gm, si + 16, 8), PVH_MODLIST_ADDR);
	assert_int_equal(rd(&gm, si + 24, 8), CMDLINE_ADDR);
	assert_int_equal(rd(&gm, si + 32, 8), 0);
	assert_int_equal(rd(&gm, si + 40, 8), PVH_MEMMAP_ADDR);
	n = bootparams_e820(&gm, m, E820_MAX);
	assert_int_equal(n, 4);
	assert_int_equal(rd(&gm, si + 48, 4), n);
	assert_int_equal(rd(&gm, si + 52, 4), 0);
	assert_int_equal(rd(&gm, ml + 0, 8), 0x8000000);
	assert_int_equal(rd(&gm, ml + 8, 8), 0x5000);
	assert_int_equal(rd(&gm, ml + 16, 8), 0);
	assert_int_equal(rd(&gm, ml + 24, 8), 0);
	for (i = 0; i < n; i++) {
		uint64_t ent = PVH_MEMMAP_ADDR + i * 24ULL;

		assert_int_equal(rd(&gm, ent, 8), m[i].addr);
		assert_int_equal(rd(&gm, ent + 8, 8), m[i].size);
		assert_int_equal(rd(&gm, ent + 16, 4), m[i].type);
		assert_int_equal(rd(&gm, ent + 20, 4), 0);
	}
	assert_string_equal(gm_ptr(&gm, CMDLINE_ADDR, 13), "console=hvc0");
	assert_int_equal(rd(&gm, BOOT_GDT_ADDR + 8, 8), 0x00cf9b000000ffffULL);
	assert_int_equal(rd(&gm, BOOT_GDT_ADDR + 24, 8), 0x00008b0000000067ULL);
	assert_int_equal(rd(&gm, BOOT_IDT_ADDR, 8), 0);
	/* Without an initrd there are no modules. */
	assert_int_equal(bootparams_setup(&gm, &ki, "", 0, 0, &e), 0);
	assert_int_equal(rd(&gm, si + 12, 4), 0);
	assert_int_equal(rd(&gm, ml + 8, 8), 0);
	gm_destroy(&gm);
}

/* ---- initrd placement (loader_initrd)
 * -------------------------------------------------------------
 */

static void initrd_placement(void **state)
{
	struct kernel_info ki = {.load_end = 18 * MiB + 0x2000, .initrd_addr_max = UINT64_MAX};
	struct guest_mem g, *gm = &g;
	struct errbuf e;
	uint8_t rd[0x1800];
	uint64_t gpa = 0;
	size_t i;

	gm_new(gm, RAM_SIZE);
	for (i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i * 31 + 12);
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), 0);
	assert_int_equal(gpa, RAM_SIZE - 0x2000);
	assert_memory_equal(gm_ptr(gm, gpa, sizeof(rd)), rd, sizeof(rd));
	ki.initrd_addr_max = 32 * MiB - 1;
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), 0);
	assert_int_equal(gpa, 32 * MiB - 0x2000);
	ki.initrd_addr_max = 0x1fff7ff; /* not page aligned: stay below it */
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), 0);
	assert_int_equal(gpa, 0x1ffe000);
	/* Exactly the room between the kernel and the limit. */
	ki.initrd_addr_max = ki.load_end + 0x2000 - 1;
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), 0);
	assert_int_equal(gpa, ki.load_end);
	ki.initrd_addr_max -= 0x1000; /* now it would overlap the kernel */
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "does not fit"));
	ki.initrd_addr_max = UINT64_MAX;
	ki.load_end = RAM_SIZE - 0x1000;
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), -ENOSPC);
	ki.load_end = 0; /* never below 1 MiB either */
	ki.initrd_addr_max = MiB + 0x1000 - 1;
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), -ENOSPC);
	ki.initrd_addr_max = 0;
	assert_int_equal(loader_initrd(gm, &ki, rd, sizeof(rd), &gpa, &e), -ENOSPC);
	assert_int_equal(loader_initrd(gm, &ki, rd, 0, &gpa, &e), -EINVAL);
	gm_destroy(gm);
}

static void initrd_too_big_and_large_ram(void **state)
{
	struct kernel_info ki = {.load_end = 18 * MiB, .initrd_addr_max = MMIO_GAP_START - 1};
	struct guest_mem small, big;
	struct errbuf e;
	uint64_t gpa;
	uint8_t *rd = calloc(1, RAM_SIZE);

	assert_non_null(rd);
	gm_new(&small, RAM_SIZE);
	assert_int_equal(loader_initrd(&small, &ki, rd, RAM_SIZE, &gpa, &e), -ENOSPC);
	assert_int_equal(loader_initrd(&small, &ki, rd, RAM_SIZE - 18 * MiB + 1, &gpa, &e),
			 -ENOSPC);
	assert_int_equal(loader_initrd(&small, &ki, rd, RAM_SIZE - 18 * MiB, &gpa, &e), 0);
	assert_int_equal(gpa, 18 * MiB);
	/* With 5 GiB the initrd stays below the 3 GiB MMIO gap. */
	assert_int_equal(gm_init(&big, 5 * GiB, &e), 0);
	assert_int_equal(loader_initrd(&big, &ki, rd, 0x1000, &gpa, &e), 0);
	assert_int_equal(gpa, MMIO_GAP_START - 0x1000);
	gm_destroy(&big);
	gm_destroy(&small);
	free(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(e820_128m),
	    cmocka_unit_test(e820_3g_4g),
	    cmocka_unit_test(e820_tiny),
	    cmocka_unit_test(gdt_values),
	    cmocka_unit_test(linux64_tables),
	    cmocka_unit_test(zero_page_elf),
	    cmocka_unit_test(zero_page_bzimage_header),
	    cmocka_unit_test(cmdline_limits),
	    cmocka_unit_test(bad_initrd_and_tiny_ram),
	    cmocka_unit_test(pvh_start_info),
	    cmocka_unit_test(initrd_placement),
	    cmocka_unit_test(initrd_too_big_and_large_ram),
	};
	return cmocka_run_group_tests_name("bootparams", tests, NULL, NULL);
}
