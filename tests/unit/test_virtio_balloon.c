/* Unit tests for the balloon's queues against a real (small) guest memory
 * mapping and a fake driver that fills the rings by hand: inflated and
 * reported pages read back as zero (given back to the host), hostile
 * buffers cost only themselves, statistics are held and handed back by the
 * timer tick, hinting follows the command-id protocol. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "virtio_balloon.h"

#define RAM	 (4ULL << 20)
#define QSIZE	 16
#define DATA_GPA 0x200000ULL
#define PFN_GPA	 0x100000ULL /* where the fake driver builds its buffers */

struct q {
	uint64_t desc, avail, used;
	uint16_t avail_idx;
	unsigned int next_desc;
};

struct bt {
	struct guest_mem gm;
	struct virtio_balloon *b;
	struct virtio_dev *vd;
	struct q q[VIRTIO_MAX_QUEUES];
	int irqs;
};

static void count_irq(void *ctx)
{
	((struct bt *)ctx)->irqs++;
}

/* A started device with @cfg's features acked and @nq queues ready. */
static int bt_setup(void **state, const struct cfg_balloon *cfg, unsigned int nq)
{
	struct bt *t = test_calloc(1, sizeof(*t));
	struct errbuf e = {""};
	unsigned int i;

	if (gm_init(&t->gm, RAM, &e))
		return -1;
	if (virtio_balloon_create(&t->b, cfg, &(struct dev_ctx){.mem = &t->gm, .irqfd = -1}, &e))
		return -1;
	t->vd = virtio_balloon_dev(t->b);
	t->vd->transport.irq = (struct irq_line){.raise = count_irq, .ctx = t};
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(t->vd, 0, virtio_features_page(t->vd, 0));
	virtio_set_driver_features(t->vd, 1, virtio_features_page(t->vd, 1));
	virtio_set_status(t->vd, 11);
	for (i = 0; i < nq; i++) {
		struct virtqueue *vq = &t->vd->vq[i];

		t->q[i].desc = vq->desc_gpa = 0x1000 + i * 0x4000;
		t->q[i].avail = vq->avail_gpa = 0x2000 + i * 0x4000;
		t->q[i].used = vq->used_gpa = 0x3000 + i * 0x4000;
		vq->size = QSIZE;
		vq->ready = true;
	}
	virtio_set_status(t->vd, 15);
	if (!t->vd->active)
		return -1;
	*state = t;
	return 0;
}

static int setup_basic(void **state)
{
	return bt_setup(state, &(struct cfg_balloon){.set = true, .amount_mib = 1}, 2);
}

static int setup_all(void **state)
{
	return bt_setup(state,
			&(struct cfg_balloon){.set = true,
					      .deflate_on_oom = true,
					      .stats_polling_interval_s = 1,
					      .free_page_hinting = true,
					      .free_page_reporting = true},
			5);
}

/* Reporting alone: its queue is the third one (index 2). */
static int setup_report(void **state)
{
	return bt_setup(state, &(struct cfg_balloon){.set = true, .free_page_reporting = true}, 3);
}

static int teardown(void **state)
{
	struct bt *t = *state;

	virtio_balloon_destroy(t->b);
	gm_destroy(&t->gm);
	test_free(t);
	return 0;
}

/* One-descriptor chain [gpa, gpa+len) on queue @qi, then a notification. */
static void post(struct bt *t, unsigned int qi, uint64_t gpa, uint32_t len, bool write)
{
	struct q *q = &t->q[qi];
	unsigned int d = q->next_desc++ % QSIZE;
	uint16_t slot = q->avail_idx % QSIZE;
	struct vring_desc v = {.addr = gpa, .len = len, .flags = write ? VRING_DESC_F_WRITE : 0};

	assert_int_equal(gm_write(&t->gm, q->desc + 16 * d, &v, sizeof(v)), 0);
	assert_int_equal(gm_write(&t->gm, q->avail + 4 + 2 * slot, &(uint16_t){(uint16_t)d}, 2), 0);
	q->avail_idx++;
	assert_int_equal(gm_write(&t->gm, q->avail + 2, &q->avail_idx, 2), 0);
	virtio_queue_notify(t->vd, qi);
}

static void cfg_read(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len)
{
	vd->ops->config_read(vd, off, data, len);
}

static void cfg_write(struct virtio_dev *vd, uint32_t off, const uint8_t *data, uint32_t len)
{
	vd->ops->config_write(vd, off, data, len);
}

static uint16_t used_idx(struct bt *t, unsigned int qi)
{
	uint16_t v;

	assert_int_equal(gm_read(&t->gm, &v, t->q[qi].used + 2, 2), 0);
	return v;
}

/* Fill @n pages from @gpa with a non-zero byte. */
static void touch(struct bt *t, uint64_t gpa, unsigned int n)
{
	memset(gm_ptr(&t->gm, gpa, n * 4096ULL), 0xa5, n * 4096ULL);
}

static bool page_zero(struct bt *t, uint64_t gpa)
{
	const uint8_t *p = gm_ptr(&t->gm, gpa, 4096);
	unsigned int i;

	for (i = 0; i < 4096; i++)
		if (p[i])
			return false;
	return true;
}

static struct balloon_counters counters(struct bt *t)
{
	struct balloon_counters k;

	virtio_balloon_counters(t->b, &k);
	return k;
}

static void inflate_gives_pages_back(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[6] = {0x200, 0x201, 0x202, 0x205, 0xffffffffu, 0x3ff00};

	touch(t, DATA_GPA, 8);
	assert_int_equal(gm_write(&t->gm, PFN_GPA, pfn, sizeof(pfn)), 0);
	post(t, 0, PFN_GPA, sizeof(pfn), false);
	assert_int_equal(used_idx(t, 0), 1);
	assert_true(page_zero(t, DATA_GPA));
	assert_true(page_zero(t, DATA_GPA + 0x2000));
	assert_false(page_zero(t, DATA_GPA + 0x3000)); /* not listed */
	assert_true(page_zero(t, DATA_GPA + 0x5000));
	assert_int_equal(counters(t).inflate_count, 1);
	assert_int_equal(counters(t).event_fails, 1); /* the two PFNs outside RAM */
	assert_true(t->irqs >= 1);
	/* Deflate: buffers come back, nothing else happens. */
	post(t, 1, PFN_GPA, 4, false);
	assert_int_equal(used_idx(t, 1), 1);
	assert_int_equal(counters(t).deflate_count, 1);
}

static void inflate_malformed_buffers(void **state)
{
	struct bt *t = *state;
	uint32_t pfn[2] = {0x200, 0x201};

	touch(t, DATA_GPA, 2);
	assert_int_equal(gm_write(&t->gm, PFN_GPA, pfn, sizeof(pfn)), 0);
	post(t, 0, PFN_GPA, 6, false);	      /* not a whole number of PFNs */
	post(t, 0, PFN_GPA, 8, true);	      /* device-writable */
	post(t, 0, PFN_GPA, 1u << 16, false); /* more PFNs than a buffer may hold */
	post(t, 0, RAM - 4, 8, false);	      /* past the end of RAM: the virtqueue refuses it */
	assert_int_equal(used_idx(t, 0), 4);
	assert_false(page_zero(t, DATA_GPA));
	assert_false(page_zero(t, DATA_GPA + 0x1000));
	assert_int_equal(counters(t).event_fails, 3);
	/* The queue still works. */
	post(t, 0, PFN_GPA, 8, false);
	assert_int_equal(used_idx(t, 0), 5);
	assert_true(page_zero(t, DATA_GPA + 0x1000));
}

static void config_target_and_actual(void **state)
{
	struct bt *t = *state;
	uint32_t v, irqs = (uint32_t)t->irqs;

	cfg_read(t->vd, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 256);
	assert_int_equal(virtio_balloon_set_target(t->b, 64), 0);
	cfg_read(t->vd, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 64 * 256);
	assert_true((uint32_t)t->irqs > irqs);
	assert_int_equal(virtio_balloon_set_target(t->b, 1u << 24), -ERANGE);
	v = 1234;
	cfg_write(t->vd, 4, (uint8_t *)&v, 4);
	assert_int_equal(virtio_balloon_actual_pages(t->b), 1234);
	/* num_pages is the host's: a driver write is ignored. */
	v = 1;
	cfg_write(t->vd, 0, (uint8_t *)&v, 4);
	cfg_read(t->vd, 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 64 * 256);
	/* Statistics are not configured. */
	assert_int_equal(virtio_balloon_get_stats(t->b, &(struct balloon_stats){0}), -ENOENT);
	assert_int_equal(virtio_balloon_set_stats_interval(t->b, 5), -EPERM);
	assert_int_equal(virtio_balloon_hint_start(t->b, true), -ENOENT);
}

static void put_stat(uint8_t *p, uint16_t tag, uint64_t val)
{
	memcpy(p, &tag, 2);
	memcpy(p + 2, &val, 8);
}

static void stats_held_and_returned(void **state)
{
	struct bt *t = *state;
	struct balloon_stats s;
	uint8_t buf[30];

	put_stat(buf, BALLOON_S_MEMFREE, 1000);
	put_stat(buf + 10, 99, 5); /* unknown tag: skipped */
	put_stat(buf + 20, BALLOON_S_MEMTOT, 4000);
	assert_int_equal(gm_write(&t->gm, PFN_GPA, buf, sizeof(buf)), 0);
	post(t, 2, PFN_GPA, sizeof(buf), false);
	assert_int_equal(used_idx(t, 2), 0); /* held until the next poll */
	assert_int_equal(virtio_balloon_get_stats(t->b, &s), 0);
	assert_int_equal(s.present, (1u << BALLOON_S_MEMFREE) | (1u << BALLOON_S_MEMTOT));
	assert_int_equal(s.val[BALLOON_S_MEMFREE], 1000);
	assert_int_equal(s.val[BALLOON_S_MEMTOT], 4000);
	virtio_balloon_stats_tick(t->b);
	assert_int_equal(used_idx(t, 2), 1);
	virtio_balloon_stats_tick(t->b); /* nothing held: nothing to return */
	assert_int_equal(used_idx(t, 2), 1);
	/* An odd-length buffer is held but refused; the next one counts. */
	post(t, 2, PFN_GPA, 15, false);
	assert_int_equal(counters(t).stats_update_fails, 1);
	put_stat(buf, BALLOON_S_MEMFREE, 7);
	assert_int_equal(gm_write(&t->gm, PFN_GPA, buf, 10), 0);
	post(t, 2, PFN_GPA, 10, false); /* a second buffer: the first goes back */
	assert_int_equal(used_idx(t, 2), 2);
	assert_int_equal(virtio_balloon_get_stats(t->b, &s), 0);
	assert_int_equal(s.val[BALLOON_S_MEMFREE], 7);
	assert_int_equal(virtio_balloon_set_stats_interval(t->b, 0), -EPERM);
	assert_int_equal(virtio_balloon_set_stats_interval(t->b, 3), 0);
}

static void reporting_gives_pages_back(void **state)
{
	struct bt *t = *state;

	touch(t, DATA_GPA, 4);
	post(t, 2, DATA_GPA, 2 * 4096, true);
	assert_int_equal(used_idx(t, 2), 1);
	assert_true(page_zero(t, DATA_GPA));
	assert_true(page_zero(t, DATA_GPA + 0x1000));
	assert_false(page_zero(t, DATA_GPA + 0x2000));
	assert_int_equal(counters(t).free_page_report_freed, 2 * 4096);
	/* A device-readable report is refused; nothing is dropped. */
	post(t, 2, DATA_GPA + 0x2000, 4096, false);
	assert_int_equal(used_idx(t, 2), 2);
	assert_false(page_zero(t, DATA_GPA + 0x2000));
	assert_int_equal(counters(t).free_page_report_fails, 1);
}

static void hinting_protocol(void **state)
{
	struct bt *t = *state;
	struct balloon_hint_status h;
	uint32_t cmd;

	touch(t, DATA_GPA, 2);
	assert_int_equal(virtio_balloon_hint_status(t->b, &h), 0);
	assert_int_equal(h.host_cmd, 0);
	assert_false(h.has_guest_cmd);
	assert_int_equal(virtio_balloon_hint_start(t->b, true), 0);
	cfg_read(t->vd, 8, (uint8_t *)&cmd, 4);
	assert_int_equal(cmd, 2);
	/* A hint before the guest echoed the id is not acted on. */
	post(t, 3, DATA_GPA, 4096, true);
	assert_false(page_zero(t, DATA_GPA));
	cmd = 2;
	assert_int_equal(gm_write(&t->gm, PFN_GPA, &cmd, 4), 0);
	post(t, 3, PFN_GPA, 4, false);
	post(t, 3, DATA_GPA + 0x1000, 4096, true);
	assert_true(page_zero(t, DATA_GPA + 0x1000));
	assert_int_equal(counters(t).free_page_hint_freed, 4096);
	assert_int_equal(virtio_balloon_hint_status(t->b, &h), 0);
	assert_true(h.has_guest_cmd);
	assert_int_equal(h.guest_cmd, 2);
	/* STOP from the guest: acknowledged with DONE. */
	cmd = BALLOON_CMD_ID_STOP;
	assert_int_equal(gm_write(&t->gm, PFN_GPA, &cmd, 4), 0);
	post(t, 3, PFN_GPA, 4, false);
	cfg_read(t->vd, 8, (uint8_t *)&cmd, 4);
	assert_int_equal(cmd, BALLOON_CMD_ID_DONE);
	assert_int_equal(used_idx(t, 3), 4);
	/* The next run gets a fresh id; stop ends it with DONE. */
	assert_int_equal(virtio_balloon_hint_start(t->b, false), 0);
	cfg_read(t->vd, 8, (uint8_t *)&cmd, 4);
	assert_int_equal(cmd, 3);
	assert_int_equal(virtio_balloon_hint_stop(t->b), 0);
	cfg_read(t->vd, 8, (uint8_t *)&cmd, 4);
	assert_int_equal(cmd, BALLOON_CMD_ID_DONE);
}

static void save_restore_round_trip(void **state)
{
	struct bt *t = *state;
	struct virtio_balloon *b2;
	struct errbuf e = {""};
	uint8_t buf[4096];
	uint32_t v;
	int len;

	assert_int_equal(virtio_balloon_set_target(t->b, 3), 0);
	assert_int_equal(virtio_quiesce(t->vd), 0);
	len = virtio_save(t->vd, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(virtio_balloon_create(&b2, &(struct cfg_balloon){.set = true},
					       &(struct dev_ctx){.mem = &t->gm, .irqfd = -1}, &e),
			 0);
	assert_int_equal(virtio_restore(virtio_balloon_dev(b2), buf, (size_t)len), 0);
	cfg_read(virtio_balloon_dev(b2), 0, (uint8_t *)&v, 4);
	assert_int_equal(v, 3 * 256);
	buf[len - 4] = 0xff; /* flags: garbage */
	virtio_balloon_destroy(b2);
	assert_int_equal(virtio_balloon_create(&b2, &(struct cfg_balloon){.set = true},
					       &(struct dev_ctx){.mem = &t->gm, .irqfd = -1}, &e),
			 0);
	assert_int_equal(virtio_restore(virtio_balloon_dev(b2), buf, (size_t)len), -EINVAL);
	virtio_balloon_destroy(b2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(inflate_gives_pages_back, setup_basic, teardown),
	    cmocka_unit_test_setup_teardown(inflate_malformed_buffers, setup_basic, teardown),
	    cmocka_unit_test_setup_teardown(config_target_and_actual, setup_basic, teardown),
	    cmocka_unit_test_setup_teardown(stats_held_and_returned, setup_all, teardown),
	    cmocka_unit_test_setup_teardown(reporting_gives_pages_back, setup_report, teardown),
	    cmocka_unit_test_setup_teardown(hinting_protocol, setup_all, teardown),
	    cmocka_unit_test_setup_teardown(save_restore_round_trip, setup_basic, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
