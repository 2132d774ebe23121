/*
 * vsock_mux.h - the host side of virtio-vsock: Firecracker's hybrid scheme
 * over Unix sockets, one stream connection per guest socket.
 *
 * The mux listens on uds_path. A host client that connects writes
 * "CONNECT <port>\n"; the mux asks the guest for that port and answers
 * "OK <host port>\n" once the guest accepts, or closes the client if it
 * refuses. A guest connection to the host (CID 2) port P is connected to
 * "<uds_path>_P". Every connection has bounded buffers and its own
 * credit: a host client that stops reading stops only its own stream.
 *
 * The mux runs under the device's lock (@lock): its fds' loop handlers
 * take it, do their work and call @wake (still holding it) so the device
 * moves pending packets into the guest's receive queue. Only the loop
 * thread closes a connection's socket (vsock_conn.h): a reset on a vCPU
 * thread hands the connections to the loop through @reap_fd.
 */
#ifndef EMBER_VSOCK_MUX_H
#define EMBER_VSOCK_MUX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "err.h"
#include "log.h"
#include "loop.h"
#include "vsock_pkt.h"

#define VSOCK_MAX_CONNS 256	     /* connections at once; more are refused */
#define VSOCK_CONN_BUF	(256 * 1024) /* guest-to-host bytes buffered per connection */
#define VSOCK_RST_QUEUE 64	     /* RSTs waiting for receive buffers */
/* A host client has this long to send its CONNECT line, and the guest as
 * long again to answer the REQUEST; then the client is closed. */
#define VSOCK_CONNECT_TIMEOUT_MS 5000

struct vsock_conn;

struct vsock_stats {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t conns_added, conns_killed, conns_removed;
	uint64_t rx_read_fails, tx_write_fails, tx_bad_packets, conn_refused, rst_dropped;
	uint64_t muxer_event_fails, conns_timed_out;
};

struct vsock_mux {
	pthread_mutex_t *lock;
	void (*wake)(void *ctx);
	void *wake_ctx;
	struct loop *loop; /* NULL: nothing watched (tests drive by hand) */
	struct logger *log;
	uint64_t guest_cid;
	char uds_path[108];
	int listen_fd;
	struct loop_handler listen_handler;
	int timer_fd; /* the handshake tick, armed while a connection waits */
	bool timer_armed;
	struct loop_handler timer_handler;
	struct vsock_conn *conn[VSOCK_MAX_CONNS];
	unsigned int nr_conns, rr;
	uint32_t next_local_port;
	int reap_fd; /* eventfd: connections wait on @dead to be closed */
	struct loop_handler reap_handler;
	struct vsock_conn *dead, *closed;
	struct vsock_hdr rst[VSOCK_RST_QUEUE];
	unsigned int rst_head, rst_len;
	struct vsock_stats st;
};

/*
 * vsock_mux_init - bind and listen on @uds_path (a stale socket file is
 * replaced; any other file is an error) and watch it on @loop. 0 or
 * -errno with @e naming the problem.
 */
int vsock_mux_init(struct vsock_mux *m, const char *uds_path, uint64_t guest_cid, struct loop *loop,
		   struct logger *log, struct errbuf *e);

/* vsock_mux_set_wake - how the mux asks the device to fill receive buffers. */
void vsock_mux_set_wake(struct vsock_mux *m, pthread_mutex_t *lock, void (*wake)(void *),
			void *ctx);

/* vsock_mux_destroy - close every connection and the listening socket,
 * remove the socket file. */
void vsock_mux_destroy(struct vsock_mux *m);

/*
 * vsock_mux_tx - one packet from the guest: header @h (already checked
 * with vsock_pkt_check, or @bad set when it failed) and its payload in
 * @iov/@niov. Anything the mux does not expect is answered with RST.
 */
void vsock_mux_tx(struct vsock_mux *m, const struct vsock_hdr *h, bool bad, const struct iovec *iov,
		  unsigned int niov);

/* vsock_mux_has_rx - a packet for the guest is waiting (cheap check). */
bool vsock_mux_has_rx(const struct vsock_mux *m);

/*
 * The guest's receive buffers for vsock_mux_rx: @nbuf buffers whose payload
 * areas (@room[i] bytes each, at most VSOCK_MAX_PAYLOAD) lie back to back
 * in @iov/@niov. The mux writes buffer i's header into @hdr[i] and its
 * payload length into @len[i].
 */
struct vsock_rx_bufs {
	const struct iovec *iov;
	unsigned int niov, nbuf;
	const uint32_t *room;
	uint8_t (*hdr)[VSOCK_HDR_LEN];
	uint32_t *len;
};

/*
 * vsock_mux_rx - the next packets for the guest into @b: a control packet
 * fills one buffer; a connection's host bytes fill as many buffers as its
 * credit allows with one read (one RW packet per buffer). Returns the
 * number of buffers filled, the first ones; 0 when nothing was ready.
 */
unsigned int vsock_mux_rx(struct vsock_mux *m, const struct vsock_rx_bufs *b);

/*
 * vsock_mux_expire - drop every connection whose handshake started
 * VSOCK_CONNECT_TIMEOUT_MS or more before @now_ms (vsock_uds_now_ms's
 * clock): a client that never finished its CONNECT line is closed; one
 * whose REQUEST the guest never answered is closed and the guest gets RST.
 * Called by the mux's 1 s tick; tests call it with a time of their own.
 */
void vsock_mux_expire(struct vsock_mux *m, uint64_t now_ms);

/* vsock_mux_reset - the driver went away: every connection ends (its
 * socket is closed by the event loop). Any thread, under the lock. */
void vsock_mux_reset(struct vsock_mux *m);

#endif
