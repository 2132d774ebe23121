/*
 * virtqueue.h - the split virtqueue (spec 2.7), device side, against a
 * hostile guest: rings validated and mapped once at activation, every
 * descriptor copied and checked before use, a malformed chain returned with
 * length 0; only a corrupt avail ring breaks the queue (vq_pop -> -EIO).
 */
#ifndef EMBER_VIRTQUEUE_H
#define EMBER_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest_mem.h"

/* Descriptor flags (spec 2.7.5). */
#define VRING_DESC_F_NEXT     1
#define VRING_DESC_F_WRITE    2
#define VRING_DESC_F_INDIRECT 4
/* avail->flags / used->flags without EVENT_IDX (spec 2.7.7, 2.7.10). */
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY	   1

/* Largest number of buffers one chain may have, indirect tables included. */
#define VQ_MAX_SEGS 256

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtqueue {
	/* Written by the driver through the transport. */
	uint16_t size; /* QueueNum */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t max_size;

	/* Set by vq_activate. */
	bool active;
	bool event_idx;
	bool indirect;
	bool broken;
	uint8_t *desc; /* host pointers into guest RAM */
	uint8_t *avail;
	uint8_t *used;
	uint16_t last_avail; /* next avail ring slot to consume */
	uint16_t used_idx;   /* next used ring slot to fill (shadow of used->idx) */
	uint16_t signalled;  /* used_idx when the driver was last considered */
	bool pushed;	     /* buffers used since the last signal decision */
	const struct guest_mem *mem;
	uint64_t bad_chains; /* malformed chains returned with length 0 */
};

/*
 * One descriptor chain, as host iovecs: the nr_out device-readable buffers
 * first, then the nr_in device-writable ones (a chain with a readable
 * buffer after a writable one is malformed, spec 2.7.4.2).
 */
struct vq_chain {
	uint16_t head;
	uint16_t nr_out, nr_in;
	uint32_t out_len, in_len;
	struct iovec iov[VQ_MAX_SEGS];
};

/* vq_reset - forget everything the driver configured; keeps max_size. */
void vq_reset(struct virtqueue *vq);

/*
 * vq_activate - validate and map a ready queue: size a power of two no larger
 * than max_size, descriptor table 16-byte, avail ring 2-byte and used ring
 * 4-byte aligned, each entirely inside guest RAM. Returns 0 or -EINVAL with
 * @e naming the problem.
 */
int vq_activate(struct virtqueue *vq, const struct guest_mem *mem, bool event_idx, bool indirect,
		struct errbuf *e);

/*
 * vq_pop - next available chain into @c. Returns 1 (a chain), 0 (nothing
 * available) or -EIO (the avail ring is corrupt: the queue is now broken).
 * Malformed chains are completed with length 0 on the way and skipped.
 */
int vq_pop(struct virtqueue *vq, struct vq_chain *c);

/*
 * vq_unpop - give back the last @n popped chains (not yet pushed). @bad is
 * vq->bad_chains as read before the first of them was popped: if vq_pop
 * completed a malformed chain in between, those slots cannot be rewound and
 * vq_unpop returns false (the caller must push the chains instead).
 */
bool vq_unpop(struct virtqueue *vq, uint16_t n, uint64_t bad);

/* vq_push - return chain @head with @len bytes written by the device. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/*
 * vq_need_signal - after vq_push calls: does the driver want an interrupt
 * (EVENT_IDX used_event, or avail->flags NO_INTERRUPT)? Resets the "pushed"
 * state, so call it once per batch.
 */
bool vq_need_signal(struct virtqueue *vq);

/*
 * vq_disable_notify / vq_enable_notify - bracket queue processing. Enabling
 * publishes avail_event (EVENT_IDX) or clears NO_NOTIFY, then re-reads
 * avail->idx: returns true if buffers arrived meanwhile (process again).
 */
void vq_disable_notify(struct virtqueue *vq);
bool vq_enable_notify(struct virtqueue *vq);

/* vq_has_avail - buffers are waiting (no side effects). */
bool vq_has_avail(struct virtqueue *vq);

/*
 * Copy helpers over a chain's iovecs. vq_copy_to_in writes @len bytes at
 * byte @off of the writable part; vq_copy_from_out reads from the readable
 * part. Both return the number of bytes copied (short at the end).
 */
uint32_t vq_copy_to_in(const struct vq_chain *c, uint32_t off, const void *src, uint32_t len);
uint32_t vq_copy_from_out(const struct vq_chain *c, uint32_t off, void *dst, uint32_t len);

/*
 * vq_slice - iovecs for bytes [off, off+len) of iovec array @src (nsrc
 * entries) into @dst (at most @max entries). Returns the entry count, or
 * -EINVAL if the range is not inside @src or needs more than @max entries.
 */
/* vq_in_byte - host pointer to byte @off of @c's writable part, or NULL. */
uint8_t *vq_in_byte(const struct vq_chain *c, uint32_t off);

int vq_slice(const struct iovec *src, unsigned int nsrc, uint64_t off, uint64_t len,
	     struct iovec *dst, unsigned int max);

#endif
