/*
 * bootparams.c - zero page, PVH start info, GDT and page tables; see
 * bootparams.h. Layouts: Linux Documentation/arch/x86/zero-page.rst and
 * boot.rst (struct boot_params), Xen public/arch-x86/hvm/start_info.h.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "bootparams.h"
#include "layout.h"

/* struct boot_params (4096 bytes) field offsets. */
#define BP_SIZE		     4096
#define BP_EXT_RAMDISK_IMAGE 0x0c0 /* u32: high half of ramdisk_image */
#define BP_EXT_RAMDISK_SIZE  0x0c4 /* u32: high half of ramdisk_size */
#define BP_EXT_CMD_LINE_PTR  0x0c8 /* u32: high half of cmd_line_ptr */
#define BP_ACPI_RSDP_ADDR    0x070 /* u64 */
#define BP_E820_ENTRIES	     0x1e8 /* u8 */
#define BP_BOOT_FLAG	     0x1fe /* setup header from here on, see loader_bzimage.c */
#define BP_HEADER	     0x202
#define BP_VERSION	     0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS	     0x211
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE	     0x21c
#define BP_HEAP_END_PTR	     0x224
#define BP_CMD_LINE_PTR	     0x228
#define BP_KERNEL_ALIGN	     0x230
#define BP_CMDLINE_SIZE	     0x238
#define BP_E820_TABLE	     0x2d0 /* 128 entries of 20 bytes */
#define BP_E820_TABLE_MAX    128

#define LOADED_HIGH	 0x01
#define CAN_USE_HEAP	 0x80
#define LOADER_UNDEFINED 0xff	/* type_of_loader: no assigned boot loader ID */
#define HEAP_END_PTR	 0xfe00 /* end of the real-mode heap, as boot.rst suggests */
#define ELF_HDR_VERSION	 0x020f /* protocol version written for ELF kernels */
#define ELF_KERNEL_ALIGN 0x1000000

/* Page table entry bits. */
#define PTE_PRESENT 0x01ULL
#define PTE_RW	    0x02ULL
#define PTE_PS	    0x80ULL /* in a PD entry: a 2 MiB page */
#define PAGE_SIZE   4096
#define PT_ENTRIES  512

/* Xen public/arch-x86/hvm/start_info.h, version 1. */
#define HVM_START_MAGIC	  0x336ec578
#define HVM_START_VERSION 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;	 /* version >= 1 */
	uint32_t memmap_entries; /* version >= 1 */
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820 types */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry layout");
_Static_assert(sizeof(struct e820_entry) == 20, "boot_e820_entry layout");
_Static_assert(PVH_INFO_ADDR + sizeof(struct hvm_start_info) <= PVH_MODLIST_ADDR, "PVH layout");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "guest structures are little endian");

static int add_e820(struct e820_entry *out, int n, int max, uint64_t start, uint64_t end,
		    uint32_t type)
{
	if (n >= max || end <= start)
		return n;
	out[n].addr = start;
	out[n].size = end - start;
	out[n].type = type;
	return n + 1;
}

int bootparams_e820(const struct guest_mem *gm, struct e820_entry *out, int max)
{
	uint64_t low = gm_low_end(gm);
	unsigned int i;
	int n = 0;

	n = add_e820(out, n, max, 0, low < EBDA_START ? low : EBDA_START, E820_RAM);
	/* The EBDA and the legacy ROM area up to 1 MiB; the MP table lives here. */
	n = add_e820(out, n, max, EBDA_START, EBDA_END, E820_RESERVED);
	n = add_e820(out, n, max, HIMEM_START, low, E820_RAM);
	for (i = 1; i < gm->nr_regions; i++)
		n = add_e820(out, n, max, gm->region[i].gpa, gm->region[i].gpa + gm->region[i].size,
			     E820_RAM);
	return n;
}

void bootparams_gdt(enum boot_protocol proto, uint64_t gdt[4])
{
	/*
	 * LINUX64: 64-bit code (L=1), flat data, busy 64-bit TSS.
	 * PVH: the entry runs in 32-bit protected mode, so code has D/B=1 and
	 * G=1 (4 GiB limit); the TSS is a minimal 0x67-byte busy TSS.
	 */
	static const uint64_t linux64[4] = {0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL,
					    0x008f8b000000ffffULL};
	static const uint64_t pvh[4] = {0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
					0x00008b0000000067ULL};

	memcpy(gdt, proto == BOOT_PROTO_PVH ? pvh : linux64, sizeof(linux64));
}

static int write_low(struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len,
		     const char *what, struct errbuf *e)
{
	if (gm_write(gm, gpa, src, len))
		return errf(e, -EFAULT, "boot setup: guest RAM is too small for the %s at 0x%llx",
			    what, (unsigned long long)gpa);
	return 0;
}

static int write_cmdline(struct guest_mem *gm, const struct kernel_info *ki, const char *cmdline,
			 size_t *out_len, struct errbuf *e)
{
	uint64_t max = ki->cmdline_max < CMDLINE_MAX - 1 ? ki->cmdline_max : CMDLINE_MAX - 1;
	size_t len;

	if (!cmdline)
		cmdline = "";
	len = strlen(cmdline);
	if (len > max)
		return errf(e, -E2BIG,
			    "kernel command line is %zu bytes, longer than the limit of %llu bytes",
			    len, (unsigned long long)max);
	*out_len = len;
	return write_low(gm, CMDLINE_ADDR, cmdline, len + 1, "kernel command line", e);
}

static int write_gdt_idt(struct guest_mem *gm, enum boot_protocol proto, struct errbuf *e)
{
	uint64_t gdt[4], idt = 0;
	int ret;

	bootparams_gdt(proto, gdt);
	ret = write_low(gm, BOOT_GDT_ADDR, gdt, sizeof(gdt), "GDT", e);
	if (ret)
		return ret;
	return write_low(gm, BOOT_IDT_ADDR, &idt, sizeof(idt), "IDT", e);
}

/* write_page_tables - identity map [0, 4 GiB) with 2 MiB pages. */
static int write_page_tables(struct guest_mem *gm, struct errbuf *e)
{
	uint64_t pt[PT_ENTRIES];
	unsigned int i, j;
	int ret;

	memset(pt, 0, sizeof(pt));
	pt[0] = PDPT_ADDR | PTE_PRESENT | PTE_RW;
	ret = write_low(gm, PML4_ADDR, pt, sizeof(pt), "PML4", e);
	if (ret)
		return ret;
	pt[0] = 0;
	for (i = 0; i < PD_PAGES; i++)
		pt[i] = (PD_ADDR + i * PAGE_SIZE) | PTE_PRESENT | PTE_RW;
	ret = write_low(gm, PDPT_ADDR, pt, sizeof(pt), "PDPT", e);
	if (ret)
		return ret;
	for (i = 0; i < PD_PAGES; i++) {
		for (j = 0; j < PT_ENTRIES; j++)
			pt[j] =
			    ((uint64_t)(i * PT_ENTRIES + j) << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
		ret = write_low(gm, PD_ADDR + i * PAGE_SIZE, pt, sizeof(pt), "page directory", e);
		if (ret)
			return ret;
	}
	return 0;
}

static void put16(uint8_t *bp, size_t off, uint16_t v)
{
	memcpy(bp + off, &v, sizeof(v));
}

static void put32(uint8_t *bp, size_t off, uint32_t v)
{
	memcpy(bp + off, &v, sizeof(v));
}

/* zp_header - the kernel's own setup header, or a minimal one for ELF. */
static void zp_header(uint8_t *bp, const struct kernel_info *ki)
{
	uint32_t len = ki->setup_header_len;

	if (ki->has_setup_header) {
		if (len > SETUP_HDR_MAX)
			len = SETUP_HDR_MAX;
		memcpy(bp + SETUP_HDR_OFFSET, ki->setup_header, len);
		/* The real-mode heap matters only to setup code; set it as boot.rst asks. */
		bp[BP_LOADFLAGS] |= CAN_USE_HEAP;
		put16(bp, BP_HEAP_END_PTR, HEAP_END_PTR);
	} else {
		put16(bp, BP_BOOT_FLAG, 0xaa55);
		memcpy(bp + BP_HEADER, "HdrS", 4);
		put16(bp, BP_VERSION, ELF_HDR_VERSION);
		put32(bp, BP_KERNEL_ALIGN, ELF_KERNEL_ALIGN);
	}
	bp[BP_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	bp[BP_LOADFLAGS] |= LOADED_HIGH;
}

static int write_zero_page(struct guest_mem *gm, const struct kernel_info *ki, size_t cmdline_len,
			   uint64_t initrd_gpa, uint64_t initrd_size, struct errbuf *e)
{
	struct e820_entry map[E820_MAX];
	uint8_t bp[BP_SIZE];
	int i, n;

	/* A clean page: stale bytes (e.g. the sentinel at 0x1ef) mislead the kernel. */
	memset(bp, 0, sizeof(bp));
	zp_header(bp, ki);
	put32(bp, BP_CMD_LINE_PTR, (uint32_t)CMDLINE_ADDR);
	put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(CMDLINE_ADDR >> 32));
	put32(bp, BP_CMDLINE_SIZE, (uint32_t)cmdline_len + 1);
	put32(bp, BP_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
	put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_gpa >> 32));
	put32(bp, BP_RAMDISK_SIZE, (uint32_t)initrd_size);
	put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
	n = bootparams_e820(gm, map, E820_MAX < BP_E820_TABLE_MAX ? E820_MAX : BP_E820_TABLE_MAX);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (i = 0; i < n; i++)
		memcpy(bp + BP_E820_TABLE + i * sizeof(map[0]), &map[i], sizeof(map[0]));
	return write_low(gm, ZERO_PAGE_ADDR, bp, sizeof(bp), "zero page", e);
}

static int write_pvh(struct guest_mem *gm, uint64_t initrd_gpa, uint64_t initrd_size,
		     struct errbuf *e)
{
	struct hvm_memmap_table_entry mm[E820_MAX];
	struct hvm_modlist_entry mod = {0};
	struct hvm_start_info si = {0};
	struct e820_entry map[E820_MAX];
	int i, n, ret;

	n = bootparams_e820(gm, map, E820_MAX);
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < n; i++) {
		mm[i].addr = map[i].addr;
		mm[i].size = map[i].size;
		mm[i].type = map[i].type;
	}
	si.magic = HVM_START_MAGIC;
	si.version = HVM_START_VERSION;
	si.nr_modules = initrd_size ? 1 : 0;
	si.modlist_paddr = PVH_MODLIST_ADDR;
	si.cmdline_paddr = CMDLINE_ADDR;
	si.memmap_paddr = PVH_MEMMAP_ADDR;
	si.memmap_entries = (uint32_t)n;
	if (initrd_size) {
		mod.paddr = initrd_gpa;
		mod.size = initrd_size;
	}
	ret = write_low(gm, PVH_INFO_ADDR, &si, sizeof(si), "PVH start info", e);
	if (ret)
		return ret;
	ret = write_low(gm, PVH_MODLIST_ADDR, &mod, sizeof(mod), "PVH module list", e);
	if (ret)
		return ret;
	return write_low(gm, PVH_MEMMAP_ADDR, mm, n * sizeof(mm[0]), "PVH memory map", e);
}

int bootparams_setup(struct guest_mem *gm, const struct kernel_info *ki, const char *cmdline,
		     uint64_t initrd_gpa, uint64_t initrd_size, struct errbuf *e)
{
	size_t cmdline_len = 0;
	int ret;

	if (initrd_size && !gm_ptr(gm, initrd_gpa, initrd_size))
		return errf(e, -EINVAL, "boot setup: initrd [0x%llx, +0x%llx) is not in guest RAM",
			    (unsigned long long)initrd_gpa, (unsigned long long)initrd_size);
	ret = write_cmdline(gm, ki, cmdline, &cmdline_len, e);
	if (ret)
		return ret;
	ret = write_gdt_idt(gm, ki->proto, e);
	if (ret)
		return ret;
	if (ki->proto == BOOT_PROTO_PVH)
		return write_pvh(gm, initrd_gpa, initrd_size, e);
	ret = write_page_tables(gm, e);
	if (ret)
		return ret;
	return write_zero_page(gm, ki, cmdline_len, initrd_gpa, initrd_size, e);
}

/* ACPI hook: patch the RSDP's address into what setup_boot wrote. */
int bootparams_set_rsdp(struct guest_mem *gm, enum boot_protocol proto, uint64_t rsdp,
			struct errbuf *e)
{
	if (proto == BOOT_PROTO_PVH)
		return write_low(gm, PVH_INFO_ADDR + offsetof(struct hvm_start_info, rsdp_paddr),
				 &rsdp, sizeof(rsdp), "PVH RSDP address", e);
	return write_low(gm, ZERO_PAGE_ADDR + BP_ACPI_RSDP_ADDR, &rsdp, sizeof(rsdp),
			 "zero page RSDP address", e);
}
