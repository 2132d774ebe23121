/* test_virtio_rng.c - the entropy device fills only the writable bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_rng.h"

static void fills_in_only_bounded(void **state)
{
	static struct vq_chain c;
	uint8_t out[16], in1[8], in2[300];
	unsigned int i, nz = 0;

	(void)state;
	memset(out, 0xAA, sizeof(out));
	memset(in1, 0, sizeof(in1));
	memset(in2, 0, sizeof(in2));
	c.nr_out = 1;
	c.nr_in = 2;
	c.iov[0] = (struct iovec){out, sizeof(out)};
	c.iov[1] = (struct iovec){in1, sizeof(in1)};
	c.iov[2] = (struct iovec){in2, sizeof(in2)};
	assert_int_equal(virtio_rng_fill(&c), sizeof(in1) + sizeof(in2));
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xAA);
	for (i = 0; i < sizeof(in2); i++)
		nz += in2[i] != 0;
	assert_true(nz > 200); /* 300 random bytes: ~299 nonzero */
}

static void empty_and_huge(void **state)
{
	static struct vq_chain c;
	static uint8_t big[VIRTIO_RNG_MAX_REQUEST + 4096];

	(void)state;
	c.nr_out = 1;
	c.nr_in = 0;
	c.iov[0] = (struct iovec){big, 10};
	assert_int_equal(virtio_rng_fill(&c), 0);
	c.nr_out = 0;
	c.nr_in = 1;
	c.iov[0] = (struct iovec){big, sizeof(big)};
	assert_int_equal(virtio_rng_fill(&c), VIRTIO_RNG_MAX_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fills_in_only_bounded),
	    cmocka_unit_test(empty_and_huge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
