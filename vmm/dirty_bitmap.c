/* dirty_bitmap.c - see dirty_bitmap.h. */
#include <errno.h>
#include <stdlib.h>

#include "dirty_bitmap.h"

int dbm_init(struct dirty_bitmap *b, uint64_t nr_pages)
{
	b->words = NULL;
	b->nr_pages = 0;
	b->nr_words = 0;
	if (!nr_pages || nr_pages > (1ULL << 40))
		return -EINVAL;
	b->words = calloc((size_t)((nr_pages + 63) / 64), sizeof(*b->words));
	if (!b->words)
		return -ENOMEM;
	b->nr_pages = nr_pages;
	b->nr_words = (size_t)((nr_pages + 63) / 64);
	return 0;
}

void dbm_free(struct dirty_bitmap *b)
{
	free((void *)b->words);
	b->words = NULL;
	b->nr_pages = 0;
	b->nr_words = 0;
}

bool dbm_test(const struct dirty_bitmap *b, uint64_t page)
{
	if (page >= b->nr_pages)
		return false;
	return (atomic_load_explicit(&b->words[page >> 6], memory_order_relaxed) >> (page & 63)) &
	       1;
}

/* The bits of word @i that stand for pages. */
static uint64_t word_mask(const struct dirty_bitmap *b, size_t i)
{
	uint64_t tail = b->nr_pages & 63;

	return (i == b->nr_words - 1 && tail) ? (1ULL << tail) - 1 : ~0ULL;
}

void dbm_or_words(struct dirty_bitmap *b, const uint64_t *words, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < b->nr_words; i++)
		if (words[i] & word_mask(b, i))
			atomic_fetch_or_explicit(&b->words[i], words[i] & word_mask(b, i),
						 memory_order_relaxed);
}

int dbm_move(struct dirty_bitmap *dst, struct dirty_bitmap *src)
{
	uint64_t w;
	size_t i;

	if (dst->nr_pages != src->nr_pages)
		return -EINVAL;
	for (i = 0; i < src->nr_words; i++) {
		if (!atomic_load_explicit(&src->words[i], memory_order_relaxed))
			continue;
		w = atomic_exchange_explicit(&src->words[i], 0, memory_order_acq_rel);
		atomic_fetch_or_explicit(&dst->words[i], w, memory_order_relaxed);
	}
	return 0;
}

void dbm_clear(struct dirty_bitmap *b)
{
	size_t i;

	for (i = 0; i < b->nr_words; i++)
		atomic_store_explicit(&b->words[i], 0, memory_order_relaxed);
}

uint64_t dbm_count(const struct dirty_bitmap *b)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < b->nr_words; i++)
		n += (uint64_t)__builtin_popcountll(
		    atomic_load_explicit(&b->words[i], memory_order_relaxed) & word_mask(b, i));
	return n;
}

/* First page at or after @from whose bit equals @set; nr_pages if none. */
static uint64_t find(const struct dirty_bitmap *b, uint64_t from, bool set)
{
	uint64_t w;
	size_t i;

	while (from < b->nr_pages) {
		i = (size_t)(from >> 6);
		w = atomic_load_explicit(&b->words[i], memory_order_relaxed);
		if (!set)
			w = ~w;
		w &= word_mask(b, i) & (~0ULL << (from & 63));
		if (w) {
			from = ((uint64_t)i << 6) + (uint64_t)__builtin_ctzll(w);
			return from < b->nr_pages ? from : b->nr_pages;
		}
		from = ((uint64_t)i + 1) << 6;
	}
	return b->nr_pages;
}

bool dbm_next_run(const struct dirty_bitmap *b, uint64_t *page, uint64_t *nr)
{
	uint64_t start = find(b, *page, true), end;

	if (start >= b->nr_pages)
		return false;
	end = find(b, start, false);
	*page = start;
	*nr = end - start;
	return true;
}
