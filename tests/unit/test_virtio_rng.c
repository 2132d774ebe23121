/* test_virtio_rng.c - the entropy device: only writable bytes are filled,
 * every request is bounded, a bad chain or ring costs only itself, and the
 * rate limiter holds the queue until its timer fires. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>

#include <cmocka.h>

#include "loop.h"
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
	assert_int_equal(virtio_rng_writable(&c), sizeof(in1) + sizeof(in2));
	assert_int_equal(virtio_rng_fill(&c, VIRTIO_RNG_MAX_REQUEST), sizeof(in1) + sizeof(in2));
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xAA);
	for (i = 0; i < sizeof(in2); i++)
		nz += in2[i] != 0;
	assert_true(nz > 200); /* 300 random bytes: ~299 nonzero */
	memset(in2, 0, sizeof(in2));
	assert_int_equal(virtio_rng_fill(&c, 20), 20); /* the caller's cap holds */
	for (i = 12; i < sizeof(in2); i++)
		assert_int_equal(in2[i], 0);
}

static void empty_and_huge(void **state)
{
	static struct vq_chain c;
	static uint8_t big[VIRTIO_RNG_MAX_REQUEST + 4096];

	(void)state;
	c.nr_out = 1;
	c.nr_in = 0;
	c.iov[0] = (struct iovec){big, 10};
	assert_int_equal(virtio_rng_fill(&c, VIRTIO_RNG_MAX_REQUEST), 0);
	c.nr_out = 0;
	c.nr_in = 1;
	c.iov[0] = (struct iovec){big, sizeof(big)};
	assert_int_equal(virtio_rng_fill(&c, UINT32_MAX), VIRTIO_RNG_MAX_REQUEST);
}

/* ---- Device ------------------------------------------------------------ */

#define RAM	  (1ULL << 20)
#define QSIZE	  16
#define DESC_GPA  0x1000ULL
#define AVAIL_GPA 0x2000ULL
#define USED_GPA  0x3000ULL
#define BUF_GPA	  0x10000ULL

struct dev {
	struct guest_mem gm;
	struct loop loop;
	struct virtio_rng *r;
	struct virtio_dev *vd;
	uint16_t avail_idx;
	int irqs;
};

static void count_irq(void *ctx)
{
	((struct dev *)ctx)->irqs++;
}

static struct dev *dev_new(const struct cfg_entropy *cfg)
{
	struct dev *d = test_calloc(1, sizeof(*d));
	struct errbuf e = {""};
	struct virtqueue *vq;

	assert_int_equal(gm_init(&d->gm, RAM, &e), 0);
	loop_init(&d->loop);
	assert_int_equal(loop_open(&d->loop), 0);
	assert_int_equal(
	    virtio_rng_create(&d->r, cfg,
			      &(struct dev_ctx){.mem = &d->gm, .loop = &d->loop, .irqfd = -1}, &e),
	    0);
	d->vd = virtio_rng_dev(d->r);
	d->vd->transport.irq = (struct irq_line){.raise = count_irq, .ctx = d};
	assert_int_equal(d->vd->device_id, VIRTIO_ID_RNG);
	virtio_set_status(d->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(d->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(d->vd, 1, 1); /* VERSION_1 */
	virtio_set_status(d->vd, 11);
	vq = &d->vd->vq[0];
	vq->size = QSIZE;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	vq->ready = true;
	virtio_set_status(d->vd, 15);
	assert_true(d->vd->active);
	return d;
}

static void dev_free(struct dev *d)
{
	virtio_rng_destroy(d->r);
	loop_close(&d->loop);
	gm_destroy(&d->gm);
	test_free(d);
}

static void desc(struct dev *d, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	struct vring_desc v = {.addr = addr, .len = len, .flags = flags, .next = next};

	assert_int_equal(gm_write(&d->gm, DESC_GPA + 16ULL * i, &v, sizeof(v)), 0);
}

static void offer(struct dev *d, uint16_t head)
{
	uint16_t slot = d->avail_idx % QSIZE;

	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 4 + 2 * slot, &head, 2), 0);
	d->avail_idx++;
	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 2, &d->avail_idx, 2), 0);
}

static uint16_t used_idx(struct dev *d)
{
	uint16_t v;

	assert_int_equal(gm_read(&d->gm, &v, USED_GPA + 2, 2), 0);
	return v;
}

static uint32_t used_len(struct dev *d, unsigned int i)
{
	struct vring_used_elem el;

	assert_int_equal(gm_read(&d->gm, &el, USED_GPA + 4 + 8 * (i % QSIZE), sizeof(el)), 0);
	return el.len;
}

static void serves_writable_bytes(void **state)
{
	struct cfg_entropy cfg = {.set = true};
	struct dev *d = dev_new(&cfg);
	struct virtio_rng_stats st;
	uint8_t buf[256];
	unsigned int i, nz = 0;

	(void)state;
	assert_int_equal(gm_write(&d->gm, BUF_GPA, "readable", 8), 0);
	desc(d, 0, BUF_GPA, 8, VRING_DESC_F_NEXT, 1);
	desc(d, 1, BUF_GPA + 0x100, 256, VRING_DESC_F_WRITE, 0);
	offer(d, 0);
	virtio_queue_notify(d->vd, 0);
	assert_int_equal(used_idx(d), 1);
	assert_int_equal(used_len(d, 0), 256);
	assert_memory_equal(gm_ptr(&d->gm, BUF_GPA, 8), "readable", 8);
	assert_int_equal(gm_read(&d->gm, buf, BUF_GPA + 0x100, sizeof(buf)), 0);
	for (i = 0; i < sizeof(buf); i++)
		nz += buf[i] != 0;
	assert_true(nz > 200);
	assert_true(d->irqs >= 1);
	virtio_rng_stats(d->r, &st);
	assert_int_equal(st.bytes, 256);
	assert_int_equal(st.event_count, 1);
	dev_free(d);
}

static void huge_and_hostile_chains(void **state)
{
	struct cfg_entropy cfg = {.set = true};
	struct dev *d = dev_new(&cfg);
	struct virtio_rng_stats st;
	uint16_t bogus;

	(void)state;
	desc(d, 0, BUF_GPA, 0x80000, VRING_DESC_F_WRITE, 0); /* 512 KiB: capped at 64 KiB */
	desc(d, 1, RAM - 16, 4096, VRING_DESC_F_WRITE, 0);   /* runs past guest memory */
	desc(d, 2, BUF_GPA, 16, 0, 0);			     /* nothing writable */
	desc(d, 3, BUF_GPA, 32, VRING_DESC_F_WRITE, 0);
	offer(d, 0);
	offer(d, 1);
	offer(d, 2);
	offer(d, 3);
	virtio_queue_notify(d->vd, 0);
	assert_int_equal(used_idx(d), 4);
	assert_int_equal(used_len(d, 0), VIRTIO_RNG_MAX_REQUEST);
	assert_int_equal(used_len(d, 1), 0);
	assert_int_equal(used_len(d, 2), 0);
	assert_int_equal(used_len(d, 3), 32); /* the bad chain cost only itself */
	assert_false(d->vd->status & VIRTIO_STATUS_NEEDS_RESET);
	/* An avail index far ahead of the ring: the queue is corrupt. */
	bogus = (uint16_t)(d->avail_idx + 1000);
	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 2, &bogus, 2), 0);
	virtio_queue_notify(d->vd, 0);
	assert_true(d->vd->status & VIRTIO_STATUS_NEEDS_RESET);
	virtio_rng_stats(d->r, &st);
	assert_int_equal(st.event_fails, 1);
	dev_free(d);
}

/* Wait for the device's limiter timer and run its handler. */
static int fire_timer(struct dev *d, int ms)
{
	struct epoll_event ev;
	struct loop_handler *h;

	if (epoll_wait(d->loop.epfd, &ev, 1, ms) != 1)
		return -1;
	h = ev.data.ptr;
	h->fn(h->ctx, ev.events);
	return 0;
}

static void rate_limited(void **state)
{
	struct cfg_entropy cfg = {.set = true};
	struct virtio_rng_stats st;
	struct dev *d;

	(void)state;
	cfg.rate_limiter.bandwidth =
	    (struct cfg_token_bucket){.set = true, .size = 1000, .refill_time_ms = 100};
	d = dev_new(&cfg);
	desc(d, 0, BUF_GPA, 1000, VRING_DESC_F_WRITE, 0);
	desc(d, 1, BUF_GPA + 0x1000, 600, VRING_DESC_F_WRITE, 0);
	offer(d, 0);
	offer(d, 1);
	virtio_queue_notify(d->vd, 0);
	assert_int_equal(used_idx(d), 1); /* the bucket held 1000 bytes */
	virtio_rng_stats(d->r, &st);
	assert_int_equal(st.throttled, 1);
	virtio_queue_notify(d->vd, 0); /* a kick does not bypass the limiter */
	assert_int_equal(used_idx(d), 1);
	assert_int_equal(fire_timer(d, 2000), 0);
	assert_int_equal(used_idx(d), 2);
	assert_int_equal(used_len(d, 1), 600);
	virtio_rng_stats(d->r, &st);
	assert_int_equal(st.rl_events, 1);
	assert_int_equal(st.bytes, 1600);
	dev_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fills_in_only_bounded), cmocka_unit_test(empty_and_huge),
	    cmocka_unit_test(serves_writable_bytes), cmocka_unit_test(huge_and_hostile_chains),
	    cmocka_unit_test(rate_limited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
