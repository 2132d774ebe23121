/*
 * virtio_rng.h - virtio entropy device (spec 5.4), transport-independent
 * part. One request queue; each chain's device-writable bytes are filled
 * from getrandom(2), bounded by the chain (any size, including 0). A chain
 * without writable bytes is returned with length 0 and costs only itself.
 * Not yet attached to a transport or the API (PUT /entropy is to come).
 */
#ifndef EMBER_VIRTIO_RNG_H
#define EMBER_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio.h"

#define VIRTIO_ID_RNG	       4
#define VIRTIO_RNG_MAX_REQUEST (64 * 1024) /* bytes filled per chain at most */

struct virtio_rng {
	struct virtio_dev vd; /* first member */
	uint64_t bytes;	      /* entropy handed to the guest */
	uint64_t fails;	      /* requests answered with 0 bytes */
};

/* virtio_rng_init - @r's device, one queue, on @mem. 0 or -errno. */
int virtio_rng_init(struct virtio_rng *r, const struct guest_mem *mem, struct logger *log);
void virtio_rng_destroy(struct virtio_rng *r);

/* virtio_rng_fill - fill the writable part of @c (at most
 * VIRTIO_RNG_MAX_REQUEST bytes) with random bytes; returns the count. */
uint32_t virtio_rng_fill(const struct vq_chain *c);

#endif
