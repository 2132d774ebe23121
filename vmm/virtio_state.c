/*
 * virtio_state.c - saving and restoring a virtio device's transport and
 * queue state for snapshots; see virtio.h. Layout, little-endian:
 *   u32 magic, u16 version, u32 device_id, u16 nr_queues, u64 features,
 *   u64 acked, u8 status, u8 active, u32 isr, u32 config_generation;
 *   per queue: u16 size, u8 ready, u64 desc, u64 avail, u64 used,
 *   u16 last_avail, u16 used_idx, u16 signalled, u8 broken;
 *   u32 device_len, then the device's own bytes (ops->save).
 */
#include <errno.h>
#include <string.h>

#include "virtio.h"

#define STATUS_KNOWN                                                                               \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)

/* A bounded cursor: a write or read past the end sets @bad and stops. */
struct cursor {
	uint8_t *w;
	const uint8_t *r;
	size_t len, off;
	bool bad;
};

static void put(struct cursor *c, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	if (c->bad || bytes > c->len - c->off) {
		c->bad = true;
		return;
	}
	for (i = 0; i < bytes; i++)
		c->w[c->off++] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(struct cursor *c, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	if (c->bad || bytes > c->len - c->off) {
		c->bad = true;
		return 0;
	}
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)c->r[c->off++] << (8 * i);
	return v;
}

int virtio_quiesce(struct virtio_dev *vd)
{
	int ret = 0;

	pthread_mutex_lock(&vd->lock);
	if (vd->ops->quiesce)
		ret = vd->ops->quiesce(vd);
	pthread_mutex_unlock(&vd->lock);
	return ret;
}

static void save_queue(struct cursor *c, const struct virtqueue *vq)
{
	put(c, vq->size, 2);
	put(c, vq->ready, 1);
	put(c, vq->desc_gpa, 8);
	put(c, vq->avail_gpa, 8);
	put(c, vq->used_gpa, 8);
	put(c, vq->last_avail, 2);
	put(c, vq->used_idx, 2);
	put(c, vq->signalled, 2);
	put(c, vq->broken, 1);
}

static int save_locked(struct virtio_dev *vd, struct cursor *c)
{
	size_t dev_len_at;
	unsigned int q;
	int n = 0;

	put(c, VIRTIO_STATE_MAGIC, 4);
	put(c, VIRTIO_STATE_VERSION, 2);
	put(c, vd->device_id, 4);
	put(c, vd->nr_queues, 2);
	put(c, vd->features, 8);
	put(c, vd->acked, 8);
	put(c, vd->status, 1);
	put(c, vd->active, 1);
	put(c, atomic_load(&vd->isr), 4);
	put(c, vd->config_generation, 4);
	for (q = 0; q < vd->nr_queues; q++)
		save_queue(c, &vd->vq[q]);
	dev_len_at = c->off;
	put(c, 0, 4);
	if (c->bad)
		return -ENOSPC;
	if (vd->ops->save) {
		n = vd->ops->save(vd, c->w + c->off, c->len - c->off);
		if (n < 0)
			return n;
		c->off += (size_t)n;
	}
	c->off = dev_len_at;
	put(c, (uint32_t)n, 4);
	return (int)(dev_len_at + 4 + (size_t)n);
}

int virtio_save(struct virtio_dev *vd, uint8_t *buf, size_t len)
{
	struct cursor c = {.w = buf, .len = len};
	int ret;

	if (len > INT32_MAX)
		c.len = INT32_MAX;
	pthread_mutex_lock(&vd->lock);
	ret = save_locked(vd, &c);
	pthread_mutex_unlock(&vd->lock);
	return ret;
}

/* One queue's registers into @vq, checked against what the device offers. */
static int restore_queue(struct cursor *c, struct virtqueue *vq)
{
	vq->size = (uint16_t)get(c, 2);
	vq->ready = get(c, 1);
	vq->desc_gpa = get(c, 8);
	vq->avail_gpa = get(c, 8);
	vq->used_gpa = get(c, 8);
	vq->last_avail = (uint16_t)get(c, 2);
	vq->used_idx = (uint16_t)get(c, 2);
	vq->signalled = (uint16_t)get(c, 2);
	vq->broken = get(c, 1);
	if (c->bad || vq->size > vq->max_size || (vq->ready && vq->size == 0))
		return -EINVAL;
	return 0;
}

/* The header: the same kind of device, with a consistent status. */
static int restore_header(struct cursor *c, struct virtio_dev *vd, bool *active)
{
	uint64_t features, acked;
	uint8_t status;

	if (get(c, 4) != VIRTIO_STATE_MAGIC || get(c, 2) != VIRTIO_STATE_VERSION ||
	    get(c, 4) != vd->device_id || get(c, 2) != vd->nr_queues)
		return -EINVAL;
	features = get(c, 8);
	acked = get(c, 8);
	status = (uint8_t)get(c, 1);
	*active = get(c, 1);
	if (c->bad || features != vd->features || (acked & ~features) || (status & ~STATUS_KNOWN))
		return -EINVAL;
	if (*active && !(status & VIRTIO_STATUS_DRIVER_OK))
		return -EINVAL;
	vd->acked = acked;
	vd->status = status;
	atomic_store(&vd->isr, (uint32_t)get(c, 4) & (VIRTIO_ISR_VRING | VIRTIO_ISR_CONFIG));
	vd->config_generation = (uint32_t)get(c, 4);
	return c->bad ? -EINVAL : 0;
}

/* Map the ready queues again, keeping the saved ring indices. */
static int remap_queues(struct virtio_dev *vd)
{
	struct errbuf e = {""};
	struct virtqueue *vq, saved;
	unsigned int q;
	int ret;

	for (q = 0; q < vd->nr_queues; q++) {
		vq = &vd->vq[q];
		if (!vq->ready)
			continue;
		saved = *vq;
		ret = vq_activate(vq, vd->mem, virtio_has(vd, VIRTIO_F_EVENT_IDX),
				  virtio_has(vd, VIRTIO_F_INDIRECT_DESC), &e);
		if (ret) {
			if (vd->log)
				log_warn(vd->log, "%s: restoring queue %u: %s", vd->name, q, e.msg);
			return ret;
		}
		vq->last_avail = saved.last_avail;
		vq->used_idx = saved.used_idx;
		vq->signalled = saved.signalled;
		vq->broken = saved.broken;
	}
	return 0;
}

static int restore_locked(struct virtio_dev *vd, struct cursor *c)
{
	uint32_t dev_len;
	unsigned int q;
	bool active;
	int ret;

	if (vd->status || vd->active)
		return -EBUSY;
	ret = restore_header(c, vd, &active);
	for (q = 0; !ret && q < vd->nr_queues; q++)
		ret = restore_queue(c, &vd->vq[q]);
	dev_len = (uint32_t)get(c, 4);
	if (!ret && (c->bad || dev_len != c->len - c->off))
		ret = -EINVAL;
	if (!ret && active)
		ret = remap_queues(vd);
	if (!ret && vd->ops->restore)
		ret = vd->ops->restore(vd, c->r + c->off, dev_len);
	else if (!ret && dev_len)
		ret = -EINVAL;
	if (!ret && active)
		ret = vd->ops->activate(vd);
	if (!ret) {
		vd->active = active;
		return 0;
	}
	vd->status = 0;
	vd->acked = 0;
	for (q = 0; q < vd->nr_queues; q++)
		vq_reset(&vd->vq[q]);
	atomic_store(&vd->isr, 0);
	return ret;
}

int virtio_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct cursor c = {.r = buf, .len = len};
	int ret;

	pthread_mutex_lock(&vd->lock);
	ret = restore_locked(vd, &c);
	pthread_mutex_unlock(&vd->lock);
	return ret;
}
