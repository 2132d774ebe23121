/*
 * loader.c - kernel format detection and initrd placement; see loader.h.
 *
 * Three kernel formats, detected from the image bytes:
 *   - ELF64 vmlinux with a PVH note (XEN_ELFNOTE_PHYS32_ENTRY): PVH boot,
 *     32-bit protected-mode entry with %rbx = struct hvm_start_info.
 *   - ELF64 vmlinux without it: 64-bit Linux boot protocol, entry = e_entry
 *     (converted to a physical address), %rsi = zero page.
 *   - bzImage (setup header "HdrS", protocol >= 2.12, XLF_KERNEL_64): the
 *     protected-mode part is loaded at its preferred address (>= 1 MiB,
 *     kernel_alignment honoured) and entered at load + 0x200 in 64-bit mode;
 *     the image's setup header seeds the zero page.
 *
 * Every image is untrusted input: all offsets, sizes and addresses are
 * checked (overflow-safe) against the file length and guest RAM; segments
 * may not overlap each other or ember's boot structures below HIMEM_START.
 * Each rejection returns -EINVAL (or -E2BIG / -ENOEXEC) with a sentence in
 * the errbuf.
 */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "loader.h"

/* Offsets in a bzImage's first sector that identify the setup header. */
#define BZ_BOOT_FLAG_OFF 0x1fe /* u16 0xAA55, the old boot sector signature */
#define BZ_MAGIC_OFF	 0x202 /* "HdrS" */

static bool is_elf(const uint8_t *img, size_t len)
{
	static const uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};

	return len >= sizeof(elf_magic) && memcmp(img, elf_magic, sizeof(elf_magic)) == 0;
}

static bool is_bzimage(const uint8_t *img, size_t len)
{
	return len >= BZ_MAGIC_OFF + 4 && img[BZ_BOOT_FLAG_OFF] == 0x55 &&
	       img[BZ_BOOT_FLAG_OFF + 1] == 0xaa && memcmp(img + BZ_MAGIC_OFF, "HdrS", 4) == 0;
}

int loader_kernel(struct guest_mem *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
		  struct errbuf *e)
{
	memset(ki, 0, sizeof(*ki));
	if (len == 0)
		return errf(e, -EINVAL, "kernel image is empty");
	if (len > gm_low_end(gm))
		return errf(e, -E2BIG,
			    "kernel image of %zu bytes is larger than low guest RAM (%llu)", len,
			    (unsigned long long)gm_low_end(gm));
	if (is_elf(img, len))
		return loader_elf_load(gm, img, len, ki, e);
	if (is_bzimage(img, len))
		return loader_bzimage_load(gm, img, len, ki, e);
	return errf(e, -ENOEXEC, "kernel image: not an ELF vmlinux or a bzImage");
}

int loader_initrd(struct guest_mem *gm, const struct kernel_info *ki, const uint8_t *img,
		  size_t len, uint64_t *gpa, struct errbuf *e)
{
	uint64_t top = gm_low_end(gm), floor = ki->load_end, limit, addr;

	if (len == 0)
		return errf(e, -EINVAL, "initrd image is empty");
	/* initrd_addr_max is the last byte the kernel can reach; +1 may wrap. */
	if (__builtin_add_overflow(ki->initrd_addr_max, 1, &limit))
		limit = UINT64_MAX;
	if (limit < top)
		top = limit;
	/* Never below 1 MiB: that is where ember's boot structures live. */
	if (floor < HIMEM_START)
		floor = HIMEM_START;
	if (len > top || ((top - len) & ~(INITRD_ALIGN - 1)) < floor)
		return errf(e, -ENOSPC,
			    "initrd of %zu bytes does not fit between the kernel end 0x%llx and "
			    "0x%llx",
			    len, (unsigned long long)floor, (unsigned long long)top);
	addr = (top - len) & ~(INITRD_ALIGN - 1);
	if (gm_write(gm, addr, img, len))
		return errf(e, -EFAULT, "initrd at 0x%llx (%zu bytes) is outside guest RAM",
			    (unsigned long long)addr, len);
	*gpa = addr;
	return 0;
}
