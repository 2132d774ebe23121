/*
 * virtio.h - the transport-independent half of a virtio device (spec 1.2):
 * status state machine, feature negotiation, queue activation, interrupt
 * status, reset and snapshots. A device embeds struct virtio_dev and fills
 * its ops; a transport maps registers onto the calls here. Everything but
 * the interrupt status is accessed under vd->lock.
 */
#ifndef EMBER_VIRTIO_H
#define EMBER_VIRTIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "irq.h"
#include "log.h"
#include "virtqueue.h"

/* Device IDs (spec 5). */
#define VIRTIO_ID_NET	 1
#define VIRTIO_ID_BLOCK	 2
#define VIRTIO_VENDOR_ID 0 /* no vendor: Firecracker reports 0 as well */

/* Device status bits (spec 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* Interrupt status bits (spec 4.2.2, InterruptStatus). */
#define VIRTIO_ISR_VRING  1 /* a used ring was updated */
#define VIRTIO_ISR_CONFIG 2 /* the configuration (or NEEDS_RESET) changed */

/* Device-independent feature bits (spec 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

#define VIRTIO_BIT(b)	  (1ULL << (b))
#define VIRTIO_MAX_QUEUES 3
#define VIRTIO_QUEUE_MAX  256 /* QueueNumMax of every queue ember offers */

struct virtio_dev;

/*
 * What a device implements. Every callback runs with vd->lock held.
 *  config_read/write - device config space, @off relative to its start;
 *	the caller has checked that [off, off+len) lies inside config_size.
 *  activate - the driver set DRIVER_OK; the ready queues are validated and
 *	mapped. Return 0, or -errno to mark the device NEEDS_RESET.
 *  reset - the driver wrote 0 to the status: stop all work and forget the
 *	queues (in-flight I/O must be finished or abandoned before returning).
 *  notify - queue @q may have new buffers (event-loop thread).
 */
struct virtio_dev_ops {
	void (*config_read)(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len);
	void (*config_write)(struct virtio_dev *vd, uint32_t off, const uint8_t *data,
			     uint32_t len);
	int (*activate)(struct virtio_dev *vd);
	void (*reset)(struct virtio_dev *vd);
	void (*notify)(struct virtio_dev *vd, unsigned int q);
	/* Snapshot hooks (each may be NULL: nothing device-specific to do).
	 *  quiesce - finish in-flight work and start none until reset or
	 *	restore (event-loop thread). 0 or -errno.
	 *  save - the device's own state into @buf (at most @len bytes);
	 *	returns the bytes written or -ENOSPC.
	 *  restore - take back exactly the @len bytes save wrote; -EINVAL if
	 *	they do not fit this device. */
	int (*quiesce)(struct virtio_dev *vd);
	int (*save)(const struct virtio_dev *vd, uint8_t *buf, size_t len);
	int (*restore)(struct virtio_dev *vd, const uint8_t *buf, size_t len);
};

/* What a transport provides to the common code. */
struct virtio_transport {
	struct irq_line irq; /* pulse the device's interrupt */
	/* kick - make the event loop look at queue @q soon (may be NULL). */
	void (*kick)(void *ctx, unsigned int q);
	void *ctx;
};

struct virtio_dev {
	pthread_mutex_t lock;
	const struct virtio_dev_ops *ops;
	struct logger *log; /* may be NULL (unit tests) */
	char name[80];	    /* "block rootfs", for log lines */
	uint32_t device_id;
	uint64_t features; /* offered */
	uint64_t acked;	   /* written by the driver */
	bool acked_beyond; /* driver set a bit past 63 */
	uint32_t config_size;
	unsigned int nr_queues;
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
	const struct guest_mem *mem;
	uint8_t status;
	bool active; /* DRIVER_OK accepted, device running */
	atomic_uint isr;
	uint32_t config_generation;
	struct virtio_transport transport;
	uint64_t bad_status_writes; /* transitions refused */
};

/*
 * virtio_dev_init - common part of a device: @features must include
 * VIRTIO_F_VERSION_1. Returns 0 or -errno (mutex).
 */
int virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, uint32_t device_id,
		    uint64_t features, uint32_t config_size, unsigned int nr_queues,
		    const struct guest_mem *mem, struct logger *log);
void virtio_dev_destroy(struct virtio_dev *vd);

/*
 * Register-level operations for transports. Caller holds vd->lock.
 *  virtio_set_status - apply the driver's status write: 0 resets; FAILED is
 *	always accepted; otherwise only the next step of ACKNOWLEDGE → DRIVER
 *	→ FEATURES_OK → DRIVER_OK is. FEATURES_OK is withheld (the driver sees
 *	it missing on read-back) unless the acked features are a subset of the
 *	offered ones and include VERSION_1. DRIVER_OK activates the device.
 *  virtio_features_page / virtio_set_driver_features - 32-bit windows of
 *	the offered / acked feature words; writes count only while the status
 *	is DRIVER without FEATURES_OK.
 *  virtio_queue_writable - queue registers may change: FEATURES_OK is set,
 *	DRIVER_OK is not, and the queue is not ready.
 */
void virtio_set_status(struct virtio_dev *vd, uint8_t val);
uint32_t virtio_features_page(const struct virtio_dev *vd, uint32_t sel);
void virtio_set_driver_features(struct virtio_dev *vd, uint32_t sel, uint32_t val);
bool virtio_queue_writable(const struct virtio_dev *vd, unsigned int q);

/* virtio_isr_read / virtio_isr_ack - lock-free interrupt status access. */
uint32_t virtio_isr_read(struct virtio_dev *vd);
void virtio_isr_ack(struct virtio_dev *vd, uint32_t bits);

/*
 * virtio_queue_notify - the event loop saw a notification for queue @q:
 * takes the lock and calls ops->notify if the device is running, the queue
 * is ready and not broken.
 */
void virtio_queue_notify(struct virtio_dev *vd, unsigned int q);

/*
 * virtio_signal_used - after pushing used buffers on @vq: raise the
 * interrupt unless the driver suppressed it (EVENT_IDX or NO_INTERRUPT).
 */
void virtio_signal_used(struct virtio_dev *vd, struct virtqueue *vq);

/*
 * virtio_fail - the device cannot go on (a broken queue, a failed
 * activation): set DEVICE_NEEDS_RESET, stop processing, and tell the driver
 * with a configuration-change interrupt. @why goes to the log once.
 */
void virtio_fail(struct virtio_dev *vd, const char *why);

/* virtio_config_changed - the device's config space changed (e.g. a new
 * capacity): bump the generation and, if the driver is running, send a
 * configuration-change interrupt. Caller holds vd->lock. */
void virtio_config_changed(struct virtio_dev *vd);

/* virtio_has - the driver acked feature bit @bit. */
static inline bool virtio_has(const struct virtio_dev *vd, unsigned int bit)
{
	return vd->acked & VIRTIO_BIT(bit);
}

/*
 * Snapshots of the device and queue state (not guest RAM), in a versioned
 * little-endian format. Each takes vd->lock.
 *  virtio_quiesce - ops->quiesce: no I/O in flight once it returns.
 *  virtio_save - status, features, interrupt status, every queue's
 *	registers and ring indices, then the device's part (ops->save) into
 *	@buf; returns the bytes used, or -ENOSPC if @len is too small.
 *  virtio_restore - the reverse into a device created with the same
 *	configuration and not yet touched by a driver (-EBUSY otherwise);
 *	every field is checked (-EINVAL) and an active device's queues are
 *	mapped again through gm_ptr() before it is reactivated.
 */
#define VIRTIO_STATE_MAGIC   0x54535645 /* "EVST" */
#define VIRTIO_STATE_VERSION 1
int virtio_quiesce(struct virtio_dev *vd);
int virtio_save(struct virtio_dev *vd, uint8_t *buf, size_t len);
int virtio_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len);

/* Little-endian config-space helper: copy the [off, off+len) window of a
 * device config struct (already in guest byte order) into @data. */
void virtio_config_copy(const void *cfg, uint32_t cfg_size, uint32_t off, uint8_t *data,
			uint32_t len);

#endif
