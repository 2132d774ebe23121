/*
 * mmds_tcp.h - the TCP endpoint behind mmds_net (internal to it): a table
 * of MMDS_NET_CONNS connections on port 80, in-order data only (anything
 * else is dropped and re-ACKed), one HTTP response in flight per
 * connection, sent in segments no larger than the guest's MSS and window,
 * and a bounded queue of RSTs for segments no connection owns. Output is
 * pulled: mmds_tcp_output() builds the next frame (Ethernet + IPv4 + TCP,
 * checksums computed) when the guest can take one. Pure, like mmds_net.
 */
#ifndef EMBER_MMDS_TCP_H
#define EMBER_MMDS_TCP_H

#include "mmds_net.h"

#define MMDS_TCP_RSTQ 16

/* TCP flags. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* A segment the guest sent, validated by mmds_net. */
struct mmds_seg {
	uint8_t mac[6];
	uint8_t ip[4];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss; /* MSS option (SYN only), 0 if none */
	const uint8_t *data;
	uint32_t len;
};

enum mmds_conn_state { MC_FREE, MC_SYN_RCVD, MC_ESTAB };

struct mmds_conn {
	enum mmds_conn_state state;
	uint8_t mac[6], ip[4];
	uint16_t port;
	uint16_t mss;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd;
	uint32_t rcv_nxt;
	bool fin_in;	   /* the guest's FIN is in rcv_nxt */
	bool close_out;	   /* send our FIN after the response */
	bool ack_needed;   /* an ACK is owed */
	bool probe_needed; /* zero window: send a probe */
	bool discard;	   /* input after a bad request is ignored */
	uint8_t retries;
	uint64_t last_rx, rto_at;
	uint32_t rto;
	uint8_t *out; /* the response in flight, out_seq = its first byte */
	size_t out_len;
	uint32_t out_seq;
	uint32_t in_len;
	uint8_t in[MMDS_NET_RCVBUF];
};

struct mmds_rst {
	uint8_t mac[6], ip[4];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
};

struct mmds_tcp {
	uint8_t ip[4];
	struct mmds_responder resp;
	uint32_t isn;
	unsigned int rr; /* round robin over connections for output */
	struct mmds_rst rst[MMDS_TCP_RSTQ];
	unsigned int rst_head, rst_n;
	struct mmds_net_stats *stats;
	struct mmds_conn conn[MMDS_NET_CONNS];
};

void mmds_tcp_init(struct mmds_tcp *t, const struct mmds_net_cfg *cfg,
		   struct mmds_net_stats *stats);
void mmds_tcp_input(struct mmds_tcp *t, const struct mmds_seg *s, uint64_t now_ms);
bool mmds_tcp_pending(const struct mmds_tcp *t);
size_t mmds_tcp_output(struct mmds_tcp *t, uint8_t *buf, size_t cap, uint64_t now_ms);
void mmds_tcp_tick(struct mmds_tcp *t, uint64_t now_ms);
bool mmds_tcp_busy(const struct mmds_tcp *t);
/* mmds_tcp_reset - drop every connection and queued RST. */
void mmds_tcp_reset(struct mmds_tcp *t);

/* Internet checksum pieces (RFC 1071), shared with mmds_net.c. */
static inline uint64_t mmds_sum(uint64_t s, const uint8_t *p, size_t n)
{
	for (; n > 1; n -= 2, p += 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)(p[0] << 8);
	return s;
}

static inline uint16_t mmds_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The TCP pseudo-header's sum. */
static inline uint64_t mmds_pseudo(const uint8_t src[4], const uint8_t dst[4], uint32_t tcp_len)
{
	uint64_t s = mmds_sum(0, src, 4);

	s = mmds_sum(s, dst, 4);
	return s + 6 + tcp_len;
}

static inline uint16_t mmds_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mmds_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void mmds_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mmds_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
