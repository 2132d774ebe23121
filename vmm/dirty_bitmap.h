/*
 * dirty_bitmap.h - one bit per 4 KiB page of a guest memory region, set
 * with atomic ORs from any thread. Pure (no KVM): the VMM's own record of
 * the guest pages it may have written (set through gm_ptr(), guest_mem.h),
 * and the merged result dirty_log.h iterates over.
 */
#ifndef EMBER_DIRTY_BITMAP_H
#define EMBER_DIRTY_BITMAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DBM_PAGE_SHIFT 12
#define DBM_PAGE_SIZE  (1ULL << DBM_PAGE_SHIFT)

struct dirty_bitmap {
	_Atomic uint64_t *words;
	uint64_t nr_pages;
	size_t nr_words;
};

/* dbm_init - a clear bitmap for @nr_pages pages; 0 or -ENOMEM/-EINVAL. */
int dbm_init(struct dirty_bitmap *b, uint64_t nr_pages);

/* dbm_free - safe on a zeroed or freed bitmap. */
void dbm_free(struct dirty_bitmap *b);

/* dbm_mark - set the pages [@off, @off + @len) of the region touches
 * (byte offsets); clipped to the region; thread-safe. Inline: the checked
 * accessor calls it on every access while tracking is on. */
static inline void dbm_mark(struct dirty_bitmap *b, uint64_t off, uint64_t len)
{
	uint64_t first, last, p, bits;

	if (!len || !b->nr_pages || off >> DBM_PAGE_SHIFT >= b->nr_pages)
		return;
	first = off >> DBM_PAGE_SHIFT;
	last = (len - 1 > UINT64_MAX - off) ? b->nr_pages - 1 : (off + len - 1) >> DBM_PAGE_SHIFT;
	if (last >= b->nr_pages)
		last = b->nr_pages - 1;
	for (p = first; p <= last; p = (p | 63) + 1) {
		bits = ~0ULL << (p & 63);
		if ((last >> 6) == (p >> 6) && (last & 63) != 63)
			bits &= (2ULL << (last & 63)) - 1;
		if ((atomic_load_explicit(&b->words[p >> 6], memory_order_relaxed) & bits) != bits)
			atomic_fetch_or_explicit(&b->words[p >> 6], bits, memory_order_relaxed);
	}
}

/* dbm_test - whether page @page is set. */
bool dbm_test(const struct dirty_bitmap *b, uint64_t page);

/* dbm_or_words - OR @n words of a plain bitmap (KVM_GET_DIRTY_LOG's) in;
 * bits past nr_pages are ignored. */
void dbm_or_words(struct dirty_bitmap *b, const uint64_t *words, size_t n);

/* dbm_move - OR @src into @dst and clear @src, word by word atomically (a
 * page marked meanwhile lands in one of the two, never lost). Sizes must
 * match; -EINVAL otherwise. */
int dbm_move(struct dirty_bitmap *dst, struct dirty_bitmap *src);

void dbm_clear(struct dirty_bitmap *b);

/* dbm_count - pages set. */
uint64_t dbm_count(const struct dirty_bitmap *b);

/* dbm_next_run - from page *@page on, the next run of set pages: true with
 * *@page its first page and *@nr its length; false when none is left. The
 * caller continues from *@page + *@nr. */
bool dbm_next_run(const struct dirty_bitmap *b, uint64_t *page, uint64_t *nr);

#endif
