/*
 * bus.c - see bus.h.
 *
 * The ranges are kept sorted by base address and never overlap, so the
 * range that may contain an address is the last one whose base is <= it:
 * one binary search per access. The table is only written by bus_add(),
 * which runs before any vCPU thread exists, so lookups take no lock.
 */
#include <errno.h>
#include <string.h>

#include "bus.h"

/* Largest access a vCPU exit can carry (KVM's mmio.data is 8 bytes). */
#define BUS_MAX_ACCESS 8

/* bus_upper - index of the first range whose base is above @addr. */
static unsigned int bus_upper(const struct bus *b, uint64_t addr)
{
	unsigned int lo = 0, hi = b->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (b->range[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_add(struct bus *b, uint64_t base, uint64_t len, const struct bus_dev_ops *ops, void *dev)
{
	const struct bus_range *prev, *next;
	uint64_t end;
	unsigned int i;

	if (!b || !ops || !ops->read || !ops->write)
		return -EINVAL;
	/* [base, base+len) must be non-empty and representable in 64 bits. */
	if (len == 0 || __builtin_add_overflow(base, len, &end))
		return -EINVAL;
	if (b->nr > BUS_MAX_RANGES)
		return -EINVAL; /* corrupted table; refuse to index past it */
	i = bus_upper(b, base);
	prev = i > 0 ? &b->range[i - 1] : NULL;
	next = i < b->nr ? &b->range[i] : NULL;
	/* Stored ranges passed the overflow check, so base + len cannot wrap. */
	if (prev && prev->base + prev->len > base)
		return -EEXIST;
	if (next && next->base < end)
		return -EEXIST;
	if (b->nr == BUS_MAX_RANGES)
		return -ENOSPC;
	memmove(&b->range[i + 1], &b->range[i], (b->nr - i) * sizeof(b->range[0]));
	b->range[i] = (struct bus_range){.base = base, .len = len, .ops = ops, .dev = dev};
	b->nr++;
	return 0;
}

/*
 * bus_find - the range that wholly contains [addr, addr+len), or NULL.
 * Sizes outside 1..8 and accesses that wrap the address space or run past
 * the end of a range belong to nobody.
 */
static const struct bus_range *bus_find(const struct bus *b, uint64_t addr, uint32_t len)
{
	const struct bus_range *r;
	uint64_t last;
	unsigned int i;

	if (len == 0 || len > BUS_MAX_ACCESS || __builtin_add_overflow(addr, len - 1, &last))
		return NULL;
	if (b->nr > BUS_MAX_RANGES)
		return NULL;
	i = bus_upper(b, addr);
	if (i == 0)
		return NULL;
	r = &b->range[i - 1];
	/* addr >= r->base here, hence last >= r->base too. */
	if (last - r->base >= r->len)
		return NULL;
	return r;
}

bool bus_read(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len)
{
	const struct bus_range *r = bus_find(b, addr, len);

	if (!r) {
		/* An ISA bus with nobody driving it floats high: all ones. */
		if (len && data)
			memset(data, 0xff, len);
		atomic_fetch_add_explicit(&b->unknown_reads, 1, memory_order_relaxed);
		return false;
	}
	/* Never hand the guest stale bytes if a device fills too few. */
	memset(data, 0, len);
	r->ops->read(r->dev, addr - r->base, data, len);
	return true;
}

bool bus_write(struct bus *b, uint64_t addr, const uint8_t *data, uint32_t len)
{
	const struct bus_range *r = bus_find(b, addr, len);

	if (!r) {
		atomic_fetch_add_explicit(&b->unknown_writes, 1, memory_order_relaxed);
		return false;
	}
	r->ops->write(r->dev, addr - r->base, data, len);
	return true;
}
