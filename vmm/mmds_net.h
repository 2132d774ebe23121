/*
 * mmds_net.h - the guest-facing side of MMDS: a minimal ARP + IPv4 + TCP
 * endpoint at the MMDS address on one network interface's data path.
 *
 * Contract: the caller (virtio-net) offers every Ethernet frame the guest
 * transmits (vnet header stripped) to mmds_net_claims(); a claimed frame is
 * handed to mmds_net_tx() and never reaches the tap; frames for the guest
 * come out of mmds_net_rx() one at a time. Claimed: ARP (IPv4 over Ethernet)
 * whose target is the MMDS address, and every IPv4 packet to it (TCP to port
 * 80 is served, other TCP ports get a RST, everything else is dropped).
 * Pure: no fds, no clock, no locks, no allocation after create except the
 * responses the responder returns; the caller passes monotonic now_ms and
 * serialises the calls. All state is bounded (MMDS_NET_CONNS connections,
 * MMDS_NET_RCVBUF request bytes each, one response each, a small RST queue);
 * a full table evicts the oldest half-open connection, then the oldest
 * established one idle for 200 ms with no response in flight, else the new
 * SYN gets a RST.
 *
 * No retransmission queue is needed for correctness on this link: frames go
 * from this stack straight into the guest's receive ring (a lost frame can
 * only be one the guest itself discards). Still, unacknowledged data is
 * resent from the last ACK (go-back-N) when the timer passed to
 * mmds_net_tick() finds it stale, so a guest that drops a frame recovers.
 */
#ifndef EMBER_MMDS_NET_H
#define EMBER_MMDS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The MMDS side's MAC address (Firecracker's), used in ARP replies and as
 * the source of every frame this stack sends. */
#define MMDS_NET_MAC                                                                               \
	{                                                                                          \
		0x06, 0x01, 0x23, 0x45, 0x67, 0x01                                                 \
	}
#define MMDS_NET_PORT	   80
#define MMDS_NET_CONNS	   16
#define MMDS_NET_RCVBUF	   4096	       /* request bytes buffered per connection */
#define MMDS_NET_MSS	   1460	       /* largest segment sent */
#define MMDS_NET_FRAME_MAX 1514	       /* largest frame mmds_net_rx() produces */
#define MMDS_NET_TX_MAX	   8192	       /* longer claimed frames are dropped */
#define MMDS_NET_CLAIM_LEN 42	       /* mmds_net_claims() reads no further */
#define MMDS_NET_RESP_MAX  (64u << 20) /* a larger response resets the connection */
#define MMDS_NET_IDLE_MS   30000       /* a connection the guest left alone */
#define MMDS_NET_TICK_MS   200	       /* how often mmds_net_tick() wants calling while busy */

/*
 * The HTTP side, the shape of mmds_http_serve(): serve the request at the
 * start of in[0..len). > 0: bytes consumed and *out (malloc'd, freed here)
 * holds the response; 0: more bytes needed; < 0: not a request, *out (may
 * be NULL) is sent and the connection closed.
 */
struct mmds_responder {
	ssize_t (*serve)(void *ctx, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
			 uint64_t now_ms);
	void *ctx;
};

struct mmds_net_cfg {
	uint8_t ipv4[4]; /* the MMDS address */
	struct mmds_responder responder;
	uint32_t seed; /* initial sequence numbers derive from it */
};

struct mmds_net_stats {
	uint64_t rx_frames;   /* frames consumed */
	uint64_t rx_dropped;  /* malformed, bad checksum, not TCP, fragments */
	uint64_t tx_frames;   /* frames produced for the guest */
	uint64_t arp_replies; /* ARP requests answered */
	uint64_t conns;	      /* connections accepted */
	uint64_t resets;      /* RSTs sent */
	uint64_t evicted;     /* connections evicted for a new one */
	uint64_t timeouts;    /* connections ended by the timer */
	uint64_t requests;    /* responses produced */
};

struct mmds_net;

/* mmds_net_create - a stack answering at @cfg->ipv4. 0 or -ENOMEM. */
int mmds_net_create(struct mmds_net **out, const struct mmds_net_cfg *cfg);

/* mmds_net_destroy - free the stack and every pending response. */
void mmds_net_destroy(struct mmds_net *m);

/* mmds_net_claims - is @frame (Ethernet, @len bytes) for MMDS? Decides on
 * its first MMDS_NET_CLAIM_LEN bytes only. */
bool mmds_net_claims(const struct mmds_net *m, const uint8_t *frame, size_t len);

/*
 * mmds_net_tx - consume a claimed frame the guest sent. @csum_partial: the
 * guest asked for TCP checksum offload (its vnet header's NEEDS_CSUM), so
 * the TCP checksum field holds only the pseudo-header sum and is not
 * checked; the IPv4 header checksum always is.
 */
void mmds_net_tx(struct mmds_net *m, const uint8_t *frame, size_t len, bool csum_partial,
		 uint64_t now_ms);

/* mmds_net_rx_pending - does mmds_net_rx() have a frame? */
bool mmds_net_rx_pending(const struct mmds_net *m);

/* mmds_net_rx - write the next frame for the guest to @buf (@cap bytes,
 * at least MMDS_NET_FRAME_MAX); its length, or 0 if there is none. */
size_t mmds_net_rx(struct mmds_net *m, uint8_t *buf, size_t cap, uint64_t now_ms);

/* mmds_net_tick - timeouts and resends; call every MMDS_NET_TICK_MS while
 * mmds_net_busy(). Afterwards mmds_net_rx_pending() may be true. */
void mmds_net_tick(struct mmds_net *m, uint64_t now_ms);

/* mmds_net_busy - any connection open or frame queued (the timer is needed). */
bool mmds_net_busy(const struct mmds_net *m);

/* mmds_net_reset - forget every connection and queued frame (device reset). */
void mmds_net_reset(struct mmds_net *m);

void mmds_net_get_stats(const struct mmds_net *m, struct mmds_net_stats *s);

#endif
