/*
 * loader_elf.c - ELF64 vmlinux loader; see loader.h.
 *
 * A vmlinux is an ET_EXEC ELF64 file whose PT_LOAD segments carry their
 * physical load address in p_paddr (p_vaddr is the __START_KERNEL_map
 * alias, or 0 for the per-CPU segment). e_entry is the physical address of
 * startup_64 (the linker script says ENTRY(phys_startup_64)). A kernel built
 * with CONFIG_PVH also carries a "Xen" note of type XEN_ELFNOTE_PHYS32_ENTRY
 * whose descriptor is the physical address of its 32-bit PVH entry.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "loader.h"

/* Header structs are copied out of the image and read in host order. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ELF fields are read as little endian");

#define ELF_MAX_PHNUM		 128 /* a vmlinux has about 5; more is hostile */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define KERNEL_VIRT_BASE	 0xffffffff80000000ULL	/* __START_KERNEL_map */
#define ELF_CMDLINE_MAX		 2047			/* COMMAND_LINE_SIZE 2048, minus NUL */
#define NOTE_ALIGN(x)		 (((x) + 3ULL) & ~3ULL) /* name/desc padding to 4 bytes */

static void get_phdr(const uint8_t *img, const Elf64_Ehdr *eh, unsigned int i, Elf64_Phdr *ph)
{
	/* Bounds were checked by check_ehdr(). */
	memcpy(ph, img + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

static int check_ident(const Elf64_Ehdr *eh, struct errbuf *e)
{
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return errf(e, -EINVAL, "kernel image: ELF class %u is not ELFCLASS64",
			    eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return errf(e, -EINVAL, "kernel image: ELF data encoding %u is not little endian",
			    eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return errf(e, -EINVAL, "kernel image: ELF version %u is not EV_CURRENT",
			    eh->e_ident[EI_VERSION]);
	if (eh->e_machine != EM_X86_64)
		return errf(e, -EINVAL, "kernel image: ELF machine %u is not x86-64",
			    eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return errf(e, -EINVAL, "kernel image: ELF type %u is not an executable (ET_EXEC)",
			    eh->e_type);
	return 0;
}

/* check_ehdr - copy out and validate the ELF header and program header table. */
static int check_ehdr(const uint8_t *img, size_t len, Elf64_Ehdr *eh, struct errbuf *e)
{
	uint64_t tbl_size, tbl_end;
	int ret;

	if (len < sizeof(*eh))
		return errf(e, -EINVAL, "kernel image: %zu bytes is too short for an ELF64 header",
			    len);
	memcpy(eh, img, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return errf(e, -EINVAL, "kernel image: bad ELF magic");
	ret = check_ident(eh, e);
	if (ret)
		return ret;
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return errf(e, -EINVAL, "kernel image: ELF program header size %u is not %zu",
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHNUM)
		return errf(e, -EINVAL,
			    "kernel image: ELF has %u program headers (1 to %u allowed)",
			    eh->e_phnum, ELF_MAX_PHNUM);
	tbl_size = (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (__builtin_add_overflow(eh->e_phoff, tbl_size, &tbl_end) || tbl_end > len)
		return errf(e, -EINVAL,
			    "kernel image: ELF program headers at offset 0x%llx run past the "
			    "end of the %zu-byte file",
			    (unsigned long long)eh->e_phoff, len);
	return 0;
}

/* check_file_range - [off, off + size) of a segment lies inside the file. */
static int check_file_range(const Elf64_Phdr *ph, unsigned int i, size_t len, struct errbuf *e)
{
	uint64_t end;

	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) || end > len)
		return errf(e, -EINVAL,
			    "kernel image: ELF segment %u (offset 0x%llx, 0x%llx bytes) runs past "
			    "the end of the %zu-byte file",
			    i, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz,
			    len);
	return 0;
}

static int check_load(const struct guest_mem *gm, const Elf64_Phdr *ph, unsigned int i, size_t len,
		      struct errbuf *e)
{
	uint64_t end;
	int ret;

	if (ph->p_filesz > ph->p_memsz)
		return errf(e, -EINVAL,
			    "kernel image: ELF segment %u has more file bytes (0x%llx) than "
			    "memory bytes (0x%llx)",
			    i, (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	ret = check_file_range(ph, i, len, e);
	if (ret)
		return ret;
	if (ph->p_paddr < HIMEM_START)
		return errf(e, -EINVAL,
			    "kernel image: ELF segment %u loads at 0x%llx, below 1 MiB where "
			    "ember keeps its boot structures",
			    i, (unsigned long long)ph->p_paddr);
	if (__builtin_add_overflow(ph->p_paddr, ph->p_memsz, &end) || end > gm_low_end(gm))
		return errf(e, -EINVAL,
			    "kernel image: ELF segment %u [0x%llx, +0x%llx) lies outside low "
			    "guest RAM (which ends at 0x%llx)",
			    i, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
			    (unsigned long long)gm_low_end(gm));
	return 0;
}

/* check_overlap - segment @i must not share a byte with an earlier one. */
static int check_overlap(const uint8_t *img, const Elf64_Ehdr *eh, const Elf64_Phdr *a,
			 unsigned int i, struct errbuf *e)
{
	Elf64_Phdr b;
	unsigned int j;

	for (j = 0; j < i; j++) {
		get_phdr(img, eh, j, &b);
		if (b.p_type != PT_LOAD || b.p_memsz == 0)
			continue;
		/* Both ranges were checked not to wrap. */
		if (a->p_paddr < b.p_paddr + b.p_memsz && b.p_paddr < a->p_paddr + a->p_memsz)
			return errf(e, -EINVAL,
				    "kernel image: ELF segments %u and %u overlap in guest memory",
				    j, i);
	}
	return 0;
}

/* check_segments - validate every PT_LOAD; sets the loaded range in @ki. */
static int check_segments(const struct guest_mem *gm, const uint8_t *img, size_t len,
			  const Elf64_Ehdr *eh, struct kernel_info *ki, struct errbuf *e)
{
	unsigned int i, nr_load = 0;
	Elf64_Phdr ph;
	int ret;

	ki->load_start = UINT64_MAX;
	ki->load_end = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		get_phdr(img, eh, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		ret = check_load(gm, &ph, i, len, e);
		if (ret)
			return ret;
		if (ph.p_memsz == 0)
			continue;
		ret = check_overlap(img, eh, &ph, i, e);
		if (ret)
			return ret;
		nr_load++;
		if (ph.p_paddr < ki->load_start)
			ki->load_start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > ki->load_end)
			ki->load_end = ph.p_paddr + ph.p_memsz;
	}
	if (nr_load == 0)
		return errf(e, -EINVAL, "kernel image: ELF has no loadable segment");
	return 0;
}

/* copy_segments - file bytes to p_paddr, then zero the rest (the bss). */
static int copy_segments(struct guest_mem *gm, const uint8_t *img, const Elf64_Ehdr *eh,
			 struct errbuf *e)
{
	unsigned int i;
	Elf64_Phdr ph;
	uint8_t *dst;

	for (i = 0; i < eh->e_phnum; i++) {
		get_phdr(img, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = gm_ptr(gm, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return errf(e, -EFAULT, "kernel image: ELF segment %u is outside guest RAM",
				    i);
		memcpy(dst, img + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}

/* in_loaded - @addr is inside the memory image of some PT_LOAD segment. */
static bool in_loaded(const uint8_t *img, const Elf64_Ehdr *eh, uint64_t addr)
{
	unsigned int i;
	Elf64_Phdr ph;

	for (i = 0; i < eh->e_phnum; i++) {
		get_phdr(img, eh, i, &ph);
		if (ph.p_type == PT_LOAD && addr >= ph.p_paddr && addr - ph.p_paddr < ph.p_memsz)
			return true;
	}
	return false;
}

/* virt_to_phys - translate a __START_KERNEL_map entry through its segment. */
static bool virt_to_phys(const uint8_t *img, const Elf64_Ehdr *eh, uint64_t va, uint64_t *pa)
{
	unsigned int i;
	Elf64_Phdr ph;

	for (i = 0; i < eh->e_phnum; i++) {
		get_phdr(img, eh, i, &ph);
		if (ph.p_type == PT_LOAD && va >= ph.p_vaddr && va - ph.p_vaddr < ph.p_memsz) {
			*pa = ph.p_paddr + (va - ph.p_vaddr);
			return true;
		}
	}
	return false;
}

static int read_pvh_desc(const uint8_t *desc, uint32_t descsz, uint64_t *entry, struct errbuf *e)
{
	uint32_t v32;

	/* Linux emits the address with _ASM_PTR: 8 bytes on x86-64, 4 on i386. */
	if (descsz == 4) {
		memcpy(&v32, desc, 4);
		*entry = v32;
	} else if (descsz == 8) {
		memcpy(entry, desc, 8);
	} else {
		return errf(e, -EINVAL,
			    "kernel image: PVH entry note has a %u-byte descriptor, not 4 or 8",
			    descsz);
	}
	if (*entry >= MMIO_GAP_END)
		return errf(e, -EINVAL,
			    "kernel image: PVH entry 0x%llx is not a 32-bit physical address",
			    (unsigned long long)*entry);
	return 0;
}

/*
 * parse_notes - walk the notes of PT_NOTE segment @i (@size bytes at @p).
 * Each note is a 12-byte header {namesz, descsz, type}, then the name and
 * the descriptor, each padded to 4 bytes. Every size is hostile.
 */
static int parse_notes(const uint8_t *p, uint64_t size, unsigned int i, bool *found,
		       uint64_t *entry, struct errbuf *e)
{
	uint64_t pos = 0, desc_off;
	Elf64_Nhdr nh;
	int ret;

	while (pos < size) {
		if (size - pos < sizeof(nh))
			return errf(e, -EINVAL,
				    "kernel image: ELF note at offset 0x%llx of segment %u is "
				    "truncated",
				    (unsigned long long)pos, i);
		memcpy(&nh, p + pos, sizeof(nh));
		desc_off = pos + sizeof(nh) + NOTE_ALIGN((uint64_t)nh.n_namesz);
		if (desc_off > size || nh.n_descsz > size - desc_off)
			return errf(e, -EINVAL,
				    "kernel image: ELF note at offset 0x%llx of segment %u "
				    "(name %u bytes, descriptor %u bytes) overruns the segment",
				    (unsigned long long)pos, i, nh.n_namesz, nh.n_descsz);
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    memcmp(p + pos + sizeof(nh), "Xen", 4) == 0) {
			ret = read_pvh_desc(p + desc_off, nh.n_descsz, entry, e);
			if (ret)
				return ret;
			*found = true;
		}
		/* Padding after the last descriptor may be missing: pos > size. */
		pos = desc_off + NOTE_ALIGN((uint64_t)nh.n_descsz);
	}
	return 0;
}

static int find_pvh_entry(const uint8_t *img, size_t len, const Elf64_Ehdr *eh, bool *found,
			  uint64_t *entry, struct errbuf *e)
{
	unsigned int i;
	Elf64_Phdr ph;
	int ret;

	*found = false;
	for (i = 0; i < eh->e_phnum; i++) {
		get_phdr(img, eh, i, &ph);
		if (ph.p_type != PT_NOTE)
			continue;
		ret = check_file_range(&ph, i, len, e);
		if (ret)
			return ret;
		ret = parse_notes(img + ph.p_offset, ph.p_filesz, i, found, entry, e);
		if (ret)
			return ret;
	}
	return 0;
}

/* linux64_entry - e_entry as a physical address inside a loaded segment. */
static int linux64_entry(const uint8_t *img, const Elf64_Ehdr *eh, uint64_t *entry,
			 struct errbuf *e)
{
	uint64_t pa = eh->e_entry;

	if (pa >= KERNEL_VIRT_BASE && !virt_to_phys(img, eh, eh->e_entry, &pa))
		return errf(e, -EINVAL,
			    "kernel image: ELF entry 0x%llx is not inside any loadable segment",
			    (unsigned long long)eh->e_entry);
	*entry = pa;
	return 0;
}

int loader_elf_load(struct guest_mem *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
		    struct errbuf *e)
{
	bool pvh = false;
	Elf64_Ehdr eh;
	uint64_t entry = 0;
	int ret;

	memset(ki, 0, sizeof(*ki));
	ret = check_ehdr(img, len, &eh, e);
	if (ret)
		return ret;
	ret = check_segments(gm, img, len, &eh, ki, e);
	if (ret)
		return ret;
	ret = find_pvh_entry(img, len, &eh, &pvh, &entry, e);
	if (ret)
		return ret;
	if (!pvh) {
		ret = linux64_entry(img, &eh, &entry, e);
		if (ret)
			return ret;
	}
	if (!in_loaded(img, &eh, entry))
		return errf(e, -EINVAL,
			    "kernel image: %s entry 0x%llx is not inside any loaded segment",
			    pvh ? "PVH" : "ELF", (unsigned long long)entry);
	ret = copy_segments(gm, img, &eh, e);
	if (ret)
		return ret;
	ki->format = KERNEL_ELF;
	ki->proto = pvh ? BOOT_PROTO_PVH : BOOT_PROTO_LINUX64;
	ki->entry = entry;
	ki->initrd_addr_max = MMIO_GAP_START - 1;
	ki->cmdline_max = ELF_CMDLINE_MAX;
	return 0;
}
