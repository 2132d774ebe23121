/*
 * virtqueue.c - see virtqueue.h.
 *
 * Ring layout (spec 2.7.6, 2.7.8), all little-endian, which is the x86 host
 * byte order, so fields are accessed in place:
 *   avail: flags u16 @0, idx u16 @2, ring[size] u16 @4, used_event u16 @4+2*size
 *   used:  flags u16 @0, idx u16 @2, ring[size] {u32 id, u32 len} @4,
 *          avail_event u16 @4+8*size
 * The avail and used rings are 2- and 4-byte aligned (checked at
 * activation), so their u16 fields can be accessed atomically. Descriptors
 * are copied out with memcpy: an indirect table has no alignment guarantee.
 *
 * The guest owns the three rings and can rewrite them at any moment, so:
 *  - the rings are validated and mapped once, at activation (alignment,
 *    whole extent inside one guest RAM region via gm_ptr);
 *  - every descriptor is copied out of guest memory once and the copy is
 *    checked (index < queue size, address range through gm_ptr, direction,
 *    length sums without 32-bit overflow, at most queue-size descriptors
 *    per chain, which also ends loops);
 *  - a malformed chain is returned to the driver with used length 0 and
 *    counted; the queue goes on. Only a corrupt avail ring (an index that
 *    claims more buffers than the queue holds, or a head out of range)
 *    breaks the queue: vq_pop returns -EIO and the device should be marked
 *    NEEDS_RESET.
 *
 * Memory ordering (spec 2.7.13 and Linux's virtio_ring.c): avail->idx is
 * read with acquire before ring entries and descriptors; used elements are
 * written before used->idx is stored with release; a full fence separates
 * publishing used->idx (or avail_event) from reading the driver's
 * suppression fields (used_event, avail->flags, avail->idx).
 */
#include <errno.h>
#include <string.h>

#include "virtqueue.h"

_Static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");
_Static_assert(sizeof(struct vring_used_elem) == 8, "used element layout");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio rings are little-endian");

static inline uint16_t ld16(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
}

static inline uint16_t ld16_acquire(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}

static inline void st16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

static inline void st16_release(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, v, __ATOMIC_RELEASE);
}

/* Offsets of the event fields that follow the two rings. */
static inline uint64_t used_event_off(uint16_t size)
{
	return 4 + 2 * (uint64_t)size;
}

static inline uint64_t avail_event_off(uint16_t size)
{
	return 4 + 8 * (uint64_t)size;
}

void vq_reset(struct virtqueue *vq)
{
	uint16_t max = vq->max_size;

	memset(vq, 0, sizeof(*vq));
	vq->max_size = max;
}

int vq_activate(struct virtqueue *vq, const struct guest_mem *mem, bool event_idx, bool indirect,
		struct errbuf *e)
{
	uint16_t n = vq->size;

	if (n == 0 || (n & (n - 1)) || n > vq->max_size)
		return errf(e, -EINVAL, "queue size %u is not a power of two between 1 and %u", n,
			    vq->max_size);
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return errf(
		    e, -EINVAL,
		    "queue rings misaligned (descriptors 0x%llx, avail 0x%llx, used 0x%llx)",
		    (unsigned long long)vq->desc_gpa, (unsigned long long)vq->avail_gpa,
		    (unsigned long long)vq->used_gpa);
	/* Sizes cannot overflow: n <= 32768. The event fields are always
	 * included, as the spec sizes the rings with them. */
	vq->desc = gm_ptr(mem, vq->desc_gpa, 16ULL * n);
	vq->avail = gm_ptr(mem, vq->avail_gpa, 6 + 2ULL * n);
	vq->used = gm_ptr(mem, vq->used_gpa, 6 + 8ULL * n);
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = vq->avail = vq->used = NULL;
		return errf(e, -EINVAL, "queue rings of size %u are not inside guest RAM", n);
	}
	vq->mem = mem;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->last_avail = vq->used_idx = vq->signalled = 0;
	vq->pushed = vq->broken = false;
	vq->active = true;
	return 0;
}

/* Append descriptor @d to @c after checking it. */
static int add_buffer(const struct virtqueue *vq, struct vq_chain *c, const struct vring_desc *d)
{
	unsigned int n = c->nr_out + c->nr_in;
	uint32_t total;
	void *hva;

	if (n >= VQ_MAX_SEGS)
		return -E2BIG;
	hva = gm_ptr(vq->mem, d->addr, d->len);
	if (!hva)
		return -EFAULT;
	if (d->flags & VRING_DESC_F_WRITE) {
		if (__builtin_add_overflow(c->in_len, d->len, &c->in_len))
			return -EOVERFLOW;
		c->nr_in++;
	} else {
		/* Readable buffers must all precede the writable ones. */
		if (c->nr_in)
			return -EINVAL;
		if (__builtin_add_overflow(c->out_len, d->len, &c->out_len))
			return -EOVERFLOW;
		c->nr_out++;
	}
	if (__builtin_add_overflow(c->out_len, c->in_len, &total))
		return -EOVERFLOW;
	c->iov[n].iov_base = hva;
	c->iov[n].iov_len = d->len;
	return 0;
}

/*
 * Walk the chain starting at @head. Every table is walked with a budget of
 * its own length, which ends loops; indirect tables may not nest or carry
 * NEXT (spec 2.7.5.3.1).
 */
static int walk_chain(const struct virtqueue *vq, uint16_t head, struct vq_chain *c)
{
	const uint8_t *table = vq->desc;
	uint32_t table_len = vq->size, idx = head, budget = vq->size;
	bool in_indirect = false;
	struct vring_desc d;
	int ret;

	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		if (budget == 0)
			return -ELOOP;
		budget--;
		memcpy(&d, table + (size_t)idx * sizeof(d), sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect || in_indirect || (d.flags & VRING_DESC_F_NEXT))
				return -EINVAL;
			if (d.len == 0 || d.len % sizeof(d) || d.len / sizeof(d) > VQ_MAX_SEGS)
				return -EINVAL;
			table = gm_ptr(vq->mem, d.addr, d.len);
			if (!table)
				return -EFAULT;
			table_len = budget = d.len / sizeof(d);
			idx = 0;
			in_indirect = true;
			continue;
		}
		ret = add_buffer(vq, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		idx = d.next;
		if (idx >= table_len)
			return -EINVAL;
	}
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail_idx, pending, head;

	if (!vq->active)
		return 0;
	for (;;) {
		if (vq->broken)
			return -EIO;
		avail_idx = ld16_acquire(vq->avail + 2);
		pending = (uint16_t)(avail_idx - vq->last_avail);
		if (pending == 0)
			return 0;
		/* More entries than the ring holds: the index is garbage. */
		if (pending > vq->size) {
			vq->broken = true;
			return -EIO;
		}
		head = ld16(vq->avail + 4 + 2 * (vq->last_avail % vq->size));
		if (head >= vq->size) {
			vq->broken = true;
			return -EIO;
		}
		vq->last_avail++;
		if (walk_chain(vq, head, c) == 0)
			return 1;
		vq->bad_chains++;
		vq_push(vq, head, 0);
	}
}

bool vq_unpop(struct virtqueue *vq, uint16_t n, uint64_t bad)
{
	if (vq->bad_chains != bad)
		return false;
	vq->last_avail -= n;
	return true;
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem el = {.id = head, .len = len};

	if (!vq->active)
		return;
	memcpy(vq->used + 4 + 8 * (size_t)(vq->used_idx % vq->size), &el, sizeof(el));
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	st16_release(vq->used + 2, vq->used_idx);
	vq->pushed = true;
}

bool vq_need_signal(struct virtqueue *vq)
{
	uint16_t event, old, new;

	if (!vq->active || !vq->pushed)
		return false;
	vq->pushed = false;
	/* Order the used->idx store before reading the driver's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(ld16(vq->avail) & VRING_AVAIL_F_NO_INTERRUPT);
	event = ld16(vq->avail + used_event_off(vq->size));
	old = vq->signalled;
	new = vq->used_idx;
	vq->signalled = new;
	/* vring_need_event: did used_idx move past used_event in (old, new]? */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void vq_disable_notify(struct virtqueue *vq)
{
	/* With EVENT_IDX the stale avail_event already keeps the driver quiet. */
	if (vq->active && !vq->event_idx)
		st16(vq->used, VRING_USED_F_NO_NOTIFY);
}

bool vq_enable_notify(struct virtqueue *vq)
{
	if (!vq->active || vq->broken)
		return false;
	if (vq->event_idx)
		st16(vq->used + avail_event_off(vq->size), vq->last_avail);
	else
		st16(vq->used, 0);
	/* Publish before re-reading avail->idx, or a kick could be lost. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ld16_acquire(vq->avail + 2) != vq->last_avail;
}

bool vq_has_avail(struct virtqueue *vq)
{
	return vq->active && !vq->broken && ld16_acquire(vq->avail + 2) != vq->last_avail;
}

uint32_t vq_copy_to_in(const struct vq_chain *c, uint32_t off, const void *src, uint32_t len)
{
	const uint8_t *s = src;
	uint32_t done = 0;
	unsigned int i;

	for (i = c->nr_out; i < (unsigned int)c->nr_out + c->nr_in && done < len; i++) {
		size_t l = c->iov[i].iov_len, n;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = l - off < len - done ? l - off : len - done;
		memcpy((uint8_t *)c->iov[i].iov_base + off, s + done, n);
		done += n;
		off = 0;
	}
	return done;
}

uint32_t vq_copy_from_out(const struct vq_chain *c, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;
	uint32_t done = 0;
	unsigned int i;

	for (i = 0; i < c->nr_out && done < len; i++) {
		size_t l = c->iov[i].iov_len, n;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = l - off < len - done ? l - off : len - done;
		memcpy(d + done, (const uint8_t *)c->iov[i].iov_base + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint8_t *vq_in_byte(const struct vq_chain *c, uint32_t off)
{
	unsigned int i;

	for (i = c->nr_out; i < (unsigned int)c->nr_out + c->nr_in; i++) {
		if (off < c->iov[i].iov_len)
			return (uint8_t *)c->iov[i].iov_base + off;
		off -= c->iov[i].iov_len;
	}
	return NULL;
}

int vq_slice(const struct iovec *src, unsigned int nsrc, uint64_t off, uint64_t len,
	     struct iovec *dst, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < nsrc && len; i++) {
		uint64_t l = src[i].iov_len, take;

		if (off >= l) {
			off -= l;
			continue;
		}
		if (n == max)
			return -EINVAL;
		take = l - off < len ? l - off : len;
		dst[n].iov_base = (uint8_t *)src[i].iov_base + off;
		dst[n].iov_len = take;
		n++;
		len -= take;
		off = 0;
	}
	return len ? -EINVAL : (int)n;
}
