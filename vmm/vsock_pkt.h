/*
 * vsock_pkt.h - the virtio-vsock packet header (spec 5.10.6), pure code.
 *
 * vsock_pkt_parse decodes the 44-byte little-endian header the guest wrote
 * and vsock_pkt_check judges it against what ember accepts (stream type,
 * known op, the guest's own CID as source, the host as destination, a
 * payload no larger than the limit and inside the chain). Neither touches
 * anything but its arguments; both are fuzzed (tests/fuzz/fuzz_vsock.c).
 */
#ifndef EMBER_VSOCK_PKT_H
#define EMBER_VSOCK_PKT_H

#include <stddef.h>
#include <stdint.h>

#define VSOCK_HDR_LEN	  44
#define VSOCK_HOST_CID	  2
#define VSOCK_TYPE_STREAM 1

/* Largest payload of one packet in either direction (Linux's own limit). */
#define VSOCK_MAX_PAYLOAD (64 * 1024)

enum vsock_op {
	VSOCK_OP_INVALID,
	VSOCK_OP_REQUEST,
	VSOCK_OP_RESPONSE,
	VSOCK_OP_RST,
	VSOCK_OP_SHUTDOWN,
	VSOCK_OP_RW,
	VSOCK_OP_CREDIT_UPDATE,
	VSOCK_OP_CREDIT_REQUEST,
};

/* SHUTDOWN flags: the sender will receive / send no more. */
#define VSOCK_SHUTDOWN_RCV  1u
#define VSOCK_SHUTDOWN_SEND 2u

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint32_t len;
	uint16_t type, op;
	uint32_t flags;
	uint32_t buf_alloc, fwd_cnt;
};

/* What is wrong with a header (vsock_pkt_check). */
enum vsock_pkt_err {
	VSOCK_PKT_OK,
	VSOCK_PKT_SHORT,   /* fewer than VSOCK_HDR_LEN bytes */
	VSOCK_PKT_TYPE,	   /* not a stream packet */
	VSOCK_PKT_OP,	   /* unknown op */
	VSOCK_PKT_SRC_CID, /* not from the guest's CID */
	VSOCK_PKT_DST_CID, /* not to the host */
	VSOCK_PKT_LEN,	   /* payload over VSOCK_MAX_PAYLOAD */
	VSOCK_PKT_TRUNC,   /* payload longer than the chain */
	VSOCK_PKT_LEN_OP,  /* a payload on a packet that carries none */
	VSOCK_PKT_FLAGS,   /* SHUTDOWN without flags, or flags beyond RCV|SEND */
};

/* vsock_pkt_parse - decode @len bytes at @buf. 0, or -EINVAL if short. */
int vsock_pkt_parse(const uint8_t *buf, size_t len, struct vsock_hdr *h);

/* vsock_pkt_write - encode @h into the VSOCK_HDR_LEN bytes at @buf. */
void vsock_pkt_write(const struct vsock_hdr *h, uint8_t *buf);

/*
 * vsock_pkt_check - may ember act on @h, a header from the guest whose
 * chain holds @avail payload bytes after the header? @guest_cid is the
 * device's CID.
 */
enum vsock_pkt_err vsock_pkt_check(const struct vsock_hdr *h, uint64_t guest_cid, size_t avail);

/* vsock_pkt_err_name - "op", "src_cid", ... for log lines. */
const char *vsock_pkt_err_name(enum vsock_pkt_err err);

#endif
