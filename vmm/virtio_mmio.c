/*
 * virtio_mmio.c - virtio-mmio v2 register block; see virtio_mmio.h.
 *
 * Registers below 0x100 are 32 bits wide and must be accessed as aligned
 * 32-bit words (spec 4.2.2.2); anything else is counted and ignored (reads
 * return 0). The config space at 0x100 takes 1-, 2-, 4- and 8-byte
 * accesses. Queue registers are only writable between FEATURES_OK and
 * DRIVER_OK while the queue is not ready; the transport keeps no state of
 * its own beyond the selector registers.
 *
 * One 4 KiB register window per device on the VM's MMIO bus, one GSI.
 * Queue notifications never reach a vCPU thread's handler: a KVM ioeventfd
 * per queue matches the 32-bit write of the queue index to QueueNotify
 * (0x50) in the kernel, and the event loop reads it. Interrupts leave
 * through a KVM irqfd. Everything else is register emulation on the vCPU
 * thread, under the device lock (virtio.h), except InterruptStatus and
 * InterruptACK, which are lock-free.
 *
 * The guest finds the device through the kernel command line:
 *   virtio_mmio.device=4K@0xc0001000:5
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "layout.h"
#include "virtio_mmio.h"

static uint32_t get32(const uint8_t *d)
{
	uint32_t v;

	memcpy(&v, d, sizeof(v));
	return v;
}

static void put32(uint8_t *d, uint32_t v)
{
	memcpy(d, &v, sizeof(v));
}

static struct virtqueue *selected(struct virtio_mmio *m)
{
	return m->queue_sel < m->vd->nr_queues ? &m->vd->vq[m->queue_sel] : NULL;
}

static uint32_t queue_reg_read(struct virtio_mmio *m, uint64_t off)
{
	struct virtqueue *vq = selected(m);

	if (!vq)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq->max_size;
	case VIRTIO_MMIO_QUEUE_NUM:
		return vq->size;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq->ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return (uint32_t)vq->desc_gpa;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return (uint32_t)(vq->desc_gpa >> 32);
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return (uint32_t)vq->avail_gpa;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return (uint32_t)(vq->avail_gpa >> 32);
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return (uint32_t)vq->used_gpa;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return (uint32_t)(vq->used_gpa >> 32);
	default:
		return 0;
	}
}

/* Registers other than the lock-free ones; called with the lock held. */
static uint32_t reg_read(struct virtio_mmio *m, uint64_t off)
{
	struct virtio_dev *vd = m->vd;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vd->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return virtio_features_page(vd, m->dev_features_sel);
	case VIRTIO_MMIO_STATUS:
		return vd->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return vd->config_generation;
	case VIRTIO_MMIO_SHM_LEN_LOW ... VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff; /* no shared memory regions: length -1 */
	default:
		return queue_reg_read(m, off);
	}
}

/* Set the low or high half of a 64-bit ring address. */
static void set_half(uint64_t *addr, bool high, uint32_t val)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		*addr = (*addr & ~0xffffffffULL) | val;
}

static void queue_reg_write(struct virtio_mmio *m, uint64_t off, uint32_t val)
{
	struct virtio_dev *vd = m->vd;
	struct virtqueue *vq = selected(m);

	if (!vq)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY && val == 0) {
		/* Linux clears QueueReady when it deletes queues, after reset. */
		if (!(vd->status & VIRTIO_STATUS_DRIVER_OK))
			vq->ready = false;
		return;
	}
	if (!virtio_queue_writable(vd, m->queue_sel)) {
		m->bad_accesses++;
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		/* Checked against QueueNumMax when the device is activated. */
		vq->size = val <= UINT16_MAX ? (uint16_t)val : 0;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		vq->ready = val == 1;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&vq->avail_gpa, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&vq->used_gpa, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, val);
		break;
	default:
		break;
	}
}

static void reg_write(struct virtio_mmio *m, uint64_t off, uint32_t val)
{
	struct virtio_dev *vd = m->vd;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEAT_SEL:
		m->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		virtio_set_driver_features(vd, m->drv_features_sel, val);
		break;
	case VIRTIO_MMIO_DRIVER_FEAT_SEL:
		m->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = val;
		break;
	case VIRTIO_MMIO_STATUS:
		virtio_set_status(vd, (uint8_t)val);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		break;
	default:
		queue_reg_write(m, off, val);
		break;
	}
}

/* Config space (offset relative to 0x100): any width, inside config_size. */
static bool config_in_range(const struct virtio_dev *vd, uint64_t off, uint32_t len)
{
	return off < vd->config_size && len <= vd->config_size - off;
}

static void mmio_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	struct virtio_mmio *m = dev;
	struct virtio_dev *vd = m->vd;

	memset(data, 0, len);
	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		if (!config_in_range(vd, off, len) || !vd->ops->config_read) {
			m->bad_accesses++;
			return;
		}
		pthread_mutex_lock(&vd->lock);
		vd->ops->config_read(vd, (uint32_t)off, data, len);
		pthread_mutex_unlock(&vd->lock);
		return;
	}
	if (len != 4 || off % 4) {
		m->bad_accesses++;
		return;
	}
	if (off == VIRTIO_MMIO_INTERRUPT_STATUS) {
		put32(data, virtio_isr_read(vd));
		return;
	}
	pthread_mutex_lock(&vd->lock);
	put32(data, reg_read(m, off));
	pthread_mutex_unlock(&vd->lock);
}

/* QueueNotify without an ioeventfd: wake the loop, or (unit tests) run the
 * queue right here. */
static void notify_inline(struct virtio_mmio *m, uint32_t q)
{
	uint64_t one = 1;

	if (q >= m->vd->nr_queues)
		return;
	if (m->notify_fd[q] >= 0) {
		if (write(m->notify_fd[q], &one, sizeof(one)) < 0) {
			/* Counter saturated: the loop has a wake-up pending. */
		}
		return;
	}
	virtio_queue_notify(m->vd, q);
}

static void mmio_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct virtio_mmio *m = dev;
	struct virtio_dev *vd = m->vd;

	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		/* Config writes only once the driver has taken the device. */
		if (!config_in_range(vd, off, len) || !vd->ops->config_write ||
		    !(vd->status & VIRTIO_STATUS_DRIVER)) {
			m->bad_accesses++;
			return;
		}
		pthread_mutex_lock(&vd->lock);
		vd->ops->config_write(vd, (uint32_t)off, data, len);
		pthread_mutex_unlock(&vd->lock);
		return;
	}
	if (len != 4 || off % 4) {
		m->bad_accesses++;
		return;
	}
	if (off == VIRTIO_MMIO_INTERRUPT_ACK) {
		virtio_isr_ack(vd, get32(data));
		return;
	}
	if (off == VIRTIO_MMIO_QUEUE_NOTIFY) {
		notify_inline(m, get32(data));
		return;
	}
	pthread_mutex_lock(&vd->lock);
	reg_write(m, off, get32(data));
	pthread_mutex_unlock(&vd->lock);
}

const struct bus_dev_ops virtio_mmio_ops = {.read = mmio_read, .write = mmio_write};

static void irqfd_pulse(void *ctx)
{
	struct virtio_mmio *m = ctx;
	uint64_t one = 1;

	if (m->irqfd >= 0 && write(m->irqfd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, an interrupt is pending. */
	}
}

static void kick_queue(void *ctx, unsigned int q)
{
	struct virtio_mmio *m = ctx;
	uint64_t one = 1;

	if (q < VIRTIO_MAX_QUEUES && m->notify_fd[q] >= 0 &&
	    write(m->notify_fd[q], &one, sizeof(one)) < 0) {
		/* Saturated: a wake-up is pending anyway. */
	}
}

void virtio_mmio_init(struct virtio_mmio *m, struct virtio_dev *vd, uint64_t base, unsigned int gsi)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->vd = vd;
	m->base = base;
	m->gsi = gsi;
	m->irqfd = -1;
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		m->notify_fd[i] = -1;
	vd->transport = (struct virtio_transport){
	    .irq = {.raise = irqfd_pulse, .ctx = m}, .kick = kick_queue, .ctx = m};
}

/* Event loop: the guest wrote this queue's index to QueueNotify. */
static void on_queue_notify(void *ctx, uint32_t events)
{
	struct virtio_mmio_notify *n = ctx;
	uint64_t cnt;

	if (read(n->m->notify_fd[n->q], &cnt, sizeof(cnt)) < 0)
		return; /* EAGAIN: another wake-up consumed it */
	virtio_queue_notify(n->m->vd, n->q);
}

static int add_ioeventfd(struct virtio_mmio *m, const struct dev_ctx *ctx, unsigned int q,
			 struct errbuf *e)
{
	struct kvm_ioeventfd io = {
	    .datamatch = q,
	    .addr = m->base + VIRTIO_MMIO_QUEUE_NOTIFY,
	    .len = 4,
	    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	int fd, ret;

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return errf(e, -errno, "%s: eventfd: %s", m->vd->name, strerror(errno));
	m->notify_fd[q] = fd;
	io.fd = fd;
	if (ioctl(ctx->kvm->vm_fd, KVM_IOEVENTFD, &io) < 0)
		return errf(e, -errno, "%s: KVM_IOEVENTFD for queue %u: %s", m->vd->name, q,
			    strerror(errno));
	m->notify[q] = (struct virtio_mmio_notify){
	    .h = {.fn = on_queue_notify, .ctx = &m->notify[q]}, .m = m, .q = q};
	ret = loop_add(ctx->loop, fd, EPOLLIN, &m->notify[q].h);
	if (ret)
		return errf(e, ret, "%s: watching queue %u: %s", m->vd->name, q, strerror(-ret));
	return 0;
}

int virtio_mmio_attach(struct virtio_mmio *m, const struct dev_ctx *ctx, struct errbuf *e)
{
	unsigned int q;
	int ret;

	m->irqfd = ctx->irqfd;
	for (q = 0; ctx->kvm && ctx->loop && q < m->vd->nr_queues; q++) {
		ret = add_ioeventfd(m, ctx, q, e);
		if (ret)
			return ret;
	}
	ret = bus_add(ctx->bus, m->base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, m);
	if (ret)
		return errf(e, ret, "%s: MMIO window at 0x%llx: %s", m->vd->name,
			    (unsigned long long)m->base, strerror(-ret));
	return 0;
}

void virtio_mmio_detach(struct virtio_mmio *m)
{
	unsigned int q;

	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (m->notify_fd[q] >= 0)
			close(m->notify_fd[q]);
		m->notify_fd[q] = -1;
	}
	if (m->irqfd >= 0)
		close(m->irqfd);
	m->irqfd = -1;
}

int virtio_mmio_cmdline(const struct virtio_mmio *m, char *buf, size_t len)
{
	int n = snprintf(buf, len, "virtio_mmio.device=4K@0x%llx:%u", (unsigned long long)m->base,
			 m->gsi);

	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}
