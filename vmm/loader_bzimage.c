/*
 * loader_bzimage.c - bzImage loader (Linux x86 boot protocol, boot.rst).
 *
 * A bzImage is the real-mode setup code ((setup_sects + 1) sectors of 512
 * bytes, with the setup header at 0x1f1) followed by the protected-mode
 * kernel. ember skips the real-mode part: it copies the protected-mode
 * kernel to a suitable address >= 1 MiB and enters its 64-bit entry point,
 * which boot protocol 2.12+ with XLF_KERNEL_64 places at offset 0x200.
 * A compressed kernel decompresses itself in place and needs init_size
 * bytes from its load address, so that whole range must be RAM.
 */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "loader.h"

/* Setup header fields, as file offsets (= offsets in struct boot_params). */
#define BZ_SETUP_SECTS	   0x1f1 /* u8, 0 means 4 */
#define BZ_BOOT_FLAG	   0x1fe /* u16 0xAA55 */
#define BZ_JUMP_REL	   0x201 /* rel8 of the short jmp at 0x200, relative to 0x202 */
#define BZ_HEADER	   0x202 /* "HdrS", right after the jmp */
#define BZ_VERSION	   0x206 /* u16 protocol version */
#define BZ_LOADFLAGS	   0x211 /* u8 */
#define BZ_INITRD_ADDR_MAX 0x22c /* u32, 2.03+ */
#define BZ_KERNEL_ALIGN	   0x230 /* u32, 2.05+ */
#define BZ_RELOCATABLE	   0x234 /* u8, 2.05+ */
#define BZ_XLOADFLAGS	   0x236 /* u16, 2.12+ */
#define BZ_CMDLINE_SIZE	   0x238 /* u32, 2.06+ */
#define BZ_PREF_ADDRESS	   0x258 /* u64, 2.10+ */
#define BZ_INIT_SIZE	   0x260 /* u32, 2.10+ */
#define BZ_HDR_END_2_12	   0x268 /* first byte after the 2.12 header (handover_offset) */

#define BZ_MIN_VERSION		   0x020c
#define BZ_LOADED_HIGH		   0x01 /* loadflags: protected-mode code goes at 1 MiB+ */
#define XLF_KERNEL_64		   0x01 /* xloadflags: 64-bit entry at load + 0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x02
#define BZ_ENTRY_64_OFF		   0x200
#define BZ_SECTOR		   512
#define BZ_DEFAULT_INITRD_MAX	   0x37ffffff /* boot.rst: for a zero initrd_addr_max */
#define BZ_ALIGN_MAX		   0x40000000 /* 1 GiB; anything larger is hostile */

static uint16_t rd16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	return (uint32_t)rd16(p, off) | (uint32_t)rd16(p, off + 2) << 16;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	return (uint64_t)rd32(p, off) | (uint64_t)rd32(p, off + 4) << 32;
}

/* hdr_end - the setup header ends where the short jmp at 0x200 lands. */
static uint32_t hdr_end(const uint8_t *img)
{
	return BZ_HEADER + img[BZ_JUMP_REL];
}

/* check_header - everything that makes this a 64-bit-bootable bzImage. */
static int check_header(const uint8_t *img, size_t len, struct errbuf *e)
{
	uint16_t version;

	if (len < BZ_HDR_END_2_12)
		return errf(e, -EINVAL, "kernel image: %zu bytes is too short for a bzImage", len);
	if (rd16(img, BZ_BOOT_FLAG) != 0xaa55 || memcmp(img + BZ_HEADER, "HdrS", 4) != 0)
		return errf(e, -EINVAL, "kernel image: no bzImage setup header (boot flag, HdrS)");
	version = rd16(img, BZ_VERSION);
	if (version < BZ_MIN_VERSION)
		return errf(e, -EINVAL,
			    "kernel image: bzImage boot protocol %u.%02u is older than 2.12",
			    version >> 8, version & 0xff);
	if (!(rd16(img, BZ_XLOADFLAGS) & XLF_KERNEL_64))
		return errf(e, -EINVAL,
			    "kernel image: bzImage has no 64-bit entry point (XLF_KERNEL_64)");
	if (!(img[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return errf(e, -EINVAL,
			    "kernel image: zImage (LOADED_HIGH clear) is not supported, use a "
			    "bzImage");
	if (hdr_end(img) < BZ_HDR_END_2_12)
		return errf(e, -EINVAL,
			    "kernel image: bzImage setup header ends at 0x%x, before the end of "
			    "the protocol 2.12 fields",
			    hdr_end(img));
	return 0;
}

static bool fits_low(const struct guest_mem *gm, uint64_t gpa, uint64_t size)
{
	uint64_t end;

	return !__builtin_add_overflow(gpa, size, &end) && end <= gm_low_end(gm);
}

static int no_room(const struct guest_mem *gm, uint64_t footprint, uint64_t at, struct errbuf *e)
{
	return errf(e, -E2BIG,
		    "kernel image: bzImage needs 0x%llx bytes of RAM (its size or init_size) "
		    "from 0x%llx, but low guest RAM ends at 0x%llx",
		    (unsigned long long)footprint, (unsigned long long)at,
		    (unsigned long long)gm_low_end(gm));
}

/*
 * place_kernel - pref_address if it is usable, else (relocatable kernels
 * only) the first kernel_alignment boundary at or above 1 MiB.
 */
static int place_kernel(const struct guest_mem *gm, const uint8_t *img, uint64_t footprint,
			uint64_t *load, struct errbuf *e)
{
	uint32_t align = rd32(img, BZ_KERNEL_ALIGN);
	uint64_t pref = rd64(img, BZ_PREF_ADDRESS), low;
	bool pref_ok;

	if (align == 0 || (align & (align - 1)) || align > BZ_ALIGN_MAX)
		return errf(e, -EINVAL,
			    "kernel image: bzImage kernel_alignment 0x%x is not a power of two "
			    "up to 1 GiB",
			    align);
	pref_ok = pref >= HIMEM_START && pref % align == 0;
	if (pref_ok && fits_low(gm, pref, footprint)) {
		*load = pref;
		return 0;
	}
	if (!img[BZ_RELOCATABLE]) {
		if (pref_ok)
			return no_room(gm, footprint, pref, e);
		return errf(e, -EINVAL,
			    "kernel image: bzImage is not relocatable and its preferred address "
			    "0x%llx is below 1 MiB or not aligned to 0x%x",
			    (unsigned long long)pref, align);
	}
	low = (HIMEM_START + align - 1) & ~(uint64_t)(align - 1);
	if (!fits_low(gm, low, footprint))
		return no_room(gm, footprint, low, e);
	*load = low;
	return 0;
}

/* fill_info - the setup header and the limits the kernel announces. */
static void fill_info(const uint8_t *img, size_t len, struct kernel_info *ki)
{
	uint32_t hdr_len = hdr_end(img) - SETUP_HDR_OFFSET;
	uint32_t cmdline_size = rd32(img, BZ_CMDLINE_SIZE);

	if (hdr_len > SETUP_HDR_MAX)
		hdr_len = SETUP_HDR_MAX;
	if (hdr_len > len - SETUP_HDR_OFFSET)
		hdr_len = (uint32_t)(len - SETUP_HDR_OFFSET);
	memcpy(ki->setup_header, img + SETUP_HDR_OFFSET, hdr_len);
	ki->setup_header_len = hdr_len;
	ki->has_setup_header = true;
	ki->protocol_version = rd16(img, BZ_VERSION);
	ki->initrd_addr_max = rd32(img, BZ_INITRD_ADDR_MAX);
	if (ki->initrd_addr_max == 0)
		ki->initrd_addr_max = BZ_DEFAULT_INITRD_MAX;
	/* The kernel takes the initrd anywhere; ember keeps it in low RAM. */
	if (rd16(img, BZ_XLOADFLAGS) & XLF_CAN_BE_LOADED_ABOVE_4G)
		ki->initrd_addr_max = MMIO_GAP_START - 1;
	/* cmdline_size excludes the NUL; ember's own buffer is CMDLINE_MAX. */
	ki->cmdline_max = cmdline_size < CMDLINE_MAX - 1 ? cmdline_size : CMDLINE_MAX - 1;
}

int loader_bzimage_load(struct guest_mem *gm, const uint8_t *img, size_t len,
			struct kernel_info *ki, struct errbuf *e)
{
	uint64_t off, payload, footprint, load = 0;
	unsigned int sects;
	int ret;

	memset(ki, 0, sizeof(*ki));
	ret = check_header(img, len, e);
	if (ret)
		return ret;
	sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
	off = (uint64_t)(sects + 1) * BZ_SECTOR;
	if (off >= len)
		return errf(e, -EINVAL,
			    "kernel image: bzImage setup_sects %u puts the kernel at 0x%llx, "
			    "at or past the end of the %zu-byte file",
			    sects, (unsigned long long)off, len);
	payload = len - off;
	if (payload <= BZ_ENTRY_64_OFF)
		return errf(e, -EINVAL,
			    "kernel image: bzImage protected-mode kernel is only %llu bytes, too "
			    "short to hold the 64-bit entry at offset 0x200",
			    (unsigned long long)payload);
	footprint = rd32(img, BZ_INIT_SIZE);
	if (footprint < payload)
		footprint = payload;
	ret = place_kernel(gm, img, footprint, &load, e);
	if (ret)
		return ret;
	if (gm_write(gm, load, img + off, payload))
		return errf(e, -EFAULT, "kernel image: bzImage load address 0x%llx is not RAM",
			    (unsigned long long)load);
	fill_info(img, len, ki);
	ki->format = KERNEL_BZIMAGE;
	ki->proto = BOOT_PROTO_LINUX64;
	ki->entry = load + BZ_ENTRY_64_OFF;
	ki->load_start = load;
	ki->load_end = load + footprint;
	return 0;
}
