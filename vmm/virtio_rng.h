/*
 * virtio_rng.h - virtio entropy device (spec 5.4), Firecracker's PUT /entropy.
 *
 * One request queue; each chain's device-writable bytes are filled from
 * getrandom(2), at most VIRTIO_RNG_MAX_REQUEST per chain (any size,
 * including 0, costs only that chain). An optional rate limiter charges a
 * chain its writable bytes and one op: a refused chain goes back to the
 * avail ring and the queue rests until the device's timerfd fires; nothing
 * is dropped or failed. All device work runs under vd->lock.
 */
#ifndef EMBER_VIRTIO_RNG_H
#define EMBER_VIRTIO_RNG_H

#include <stdint.h>

#include "config.h"
#include "device.h"
#include "err.h"
#include "virtio.h"

#define VIRTIO_ID_RNG	       4
#define VIRTIO_RNG_MAX_REQUEST (64 * 1024) /* bytes filled per chain at most */

struct virtio_rng;

/* Firecracker's `entropy` metrics section. */
struct virtio_rng_stats {
	uint64_t event_fails;	 /* corrupt queue: the device needs a reset */
	uint64_t event_count;	 /* queue notifications handled */
	uint64_t bytes;		 /* entropy handed to the guest */
	uint64_t host_rng_fails; /* getrandom gave fewer bytes than asked */
	uint64_t throttled;	 /* the limiter stopped the queue */
	uint64_t rl_events;	 /* the limiter's timer resumed the queue */
};

/* virtio_rng_create - the device for @cfg on @ctx (its limiter's timerfd
 * joins ctx->loop). 0 or -errno with @e saying why. */
int virtio_rng_create(struct virtio_rng **out, const struct cfg_entropy *cfg,
		      const struct dev_ctx *ctx, struct errbuf *e);
struct virtio_dev *virtio_rng_dev(struct virtio_rng *r);
void virtio_rng_destroy(struct virtio_rng *r);
void virtio_rng_stats(struct virtio_rng *r, struct virtio_rng_stats *s);

/* virtio_rng_fill - fill the writable part of @c (at most @max bytes, and
 * never more than VIRTIO_RNG_MAX_REQUEST) with random bytes; returns the
 * count. */
uint32_t virtio_rng_fill(const struct vq_chain *c, uint32_t max);

/* virtio_rng_writable - the chain's device-writable bytes (saturating). */
uint64_t virtio_rng_writable(const struct vq_chain *c);

#endif
