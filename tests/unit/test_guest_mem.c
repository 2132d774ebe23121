/* Unit tests for the checked guest-memory accessor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "guest_mem.h"
#include "layout.h"

static void small_ram_is_one_region(void **state)
{
	struct guest_mem gm;
	struct errbuf e;

	assert_int_equal(gm_init(&gm, 128 << 20, &e), 0);
	assert_int_equal(gm.nr_regions, 1);
	assert_non_null(gm_ptr(&gm, 0, 128 << 20));
	assert_non_null(gm_ptr(&gm, (128 << 20) - 1, 1));
	assert_non_null(gm_ptr(&gm, 128 << 20, 0));
	assert_null(gm_ptr(&gm, 128 << 20, 1));
	assert_null(gm_ptr(&gm, (128 << 20) - 1, 2));
	assert_null(gm_ptr(&gm, 1, UINT64_MAX));
	assert_null(gm_ptr(&gm, UINT64_MAX, 2));
	assert_int_equal(gm_low_end(&gm), 128 << 20);
	/* 2 MiB-aligned host mapping: lets KVM use huge nested pages. */
	assert_int_equal((uintptr_t)gm.region[0].hva % GM_ALIGN, 0);
	gm_destroy(&gm);
}

static void large_ram_splits_around_gap(void **state)
{
	struct guest_mem gm;
	struct errbuf e;
	uint8_t b = 0x5a, r = 0;

	assert_int_equal(gm_init(&gm, 5ULL << 30, &e), 0);
	assert_int_equal(gm.nr_regions, 2);
	assert_int_equal(gm.region[0].size, MMIO_GAP_START);
	assert_int_equal(gm.region[1].gpa, MMIO_GAP_END);
	assert_int_equal(gm.region[1].size, (5ULL << 30) - MMIO_GAP_START);
	assert_null(gm_ptr(&gm, MMIO_GAP_START, 1));
	assert_null(gm_ptr(&gm, MMIO_GAP_START - 1, 2)); /* straddles into the gap */
	assert_null(gm_ptr(&gm, MMIO_GAP_END - 1, 2));
	assert_int_equal(gm_write(&gm, MMIO_GAP_END, &b, 1), 0);
	assert_int_equal(gm_read(&gm, &r, MMIO_GAP_END, 1), 0);
	assert_int_equal(r, 0x5a);
	assert_int_equal(gm_write(&gm, (6ULL << 30), &b, 1), -EFAULT);
	gm_destroy(&gm);
}

static void bad_sizes_rejected(void **state)
{
	struct guest_mem gm;
	struct errbuf e;

	assert_int_equal(gm_init(&gm, 0, &e), -EINVAL);
	assert_int_equal(gm_init(&gm, 4095, &e), -EINVAL);
	assert_int_equal(gm_init(&gm, GM_MAX_RAM + 4096, &e), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(small_ram_is_one_region),
	    cmocka_unit_test(large_ram_splits_around_gap),
	    cmocka_unit_test(bad_sizes_rejected),
	};
	return cmocka_run_group_tests_name("guest_mem", tests, NULL, NULL);
}
