/*
 * virtio.c - device status state machine, feature negotiation, activation,
 * interrupt status and reset, shared by every transport; see virtio.h.
 *
 * A device (virtio_blk.c, virtio_net.c) embeds a struct virtio_dev and fills
 * in its ops, offered features, config size and queue count. A transport
 * (virtio_mmio.c today, PCI later) maps its registers onto the calls below:
 * the device status state machine, feature negotiation, queue setup and
 * activation, the interrupt status, and reset all live here, so a second
 * transport needs no change in any device.
 *
 * Threads and locking: transport register accesses arrive on vCPU threads,
 * the data path (queue notifications, tap and io_uring completions) runs on
 * the event-loop thread. Both hold vd->lock while they touch device state.
 * The interrupt status is an atomic so that the guest's interrupt handler
 * (read status, write ack) never waits for a queue being processed.
 *
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, sections 2 (basic
 * facilities), 4.2 (MMIO transport), 5.1 (net) and 5.2 (block).
 */
#include <errno.h>
#include <string.h>

#include "virtio.h"

#define STATUS_STEPS                                                                               \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK)

int virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, uint32_t device_id,
		    uint64_t features, uint32_t config_size, unsigned int nr_queues,
		    const struct guest_mem *mem, struct logger *log)
{
	unsigned int i;
	int ret;

	if (nr_queues == 0 || nr_queues > VIRTIO_MAX_QUEUES ||
	    !(features & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return -EINVAL;
	ret = pthread_mutex_init(&vd->lock, NULL);
	if (ret)
		return -ret;
	vd->ops = ops;
	vd->device_id = device_id;
	vd->features = features;
	vd->config_size = config_size;
	vd->nr_queues = nr_queues;
	vd->mem = mem;
	vd->log = log;
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		vq_reset(&vd->vq[i]);
		vd->vq[i].max_size = i < nr_queues ? VIRTIO_QUEUE_MAX : 0;
	}
	atomic_init(&vd->isr, 0);
	return 0;
}

void virtio_dev_destroy(struct virtio_dev *vd)
{
	pthread_mutex_destroy(&vd->lock);
}

static void raise_irq(struct virtio_dev *vd, uint32_t bits)
{
	atomic_fetch_or(&vd->isr, bits);
	irq_raise(&vd->transport.irq);
}

/* Device reset (status 0, spec 2.4): everything back to its initial state. */
static void reset_device(struct virtio_dev *vd)
{
	unsigned int i;

	if (vd->ops->reset)
		vd->ops->reset(vd);
	vd->active = false;
	vd->status = 0;
	vd->acked = 0;
	vd->acked_beyond = false;
	for (i = 0; i < vd->nr_queues; i++)
		vq_reset(&vd->vq[i]);
	atomic_store(&vd->isr, 0);
}

static bool features_ok(struct virtio_dev *vd)
{
	if ((vd->acked & ~vd->features) || vd->acked_beyond) {
		if (vd->log)
			log_warn(vd->log, "%s: driver acked features 0x%llx that were not offered",
				 vd->name, (unsigned long long)(vd->acked & ~vd->features));
		return false;
	}
	if (!(vd->acked & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		if (vd->log)
			log_warn(vd->log, "%s: legacy driver (no VIRTIO_F_VERSION_1) refused",
				 vd->name);
		return false;
	}
	return true;
}

/* DRIVER_OK: map the ready queues, then start the device. */
static int activate(struct virtio_dev *vd)
{
	struct errbuf e = {""};
	unsigned int i;
	int ret;

	for (i = 0; i < vd->nr_queues; i++) {
		struct virtqueue *vq = &vd->vq[i];

		if (!vq->ready)
			continue;
		ret = vq_activate(vq, vd->mem, virtio_has(vd, VIRTIO_F_EVENT_IDX),
				  virtio_has(vd, VIRTIO_F_INDIRECT_DESC), &e);
		if (ret) {
			if (vd->log)
				log_warn(vd->log, "%s: queue %u: %s", vd->name, i, e.msg);
			return ret;
		}
	}
	ret = vd->ops->activate(vd);
	if (ret)
		return ret;
	vd->active = true;
	/* Buffers may have been queued (and kicked) before DRIVER_OK. */
	for (i = 0; i < vd->nr_queues; i++)
		if (vd->vq[i].active && vd->transport.kick)
			vd->transport.kick(vd->transport.ctx, i);
	return 0;
}

void virtio_set_status(struct virtio_dev *vd, uint8_t val)
{
	uint8_t cur = vd->status & STATUS_STEPS, want = val & STATUS_STEPS;
	uint8_t next = 0;

	if (val == 0) {
		reset_device(vd);
		return;
	}
	if (val & VIRTIO_STATUS_FAILED)
		vd->status |= VIRTIO_STATUS_FAILED;
	if (want == cur)
		return;
	switch (cur) {
	case 0:
		next = VIRTIO_STATUS_ACKNOWLEDGE;
		break;
	case VIRTIO_STATUS_ACKNOWLEDGE:
		next = VIRTIO_STATUS_DRIVER;
		break;
	case VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER:
		next = VIRTIO_STATUS_FEATURES_OK;
		break;
	case VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK:
		next = VIRTIO_STATUS_DRIVER_OK;
		break;
	default:
		break;
	}
	if (!next || want != (cur | next) || (vd->status & VIRTIO_STATUS_FAILED)) {
		vd->bad_status_writes++;
		return;
	}
	if (next == VIRTIO_STATUS_FEATURES_OK && !features_ok(vd))
		return; /* the driver reads FEATURES_OK back and gives up */
	vd->status |= next;
	if (next == VIRTIO_STATUS_DRIVER_OK && activate(vd))
		virtio_fail(vd, "activation failed");
}

uint32_t virtio_features_page(const struct virtio_dev *vd, uint32_t sel)
{
	if (sel > 1)
		return 0;
	return (uint32_t)(vd->features >> (32 * sel));
}

void virtio_set_driver_features(struct virtio_dev *vd, uint32_t sel, uint32_t val)
{
	uint64_t mask;

	if ((vd->status & (VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)) !=
	    VIRTIO_STATUS_DRIVER)
		return;
	if (sel > 1) {
		/* No feature beyond bit 63 is offered: acking one is an error
		 * that FEATURES_OK will refuse. */
		if (val)
			vd->acked_beyond = true;
		return;
	}
	mask = 0xffffffffULL << (32 * sel);
	vd->acked = (vd->acked & ~mask) | ((uint64_t)val << (32 * sel));
}

bool virtio_queue_writable(const struct virtio_dev *vd, unsigned int q)
{
	return q < vd->nr_queues && (vd->status & VIRTIO_STATUS_FEATURES_OK) &&
	       !(vd->status & VIRTIO_STATUS_DRIVER_OK) && !vd->vq[q].ready;
}

uint32_t virtio_isr_read(struct virtio_dev *vd)
{
	return atomic_load(&vd->isr);
}

void virtio_isr_ack(struct virtio_dev *vd, uint32_t bits)
{
	atomic_fetch_and(&vd->isr, ~bits);
}

void virtio_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	if (q >= vd->nr_queues)
		return;
	pthread_mutex_lock(&vd->lock);
	if (vd->active && !(vd->status & VIRTIO_STATUS_NEEDS_RESET) && vd->vq[q].active &&
	    !vd->vq[q].broken)
		vd->ops->notify(vd, q);
	pthread_mutex_unlock(&vd->lock);
}

void virtio_signal_used(struct virtio_dev *vd, struct virtqueue *vq)
{
	if (vq_need_signal(vq))
		raise_irq(vd, VIRTIO_ISR_VRING);
}

void virtio_fail(struct virtio_dev *vd, const char *why)
{
	if (vd->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	if (vd->log)
		log_error(vd->log, "%s: %s; device needs a reset", vd->name, why);
	vd->status |= VIRTIO_STATUS_NEEDS_RESET;
	vd->config_generation++;
	if (vd->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(vd, VIRTIO_ISR_CONFIG);
}

void virtio_config_copy(const void *cfg, uint32_t cfg_size, uint32_t off, uint8_t *data,
			uint32_t len)
{
	uint32_t n;

	memset(data, 0, len);
	if (off >= cfg_size)
		return;
	n = cfg_size - off < len ? cfg_size - off : len;
	memcpy(data, (const uint8_t *)cfg + off, n);
}

void virtio_config_changed(struct virtio_dev *vd)
{
	vd->config_generation++;
	if (vd->active)
		raise_irq(vd, VIRTIO_ISR_CONFIG);
}
