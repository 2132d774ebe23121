/* guest_mem.c - see guest_mem.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_mem.h"
#include "layout.h"

/*
 * Map @size bytes whose start is aligned to GM_ALIGN: KVM can back guest
 * memory with 2 MiB nested-page entries only where guest-physical and host
 * virtual addresses agree modulo 2 MiB, so an unaligned mapping costs one
 * nested page fault per 4 KiB the guest touches.
 */
static void *map_aligned(uint64_t size)
{
	uint64_t span = size + GM_ALIGN;
	uint8_t *raw, *start;
	uint64_t head, tail;

	raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	start = (uint8_t *)(((uintptr_t)raw + GM_ALIGN - 1) & ~(uintptr_t)(GM_ALIGN - 1));
	head = start - raw;
	tail = span - head - size;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap(start + size, tail);
	return start;
}

int gm_init(struct guest_mem *gm, uint64_t ram_size, struct errbuf *e)
{
	void *map;

	memset(gm, 0, sizeof(*gm));
	if (ram_size == 0 || ram_size % 4096)
		return errf(e, -EINVAL, "guest RAM size %llu is not a non-zero multiple of 4 KiB",
			    (unsigned long long)ram_size);
	if (ram_size > GM_MAX_RAM)
		return errf(e, -E2BIG, "guest RAM size %llu MiB exceeds the limit of %llu MiB",
			    (unsigned long long)(ram_size >> 20),
			    (unsigned long long)(GM_MAX_RAM >> 20));
	map = map_aligned(ram_size);
	if (map == MAP_FAILED)
		return errf(e, -errno, "cannot map %llu MiB of guest RAM: %s",
			    (unsigned long long)(ram_size >> 20), strerror(errno));
	gm->map = map;
	gm->map_size = ram_size;
	gm->ram_size = ram_size;
	gm->region[0].gpa = 0;
	gm->region[0].hva = map;
	if (ram_size <= MMIO_GAP_START) {
		gm->region[0].size = ram_size;
		gm->nr_regions = 1;
		return 0;
	}
	gm->region[0].size = MMIO_GAP_START;
	gm->region[1].gpa = MMIO_GAP_END;
	gm->region[1].size = ram_size - MMIO_GAP_START;
	gm->region[1].hva = (uint8_t *)map + MMIO_GAP_START;
	gm->nr_regions = 2;
	return 0;
}

int gm_init_file(struct guest_mem *gm, uint64_t ram_size, int fd, struct errbuf *e)
{
	void *map;
	int ret = gm_init(gm, ram_size, e);

	if (ret)
		return ret;
	/* Replace the anonymous mapping in place: alignment and layout stay. */
	map = mmap(gm->map, gm->map_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		gm_destroy(gm);
		return errf(e, ret, "cannot map the guest memory file: %s", strerror(-ret));
	}
	return 0;
}

int gm_advise_hugepages(struct guest_mem *gm)
{
	return madvise(gm->map, gm->map_size, MADV_HUGEPAGE) ? -errno : 0;
}

void gm_destroy(struct guest_mem *gm)
{
	if (gm->map)
		munmap(gm->map, gm->map_size);
	memset(gm, 0, sizeof(*gm));
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t end;
	unsigned int i;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[i];

		if (gpa >= r->gpa && end <= r->gpa + r->size) {
			if (gm->vmm_dirty[i])
				dbm_mark(gm->vmm_dirty[i], gpa - r->gpa, len);
			return r->hva + (gpa - r->gpa);
		}
	}
	return NULL;
}

int gm_read(const struct guest_mem *gm, void *dst, uint64_t gpa, uint64_t len)
{
	const void *src = gm_ptr(gm, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	void *dst = gm_ptr(gm, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

uint64_t gm_low_end(const struct guest_mem *gm)
{
	return gm->nr_regions ? gm->region[0].size : 0;
}
