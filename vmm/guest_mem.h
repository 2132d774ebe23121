/*
 * guest_mem.h - guest RAM and the one checked accessor for guest addresses.
 *
 * Guest RAM is one anonymous MAP_NORESERVE mapping, 2 MiB aligned. When RAM reaches past
 * MMIO_GAP_START it is split in two regions: [0, MMIO_GAP_START) and
 * [4 GiB, 4 GiB + rest), so guest physical addresses in the gap are not RAM.
 *
 * The guest is hostile: every guest physical address ember dereferences goes
 * through gm_ptr(), which checks bounds with overflow-safe arithmetic and
 * never returns a range that straddles two regions or leaves RAM.
 */
#ifndef EMBER_GUEST_MEM_H
#define EMBER_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirty_bitmap.h"
#include "err.h"

#define GM_MAX_REGIONS 2
#define GM_MAX_RAM     (1ULL << 40) /* 1 TiB: far beyond what a microVM is given */
#define GM_ALIGN       (2ULL << 20) /* host mapping alignment: one huge page */

struct gm_region {
	uint64_t gpa;  /* guest physical start */
	uint64_t size; /* bytes */
	uint8_t *hva;  /* host virtual address of gpa */
};

struct guest_mem {
	struct gm_region region[GM_MAX_REGIONS];
	unsigned int nr_regions;
	uint64_t ram_size; /* total RAM bytes, sum of the regions */
	void *map;	   /* the single host mapping */
	size_t map_size;
	/* While dirty pages are tracked (dirty_log.h): per region, the pages
	 * gm_ptr() handed out, i.e. that the VMM may have written; else NULL. */
	struct dirty_bitmap *vmm_dirty[GM_MAX_REGIONS];
};

/*
 * gm_init - map @ram_size bytes (a non-zero multiple of 4 KiB, at most
 * GM_MAX_RAM) and lay them out around the MMIO gap.
 * Returns 0 or -errno with @e filled.
 */
int gm_init(struct guest_mem *gm, uint64_t ram_size, struct errbuf *e);

/*
 * gm_init_file - like gm_init, but guest RAM is @fd's first @ram_size bytes
 * mapped MAP_PRIVATE (snapshot restore): pages are read from the page cache
 * on first touch and shared with every other mapping of the file until the
 * guest writes them. The file must be at least @ram_size bytes.
 */
int gm_init_file(struct guest_mem *gm, uint64_t ram_size, int fd, struct errbuf *e);

/* gm_advise_hugepages - ask for transparent huge pages behind guest RAM
 * (machine-config huge_pages "Transparent"). Returns 0 or -errno. */
int gm_advise_hugepages(struct guest_mem *gm);

/* gm_destroy - unmap guest RAM; safe on a zeroed or destroyed struct. */
void gm_destroy(struct guest_mem *gm);

/*
 * gm_ptr - host pointer for [gpa, gpa + len) if the whole range lies inside
 * one RAM region, else NULL. len 0 is valid if gpa is inside (or at the end
 * of) a region. While dirty pages are tracked, the range's pages are marked.
 */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* gm_read / gm_write - copy to/from guest RAM; -EFAULT if out of range. */
int gm_read(const struct guest_mem *gm, void *dst, uint64_t gpa, uint64_t len);
int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);

/* gm_low_end - end (exclusive) of the region that starts at GPA 0. */
uint64_t gm_low_end(const struct guest_mem *gm);

#endif
