/*
 * virtio_blk.h - virtio-blk (spec 5.2) on a raw image file or block device.
 * One request queue; a request completes (used ring, interrupt) only after
 * its host I/O finished, through the drive's engine (blk_req.h: Sync or
 * Async). FLUSH is offered only with cache_type "Writeback". Event-loop
 * thread for I/O, vCPU threads for registers, both under the device lock.
 */
#ifndef EMBER_VIRTIO_BLK_H
#define EMBER_VIRTIO_BLK_H

#include "blk_req.h"
#include "config.h"
#include "device.h"
#include "rate_limiter.h"
#include "virtio.h"

/* Device feature bits (spec 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO	     5
#define VIRTIO_BLK_F_FLUSH   9

#define BLK_SEG_MAX 254 /* data segments per request: header and status take 2 of 256 */

struct virtio_blk;

/*
 * virtio_blk_create - open the drive's image (read-only drives O_RDONLY) and
 * build the device; the Async engine's completions are watched on
 * @ctx->loop. Returns 0 or -errno with @e naming the drive and the problem.
 */
int virtio_blk_create(struct virtio_blk **out, const struct cfg_drive *d, const struct dev_ctx *ctx,
		      struct errbuf *e);

/*
 * virtio_blk_open_image - the one rule for "is this a usable drive image":
 * opened O_NONBLOCK (a FIFO cannot block) and O_NOCTTY, kept only if it is
 * a regular file or block device, then back in blocking mode (io_uring
 * needs it). Returns the fd, or -errno with errno set (-EINVAL: another
 * kind of file).
 */
int virtio_blk_open_image(const char *path, bool read_only);

/*
 * virtio_blk_io_fd / virtio_blk_io_ready - the Async engine's completion
 * eventfd (-1 with the Sync engine), and what the event loop calls when it
 * becomes readable.
 */
int virtio_blk_io_fd(const struct virtio_blk *b);
void virtio_blk_io_ready(struct virtio_blk *b);

/* virtio_blk_dev - the common virtio part, for the transport. */
struct virtio_dev *virtio_blk_dev(struct virtio_blk *b);

/* virtio_blk_set_path - post-boot PATCH /drives: switch the drive to the
 * image at @path (opened read-only or read-write like the drive), wait for
 * requests in flight on the old one, publish the new capacity and send a
 * configuration-change interrupt. Event-loop thread. 0 or -errno with @e. */
int virtio_blk_set_path(struct virtio_blk *b, const char *path, struct errbuf *e);

/* virtio_blk_set_rate_limiter - PATCH /drives: replace the buckets set in @c. */
void virtio_blk_set_rate_limiter(struct virtio_blk *b, const struct cfg_rate_limiter *c);

/* virtio_blk_throttled_events - times the limiter stopped the queue. */
uint64_t virtio_blk_throttled_events(struct virtio_blk *b);

/* virtio_blk_drive_id - the drive's id from its configuration. */
const char *virtio_blk_drive_id(const struct virtio_blk *b);

/* virtio_blk_nsectors - capacity in 512-byte sectors. */
uint64_t virtio_blk_nsectors(const struct virtio_blk *b);

/* virtio_blk_destroy - wait for in-flight I/O, close the image, free. */
void virtio_blk_destroy(struct virtio_blk *b);

#endif
