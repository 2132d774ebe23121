/* Unit tests for the virtio-mmio register block and the device status state
 * machine (virtio.c), driven the way Linux's virtio_mmio driver drives them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "virtio_mmio.h"

#define RAM	  (1ULL << 20)
#define DESC_GPA  0x1000ULL
#define AVAIL_GPA 0x2000ULL
#define USED_GPA  0x3000ULL

struct fake {
	struct virtio_dev vd;
	struct virtio_mmio m;
	struct guest_mem gm;
	int activated, resets, notified[VIRTIO_MAX_QUEUES], irqs;
	int activate_ret;
	uint8_t cfg[8];
};

static void fake_config_read(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len)
{
	struct fake *f = (struct fake *)vd;

	virtio_config_copy(f->cfg, sizeof(f->cfg), off, data, len);
}

static void fake_config_write(struct virtio_dev *vd, uint32_t off, const uint8_t *data,
			      uint32_t len)
{
	struct fake *f = (struct fake *)vd;

	memcpy(f->cfg + off, data, len);
}

static int fake_activate(struct virtio_dev *vd)
{
	struct fake *f = (struct fake *)vd;

	f->activated++;
	return f->activate_ret;
}

static void fake_reset(struct virtio_dev *vd)
{
	((struct fake *)vd)->resets++;
}

static void fake_notify(struct virtio_dev *vd, unsigned int q)
{
	((struct fake *)vd)->notified[q]++;
}

static const struct virtio_dev_ops fake_ops = {
    .config_read = fake_config_read,
    .config_write = fake_config_write,
    .activate = fake_activate,
    .reset = fake_reset,
    .notify = fake_notify,
};

static void count_irq(void *ctx)
{
	((struct fake *)ctx)->irqs++;
}

#define OFFERED                                                                                    \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(3) |         \
	 VIRTIO_BIT(0))

static int setup(void **state)
{
	struct fake *f = test_calloc(1, sizeof(*f));
	struct errbuf e = {""};

	if (gm_init(&f->gm, RAM, &e))
		return -1;
	if (virtio_dev_init(&f->vd, &fake_ops, 42, OFFERED, sizeof(f->cfg), 2, &f->gm, NULL))
		return -1;
	virtio_mmio_init(&f->m, &f->vd, 0xc0001000, 5);
	f->vd.transport.irq = (struct irq_line){.raise = count_irq, .ctx = f};
	memcpy(f->cfg, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	virtio_dev_destroy(&f->vd);
	gm_destroy(&f->gm);
	test_free(f);
	return 0;
}

static uint32_t rd(struct fake *f, uint64_t off)
{
	uint8_t d[4];
	uint32_t v;

	virtio_mmio_ops.read(&f->m, off, d, 4);
	memcpy(&v, d, 4);
	return v;
}

static void wr(struct fake *f, uint64_t off, uint32_t v)
{
	uint8_t d[4];

	memcpy(d, &v, 4);
	virtio_mmio_ops.write(&f->m, off, d, 4);
}

static void negotiate(struct fake *f, uint64_t features)
{
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEAT_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(f, VIRTIO_MMIO_DRIVER_FEAT_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct fake *f, uint32_t q, uint32_t size)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_QUEUE_MAX);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, size);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(DESC_GPA + q * 0x10000));
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(AVAIL_GPA + q * 0x10000));
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(USED_GPA + q * 0x10000));
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
}

static void driver_ok(struct fake *f)
{
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	       VIRTIO_STATUS_DRIVER_OK);
}

static void identity_registers(void **state)
{
	struct fake *f = *state;

	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), 42);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), 0);
	wr(f, VIRTIO_MMIO_DEVICE_FEAT_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)OFFERED);
	wr(f, VIRTIO_MMIO_DEVICE_FEAT_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 is bit 32 */
	wr(f, VIRTIO_MMIO_DEVICE_FEAT_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
}

static void linux_init_sequence(void **state)
{
	struct fake *f = *state;
	uint64_t want = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX);

	negotiate(f, want);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 11);
	assert_int_equal(f->vd.acked, want);
	setup_queue(f, 0, 16);
	setup_queue(f, 1, 256);
	driver_ok(f);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 15);
	assert_int_equal(f->activated, 1);
	assert_true(f->vd.active);
	assert_true(f->vd.vq[0].active);
	assert_true(f->vd.vq[0].event_idx);
	assert_int_equal(f->vd.vq[1].size, 256);
	assert_ptr_equal(f->vd.vq[1].desc, gm_ptr(&f->gm, DESC_GPA + 0x10000, 1));
	/* Queue registers are frozen while the device runs. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x8000);
	assert_int_equal(f->vd.vq[0].size, 16);
	assert_int_equal(f->vd.vq[0].desc_gpa, DESC_GPA);
	/* So are the features. */
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_int_equal(f->vd.acked, want);
}

static void version_1_required(void **state)
{
	struct fake *f = *state;

	negotiate(f, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 3); /* FEATURES_OK withheld */
	driver_ok(f);
	assert_int_equal(f->activated, 0);
	assert_false(f->vd.active);
}

static void unoffered_features_refused(void **state)
{
	struct fake *f = *state;

	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 3);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	/* A bit in a feature word past 63. */
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEAT_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEAT_SEL, 2);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(f, VIRTIO_MMIO_STATUS, 11);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 3);
}

static void features_only_in_driver_state(void **state)
{
	struct fake *f = *state;

	/* Before DRIVER: ignored. */
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	assert_int_equal(f->vd.acked, 0);
}

static void out_of_order_status_ignored(void **state)
{
	struct fake *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 1);
	/* Dropping a bit is not a transition either. */
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 3);
	assert_true(f->vd.bad_status_writes >= 3);
	/* Queue registers need FEATURES_OK. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 16);
	assert_int_equal(f->vd.vq[0].size, 0);
}

static void reset_clears_everything(void **state)
{
	struct fake *f = *state;

	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	setup_queue(f, 0, 16);
	setup_queue(f, 1, 16);
	driver_ok(f);
	virtio_signal_used(&f->vd, &f->vd.vq[0]); /* nothing pushed: no interrupt */
	assert_int_equal(f->irqs, 0);
	vq_push(&f->vd.vq[0], 0, 0);
	virtio_signal_used(&f->vd, &f->vd.vq[0]);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_VRING);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->resets, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(f->vd.acked, 0);
	assert_false(f->vd.active);
	assert_false(f->vd.vq[0].active);
	assert_false(f->vd.vq[0].ready);
	assert_int_equal(f->vd.vq[0].size, 0);
	assert_int_equal(f->vd.vq[0].max_size, VIRTIO_QUEUE_MAX);
	/* And the device can be brought up again. */
	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	setup_queue(f, 0, 32);
	setup_queue(f, 1, 32);
	driver_ok(f);
	assert_int_equal(f->activated, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 15);
}

static void failed_is_sticky(void **state)
{
	struct fake *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FAILED);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
}

/* A queue the transport cannot map: NEEDS_RESET and a config interrupt. */
static void bad_queue_needs_reset(void **state)
{
	struct fake *f = *state;

	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	setup_queue(f, 0, 3);
	driver_ok(f);
	assert_int_equal(f->activated, 0);
	assert_false(f->vd.active);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_CONFIG);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_CONFIG);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* Notifications are not delivered to a broken device. */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->notified[0], 0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
}

static void queue_outside_ram_needs_reset(void **state)
{
	struct fake *f = *state;

	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	setup_queue(f, 0, 16);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x10); /* 64 GiB */
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	driver_ok(f);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

static void device_activate_failure(void **state)
{
	struct fake *f = *state;

	f->activate_ret = -EINVAL;
	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	setup_queue(f, 0, 16);
	driver_ok(f);
	assert_int_equal(f->activated, 1);
	assert_false(f->vd.active);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

static void notify_only_when_running(void **state)
{
	struct fake *f = *state;

	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->notified[0], 0);
	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	setup_queue(f, 0, 16);
	driver_ok(f);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1); /* queue 1 not ready */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 7); /* no such queue */
	assert_int_equal(f->notified[0], 1);
	assert_int_equal(f->notified[1], 0);
}

static void access_widths_and_config(void **state)
{
	struct fake *f = *state;
	uint8_t d[8];

	/* Registers are 32-bit only: other widths and misalignment are ignored. */
	memset(d, 0xaa, sizeof(d));
	virtio_mmio_ops.read(&f->m, VIRTIO_MMIO_MAGIC_VALUE, d, 2);
	assert_int_equal(d[0], 0);
	virtio_mmio_ops.read(&f->m, VIRTIO_MMIO_MAGIC_VALUE + 1, d, 4);
	assert_int_equal(d[0], 0);
	d[0] = VIRTIO_STATUS_ACKNOWLEDGE;
	virtio_mmio_ops.write(&f->m, VIRTIO_MMIO_STATUS, d, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_true(f->m.bad_accesses >= 3);
	/* Config space: any width inside it, zeros outside. */
	virtio_mmio_ops.read(&f->m, VIRTIO_MMIO_CONFIG + 2, d, 2);
	assert_int_equal(d[0], 3);
	assert_int_equal(d[1], 4);
	virtio_mmio_ops.read(&f->m, VIRTIO_MMIO_CONFIG, d, 8);
	assert_memory_equal(d, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	memset(d, 0xaa, sizeof(d));
	virtio_mmio_ops.read(&f->m, VIRTIO_MMIO_CONFIG + 6, d, 4);
	assert_int_equal(d[0], 0);
	virtio_mmio_ops.read(&f->m, 0xff8, d, 8);
	assert_int_equal(d[7], 0);
	/* Config writes need the driver to own the device. */
	d[0] = 0x77;
	virtio_mmio_ops.write(&f->m, VIRTIO_MMIO_CONFIG, d, 1);
	assert_int_equal(f->cfg[0], 1);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_mmio_ops.write(&f->m, VIRTIO_MMIO_CONFIG, d, 1);
	assert_int_equal(f->cfg[0], 0x77);
	virtio_mmio_ops.write(&f->m, VIRTIO_MMIO_CONFIG + 7, d, 2);
	assert_int_equal(f->cfg[7], 8);
}

static void no_such_queue(void **state)
{
	struct fake *f = *state;

	negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void cmdline_entry(void **state)
{
	struct fake *f = *state;
	char buf[64];

	assert_int_equal(virtio_mmio_cmdline(&f->m, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "virtio_mmio.device=4K@0xc0001000:5");
	assert_int_equal(virtio_mmio_cmdline(&f->m, buf, 10), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(identity_registers, setup, teardown),
	    cmocka_unit_test_setup_teardown(linux_init_sequence, setup, teardown),
	    cmocka_unit_test_setup_teardown(version_1_required, setup, teardown),
	    cmocka_unit_test_setup_teardown(unoffered_features_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(features_only_in_driver_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(out_of_order_status_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_clears_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(failed_is_sticky, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_queue_needs_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(queue_outside_ram_needs_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(device_activate_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(notify_only_when_running, setup, teardown),
	    cmocka_unit_test_setup_teardown(access_widths_and_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_such_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(cmdline_entry, setup, teardown),
	};

	return cmocka_run_group_tests_name("virtio_mmio", tests, NULL, NULL);
}
