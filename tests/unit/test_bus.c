/* Unit tests for the I/O bus and the legacy ports (CMOS, POST, DMA page). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bus.h"
#include "legacy.h"

/* A device that records what reached it. */
struct rec {
	int id;
	int reads, writes;
	uint64_t off;
	uint32_t len;
	uint8_t last[8];
	uint32_t fill_len; /* bytes the read handler fills (to test zeroing) */
};

static void rec_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	struct rec *r = dev;
	uint32_t i;

	r->reads++;
	r->off = off;
	r->len = len;
	for (i = 0; i < len && i < r->fill_len; i++)
		data[i] = (uint8_t)(r->id + i);
}

static void rec_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct rec *r = dev;

	r->writes++;
	r->off = off;
	r->len = len;
	memcpy(r->last, data, len);
}

static const struct bus_dev_ops rec_ops = {.read = rec_read, .write = rec_write};
static const struct bus_dev_ops no_read_ops = {.read = NULL, .write = rec_write};

static void add_rejects_bad_ranges(void **state)
{
	struct bus b = {0};
	struct rec r = {0};

	assert_int_equal(bus_add(&b, 0x100, 0, &rec_ops, &r), -EINVAL);
	assert_int_equal(bus_add(&b, UINT64_MAX, 2, &rec_ops, &r), -EINVAL);
	assert_int_equal(bus_add(&b, 2, UINT64_MAX, &rec_ops, &r), -EINVAL);
	/* [base, 2^64) is not representable as base + len either. */
	assert_int_equal(bus_add(&b, UINT64_MAX, 1, &rec_ops, &r), -EINVAL);
	assert_int_equal(bus_add(&b, 0x100, 8, NULL, &r), -EINVAL);
	assert_int_equal(bus_add(&b, 0x100, 8, &no_read_ops, &r), -EINVAL);
	assert_int_equal(bus_add(NULL, 0x100, 8, &rec_ops, &r), -EINVAL);
	assert_int_equal(b.nr, 0);
	/* The largest representable range is fine. */
	assert_int_equal(bus_add(&b, UINT64_MAX - 1, 1, &rec_ops, &r), 0);
	assert_int_equal(bus_add(&b, 0, UINT64_MAX - 1, &rec_ops, &r), 0);
	assert_int_equal(b.nr, 2);
}

static void add_rejects_overlap(void **state)
{
	struct bus b = {0};
	struct rec r = {0};

	assert_int_equal(bus_add(&b, 0x100, 8, &rec_ops, &r), 0);
	assert_int_equal(bus_add(&b, 0x100, 8, &rec_ops, &r), -EEXIST);	  /* same */
	assert_int_equal(bus_add(&b, 0x104, 8, &rec_ops, &r), -EEXIST);	  /* tail */
	assert_int_equal(bus_add(&b, 0xfc, 5, &rec_ops, &r), -EEXIST);	  /* head */
	assert_int_equal(bus_add(&b, 0x102, 1, &rec_ops, &r), -EEXIST);	  /* inside */
	assert_int_equal(bus_add(&b, 0x0, 0x200, &rec_ops, &r), -EEXIST); /* around */
	assert_int_equal(bus_add(&b, 0x107, 1, &rec_ops, &r), -EEXIST);	  /* last byte */
	assert_int_equal(b.nr, 1);
	/* Touching on either side is not overlapping. */
	assert_int_equal(bus_add(&b, 0x108, 8, &rec_ops, &r), 0);
	assert_int_equal(bus_add(&b, 0xf8, 8, &rec_ops, &r), 0);
	assert_int_equal(b.nr, 3);
	/* A range between two others must fit the gap exactly. */
	assert_int_equal(bus_add(&b, 0x200, 0x10, &rec_ops, &r), 0);
	assert_int_equal(bus_add(&b, 0x110, 0xf1, &rec_ops, &r), -EEXIST);
	assert_int_equal(bus_add(&b, 0x110, 0xf0, &rec_ops, &r), 0);
}

static void add_fails_when_full(void **state)
{
	struct bus b = {0};
	struct rec r = {0};
	unsigned int i;

	for (i = 0; i < BUS_MAX_RANGES; i++)
		assert_int_equal(bus_add(&b, 0x1000 + 0x10 * (uint64_t)i, 0x10, &rec_ops, &r), 0);
	assert_int_equal(bus_add(&b, 0x10, 1, &rec_ops, &r), -ENOSPC);
	assert_int_equal(b.nr, BUS_MAX_RANGES);
}

static void ranges_sorted_and_dispatched(void **state)
{
	/* Insert out of order; lookups must find each owner. */
	static const uint64_t base[] = {0x3f8, 0x60, 0x80, 0x64, 0x70, 0xc0000000, 0x87, 0x10};
	static const uint64_t len[] = {8, 1, 1, 1, 2, 0x1000, 1, 4};
	struct rec r[8];
	struct bus b = {0};
	uint8_t d[8];
	unsigned int i;

	for (i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = (int)(0x10 * (i + 1));
		r[i].fill_len = 8;
		assert_int_equal(bus_add(&b, base[i], len[i], &rec_ops, &r[i]), 0);
	}
	for (i = 1; i < b.nr; i++)
		assert_true(b.range[i - 1].base + b.range[i - 1].len <= b.range[i].base);
	for (i = 0; i < 8; i++) {
		uint64_t last = base[i] + len[i] - 1;

		assert_true(bus_read(&b, base[i], d, 1));
		assert_int_equal(r[i].off, 0);
		assert_int_equal(d[0], r[i].id);
		assert_true(bus_write(&b, last, d, 1));
		assert_int_equal(r[i].off, len[i] - 1);
		assert_int_equal(r[i].writes, 1);
	}
	/* The MMIO range takes an 8-byte access at an offset. */
	memset(d, 0x5a, sizeof(d));
	assert_true(bus_write(&b, 0xc0000100, d, 8));
	assert_int_equal(r[5].off, 0x100);
	assert_int_equal(r[5].len, 8);
	assert_memory_equal(r[5].last, d, 8);
	assert_int_equal(atomic_load(&b.unknown_reads), 0);
	assert_int_equal(atomic_load(&b.unknown_writes), 0);
}

static void unclaimed_accesses_counted(void **state)
{
	struct bus b = {0};
	struct rec r = {.fill_len = 8};
	uint8_t d[16];

	assert_int_equal(bus_add(&b, 0x100, 8, &rec_ops, &r), 0);
	/* Below, between, above. */
	memset(d, 0, sizeof(d));
	assert_false(bus_read(&b, 0xff, d, 1));
	assert_int_equal(d[0], 0xff);
	memset(d, 0, sizeof(d));
	assert_false(bus_read(&b, 0x108, d, 4));
	assert_memory_equal(d, "\xff\xff\xff\xff", 4);
	assert_int_equal(d[4], 0);
	assert_false(bus_write(&b, 0x108, d, 1));
	assert_false(bus_write(&b, 0, d, 1));
	assert_int_equal(atomic_load(&b.unknown_reads), 2);
	assert_int_equal(atomic_load(&b.unknown_writes), 2);
	assert_int_equal(r.reads + r.writes, 0);
	/* An empty bus claims nothing. */
	{
		struct bus e = {0};

		assert_false(bus_read(&e, 0, d, 1));
		assert_int_equal(atomic_load(&e.unknown_reads), 1);
	}
}

static void straddling_and_bad_sizes_unclaimed(void **state)
{
	struct bus b = {0};
	struct rec r = {.fill_len = 8};
	uint8_t d[16];

	assert_int_equal(bus_add(&b, 0x100, 8, &rec_ops, &r), 0);
	assert_int_equal(bus_add(&b, UINT64_MAX - 7, 7, &rec_ops, &r), 0);
	/* Running past the end of the range. */
	memset(d, 0, sizeof(d));
	assert_false(bus_read(&b, 0x107, d, 2));
	assert_memory_equal(d, "\xff\xff", 2);
	assert_false(bus_write(&b, 0x104, d, 8));
	/* Starting before the range. */
	assert_false(bus_read(&b, 0xff, d, 2));
	/* Exactly the whole range is fine. */
	assert_true(bus_read(&b, 0x100, d, 8));
	assert_true(bus_read(&b, 0x106, d, 2));
	/* Sizes 0 and > 8. */
	assert_false(bus_read(&b, 0x100, d, 0));
	assert_false(bus_write(&b, 0x100, d, 0));
	memset(d, 0, sizeof(d));
	assert_false(bus_read(&b, 0x100, d, 9));
	assert_int_equal(d[8], 0xff);
	assert_false(bus_write(&b, 0x100, d, 16));
	assert_false(bus_read(&b, 0x100, NULL, 0));
	/* Wrapping the address space. */
	assert_false(bus_read(&b, UINT64_MAX, d, 2));
	assert_true(bus_read(&b, UINT64_MAX - 7, d, 7));
	assert_false(bus_read(&b, UINT64_MAX - 7, d, 8)); /* last byte is not ours */
	assert_int_equal(r.reads, 3);
	assert_int_equal(r.writes, 0);
	assert_int_equal(atomic_load(&b.unknown_reads), 7);
	assert_int_equal(atomic_load(&b.unknown_writes), 3);
}

static void read_is_zero_filled_before_device(void **state)
{
	struct bus b = {0};
	struct rec r = {.id = 0x40, .fill_len = 1};
	uint8_t d[4];

	assert_int_equal(bus_add(&b, 0x100, 8, &rec_ops, &r), 0);
	memset(d, 0xee, sizeof(d));
	assert_true(bus_read(&b, 0x102, d, 4));
	assert_memory_equal(d, "\x40\x00\x00\x00", 4);
	assert_int_equal(r.off, 2);
	assert_int_equal(r.len, 4);
}

#define THREADS	   4
#define PER_THREAD 10000

static void *hammer(void *arg)
{
	struct bus *b = arg;
	uint8_t d[4];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		bus_read(b, 0x5000, d, 4);
		bus_write(b, 0x5000, d, 4);
	}
	return NULL;
}

static void counters_are_thread_safe(void **state)
{
	struct bus b = {0};
	pthread_t t[THREADS];
	int i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &b), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&b.unknown_reads), THREADS * PER_THREAD);
	assert_int_equal(atomic_load(&b.unknown_writes), THREADS * PER_THREAD);
}

static void legacy_ports_read_zero(void **state)
{
	struct legacy_ports lp;
	struct bus pio = {0};
	uint8_t d[4];

	memset(&lp, 0x77, sizeof(lp));
	assert_int_equal(legacy_ports_register(&lp, &pio), 0);
	assert_int_equal(atomic_load(&lp.cmos_index), 0);
	/* CMOS: index write, then status A reads 0 (UIP clear). */
	d[0] = 0x8a; /* NMI masked, register A */
	assert_true(bus_write(&pio, 0x70, d, 1));
	assert_int_equal(atomic_load(&lp.cmos_index), 0x8a);
	d[0] = 0xff;
	assert_true(bus_read(&pio, 0x71, d, 1));
	assert_int_equal(d[0], 0);
	assert_true(bus_write(&pio, 0x71, d, 1)); /* data writes dropped */
	assert_int_equal(atomic_load(&lp.cmos_index), 0x8a);
	memset(d, 0xff, sizeof(d));
	assert_true(bus_read(&pio, 0x70, d, 2));
	assert_memory_equal(d, "\0\0", 2);
	d[0] = 0x0b;
	d[1] = 0x42;
	assert_true(bus_write(&pio, 0x70, d, 2)); /* outw: index then data */
	assert_int_equal(atomic_load(&lp.cmos_index), 0x0b);
	/* POST code and DMA page. */
	d[0] = 0x55;
	assert_true(bus_write(&pio, 0x80, d, 1));
	assert_int_equal(atomic_load(&lp.post_code), 0x55);
	d[0] = 0xff;
	assert_true(bus_read(&pio, 0x80, d, 1));
	assert_int_equal(d[0], 0);
	assert_true(bus_write(&pio, 0x87, d, 1));
	d[0] = 0xff;
	assert_true(bus_read(&pio, 0x87, d, 1));
	assert_int_equal(d[0], 0);
	assert_int_equal(atomic_load(&pio.unknown_reads), 0);
	/* Neighbours and PCI config space stay unclaimed: all ones. */
	assert_false(bus_read(&pio, 0x72, d, 1));
	assert_false(bus_read(&pio, 0x81, d, 1));
	assert_false(bus_read(&pio, 0x86, d, 1));
	memset(d, 0, sizeof(d));
	assert_false(bus_read(&pio, 0xcfc, d, 4));
	assert_memory_equal(d, "\xff\xff\xff\xff", 4);
	assert_false(bus_write(&pio, 0xcf8, d, 4));
	assert_int_equal(atomic_load(&pio.unknown_reads), 4);
	assert_int_equal(atomic_load(&pio.unknown_writes), 1);
	/* The ports can be claimed only once. */
	assert_int_equal(legacy_ports_register(&lp, &pio), -EEXIST);
}

static void legacy_ports_report_full_bus(void **state)
{
	struct legacy_ports lp;
	struct bus pio = {0};
	struct rec r = {0};
	unsigned int i;

	for (i = 0; i < BUS_MAX_RANGES - 1; i++)
		assert_int_equal(bus_add(&pio, 0x1000 + (uint64_t)i, 1, &rec_ops, &r), 0);
	assert_int_equal(legacy_ports_register(&lp, &pio), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(add_rejects_bad_ranges),
	    cmocka_unit_test(add_rejects_overlap),
	    cmocka_unit_test(add_fails_when_full),
	    cmocka_unit_test(ranges_sorted_and_dispatched),
	    cmocka_unit_test(unclaimed_accesses_counted),
	    cmocka_unit_test(straddling_and_bad_sizes_unclaimed),
	    cmocka_unit_test(read_is_zero_filled_before_device),
	    cmocka_unit_test(counters_are_thread_safe),
	    cmocka_unit_test(legacy_ports_read_zero),
	    cmocka_unit_test(legacy_ports_report_full_bus),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
