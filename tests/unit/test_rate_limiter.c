/*
 * test_rate_limiter.c - token bucket pair driven by an injected clock:
 * refill, one-time burst, oversized requests, live updates, disabled buckets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rate_limiter.h"

#define MS 1000000ULL

static struct cfg_rate_limiter cfg(uint64_t bw, uint64_t bw_ms, uint64_t burst, uint64_t ops,
				   uint64_t ops_ms)
{
	struct cfg_rate_limiter c = {0};

	c.bandwidth = (struct cfg_token_bucket){.set = bw_ms != 0 || bw != 0,
						.size = bw,
						.refill_time_ms = bw_ms,
						.one_time_burst = burst};
	c.ops = (struct cfg_token_bucket){
	    .set = ops_ms != 0 || ops != 0, .size = ops, .refill_time_ms = ops_ms};
	return c;
}

static void test_unlimited(void **state)
{
	struct cfg_rate_limiter c = cfg(0, 0, 0, 0, 0);
	struct rate_limiter rl;
	int i;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_unlimited(&rl));
	for (i = 0; i < 1000; i++)
		assert_true(rate_limiter_consume(&rl, 1ULL << 40, 1000, 0));
	/* a size of zero or a refill time of zero also means "no limit" */
	c = cfg(0, 1000, 0, 100, 0);
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_unlimited(&rl));
}

static void test_refill(void **state)
{
	struct cfg_rate_limiter c = cfg(1000, 1000, 0, 0, 0); /* 1000 B/s */
	struct rate_limiter rl;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_false(rate_limiter_unlimited(&rl));
	assert_true(rate_limiter_consume(&rl, 600, 1, 0));
	assert_true(rate_limiter_consume(&rl, 400, 1, 0));
	assert_false(rate_limiter_consume(&rl, 100, 1, 0));
	/* 100 bytes at 1000 B/s: 100 ms */
	assert_int_equal(rate_limiter_wait_ns(&rl), 100 * MS);
	assert_false(rate_limiter_consume(&rl, 100, 1, 99 * MS));
	assert_int_equal(rate_limiter_wait_ns(&rl), 1 * MS);
	assert_true(rate_limiter_consume(&rl, 100, 1, 100 * MS));
	/* refill caps at size, however long the idle time */
	assert_true(rate_limiter_consume(&rl, 1000, 0, 100000 * MS));
	assert_false(rate_limiter_consume(&rl, 1, 0, 100000 * MS));
}

static void test_lazy_refill_no_drift(void **state)
{
	struct cfg_rate_limiter c = cfg(3, 1000, 0, 0, 0); /* 3 tokens per second */
	struct rate_limiter rl;
	uint64_t t, got = 0;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_consume(&rl, 3, 0, 0));
	/* polling every 7 ms for 10 s must yield exactly 30 tokens */
	for (t = 7 * MS; t <= 10000 * MS; t += 7 * MS)
		while (rate_limiter_consume(&rl, 1, 0, t))
			got++;
	assert_int_equal(got, 29); /* last poll at 9996 ms: the 30th is due at 10000 */
	assert_true(rate_limiter_consume(&rl, 1, 0, 10000 * MS));
}

static void test_ops_bucket_and_atomicity(void **state)
{
	struct cfg_rate_limiter c = cfg(1000, 1000, 0, 2, 1000);
	struct rate_limiter rl;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_consume(&rl, 10, 1, 0));
	assert_true(rate_limiter_consume(&rl, 10, 1, 0));
	assert_false(rate_limiter_consume(&rl, 10, 1, 0)); /* ops exhausted */
	assert_int_equal(rate_limiter_wait_ns(&rl), 500 * MS);
	/* the refused request took no bytes: 980 bytes still there */
	assert_true(rate_limiter_consume(&rl, 980, 0, 0));
	/* 500 ms later: 500 bytes and 1 op back; a 600-byte request takes no op */
	assert_false(rate_limiter_consume(&rl, 600, 1, 500 * MS));
	assert_true(rate_limiter_consume(&rl, 0, 1, 500 * MS));
}

static void test_one_time_burst(void **state)
{
	struct cfg_rate_limiter c = cfg(100, 1000, 500, 0, 0);
	struct rate_limiter rl;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_consume(&rl, 550, 0, 0)); /* 500 burst + 50 budget */
	assert_true(rate_limiter_consume(&rl, 50, 0, 0));
	assert_false(rate_limiter_consume(&rl, 1, 0, 0));
	/* the burst never comes back, only the bucket refills */
	assert_true(rate_limiter_consume(&rl, 100, 0, 10000 * MS));
	assert_false(rate_limiter_consume(&rl, 1, 0, 10000 * MS));
}

static void test_oversized(void **state)
{
	struct cfg_rate_limiter c = cfg(1000, 1000, 0, 0, 0);
	struct rate_limiter rl;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_consume(&rl, 200, 0, 0));
	/* larger than the bucket: allowed once, 3000 - 800 = 2200 bytes of debt */
	assert_true(rate_limiter_consume(&rl, 3000, 0, 0));
	assert_false(rate_limiter_consume(&rl, 1, 0, 0));
	assert_int_equal(rate_limiter_wait_ns(&rl), 2201 * MS);
	assert_false(rate_limiter_consume(&rl, 5000, 0, 2000 * MS)); /* even oversized waits */
	assert_int_equal(rate_limiter_wait_ns(&rl), 200 * MS);
	assert_false(rate_limiter_consume(&rl, 1, 0, 2200 * MS));
	assert_true(rate_limiter_consume(&rl, 1, 0, 2201 * MS));
	/* repaid: the bucket refills normally afterwards */
	assert_true(rate_limiter_consume(&rl, 1000, 0, 5000 * MS));
}

static void test_update(void **state)
{
	struct cfg_rate_limiter c = cfg(1000, 1000, 0, 10, 1000);
	struct cfg_rate_limiter u = {0};
	struct rate_limiter rl;

	(void)state;
	rate_limiter_init(&rl, &c, 0);
	assert_true(rate_limiter_consume(&rl, 1000, 10, 0));
	assert_false(rate_limiter_consume(&rl, 1, 1, 0));
	/* only the bandwidth bucket changes: fresh and full, ops still empty */
	u.bandwidth = (struct cfg_token_bucket){.set = true, .size = 4000, .refill_time_ms = 1000};
	rate_limiter_update(&rl, &u, 0);
	assert_true(rate_limiter_consume(&rl, 4000, 0, 0));
	assert_false(rate_limiter_consume(&rl, 0, 1, 0));
	/* size 0 disables the ops bucket */
	u = (struct cfg_rate_limiter){0};
	u.ops = (struct cfg_token_bucket){.set = true, .size = 0, .refill_time_ms = 1000};
	rate_limiter_update(&rl, &u, 0);
	assert_true(rate_limiter_consume(&rl, 0, 1000, 0));
	assert_false(rate_limiter_unlimited(&rl));
	u.bandwidth = (struct cfg_token_bucket){.set = true};
	rate_limiter_update(&rl, &u, 0);
	assert_true(rate_limiter_unlimited(&rl));
	assert_true(rate_limiter_consume(&rl, 1ULL << 50, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unlimited),
	    cmocka_unit_test(test_refill),
	    cmocka_unit_test(test_lazy_refill_no_drift),
	    cmocka_unit_test(test_ops_bucket_and_atomicity),
	    cmocka_unit_test(test_one_time_burst),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
