/* Unit tests for the split virtqueue against a fake guest memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "virtqueue.h"

#define RAM	  (1ULL << 20)
#define QSIZE	  16
#define DESC_GPA  0x1000ULL
#define AVAIL_GPA 0x2000ULL
#define USED_GPA  0x3000ULL
#define INDIR_GPA 0x4000ULL
#define DATA_GPA  0x10000ULL

struct fixture {
	struct guest_mem gm;
	struct virtqueue vq;
	struct vq_chain c;
	uint16_t avail_idx;
};

static int setup_fixture(struct fixture *f, bool event_idx, bool indirect)
{
	struct errbuf e = {""};

	memset(f, 0, sizeof(*f));
	if (gm_init(&f->gm, RAM, &e))
		return -1;
	f->vq.max_size = 256;
	f->vq.size = QSIZE;
	f->vq.desc_gpa = DESC_GPA;
	f->vq.avail_gpa = AVAIL_GPA;
	f->vq.used_gpa = USED_GPA;
	f->vq.ready = true;
	return vq_activate(&f->vq, &f->gm, event_idx, indirect, &e);
}

static int setup(void **state)
{
	struct fixture *f = test_malloc(sizeof(*f));

	if (setup_fixture(f, false, true))
		return -1;
	*state = f;
	return 0;
}

static int setup_event_idx(void **state)
{
	struct fixture *f = test_malloc(sizeof(*f));

	if (setup_fixture(f, true, false))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gm_destroy(&f->gm);
	test_free(f);
	return 0;
}

static void put_desc_at(struct fixture *f, uint64_t table, unsigned int i, uint64_t addr,
			uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {.addr = addr, .len = len, .flags = flags, .next = next};

	assert_int_equal(gm_write(&f->gm, table + 16ULL * i, &d, sizeof(d)), 0);
}

static void put_desc(struct fixture *f, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	put_desc_at(f, DESC_GPA, i, addr, len, flags, next);
}

/* Make @head available: ring entry, then the index (as a driver would). */
static void offer(struct fixture *f, uint16_t head)
{
	uint16_t slot = f->avail_idx % QSIZE;

	assert_int_equal(gm_write(&f->gm, AVAIL_GPA + 4 + 2 * slot, &head, 2), 0);
	f->avail_idx++;
	assert_int_equal(gm_write(&f->gm, AVAIL_GPA + 2, &f->avail_idx, 2), 0);
}

static uint16_t used_idx(struct fixture *f)
{
	uint16_t v;

	assert_int_equal(gm_read(&f->gm, &v, USED_GPA + 2, 2), 0);
	return v;
}

static struct vring_used_elem used_elem(struct fixture *f, unsigned int i)
{
	struct vring_used_elem el;

	assert_int_equal(gm_read(&f->gm, &el, USED_GPA + 4 + 8 * (i % QSIZE), sizeof(el)), 0);
	return el;
}

static void empty_queue_pops_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vq_pop(&f->vq, &f->c), 0);
	assert_false(vq_has_avail(&f->vq));
}

/* Valid chains of every length from 1 to the queue size. */
static void valid_chains_1_to_n(void **state)
{
	struct fixture *f = *state;
	unsigned int n, i;

	for (n = 1; n <= QSIZE; n++) {
		for (i = 0; i < n; i++)
			put_desc(f, i, DATA_GPA + 0x100 * i, 0x10 + i,
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0) |
				     (i >= n / 2 ? VRING_DESC_F_WRITE : 0),
				 (uint16_t)(i + 1));
		offer(f, 0);
		assert_true(vq_has_avail(&f->vq));
		assert_int_equal(vq_pop(&f->vq, &f->c), 1);
		assert_int_equal(f->c.head, 0);
		assert_int_equal(f->c.nr_out + f->c.nr_in, n);
		assert_int_equal(f->c.nr_out, n / 2);
		for (i = 0; i < n; i++) {
			assert_ptr_equal(f->c.iov[i].iov_base,
					 gm_ptr(&f->gm, DATA_GPA + 0x100 * i, 1));
			assert_int_equal(f->c.iov[i].iov_len, 0x10 + i);
		}
		vq_push(&f->vq, f->c.head, n);
		assert_int_equal(used_idx(f), n);
		assert_int_equal(used_elem(f, n - 1).len, n);
		assert_int_equal(vq_pop(&f->vq, &f->c), 0);
	}
	assert_int_equal(f->vq.bad_chains, 0);
}

/* A malformed chain is completed with length 0 and the next one is served. */
static void expect_refused_then_next(struct fixture *f, uint16_t bad_head)
{
	uint16_t before = used_idx(f);
	uint64_t bad = f->vq.bad_chains;

	put_desc(f, 15, DATA_GPA, 64, 0, 0);
	offer(f, bad_head);
	offer(f, 15);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(f->c.head, 15);
	assert_int_equal(f->vq.bad_chains, bad + 1);
	assert_int_equal(used_idx(f), (uint16_t)(before + 1));
	assert_int_equal(used_elem(f, before).id, bad_head);
	assert_int_equal(used_elem(f, before).len, 0);
	assert_false(f->vq.broken);
}

static void next_index_out_of_range(void **state)
{
	struct fixture *f = *state;

	put_desc(f, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, QSIZE);
	expect_refused_then_next(f, 0);
	put_desc(f, 1, DATA_GPA, 16, VRING_DESC_F_NEXT, 0xffff);
	expect_refused_then_next(f, 1);
}

static void loop_is_refused(void **state)
{
	struct fixture *f = *state;

	put_desc(f, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	put_desc(f, 1, DATA_GPA, 16, VRING_DESC_F_NEXT, 0);
	expect_refused_then_next(f, 0);
	/* A descriptor pointing at itself. */
	put_desc(f, 2, DATA_GPA, 16, VRING_DESC_F_NEXT, 2);
	expect_refused_then_next(f, 2);
}

/* Longer than the queue: every descriptor once, then back into the chain. */
static void chain_longer_than_queue(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	for (i = 0; i < QSIZE; i++)
		put_desc(f, i, DATA_GPA, 8, VRING_DESC_F_NEXT, (uint16_t)((i + 1) % QSIZE));
	/* Descriptor 15 is reused by expect_refused_then_next as a valid chain,
	 * so make the long chain start at 0 and wrap through 15 back to 0. */
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 0);
	assert_int_equal(f->vq.bad_chains, 1);
	assert_int_equal(used_elem(f, 0).len, 0);
}

static void address_past_ram(void **state)
{
	struct fixture *f = *state;

	put_desc(f, 0, RAM - 8, 16, 0, 0);
	expect_refused_then_next(f, 0);
	put_desc(f, 1, RAM, 1, VRING_DESC_F_WRITE, 0);
	expect_refused_then_next(f, 1);
	put_desc(f, 2, 1ULL << 40, 4096, 0, 0);
	expect_refused_then_next(f, 2);
}

static void address_length_overflow_64(void **state)
{
	struct fixture *f = *state;

	put_desc(f, 0, UINT64_MAX - 4, 16, 0, 0);
	expect_refused_then_next(f, 0);
}

static void readable_after_writable(void **state)
{
	struct fixture *f = *state;

	put_desc(f, 0, DATA_GPA, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	put_desc(f, 1, DATA_GPA + 0x100, 16, 0, 0);
	expect_refused_then_next(f, 0);
}

static void indirect_chain(void **state)
{
	struct fixture *f = *state;

	put_desc_at(f, INDIR_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	put_desc_at(f, INDIR_GPA, 1, DATA_GPA + 0x1000, 4096, VRING_DESC_F_NEXT, 2);
	put_desc_at(f, INDIR_GPA, 2, DATA_GPA + 0x3000, 1, VRING_DESC_F_WRITE, 0);
	put_desc(f, 3, INDIR_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 3);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(f->c.head, 3);
	assert_int_equal(f->c.nr_out, 2);
	assert_int_equal(f->c.nr_in, 1);
	assert_int_equal(f->c.out_len, 16 + 4096);
	assert_int_equal(f->c.in_len, 1);
	assert_ptr_equal(f->c.iov[2].iov_base, gm_ptr(&f->gm, DATA_GPA + 0x3000, 1));
}

static void indirect_malformed(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	put_desc_at(f, INDIR_GPA, 0, DATA_GPA, 16, 0, 0);
	/* NEXT together with INDIRECT. */
	put_desc(f, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	expect_refused_then_next(f, 0);
	/* Table length not a multiple of 16, and zero. */
	put_desc(f, 0, INDIR_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
	put_desc(f, 0, INDIR_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
	/* Table outside RAM. */
	put_desc(f, 0, RAM - 16, 32, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
	/* Nested indirect. */
	put_desc_at(f, INDIR_GPA, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	put_desc(f, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
	/* Next index past the table. */
	put_desc_at(f, INDIR_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	put_desc(f, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
	/* A loop inside the table. */
	put_desc_at(f, INDIR_GPA, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	put_desc_at(f, INDIR_GPA, 1, DATA_GPA, 16, VRING_DESC_F_NEXT, 0);
	put_desc(f, 0, INDIR_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
	/* More entries than a chain may have. */
	for (i = 0; i <= VQ_MAX_SEGS; i++)
		put_desc_at(f, INDIR_GPA, i, DATA_GPA, 1, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	put_desc(f, 0, INDIR_GPA, (VQ_MAX_SEGS + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
}

/* Without VIRTIO_F_INDIRECT_DESC an indirect descriptor is malformed. */
static void indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;

	put_desc_at(f, INDIR_GPA, 0, DATA_GPA, 16, 0, 0);
	put_desc(f, 0, INDIR_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	expect_refused_then_next(f, 0);
}

static void avail_idx_beyond_size_breaks_queue(void **state)
{
	struct fixture *f = *state;
	uint16_t bogus = QSIZE + 1;

	put_desc(f, 0, DATA_GPA, 16, 0, 0);
	assert_int_equal(gm_write(&f->gm, AVAIL_GPA + 2, &bogus, 2), 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), -EIO);
	assert_true(f->vq.broken);
	assert_int_equal(vq_pop(&f->vq, &f->c), -EIO);
	assert_false(vq_has_avail(&f->vq));
	assert_int_equal(used_idx(f), 0);
}

static void head_out_of_range_breaks_queue(void **state)
{
	struct fixture *f = *state;

	offer(f, QSIZE);
	assert_int_equal(vq_pop(&f->vq, &f->c), -EIO);
	assert_true(f->vq.broken);
}

static void unpop_returns_chains(void **state)
{
	struct fixture *f = *state;

	put_desc(f, 0, DATA_GPA, 16, VRING_DESC_F_WRITE, 0);
	put_desc(f, 1, DATA_GPA, 16, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	offer(f, 1);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(vq_pop(&f->vq, &f->c), 0);
	assert_true(vq_unpop(&f->vq, 2, 0));
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(f->c.head, 0);
	assert_ptr_equal(vq_in_byte(&f->c, 15), gm_ptr(&f->gm, DATA_GPA + 15, 1));
	assert_null(vq_in_byte(&f->c, 16));
}

/* A malformed chain completed between pops makes the rewind impossible. */
static void unpop_refused_across_bad_chain(void **state)
{
	struct fixture *f = *state;
	uint64_t bad = f->vq.bad_chains;

	put_desc(f, 0, DATA_GPA, 16, VRING_DESC_F_WRITE, 0);
	put_desc(f, 1, RAM, 16, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	offer(f, 1);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_false(vq_unpop(&f->vq, 2, bad));
	assert_int_equal(vq_pop(&f->vq, &f->c), 0);
}

/* Without EVENT_IDX: NO_INTERRUPT suppresses, used->flags NO_NOTIFY hints. */
static void flags_suppression(void **state)
{
	struct fixture *f = *state;
	uint16_t flags = VRING_AVAIL_F_NO_INTERRUPT, uflags;

	assert_false(vq_need_signal(&f->vq)); /* nothing pushed */
	put_desc(f, 0, DATA_GPA, 16, 0, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_true(vq_need_signal(&f->vq));
	assert_false(vq_need_signal(&f->vq)); /* once per batch */
	assert_int_equal(gm_write(&f->gm, AVAIL_GPA, &flags, 2), 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_false(vq_need_signal(&f->vq));
	vq_disable_notify(&f->vq);
	assert_int_equal(gm_read(&f->gm, &uflags, USED_GPA, 2), 0);
	assert_int_equal(uflags, VRING_USED_F_NO_NOTIFY);
	assert_false(vq_enable_notify(&f->vq));
	assert_int_equal(gm_read(&f->gm, &uflags, USED_GPA, 2), 0);
	assert_int_equal(uflags, 0);
	offer(f, 0);
	assert_true(vq_enable_notify(&f->vq));
}

/* EVENT_IDX: interrupt only when used_idx passes used_event; avail_event
 * published by vq_enable_notify. */
static void event_idx_suppression(void **state)
{
	struct fixture *f = *state;
	uint16_t used_event, avail_event;
	unsigned int i;

	put_desc(f, 0, DATA_GPA, 16, 0, 0);
	/* The driver wants an interrupt once the 3rd buffer is used. */
	used_event = 2;
	assert_int_equal(gm_write(&f->gm, AVAIL_GPA + 4 + 2 * QSIZE, &used_event, 2), 0);
	for (i = 0; i < 4; i++)
		offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_false(vq_need_signal(&f->vq)); /* used_idx 1 */
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_false(vq_need_signal(&f->vq)); /* used_idx 2 */
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_true(vq_need_signal(&f->vq)); /* used_idx 3 passes used_event 2 */
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_false(vq_need_signal(&f->vq));
	/* Batch of two crossing the event: one interrupt. */
	used_event = 4;
	assert_int_equal(gm_write(&f->gm, AVAIL_GPA + 4 + 2 * QSIZE, &used_event, 2), 0);
	offer(f, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	vq_push(&f->vq, 0, 0);
	assert_true(vq_need_signal(&f->vq));
	/* avail_event follows what the device consumed. */
	assert_false(vq_enable_notify(&f->vq));
	assert_int_equal(gm_read(&f->gm, &avail_event, USED_GPA + 4 + 8 * QSIZE, 2), 0);
	assert_int_equal(avail_event, 6);
	offer(f, 0);
	assert_true(vq_enable_notify(&f->vq));
}

static void used_ring_wraps(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	put_desc(f, 0, DATA_GPA, 16, 0, 0);
	for (i = 0; i < 3 * QSIZE + 5; i++) {
		offer(f, 0);
		assert_int_equal(vq_pop(&f->vq, &f->c), 1);
		vq_push(&f->vq, 0, i);
		assert_int_equal(used_elem(f, i).len, i);
	}
	assert_int_equal(used_idx(f), 3 * QSIZE + 5);
}

static void activate_rejects_bad_rings(void **state)
{
	struct fixture *f = *state;
	struct virtqueue vq;
	struct errbuf e = {""};
	static const uint16_t bad_sizes[] = {0, 3, 12, 512};
	unsigned int i;

	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		vq = f->vq;
		vq.size = bad_sizes[i];
		assert_int_equal(vq_activate(&vq, &f->gm, false, false, &e), -EINVAL);
	}
	vq = f->vq;
	vq.desc_gpa = DESC_GPA + 8;
	assert_int_equal(vq_activate(&vq, &f->gm, false, false, &e), -EINVAL);
	vq = f->vq;
	vq.avail_gpa = AVAIL_GPA + 1;
	assert_int_equal(vq_activate(&vq, &f->gm, false, false, &e), -EINVAL);
	vq = f->vq;
	vq.used_gpa = USED_GPA + 2;
	assert_int_equal(vq_activate(&vq, &f->gm, false, false, &e), -EINVAL);
	vq = f->vq;
	vq.used_gpa = RAM - 8;
	assert_int_equal(vq_activate(&vq, &f->gm, false, false, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "guest RAM"));
	vq = f->vq;
	vq.desc_gpa = UINT64_MAX - 15;
	assert_int_equal(vq_activate(&vq, &f->gm, false, false, &e), -EINVAL);
}

static void copy_and_slice(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64], out[64];
	struct iovec sl[4];
	unsigned int i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	put_desc(f, 0, DATA_GPA, 10, VRING_DESC_F_NEXT, 1);
	put_desc(f, 1, DATA_GPA + 0x100, 10, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	put_desc(f, 2, DATA_GPA + 0x200, 30, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->c), 1);
	assert_int_equal(vq_copy_to_in(&f->c, 5, buf, 64), 35);
	assert_memory_equal(gm_ptr(&f->gm, DATA_GPA + 0x105, 5), buf, 5);
	assert_memory_equal(gm_ptr(&f->gm, DATA_GPA + 0x200, 30), buf + 5, 30);
	assert_int_equal(gm_write(&f->gm, DATA_GPA, buf, 10), 0);
	assert_int_equal(vq_copy_from_out(&f->c, 3, out, 64), 7);
	assert_memory_equal(out, buf + 3, 7);
	assert_int_equal(vq_slice(f->c.iov, 3, 8, 20, sl, 4), 3);
	assert_int_equal(sl[0].iov_len, 2);
	assert_int_equal(sl[1].iov_len, 10);
	assert_int_equal(sl[2].iov_len, 8);
	assert_int_equal(vq_slice(f->c.iov, 3, 8, 20, sl, 2), -EINVAL);
	assert_int_equal(vq_slice(f->c.iov, 3, 40, 20, sl, 4), -EINVAL);
}

/* Sums past 4 GiB: three 1.5 GiB buffers inside a 3 GiB RAM region. */
static void length_overflow_32(void **state)
{
	struct fixture big;
	struct errbuf e = {""};
	struct vq_chain *c = test_malloc(sizeof(*c));
	unsigned int i;

	memset(&big, 0, sizeof(big));
	assert_int_equal(gm_init(&big.gm, 3ULL << 30, &e), 0);
	big.vq.max_size = 256;
	big.vq.size = QSIZE;
	big.vq.desc_gpa = DESC_GPA;
	big.vq.avail_gpa = AVAIL_GPA;
	big.vq.used_gpa = USED_GPA;
	assert_int_equal(vq_activate(&big.vq, &big.gm, false, false, &e), 0);
	for (i = 0; i < 3; i++)
		put_desc(&big, i, 0, 0x60000000, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	put_desc(&big, 3, 0, 1, VRING_DESC_F_WRITE, 0);
	offer(&big, 0);
	assert_int_equal(vq_pop(&big.vq, c), 0);
	assert_int_equal(big.vq.bad_chains, 1);
	/* Two 1.5 GiB readable plus 1.5 GiB writable also overflow the total. */
	put_desc(&big, 5, 0, 0x60000000, VRING_DESC_F_NEXT, 6);
	put_desc(&big, 6, 0, 0x60000000, VRING_DESC_F_NEXT, 7);
	put_desc(&big, 7, 0, 0x60000000, VRING_DESC_F_WRITE, 0);
	offer(&big, 5);
	assert_int_equal(vq_pop(&big.vq, c), 0);
	assert_int_equal(big.vq.bad_chains, 2);
	test_free(c);
	gm_destroy(&big.gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(empty_queue_pops_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(valid_chains_1_to_n, setup, teardown),
	    cmocka_unit_test_setup_teardown(next_index_out_of_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(loop_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(chain_longer_than_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(address_past_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(address_length_overflow_64, setup, teardown),
	    cmocka_unit_test_setup_teardown(readable_after_writable, setup, teardown),
	    cmocka_unit_test_setup_teardown(indirect_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(indirect_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(indirect_not_negotiated, setup_event_idx, teardown),
	    cmocka_unit_test_setup_teardown(avail_idx_beyond_size_breaks_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(head_out_of_range_breaks_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(unpop_returns_chains, setup, teardown),
	    cmocka_unit_test_setup_teardown(unpop_refused_across_bad_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(flags_suppression, setup, teardown),
	    cmocka_unit_test_setup_teardown(event_idx_suppression, setup_event_idx, teardown),
	    cmocka_unit_test_setup_teardown(used_ring_wraps, setup, teardown),
	    cmocka_unit_test_setup_teardown(activate_rejects_bad_rings, setup, teardown),
	    cmocka_unit_test_setup_teardown(copy_and_slice, setup, teardown),
	    cmocka_unit_test(length_overflow_32),
	};

	return cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);
}
