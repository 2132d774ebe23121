/*
 * blk_req.h - virtio-blk requests (spec 5.2.6): parsing a descriptor chain
 * into a request, and the I/O engines that execute it.
 *
 * A request is a 16-byte header (type, reserved, sector) in device-readable
 * memory, then the data (readable for OUT, writable for IN and GET_ID) in
 * any number of buffers, then one status byte: the last byte of the
 * writable part. The parser is pure (no I/O, no device state) so that it can
 * be fuzzed; the engines (blk_io_sync.c, blk_io_uring.c) only ever see
 * requests it accepted.
 */
#ifndef EMBER_BLK_REQ_H
#define EMBER_BLK_REQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "err.h"
#include "virtqueue.h"

/* Request types and status values (spec 5.2.6). */
#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define BLK_SECTOR_SHIFT    9
#define BLK_SECTOR_SIZE	    512
#define BLK_HDR_LEN	    16

struct blk_req {
	uint16_t head; /* chain to complete */
	uint32_t type;
	uint64_t sector;
	uint64_t offset;   /* byte offset in the image (sector * 512) */
	uint32_t data_len; /* bytes of data (0 for FLUSH) */
	unsigned int niov;
	uint8_t *status;   /* the status byte in guest memory */
	uint32_t used_len; /* bytes the device writes on success */
	struct iovec iov[VQ_MAX_SEGS];
};

/*
 * blk_req_parse - check chain @c against a disk of @nsectors sectors.
 * Returns
 *   VIRTIO_BLK_S_OK	   @r is an IN, OUT, FLUSH or GET_ID request to run;
 *   VIRTIO_BLK_S_IOERR    malformed (wrong direction, bad size, out of range,
 *			   or a write to a @read_only disk): write that status;
 *   VIRTIO_BLK_S_UNSUPP   an unknown request type: write that status;
 *   -EINVAL		   there is no writable status byte: complete the
 *			   chain with used length 0.
 * For the positive results @r->head and @r->status are always set.
 */
int blk_req_parse(const struct vq_chain *c, uint64_t nsectors, bool read_only, struct blk_req *r);

/* blk_req_get_id - fill a GET_ID request's data with @id (NUL padded). */
void blk_req_get_id(struct blk_req *r, const char id[VIRTIO_BLK_ID_BYTES]);

/*
 * blk_io_sync - run an IN, OUT or FLUSH request on @fd with blocking
 * preadv/pwritev/fdatasync; short transfers are continued, EINTR retried.
 * @done bytes of the data are already transferred. Returns the status.
 */
uint8_t blk_io_sync(int fd, struct blk_req *r, uint32_t done);

/*
 * A block engine: how a drive's requests reach its image, behind one ops
 * table so the device never asks which engine it has. An engine embeds
 * struct blk_engine first.
 *  next_req - a request to parse the next chain into, or NULL while every
 *	slot is in flight (the device then leaves the chain in the ring);
 *  start - run or queue @r (from next_req): a VIRTIO_BLK_S_* status when
 *	it finished now, BLK_PENDING when reap() will report it;
 *  submit - hand queued requests to the kernel;
 *  reap - report finished requests to @done with their result (bytes or
 *	-errno); @wait: until nothing is in flight;
 *  event_fd - readable when reap() has work (-1: never);
 *  replace_file - switch to image @fd (nothing may be in flight).
 */
#define BLK_PENDING	0x100
#define BLK_URING_DEPTH 128 /* Async requests in flight per drive */

struct blk_engine {
	const struct blk_engine_ops *ops;
	int fd; /* the image */
};

typedef void (*blk_done_fn)(void *ctx, struct blk_req *r, int32_t res);

struct blk_engine_ops {
	int (*create)(struct blk_engine **out, int fd, const char *name, struct errbuf *e);
	struct blk_req *(*next_req)(struct blk_engine *eng);
	int (*start)(struct blk_engine *eng, struct blk_req *r);
	void (*submit)(struct blk_engine *eng);
	/* Completions reaped (each passed to @done); 0 for engines without any. */
	unsigned int (*reap)(struct blk_engine *eng, bool wait, blk_done_fn done, void *ctx);
	int (*event_fd)(const struct blk_engine *eng);
	int (*replace_file)(struct blk_engine *eng, int fd);
	void (*destroy)(struct blk_engine *eng);
};

/* The engines: "Sync" (blk_io_sync.c) and "Async" on io_uring (blk_io_uring.c). */
extern const struct blk_engine_ops blk_io_sync_ops;
extern const struct blk_engine_ops blk_uring_ops;

/* The io_uring ring itself (io_engine "Async"), completions through an eventfd. */
struct blk_uring;

/* blk_uring_create - ring of @depth entries on @fd, completions signalled on
 * a new eventfd (blk_uring_eventfd). Returns 0 or -errno with @e filled. */
int blk_uring_create(struct blk_uring **out, int fd, unsigned int depth, struct errbuf *e);
int blk_uring_eventfd(const struct blk_uring *u);

/* blk_uring_queue - prepare @r (IN, OUT or FLUSH) tagged @tag; -EBUSY when
 * no submission entry is free. blk_uring_submit - hand prepared entries to
 * the kernel. */
int blk_uring_queue(struct blk_uring *u, struct blk_req *r, uint64_t tag);
int blk_uring_submit(struct blk_uring *u);

/* blk_uring_reap - pass each finished request's tag and result (bytes or
 * -errno) to @done; @wait: block until everything in flight has finished. */
typedef void (*blk_uring_done_fn)(void *ctx, uint64_t tag, int32_t res);
unsigned int blk_uring_reap(struct blk_uring *u, blk_uring_done_fn done, void *ctx, bool wait);

/* blk_uring_replace_file - make @fd the ring's fixed file (slot 0); only
 * with nothing in flight (-EBUSY otherwise). Returns 0 or -errno. */
int blk_uring_replace_file(struct blk_uring *u, int fd);

/* blk_uring_destroy - waits for in-flight requests, then frees everything. */
void blk_uring_destroy(struct blk_uring *u);

#endif
