/* vsock_pkt.c - virtio-vsock packet headers; see vsock_pkt.h. */
#include <errno.h>

#include "vsock_pkt.h"

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int vsock_pkt_parse(const uint8_t *buf, size_t len, struct vsock_hdr *h)
{
	if (len < VSOCK_HDR_LEN)
		return -EINVAL;
	h->src_cid = get_le(buf, 8);
	h->dst_cid = get_le(buf + 8, 8);
	h->src_port = (uint32_t)get_le(buf + 16, 4);
	h->dst_port = (uint32_t)get_le(buf + 20, 4);
	h->len = (uint32_t)get_le(buf + 24, 4);
	h->type = (uint16_t)get_le(buf + 28, 2);
	h->op = (uint16_t)get_le(buf + 30, 2);
	h->flags = (uint32_t)get_le(buf + 32, 4);
	h->buf_alloc = (uint32_t)get_le(buf + 36, 4);
	h->fwd_cnt = (uint32_t)get_le(buf + 40, 4);
	return 0;
}

void vsock_pkt_write(const struct vsock_hdr *h, uint8_t *buf)
{
	put_le(buf, h->src_cid, 8);
	put_le(buf + 8, h->dst_cid, 8);
	put_le(buf + 16, h->src_port, 4);
	put_le(buf + 20, h->dst_port, 4);
	put_le(buf + 24, h->len, 4);
	put_le(buf + 28, h->type, 2);
	put_le(buf + 30, h->op, 2);
	put_le(buf + 32, h->flags, 4);
	put_le(buf + 36, h->buf_alloc, 4);
	put_le(buf + 40, h->fwd_cnt, 4);
}

enum vsock_pkt_err vsock_pkt_check(const struct vsock_hdr *h, uint64_t guest_cid, size_t avail)
{
	if (h->type != VSOCK_TYPE_STREAM)
		return VSOCK_PKT_TYPE;
	if (h->op < VSOCK_OP_REQUEST || h->op > VSOCK_OP_CREDIT_REQUEST)
		return VSOCK_PKT_OP;
	if (h->src_cid != guest_cid)
		return VSOCK_PKT_SRC_CID;
	if (h->dst_cid != VSOCK_HOST_CID)
		return VSOCK_PKT_DST_CID;
	if (h->len > VSOCK_MAX_PAYLOAD)
		return VSOCK_PKT_LEN;
	if (h->len > avail)
		return VSOCK_PKT_TRUNC;
	if (h->len && h->op != VSOCK_OP_RW)
		return VSOCK_PKT_LEN_OP;
	if (h->op == VSOCK_OP_SHUTDOWN &&
	    (!h->flags || (h->flags & ~(VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND))))
		return VSOCK_PKT_FLAGS;
	return VSOCK_PKT_OK;
}

const char *vsock_pkt_err_name(enum vsock_pkt_err err)
{
	static const char *const names[] = {
	    [VSOCK_PKT_OK] = "ok",
	    [VSOCK_PKT_SHORT] = "short header",
	    [VSOCK_PKT_TYPE] = "type",
	    [VSOCK_PKT_OP] = "op",
	    [VSOCK_PKT_SRC_CID] = "src_cid",
	    [VSOCK_PKT_DST_CID] = "dst_cid",
	    [VSOCK_PKT_LEN] = "len",
	    [VSOCK_PKT_TRUNC] = "len beyond the chain",
	    [VSOCK_PKT_LEN_OP] = "len on op",
	    [VSOCK_PKT_FLAGS] = "flags",
	};

	return (unsigned)err < sizeof(names) / sizeof(names[0]) ? names[err] : "?";
}
