/* Unit tests for the virtio snapshot format (virtio_state.c): a device set
 * up by a driver, saved, and restored into a fresh device of the same kind;
 * every truncation and a corrupted header are refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "virtio.h"

#define RAM	  (1ULL << 20)
#define DESC_GPA  0x1000ULL
#define AVAIL_GPA 0x2000ULL
#define USED_GPA  0x3000ULL
#define OFFERED	  (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(3))

struct fake {
	struct virtio_dev vd;
	int activated, quiesced;
	uint32_t secret; /* the device-specific state */
};

static int fake_activate(struct virtio_dev *vd)
{
	((struct fake *)vd)->activated++;
	return 0;
}

static void fake_notify(struct virtio_dev *vd, unsigned int q)
{
}

static int fake_quiesce(struct virtio_dev *vd)
{
	((struct fake *)vd)->quiesced++;
	return 0;
}

static int fake_save(const struct virtio_dev *vd, uint8_t *buf, size_t len)
{
	const struct fake *f = (const struct fake *)vd;

	if (len < sizeof(f->secret))
		return -ENOSPC;
	memcpy(buf, &f->secret, sizeof(f->secret));
	return (int)sizeof(f->secret);
}

static int fake_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct fake *f = (struct fake *)vd;

	if (len != sizeof(f->secret))
		return -EINVAL;
	memcpy(&f->secret, buf, len);
	return 0;
}

static const struct virtio_dev_ops fake_ops = {
    .activate = fake_activate,
    .notify = fake_notify,
    .quiesce = fake_quiesce,
    .save = fake_save,
    .restore = fake_restore,
};

struct fixture {
	struct guest_mem gm;
	struct fake a, b;
	uint8_t buf[512];
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct errbuf e = {""};

	if (gm_init(&f->gm, RAM, &e))
		return -1;
	if (virtio_dev_init(&f->a.vd, &fake_ops, 42, OFFERED, 0, 2, &f->gm, NULL) ||
	    virtio_dev_init(&f->b.vd, &fake_ops, 42, OFFERED, 0, 2, &f->gm, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_dev_destroy(&f->a.vd);
	virtio_dev_destroy(&f->b.vd);
	gm_destroy(&f->gm);
	test_free(f);
	return 0;
}

/* What Linux does: status steps, features, queue 0 only, DRIVER_OK; then
 * some traffic moves the ring indices. */
static void drive(struct fake *d)
{
	struct virtqueue *vq = &d->vd.vq[0];

	virtio_set_status(&d->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(&d->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(&d->vd, 0, (uint32_t)OFFERED);
	virtio_set_driver_features(&d->vd, 1, (uint32_t)(OFFERED >> 32));
	virtio_set_status(&d->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				      VIRTIO_STATUS_FEATURES_OK);
	vq->size = 64;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	vq->ready = true;
	virtio_set_status(&d->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				      VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	vq->last_avail = 17;
	vq->used_idx = 15;
	vq->signalled = 12;
	atomic_store(&d->vd.isr, VIRTIO_ISR_VRING);
	d->vd.config_generation = 3;
	d->secret = 0xc0ffee;
}

static void round_trip(void **state)
{
	struct fixture *f = *state;
	const struct virtqueue *qa = &f->a.vd.vq[0], *qb = &f->b.vd.vq[0];
	int n;

	drive(&f->a);
	assert_true(f->a.vd.active);
	assert_int_equal(virtio_quiesce(&f->a.vd), 0);
	assert_int_equal(f->a.quiesced, 1);
	n = virtio_save(&f->a.vd, f->buf, sizeof(f->buf));
	assert_true(n > 0);
	assert_int_equal(virtio_restore(&f->b.vd, f->buf, (size_t)n), 0);
	assert_true(f->b.vd.active);
	assert_int_equal(f->b.activated, 1);
	assert_int_equal(f->b.vd.status, f->a.vd.status);
	assert_int_equal(f->b.vd.acked, OFFERED);
	assert_int_equal(virtio_isr_read(&f->b.vd), VIRTIO_ISR_VRING);
	assert_int_equal(f->b.vd.config_generation, 3);
	assert_int_equal(qb->size, 64);
	assert_true(qb->active);
	assert_true(qb->event_idx);
	assert_int_equal(qb->last_avail, 17);
	assert_int_equal(qb->used_idx, 15);
	assert_int_equal(qb->signalled, 12);
	assert_ptr_equal(qb->desc, qa->desc); /* remapped through gm_ptr */
	assert_false(f->b.vd.vq[1].ready);
	assert_int_equal(f->b.secret, 0xc0ffee);
}

static void short_buffers_refused(void **state)
{
	struct fixture *f = *state;
	int n, i;

	drive(&f->a);
	n = virtio_save(&f->a.vd, f->buf, sizeof(f->buf));
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		assert_int_equal(virtio_save(&f->a.vd, f->buf, (size_t)i), -ENOSPC);
	n = virtio_save(&f->a.vd, f->buf, sizeof(f->buf));
	for (i = 0; i < n; i++) {
		assert_int_equal(virtio_restore(&f->b.vd, f->buf, (size_t)i), -EINVAL);
		assert_int_equal(f->b.vd.status, 0); /* left untouched for a retry */
		assert_false(f->b.vd.active);
	}
	assert_int_equal(virtio_restore(&f->b.vd, f->buf, (size_t)n), 0);
}

static void bad_fields_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t copy[512];
	int n;

	drive(&f->a);
	n = virtio_save(&f->a.vd, f->buf, sizeof(f->buf));
	assert_true(n > 0);
	memcpy(copy, f->buf, (size_t)n);
	copy[4] = VIRTIO_STATE_VERSION + 1; /* version */
	assert_int_equal(virtio_restore(&f->b.vd, copy, (size_t)n), -EINVAL);
	memcpy(copy, f->buf, (size_t)n);
	copy[6] = 43; /* device id */
	assert_int_equal(virtio_restore(&f->b.vd, copy, (size_t)n), -EINVAL);
	memcpy(copy, f->buf, (size_t)n);
	copy[20] |= 0x40; /* acked: a feature never offered */
	assert_int_equal(virtio_restore(&f->b.vd, copy, (size_t)n), -EINVAL);
	/* Queue 0's descriptor table moved outside guest RAM. */
	memcpy(copy, f->buf, (size_t)n);
	copy[45] = 0x7f;
	assert_int_equal(virtio_restore(&f->b.vd, copy, (size_t)n), -EINVAL);
	assert_false(f->b.vd.vq[0].active);
	assert_int_equal(f->b.activated, 0);
	/* A device a driver already uses is not overwritten. */
	assert_int_equal(virtio_restore(&f->a.vd, f->buf, (size_t)n), -EBUSY);
	assert_int_equal(virtio_restore(&f->b.vd, f->buf, (size_t)n), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(short_buffers_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_fields_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
