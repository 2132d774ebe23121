/*
 * vsock_conn.h - one stream connection of the vsock mux (vsock_mux.h): its
 * handshake state, the credit both ways, the ring of guest bytes its host
 * socket has not taken yet, and that socket's I/O.
 *
 * Everything here runs under the mux's lock. A connection ends in two
 * steps: vsock_conn_free takes it out of the table at once, on any thread;
 * the event loop closes its socket later (vsock_conn_reap, kicked through
 * the mux's reap eventfd) and frees its memory one loop turn after that,
 * so only the loop thread closes a socket, and an event the loop already
 * fetched for a connection finds it marked dead, never freed.
 */
#ifndef EMBER_VSOCK_CONN_H
#define EMBER_VSOCK_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vsock_mux.h"
#include "vsock_uds.h"

enum vsock_conn_state { VSOCK_CONN_HANDSHAKE, VSOCK_CONN_REQ_SENT, VSOCK_CONN_ESTABLISHED };

/* Control packets a connection owes the guest. */
#define VSOCK_CONN_P_REQUEST  1u
#define VSOCK_CONN_P_RESPONSE 2u
#define VSOCK_CONN_P_CREDIT   4u

struct vsock_conn {
	struct vsock_mux *m;
	int fd;
	struct loop_handler h;
	uint32_t events; /* what the loop watches fd for */
	enum vsock_conn_state state;
	uint32_t local_port, peer_port;
	char line[VSOCK_UDS_LINE_MAX];
	unsigned int line_len;
	unsigned int pending; /* VSOCK_CONN_P_* */
	bool readable;	      /* the host socket may have bytes (or EOF) */
	bool eof;	      /* the host sent EOF: SHUTDOWN(SEND) owed/sent */
	bool hup;	      /* the host closed both ways (EPOLLHUP) */
	uint64_t since_ms;    /* entered VSOCK_CONN_HANDSHAKE / VSOCK_CONN_REQ_SENT */
	bool wr_shut;	      /* shutdown(SHUT_WR) done */
	uint32_t peer_shut;   /* VSOCK_SHUTDOWN_* from the guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt, rx_cnt;
	uint32_t fwd_cnt, fwd_sent;
	uint8_t *buf; /* ring of VSOCK_CONN_BUF, allocated when first needed */
	uint32_t head, len;
	bool dead;		      /* out of the table, its fd not yet closed */
	struct vsock_conn *next_dead; /* on the mux's dead or closed list */
};

/* vsock_conn_new - take over @fd as a new connection in @state, watched
 * by the loop with handler @fn. NULL (fd closed) if the table is full. */
struct vsock_conn *vsock_conn_new(struct vsock_mux *m, int fd, enum vsock_conn_state state,
				  void (*fn)(void *ctx, uint32_t events));

/* vsock_conn_free - out of the table (the guest gets RST if @rst); the
 * socket is closed by vsock_conn_reap (at once when there is no loop). */
void vsock_conn_free(struct vsock_mux *m, struct vsock_conn *c, bool rst);

/* vsock_conn_reap - the loop's turn: close the dead connections' sockets,
 * free those closed on the previous turn. vsock_conn_reap_all: both at
 * once, for teardown when the loop no longer runs. */
void vsock_conn_reap(struct vsock_mux *m);
void vsock_conn_reap_all(struct vsock_mux *m);

/* vsock_conn_find - the connection (not in its handshake) with these ports. */
struct vsock_conn *vsock_conn_find(struct vsock_mux *m, uint32_t local, uint32_t peer);

/* vsock_conn_rst - queue a RST for (@local, @peer) to the guest. */
void vsock_conn_rst(struct vsock_mux *m, uint32_t local, uint32_t peer);

/* vsock_conn_arm - watch the socket for what the connection's state needs. */
void vsock_conn_arm(struct vsock_conn *c);

/* vsock_conn_wait_start - the handshake clock starts now for @c. */
void vsock_conn_wait_start(struct vsock_mux *m, struct vsock_conn *c);

/* vsock_conn_settle - after a guest SHUTDOWN or a flush: shut the host's
 * side of the socket, or end the connection. */
void vsock_conn_settle(struct vsock_mux *m, struct vsock_conn *c);

/* vsock_conn_flush - write the ring to the socket. false: the connection
 * failed and is gone. */
bool vsock_conn_flush(struct vsock_mux *m, struct vsock_conn *c);

/* vsock_conn_write - an RW payload of @len bytes from the guest: to the
 * socket at once, what it does not take into the ring. */
void vsock_conn_write(struct vsock_mux *m, struct vsock_conn *c, const struct iovec *iov,
		      unsigned int niov, uint32_t len);

/* vsock_conn_has_rx - @c owes the guest a packet (cheap check). */
bool vsock_conn_has_rx(const struct vsock_conn *c);

/* vsock_conn_rx - the next packets @c owes the guest into @b: the number
 * of buffers filled, 0 (none) or -1 (the connection failed and is gone). */
int vsock_conn_rx(struct vsock_mux *m, struct vsock_conn *c, const struct vsock_rx_bufs *b);

#endif
