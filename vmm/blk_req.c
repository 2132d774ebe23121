/*
 * blk_req.c - virtio-blk request parsing; see blk_req.h.
 *
 * Layout rules enforced (spec 5.2.6 and Linux's virtio_blk.c, which always
 * sends the header, the data and the status in separate descriptors):
 *   IN	    readable part exactly the header; data = writable part minus the
 *	    status byte; a multiple of 512 bytes inside the disk.
 *   OUT    data = readable part after the header, a multiple of 512 inside
 *	    the disk; writable part exactly the status byte.
 *   FLUSH  header and status byte only.
 *   GET_ID readable part exactly the header; data = writable part minus
 *	    the status byte (the id is 20 bytes; shorter buffers get a prefix).
 */
#include <errno.h>
#include <string.h>

#include "blk_req.h"

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

_Static_assert(sizeof(struct blk_hdr) == BLK_HDR_LEN, "virtio_blk_outhdr layout");

/* Is [sector, sector + len/512) a whole-sector range inside the disk? */
static bool range_ok(uint64_t sector, uint32_t len, uint64_t nsectors)
{
	uint64_t count = len >> BLK_SECTOR_SHIFT;

	if (len % BLK_SECTOR_SIZE)
		return false;
	return sector <= nsectors && count <= nsectors - sector;
}

/* Point @r->iov at @len bytes of the readable (@in false) or writable part
 * of @c, starting at byte @off of that part. */
static bool take_data(const struct vq_chain *c, bool in, uint32_t off, uint32_t len,
		      struct blk_req *r)
{
	const struct iovec *src = in ? c->iov + c->nr_out : c->iov;
	unsigned int nsrc = in ? c->nr_in : c->nr_out;
	int n = vq_slice(src, nsrc, off, len, r->iov, VQ_MAX_SEGS);

	if (n < 0)
		return false;
	r->niov = (unsigned int)n;
	r->data_len = len;
	return true;
}

static int parse_typed(const struct vq_chain *c, uint64_t nsectors, bool read_only,
		       struct blk_req *r)
{
	/* Bytes of the writable part before the status byte. */
	uint32_t in_data = c->in_len - 1;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		if (c->out_len != BLK_HDR_LEN || !range_ok(r->sector, in_data, nsectors))
			return VIRTIO_BLK_S_IOERR;
		if (!take_data(c, true, 0, in_data, r))
			return VIRTIO_BLK_S_IOERR;
		r->used_len = c->in_len;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		if (read_only || in_data != 0)
			return VIRTIO_BLK_S_IOERR;
		if (!range_ok(r->sector, c->out_len - BLK_HDR_LEN, nsectors))
			return VIRTIO_BLK_S_IOERR;
		if (!take_data(c, false, BLK_HDR_LEN, c->out_len - BLK_HDR_LEN, r))
			return VIRTIO_BLK_S_IOERR;
		r->used_len = 1;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		if (c->out_len != BLK_HDR_LEN || in_data != 0)
			return VIRTIO_BLK_S_IOERR;
		r->used_len = 1;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		if (c->out_len != BLK_HDR_LEN || !take_data(c, true, 0, in_data, r))
			return VIRTIO_BLK_S_IOERR;
		r->used_len = (in_data < VIRTIO_BLK_ID_BYTES ? in_data : VIRTIO_BLK_ID_BYTES) + 1;
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

int blk_req_parse(const struct vq_chain *c, uint64_t nsectors, bool read_only, struct blk_req *r)
{
	const struct iovec *last;
	struct blk_hdr hdr;

	r->head = c->head;
	r->niov = 0;
	r->data_len = 0;
	r->used_len = 1;
	r->status = NULL;
	/* The status byte is the last byte of the last writable buffer. */
	if (c->nr_in == 0)
		return -EINVAL;
	last = &c->iov[c->nr_out + c->nr_in - 1];
	if (last->iov_len == 0)
		return -EINVAL;
	r->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	if (c->out_len < BLK_HDR_LEN)
		return VIRTIO_BLK_S_IOERR;
	vq_copy_from_out(c, 0, &hdr, sizeof(hdr));
	r->type = hdr.type;
	r->sector = hdr.sector;
	/* Cannot overflow once range_ok has accepted the sector. */
	r->offset = hdr.sector << BLK_SECTOR_SHIFT;
	return parse_typed(c, nsectors, read_only, r);
}

void blk_req_get_id(struct blk_req *r, const char id[VIRTIO_BLK_ID_BYTES])
{
	uint32_t left = r->data_len < VIRTIO_BLK_ID_BYTES ? r->data_len : VIRTIO_BLK_ID_BYTES;
	const uint8_t *src = (const uint8_t *)id;
	unsigned int i;

	for (i = 0; i < r->niov && left; i++) {
		size_t n = r->iov[i].iov_len < left ? r->iov[i].iov_len : left;

		memcpy(r->iov[i].iov_base, src, n);
		src += n;
		left -= n;
	}
}
