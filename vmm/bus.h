/*
 * bus.h - port I/O and MMIO dispatch from vCPU exits to devices.
 *
 * A bus is a small sorted table of address ranges, each owned by a device
 * that implements struct bus_dev_ops. The table is built before the vCPUs
 * start and is read-only afterwards, so lookups need no lock; devices lock
 * their own state. Accesses nobody claims are counted, never fatal: reads
 * return all ones, writes are dropped.
 */
#ifndef EMBER_BUS_H
#define EMBER_BUS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_RANGES 32

/*
 * A device's handlers. @off is relative to the range base, @len is 1..8.
 * read must fill all @len bytes of @data. Called from vCPU threads.
 */
struct bus_dev_ops {
	void (*read)(void *dev, uint64_t off, uint8_t *data, uint32_t len);
	void (*write)(void *dev, uint64_t off, const uint8_t *data, uint32_t len);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_dev_ops *ops;
	void *dev;
};

struct bus {
	struct bus_range range[BUS_MAX_RANGES];
	unsigned int nr;
	atomic_uint_fast64_t unknown_reads;
	atomic_uint_fast64_t unknown_writes;
};

/* bus_add - claim [base, base+len). -EEXIST on overlap, -ENOSPC when full. */
int bus_add(struct bus *b, uint64_t base, uint64_t len, const struct bus_dev_ops *ops, void *dev);

/*
 * bus_read / bus_write - dispatch one access. Return true if a device took
 * it; false (after counting it, and for reads filling 0xff) otherwise.
 * An access that straddles the end of a range is treated as unclaimed.
 */
bool bus_read(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len);
bool bus_write(struct bus *b, uint64_t addr, const uint8_t *data, uint32_t len);

#endif
