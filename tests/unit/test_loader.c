/*
 * Unit tests for the kernel loaders (ELF vmlinux, PVH, bzImage) and initrd
 * placement. Every image is synthesized here; malformed ones are valid
 * images with one field broken. Real kernels are used when available:
 * $EMBER_TEST_VMLINUX / $EMBER_TEST_BZIMAGE, else build/guest/{vmlinux,bzImage}.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bootparams.h"
#include "layout.h"
#include "loader.h"

#define MiB	 (1ULL << 20)
#define GiB	 (1ULL << 30)
#define RAM_SIZE (64 * MiB)
#define KVIRT	 0xffffffff80000000ULL

/* ---- fixtures ----------------------------------------------------------- */

static int gm_setup(void **state)
{
	struct guest_mem *gm = calloc(1, sizeof(*gm));
	struct errbuf e;

	if (!gm || gm_init(gm, RAM_SIZE, &e))
		return -1;
	*state = gm;
	return 0;
}

static int gm_teardown(void **state)
{
	gm_destroy(*state);
	free(*state);
	return 0;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 31 + 7);
}

struct seg {
	uint32_t type;
	uint64_t off, paddr, vaddr, filesz, memsz;
};

/* An ELF vmlinux: two PT_LOADs (the second with bss) and a PT_NOTE, last in the file. */
struct elf_fix {
	unsigned int nph;
	struct seg ph[4];
	uint64_t entry;
	uint8_t notes[128];
	size_t notes_len;
	uint8_t *img;
	size_t len;
};

static size_t put_note(uint8_t *buf, size_t pos, const char *name, uint32_t namesz, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	uint32_t hdr[3] = {namesz, descsz, type};

	memcpy(buf + pos, hdr, sizeof(hdr));
	pos += sizeof(hdr);
	memcpy(buf + pos, name, namesz);
	pos += (namesz + 3) & ~3u;
	memcpy(buf + pos, desc, descsz);
	return pos + ((descsz + 3) & ~3u);
}

/* elf_fix_init - @pvh_descsz 0: no PVH note; 4 or 8: a PHYS32_ENTRY note. */
static void elf_fix_init(struct elf_fix *f, uint32_t pvh_descsz, uint64_t pvh_entry)
{
	static const uint8_t build_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint32_t v32 = (uint32_t)pvh_entry;

	memset(f, 0, sizeof(*f));
	f->nph = 3;
	f->ph[0] = (struct seg){PT_LOAD, 0x100, 16 * MiB, KVIRT + 16 * MiB, 0x300, 0x300};
	f->ph[1] = (struct seg){PT_LOAD, 0x400, 18 * MiB, KVIRT + 18 * MiB, 0x100, 0x2000};
	f->entry = 16 * MiB;
	f->notes_len = put_note(f->notes, 0, "GNU", 4, NT_GNU_BUILD_ID, build_id, 8);
	/* A Xen note of another type must be skipped. */
	f->notes_len = put_note(f->notes, f->notes_len, "Xen", 4, 6, build_id, 4);
	if (pvh_descsz)
		f->notes_len =
		    put_note(f->notes, f->notes_len, "Xen", 4, 18,
			     pvh_descsz == 4 ? (void *)&v32 : (void *)&pvh_entry, pvh_descsz);
	f->ph[2] = (struct seg){PT_NOTE, 0x500, 0, 0, f->notes_len, f->notes_len};
}

static void elf_build(struct elf_fix *f)
{
	Elf64_Ehdr eh = {0};
	unsigned int i;

	f->len = 0;
	for (i = 0; i < f->nph; i++)
		if (f->ph[i].off + f->ph[i].filesz > f->len && f->ph[i].off < 0x10000)
			f->len = f->ph[i].off + f->ph[i].filesz;
	free(f->img);
	f->img = malloc(f->len);
	assert_non_null(f->img);
	for (i = 0; i < f->len; i++)
		f->img[i] = pattern(i);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = f->entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)f->nph;
	memcpy(f->img, &eh, sizeof(eh));
	for (i = 0; i < f->nph; i++) {
		Elf64_Phdr ph = {.p_type = f->ph[i].type,
				 .p_offset = f->ph[i].off,
				 .p_vaddr = f->ph[i].vaddr,
				 .p_paddr = f->ph[i].paddr,
				 .p_filesz = f->ph[i].filesz,
				 .p_memsz = f->ph[i].memsz,
				 .p_align = 0x1000};

		memcpy(f->img + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		/* Notes go where the PT_NOTE points, as far as the file reaches. */
		if (ph.p_type == PT_NOTE && ph.p_offset < f->len)
			memcpy(f->img + ph.p_offset, f->notes,
			       f->notes_len < f->len - ph.p_offset ? f->notes_len
								   : f->len - ph.p_offset);
	}
}

static Elf64_Ehdr *ehdr(struct elf_fix *f)
{
	return (Elf64_Ehdr *)f->img; /* malloc'd, so suitably aligned */
}

/* expect_reject - loader_kernel fails with @code and a message naming @what. */
static void expect_reject(struct guest_mem *gm, const uint8_t *img, size_t len, int code,
			  const char *what)
{
	struct kernel_info ki;
	struct errbuf e = {""};

	assert_int_equal(loader_kernel(gm, img, len, &ki, &e), code);
	if (!strstr(e.msg, what))
		fail_msg("message \"%s\" does not mention \"%s\"", e.msg, what);
}

static void elf_reject(struct guest_mem *gm, struct elf_fix *f, const char *what)
{
	elf_build(f);
	expect_reject(gm, f->img, f->len, -EINVAL, what);
	free(f->img);
	f->img = NULL;
}

/* ---- ELF ---------------------------------------------------------------- */

static void elf_two_segments_bss_zeroed(void **state)
{
	struct guest_mem *gm = *state;
	struct kernel_info ki;
	struct errbuf e;
	struct elf_fix f;
	uint8_t *p;

	elf_fix_init(&f, 0, 0);
	elf_build(&f);
	memset(gm_ptr(gm, 18 * MiB, 0x2000), 0xee, 0x2000); /* stale bytes in the bss */
	assert_int_equal(loader_kernel(gm, f.img, f.len, &ki, &e), 0);
	assert_int_equal(ki.format, KERNEL_ELF);
	assert_int_equal(ki.proto, BOOT_PROTO_LINUX64);
	assert_int_equal(ki.entry, 16 * MiB);
	assert_int_equal(ki.load_start, 16 * MiB);
	assert_int_equal(ki.load_end, 18 * MiB + 0x2000);
	assert_false(ki.has_setup_header);
	assert_int_equal(ki.cmdline_max, 2047);
	assert_int_equal(ki.initrd_addr_max, MMIO_GAP_START - 1);
	assert_memory_equal(gm_ptr(gm, 16 * MiB, 0x300), f.img + 0x100, 0x300);
	p = gm_ptr(gm, 18 * MiB, 0x2000);
	assert_memory_equal(p, f.img + 0x400, 0x100);
	for (size_t i = 0x100; i < 0x2000; i++)
		assert_int_equal(p[i], 0);
	free(f.img);
}

static void elf_one_segment_virtual_entry(void **state)
{
	struct kernel_info ki;
	struct errbuf e;
	struct elf_fix f;

	elf_fix_init(&f, 0, 0);
	f.nph = 1;
	f.entry = KVIRT + 16 * MiB + 0x40; /* translated through segment 0 */
	elf_build(&f);
	assert_int_equal(loader_kernel(*state, f.img, f.len, &ki, &e), 0);
	assert_int_equal(ki.entry, 16 * MiB + 0x40);
	assert_int_equal(ki.load_end, 16 * MiB + 0x300);
	free(f.img);
}

static void elf_pvh_note(void **state)
{
	struct kernel_info ki;
	struct errbuf e;
	struct elf_fix f;
	uint32_t sz;

	for (sz = 4; sz <= 8; sz += 4) {
		elf_fix_init(&f, sz, 16 * MiB + 0x80);
		elf_build(&f);
		assert_int_equal(loader_kernel(*state, f.img, f.len, &ki, &e), 0);
		assert_int_equal(ki.proto, BOOT_PROTO_PVH);
		assert_int_equal(ki.entry, 16 * MiB + 0x80);
		assert_int_equal(ki.format, KERNEL_ELF);
		free(f.img);
	}
}

static void elf_truncated_everywhere(void **state)
{
	struct guest_mem *gm = *state;
	struct kernel_info ki;
	struct errbuf e;
	struct elf_fix f;
	size_t l;

	elf_fix_init(&f, 8, 16 * MiB);
	elf_build(&f);
	/* The PT_NOTE ends the file, so every proper prefix is malformed. */
	for (l = 0; l < f.len; l++)
		assert_true(loader_kernel(gm, f.img, l, &ki, &e) < 0);
	expect_reject(gm, f.img, 3, -ENOEXEC, "not an ELF");
	expect_reject(gm, f.img, 63, -EINVAL, "too short for an ELF64 header");
	expect_reject(gm, f.img, 64 + 56 * 2, -EINVAL, "program headers");
	expect_reject(gm, f.img, 0x3ff, -EINVAL, "segment 0");
	expect_reject(gm, f.img, 0x4ff, -EINVAL, "segment 1");
	expect_reject(gm, f.img, f.len - 1, -EINVAL, "segment 2");
	assert_int_equal(loader_kernel(gm, f.img, f.len, &ki, &e), 0);
	free(f.img);
}

static void elf_bad_header(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		const char *what;
	} cases[] = {
	    {EI_MAG0, 0x7e, "not an ELF"},
	    {EI_CLASS, ELFCLASS32, "class"},
	    {EI_DATA, ELFDATA2MSB, "little endian"},
	    {EI_VERSION, 0, "version"},
	    {18, EM_386, "machine"},
	    {16, ET_DYN, "ET_EXEC"},
	    {54, 32, "program header size"},
	    {56, 0, "0 program headers"},
	};
	struct elf_fix f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		elf_fix_init(&f, 0, 0);
		elf_build(&f);
		f.img[cases[i].off] = cases[i].val;
		expect_reject(*state, f.img, f.len, cases[i].off == EI_MAG0 ? -ENOEXEC : -EINVAL,
			      cases[i].what);
		/* Called directly, the ELF loader rejects the bad magic itself. */
		if (cases[i].off == EI_MAG0) {
			struct kernel_info ki;
			struct errbuf e;

			assert_int_equal(loader_elf_load(*state, f.img, f.len, &ki, &e), -EINVAL);
		}
		free(f.img);
	}
}

static void elf_bad_program_table(void **state)
{
	struct elf_fix f;

	elf_fix_init(&f, 0, 0);
	elf_build(&f);
	ehdr(&f)->e_phnum = 0xffff; /* PN_XNUM or absurd */
	expect_reject(*state, f.img, f.len, -EINVAL, "program headers");
	ehdr(&f)->e_phnum = 129;
	expect_reject(*state, f.img, f.len, -EINVAL, "program headers");
	ehdr(&f)->e_phnum = 3;
	ehdr(&f)->e_phoff = UINT64_MAX - 16; /* phoff + size wraps */
	expect_reject(*state, f.img, f.len, -EINVAL, "program headers");
	ehdr(&f)->e_phoff = f.len - 56;
	expect_reject(*state, f.img, f.len, -EINVAL, "program headers");
	free(f.img);
}

static void elf_bad_segments(void **state)
{
	struct guest_mem *gm = *state;
	struct elf_fix f;

	elf_fix_init(&f, 0, 0);
	f.ph[1].paddr = 16 * MiB + 0x2ff; /* last byte of segment 0 */
	elf_reject(gm, &f, "overlap");
	elf_fix_init(&f, 0, 0);
	f.ph[0].paddr = 15 * MiB + 0x1000; /* segment 0 laps over segment 1's start */
	f.ph[0].memsz = MiB;
	f.ph[1].paddr = 16 * MiB;
	f.entry = 16 * MiB;
	elf_reject(gm, &f, "overlap");
	elf_fix_init(&f, 0, 0);
	f.ph[0].paddr = 0x80000;
	elf_reject(gm, &f, "below 1 MiB");
	elf_fix_init(&f, 0, 0);
	f.ph[1].paddr = RAM_SIZE - 0x1000; /* bss runs past the end of RAM */
	elf_reject(gm, &f, "outside low guest RAM");
	elf_fix_init(&f, 0, 0);
	f.ph[1].paddr = UINT64_MAX - 0x100; /* paddr + memsz wraps */
	elf_reject(gm, &f, "outside low guest RAM");
	elf_fix_init(&f, 0, 0);
	f.ph[1].memsz = UINT64_MAX;
	elf_reject(gm, &f, "outside low guest RAM");
	elf_fix_init(&f, 0, 0);
	f.ph[1].filesz = 0x3000; /* more than memsz */
	elf_reject(gm, &f, "more file bytes");
	elf_fix_init(&f, 0, 0);
	f.ph[1].off = UINT64_MAX - 0x10; /* offset + filesz wraps */
	elf_reject(gm, &f, "past the end");
	elf_fix_init(&f, 0, 0);
	f.ph[1].filesz = f.ph[1].memsz = UINT64_MAX - 0x300;
	elf_reject(gm, &f, "past the end");
	elf_fix_init(&f, 0, 0);
	f.ph[0].type = f.ph[1].type = PT_NULL;
	elf_reject(gm, &f, "no loadable segment");
}

static void elf_bad_entry(void **state)
{
	struct elf_fix f;

	elf_fix_init(&f, 0, 0);
	f.entry = 17 * MiB; /* between the segments */
	elf_reject(*state, &f, "entry 0x1100000 is not inside");
	elf_fix_init(&f, 0, 0);
	f.entry = 16 * MiB + 0x300; /* one past segment 0 */
	elf_reject(*state, &f, "not inside");
	elf_fix_init(&f, 0, 0);
	f.entry = KVIRT + 17 * MiB; /* virtual, in no segment */
	elf_reject(*state, &f, "not inside");
	elf_fix_init(&f, 8, 0x2000000); /* PVH entry outside the segments */
	elf_reject(*state, &f, "PVH entry");
	elf_fix_init(&f, 8, 0x100000000ULL + 16 * MiB); /* not a 32-bit address */
	elf_reject(*state, &f, "32-bit");
	elf_fix_init(&f, 4, 16 * MiB);
	f.notes[f.notes_len - 16] = 2; /* PVH descsz 4 -> 2 */
	elf_reject(*state, &f, "2-byte descriptor");
}

static void elf_bad_notes(void **state)
{
	struct guest_mem *gm = *state;
	struct elf_fix f;
	uint32_t bad;

	elf_fix_init(&f, 4, 16 * MiB);
	bad = 0xffffffff; /* namesz of the first note */
	memcpy(f.notes, &bad, 4);
	elf_reject(gm, &f, "overruns");
	elf_fix_init(&f, 4, 16 * MiB);
	bad = 0xfffffffd; /* descsz of the first note */
	memcpy(f.notes + 4, &bad, 4);
	elf_reject(gm, &f, "overruns");
	elf_fix_init(&f, 4, 16 * MiB);
	bad = 9; /* descsz one past the end of the segment (last note) */
	memcpy(f.notes + f.notes_len - 4 - 12 - 4 + 4, &bad, 4);
	elf_reject(gm, &f, "overruns");
	elf_fix_init(&f, 4, 16 * MiB);
	f.ph[2].filesz = 8; /* not even one note header */
	elf_reject(gm, &f, "truncated");
	elf_fix_init(&f, 4, 16 * MiB);
	f.ph[2].filesz = 0x18 + 6; /* second note's header cut in half */
	elf_reject(gm, &f, "truncated");
	elf_fix_init(&f, 4, 16 * MiB);
	f.ph[2].off = UINT64_MAX - 4;
	elf_reject(gm, &f, "past the end");
}

/* ---- bzImage ------------------------------------------------------------ */

struct bz_fix {
	uint8_t sects, jump_rel, loadflags, reloc;
	uint16_t version, xlf;
	uint32_t align, init_size, initrd_max, cmdline_size;
	uint64_t pref;
	size_t payload;
};

static void bz_fix_init(struct bz_fix *f)
{
	*f = (struct bz_fix){.sects = 4,
			     .jump_rel = 0x66, /* header ends at 0x268 */
			     .loadflags = 0x01,
			     .reloc = 1,
			     .version = 0x020f,
			     .xlf = 0x03,
			     .align = 2 * MiB,
			     .init_size = 8 * MiB,
			     .initrd_max = 0x7fffffff,
			     .cmdline_size = 2047,
			     .pref = 16 * MiB,
			     .payload = 0x1000};
}

static uint8_t *bz_build(const struct bz_fix *f, size_t *len)
{
	size_t off = ((f->sects ? f->sects : 4) + 1) * 512, i;
	uint8_t *img;

	*len = off + f->payload;
	img = calloc(1, *len);
	assert_non_null(img);
	for (i = off; i < *len; i++)
		img[i] = pattern(i);
	img[0x1f1] = f->sects;
	memcpy(img + 0x1fe, "\x55\xaa\xeb", 3);
	img[0x201] = f->jump_rel;
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &f->version, 2);
	img[0x211] = f->loadflags;
	memcpy(img + 0x22c, &f->initrd_max, 4);
	memcpy(img + 0x230, &f->align, 4);
	img[0x234] = f->reloc;
	memcpy(img + 0x236, &f->xlf, 2);
	memcpy(img + 0x238, &f->cmdline_size, 4);
	memcpy(img + 0x258, &f->pref, 8);
	memcpy(img + 0x260, &f->init_size, 4);
	return img;
}

/* bz_load - build @f, load it; returns the loader_kernel result. */
static int bz_load(struct guest_mem *gm, const struct bz_fix *f, struct kernel_info *ki,
		   struct errbuf *e)
{
	size_t len;
	uint8_t *img = bz_build(f, &len);
	int ret = loader_kernel(gm, img, len, ki, e);

	free(img);
	return ret;
}

static void bz_reject(struct guest_mem *gm, const struct bz_fix *f, int code, const char *what)
{
	size_t len;
	uint8_t *img = bz_build(f, &len);

	expect_reject(gm, img, len, code, what);
	free(img);
}

static void bz_valid(void **state)
{
	struct guest_mem *gm = *state;
	struct kernel_info ki;
	struct errbuf e;
	struct bz_fix f;
	size_t len;
	uint8_t *img;

	bz_fix_init(&f);
	img = bz_build(&f, &len);
	assert_int_equal(loader_kernel(gm, img, len, &ki, &e), 0);
	assert_int_equal(ki.format, KERNEL_BZIMAGE);
	assert_int_equal(ki.proto, BOOT_PROTO_LINUX64);
	assert_int_equal(ki.load_start, 16 * MiB);
	assert_int_equal(ki.entry, 16 * MiB + 0x200);
	assert_int_equal(ki.load_end, 16 * MiB + 8 * MiB); /* init_size, not the payload */
	assert_memory_equal(gm_ptr(gm, 16 * MiB, 0x1000), img + 5 * 512, 0x1000);
	assert_true(ki.has_setup_header);
	assert_int_equal(ki.setup_header_len, 0x268 - 0x1f1);
	assert_memory_equal(ki.setup_header, img + 0x1f1, 0x268 - 0x1f1);
	assert_int_equal(ki.protocol_version, 0x020f);
	assert_int_equal(ki.cmdline_max, 2047);
	assert_int_equal(ki.initrd_addr_max, MMIO_GAP_START - 1); /* CAN_BE_LOADED_ABOVE_4G */
	free(img);

	f.xlf = 0x01;
	f.sects = 0;	     /* means 4 */
	f.jump_rel = 0xff;   /* longer than SETUP_HDR_MAX: capped */
	f.init_size = 0x100; /* smaller than the payload */
	f.cmdline_size = 100000;
	assert_int_equal(bz_load(gm, &f, &ki, &e), 0);
	assert_int_equal(ki.initrd_addr_max, 0x7fffffff);
	assert_int_equal(ki.setup_header_len, SETUP_HDR_MAX);
	assert_int_equal(ki.load_end, 16 * MiB + 0x1000);
	assert_int_equal(ki.cmdline_max, CMDLINE_MAX - 1);
	f.initrd_max = 0; /* boot.rst default */
	assert_int_equal(bz_load(gm, &f, &ki, &e), 0);
	assert_int_equal(ki.initrd_addr_max, 0x37ffffff);
}

static void bz_relocation(void **state)
{
	struct guest_mem *gm = *state, small;
	struct kernel_info ki;
	struct errbuf e;
	struct bz_fix f;

	bz_fix_init(&f);
	f.pref = 17 * MiB; /* not aligned to 2 MiB */
	assert_int_equal(bz_load(gm, &f, &ki, &e), 0);
	assert_int_equal(ki.load_start, 2 * MiB);
	assert_int_equal(ki.entry, 2 * MiB + 0x200);
	f.pref = 0; /* below 1 MiB */
	f.align = 16 * MiB;
	assert_int_equal(bz_load(gm, &f, &ki, &e), 0);
	assert_int_equal(ki.load_start, 16 * MiB);
	f.align = 0x1000;
	assert_int_equal(bz_load(gm, &f, &ki, &e), 0);
	assert_int_equal(ki.load_start, 1 * MiB);
	/* pref_address + init_size past RAM, but the first aligned slot fits. */
	assert_int_equal(gm_init(&small, 20 * MiB, &e), 0);
	bz_fix_init(&f);
	assert_int_equal(bz_load(&small, &f, &ki, &e), 0);
	assert_int_equal(ki.load_start, 2 * MiB);
	assert_int_equal(ki.load_end, 10 * MiB);
	f.reloc = 0;
	bz_reject(&small, &f, -E2BIG, "needs 0x800000 bytes");
	gm_destroy(&small);
	f.pref = 17 * MiB;
	bz_reject(gm, &f, -EINVAL, "not relocatable");
}

static void bz_init_size_too_big(void **state)
{
	struct bz_fix f;

	bz_fix_init(&f);
	f.init_size = 100 * MiB;
	bz_reject(*state, &f, -E2BIG, "init_size");
	f.init_size = UINT32_MAX;
	bz_reject(*state, &f, -E2BIG, "init_size");
	f.pref = UINT64_MAX & ~(2 * MiB - 1); /* pref + init_size wraps */
	bz_reject(*state, &f, -E2BIG, "init_size");
}

static void bz_malformed(void **state)
{
	struct guest_mem *gm = *state;
	struct kernel_info ki;
	struct errbuf e;
	struct bz_fix f;
	size_t len, l;
	uint8_t *img;

	bz_fix_init(&f);
	f.version = 0x020b;
	bz_reject(gm, &f, -EINVAL, "older than 2.12");
	bz_fix_init(&f);
	f.xlf = 0x02;
	bz_reject(gm, &f, -EINVAL, "XLF_KERNEL_64");
	bz_fix_init(&f);
	f.loadflags = 0;
	bz_reject(gm, &f, -EINVAL, "LOADED_HIGH");
	bz_fix_init(&f);
	f.jump_rel = 0x10;
	bz_reject(gm, &f, -EINVAL, "header ends at 0x212");
	bz_fix_init(&f);
	f.align = 0x300000;
	bz_reject(gm, &f, -EINVAL, "kernel_alignment");
	f.align = 0;
	bz_reject(gm, &f, -EINVAL, "kernel_alignment");
	f.align = 0x80000000;
	bz_reject(gm, &f, -EINVAL, "kernel_alignment");
	bz_fix_init(&f);
	f.payload = 0x200; /* entry at 0x200 would be past the payload */
	bz_reject(gm, &f, -EINVAL, "too short to hold the 64-bit entry");

	/* setup_sects pointing past (or exactly at) the end of the file. */
	bz_fix_init(&f);
	img = bz_build(&f, &len);
	img[0x1f1] = 200;
	expect_reject(gm, img, len, -EINVAL, "setup_sects 200");
	img[0x1f1] = (uint8_t)(len / 512 - 1);
	expect_reject(gm, img, len, -EINVAL, "past the end");
	img[0x1f1] = 4;
	/* Every truncation up to the first payload byte is rejected. */
	for (l = 0; l <= 5 * 512 + 0x200; l++)
		assert_true(loader_kernel(gm, img, l, &ki, &e) < 0);
	expect_reject(gm, img, 0x205, -ENOEXEC, "not an ELF vmlinux or a bzImage");
	expect_reject(gm, img, 0x267, -EINVAL, "too short for a bzImage");
	assert_int_equal(loader_bzimage_load(gm, img, 0x100, &ki, &e), -EINVAL);
	img[0x1fe] = 0;
	expect_reject(gm, img, len, -ENOEXEC, "not an ELF vmlinux or a bzImage");
	assert_int_equal(loader_bzimage_load(gm, img, len, &ki, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "HdrS"));
	free(img);
}

static void kernel_empty_huge_or_unknown(void **state)
{
	struct guest_mem small;
	struct errbuf e;
	uint8_t junk[512];
	uint8_t *big;

	memset(junk, 0x90, sizeof(junk));
	expect_reject(*state, junk, 0, -EINVAL, "empty");
	expect_reject(*state, junk, sizeof(junk), -ENOEXEC, "not an ELF vmlinux or a bzImage");
	assert_int_equal(gm_init(&small, 2 * MiB, &e), 0);
	big = calloc(1, 3 * MiB);
	assert_non_null(big);
	memcpy(big, ELFMAG, SELFMAG);
	expect_reject(&small, big, 3 * MiB, -E2BIG, "larger than low guest RAM");
	free(big);
	gm_destroy(&small);
}

/* ---- real kernels ------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static uint8_t *real_kernel(const char *env, const char *fallback, size_t *len)
{
	const char *path = getenv(env);
	uint8_t *img;

	if (!path || !*path)
		path = fallback;
	img = read_file(path, len);
	if (!img)
		print_message("skipping: no kernel at %s (set %s)\n", path, env);
	else
		print_message("using %s (%zu bytes)\n", path, *len);
	return img;
}

static void real_load_and_boot(struct guest_mem *gm, const uint8_t *img, size_t len,
			       struct kernel_info *ki)
{
	struct errbuf e = {""};
	int ret = loader_kernel(gm, img, len, ki, &e);

	if (ret)
		fail_msg("loader_kernel: %d %s", ret, e.msg);
	assert_true(ki->load_start >= HIMEM_START);
	assert_true(ki->entry >= ki->load_start && ki->entry < ki->load_end);
	ret = bootparams_setup(gm, ki, "console=ttyS0 reboot=k panic=1", 0, 0, &e);
	if (ret)
		fail_msg("bootparams_setup: %d %s", ret, e.msg);
	print_message("format %d proto %s entry 0x%llx load [0x%llx, 0x%llx)\n", ki->format,
		      ki->proto == BOOT_PROTO_PVH ? "PVH" : "LINUX64",
		      (unsigned long long)ki->entry, (unsigned long long)ki->load_start,
		      (unsigned long long)ki->load_end);
}

static void real_vmlinux(void **state)
{
	struct guest_mem gm;
	struct kernel_info ki;
	struct errbuf e;
	size_t len = 0;
	uint8_t *img = real_kernel("EMBER_TEST_VMLINUX", "build/guest/vmlinux", &len);

	if (!img)
		skip();
	assert_int_equal(gm_init(&gm, 512 * MiB, &e), 0);
	real_load_and_boot(&gm, img, len, &ki);
	assert_int_equal(ki.format, KERNEL_ELF);
	gm_destroy(&gm);
	free(img);
}

static void real_bzimage(void **state)
{
	struct guest_mem gm;
	struct kernel_info ki;
	struct errbuf e;
	size_t len = 0, off;
	uint8_t *img = real_kernel("EMBER_TEST_BZIMAGE", "build/guest/bzImage", &len);

	if (!img)
		skip();
	assert_int_equal(gm_init(&gm, 512 * MiB, &e), 0);
	real_load_and_boot(&gm, img, len, &ki);
	assert_int_equal(ki.format, KERNEL_BZIMAGE);
	assert_int_equal(ki.entry, ki.load_start + 0x200);
	assert_true(ki.protocol_version >= 0x020c);
	off = ((img[0x1f1] ? img[0x1f1] : 4) + 1) * 512;
	assert_memory_equal(gm_ptr(&gm, ki.load_start, len - off), img + off, len - off);
	assert_memory_equal(gm_ptr(&gm, ZERO_PAGE_ADDR + 0x202, 4), "HdrS", 4);
	gm_destroy(&gm);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(elf_two_segments_bss_zeroed, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_one_segment_virtual_entry, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_pvh_note, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_truncated_everywhere, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_bad_header, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_bad_program_table, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_bad_segments, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_bad_entry, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(elf_bad_notes, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(bz_valid, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(bz_relocation, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(bz_init_size_too_big, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(bz_malformed, gm_setup, gm_teardown),
	    cmocka_unit_test_setup_teardown(kernel_empty_huge_or_unknown, gm_setup, gm_teardown),
	    cmocka_unit_test(real_vmlinux),
	    cmocka_unit_test(real_bzimage),
	};
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
