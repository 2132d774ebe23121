/*
 * vsock_mux.c - virtio-vsock's host side; see vsock_mux.h.
 *
 * A connection is keyed by (local port, peer port): the host's port and the
 * guest's. Host-initiated connections get local ports from 2^30 up;
 * guest-initiated ones use the port the guest asked for.
 *
 * Guest to host: RW payloads are written to the host socket at once; what
 * the socket does not take goes into the connection's ring (VSOCK_CONN_BUF,
 * the buf_alloc the guest is told), flushed on EPOLLOUT. A guest that sends
 * beyond its credit is reset. fwd_cnt counts bytes the host socket took;
 * a CREDIT_UPDATE goes out once it moved a quarter of the buffer since the
 * guest last heard.
 * Host to guest: a readable host socket is only marked; the device asks
 * for packets when it has receive buffers and the bytes are read straight
 * into them, never more than the guest's credit. Connections take turns
 * (one packet each per round), so one busy or stuck stream delays nobody.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtqueue.h"
#include "vsock_mux.h"
#include "vsock_uds.h"

#define LOCAL_PORT_FIRST (1u << 30)
#define ACCEPT_BATCH	 16

enum conn_state { C_HANDSHAKE, C_REQ_SENT, C_ESTABLISHED };

/* Control packets a connection owes the guest. */
#define P_REQUEST  1u
#define P_RESPONSE 2u
#define P_CREDIT   4u
#define P_SHUT	   8u

struct vsock_conn {
	struct vsock_mux *m;
	int fd;
	struct loop_handler h;
	uint32_t events; /* what the loop watches fd for */
	enum conn_state state;
	uint32_t local_port, peer_port;
	char line[VSOCK_UDS_LINE_MAX];
	unsigned int line_len;
	unsigned int pending; /* P_* */
	bool readable;	      /* the host socket may have bytes (or EOF) */
	bool eof;	      /* the host sent EOF: SHUTDOWN(SEND) owed/sent */
	bool hup;	      /* the host closed both ways (EPOLLHUP) */
	uint64_t since_ms;    /* entered C_HANDSHAKE / C_REQ_SENT */
	bool wr_shut;	      /* shutdown(SHUT_WR) done */
	uint32_t peer_shut;   /* VSOCK_SHUTDOWN_* from the guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt, rx_cnt;
	uint32_t fwd_cnt, fwd_sent;
	uint8_t *buf; /* ring of VSOCK_CONN_BUF, allocated when first needed */
	uint32_t head, len;
};

static void conn_free(struct vsock_mux *m, struct vsock_conn *c, bool rst);

/* Socket I/O over iovecs: sendmsg/recvmsg (the event loop's seccomp filter
 * allows these for vsock only), never a signal for a vanished peer. */
static ssize_t sock_send(int fd, const struct iovec *iov, unsigned int n)
{
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};

	return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static ssize_t sock_recv(int fd, const struct iovec *iov, unsigned int n)
{
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};

	return recvmsg(fd, &mh, MSG_DONTWAIT);
}

static void queue_rst(struct vsock_mux *m, uint32_t local, uint32_t peer)
{
	struct vsock_hdr *h;

	if (m->rst_len == VSOCK_RST_QUEUE) {
		m->st.rst_dropped++;
		return;
	}
	h = &m->rst[(m->rst_head + m->rst_len++) % VSOCK_RST_QUEUE];
	memset(h, 0, sizeof(*h));
	h->src_port = local;
	h->dst_port = peer;
	h->op = VSOCK_OP_RST;
}

static uint32_t credit(const struct vsock_conn *c)
{
	uint32_t inflight = c->rx_cnt - c->peer_fwd_cnt;

	return inflight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - inflight;
}

static bool can_read(const struct vsock_conn *c)
{
	return c->state == C_ESTABLISHED && c->readable && !c->eof &&
	       !(c->peer_shut & VSOCK_SHUTDOWN_RCV) && credit(c) > 0;
}

static void conn_arm(struct vsock_conn *c)
{
	uint32_t ev = 0;
	int ret;

	if (c->state == C_HANDSHAKE)
		ev = EPOLLIN;
	else if (c->state == C_ESTABLISHED) {
		if (!c->readable && !c->eof && !(c->peer_shut & VSOCK_SHUTDOWN_RCV))
			ev |= EPOLLIN;
		if (c->len)
			ev |= EPOLLOUT;
	}
	if (ev == c->events || !c->m->loop)
		return;
	/* Nothing wanted: out of the epoll set altogether, or a hung-up peer's
	 * EPOLLHUP (reported whatever the mask) would spin the loop. */
	if (!ev)
		ret = loop_del(c->m->loop, c->fd);
	else if (!c->events)
		ret = loop_add(c->m->loop, c->fd, ev, &c->h);
	else
		ret = loop_mod(c->m->loop, c->fd, ev, &c->h);
	if (ret == 0)
		c->events = ev;
	else
		c->m->st.muxer_event_fails++;
}

static struct vsock_conn *find(struct vsock_mux *m, uint32_t local, uint32_t peer)
{
	unsigned int i;

	/* A client still in its handshake has no ports yet. */
	for (i = 0; i < m->nr_conns; i++)
		if (m->conn[i]->state != C_HANDSHAKE && m->conn[i]->local_port == local &&
		    m->conn[i]->peer_port == peer)
			return m->conn[i];
	return NULL;
}

static void on_conn(void *ctx, uint32_t events);

/* The handshake clock: a connection that is not established gets
 * VSOCK_CONNECT_TIMEOUT_MS from now; the tick runs while one waits. */
static void wait_start(struct vsock_mux *m, struct vsock_conn *c)
{
	struct itimerspec it = {{1, 0}, {1, 0}};

	c->since_ms = vsock_uds_now_ms();
	if (m->timer_armed || m->timer_fd < 0)
		return;
	if (timerfd_settime(m->timer_fd, 0, &it, NULL) == 0)
		m->timer_armed = true;
	else
		m->st.muxer_event_fails++;
}

/* conn_new - take over @fd as a new connection. NULL (fd closed) if full. */
static struct vsock_conn *conn_new(struct vsock_mux *m, int fd, enum conn_state state)
{
	struct vsock_conn *c;

	if (m->nr_conns == VSOCK_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return NULL;
	}
	c->m = m;
	c->fd = fd;
	c->state = state;
	c->h = (struct loop_handler){.fn = on_conn, .ctx = c};
	c->events = EPOLLIN; /* watched from the start: its state decides later */
	if (m->loop && loop_add(m->loop, fd, c->events, &c->h)) {
		m->st.muxer_event_fails++;
		close(fd);
		free(c);
		return NULL;
	}
	m->conn[m->nr_conns++] = c;
	m->st.conns_added++;
	if (state != C_ESTABLISHED)
		wait_start(m, c);
	return c;
}

static void conn_free(struct vsock_mux *m, struct vsock_conn *c, bool rst)
{
	unsigned int i;

	if (rst) {
		queue_rst(m, c->local_port, c->peer_port);
		m->st.conns_killed++;
	}
	for (i = 0; i < m->nr_conns; i++)
		if (m->conn[i] == c) {
			m->conn[i] = m->conn[--m->nr_conns];
			break;
		}
	/* close() takes the fd out of the epoll set (it is never dup'ed), and
	 * a device reset runs this on a vCPU thread, whose filter allows close
	 * but not epoll_ctl. */
	close(c->fd);
	free(c->buf);
	free(c);
	m->st.conns_removed++;
}

/* After guest SHUTDOWN or a flush: shut the host's side, or finish. */
static void conn_settle(struct vsock_mux *m, struct vsock_conn *c)
{
	if (c->len)
		return;
	if ((c->peer_shut & (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)) ==
	    (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)) {
		conn_free(m, c, true); /* the guest waits for our RST */
		return;
	}
	if ((c->peer_shut & VSOCK_SHUTDOWN_SEND) && !c->wr_shut) {
		shutdown(c->fd, SHUT_WR);
		c->wr_shut = true;
	}
	conn_arm(c);
}

static void note_forwarded(struct vsock_conn *c, uint32_t n)
{
	c->fwd_cnt += n;
	c->m->st.tx_bytes += n;
	if (c->fwd_cnt - c->fwd_sent >= VSOCK_CONN_BUF / 4)
		c->pending |= P_CREDIT;
}

/* flush - write the ring to the host socket. false: the connection died. */
static bool flush(struct vsock_mux *m, struct vsock_conn *c)
{
	while (c->len) {
		uint32_t first = VSOCK_CONN_BUF - c->head;
		struct iovec iov[2] = {
		    {c->buf + c->head, first < c->len ? first : c->len},
		    {c->buf, first < c->len ? c->len - first : 0},
		};
		ssize_t n = sock_send(c->fd, iov, iov[1].iov_len ? 2 : 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			m->st.tx_write_fails++;
			conn_free(m, c, true);
			return false;
		}
		c->head = (c->head + (uint32_t)n) % VSOCK_CONN_BUF;
		c->len -= (uint32_t)n;
		note_forwarded(c, (uint32_t)n);
	}
	conn_settle(m, c);
	return true;
}

/* An RW payload: straight to the socket, the rest into the ring. */
static void conn_write(struct vsock_mux *m, struct vsock_conn *c, const struct iovec *iov,
		       unsigned int niov, uint32_t len)
{
	struct iovec rest[VQ_MAX_SEGS];
	uint32_t done = 0, tail;
	ssize_t n;
	int nr;

	if (c->len + len > VSOCK_CONN_BUF) {
		m->st.tx_bad_packets++; /* beyond the credit it was given */
		conn_free(m, c, true);
		return;
	}
	if (!c->len) {
		do
			n = sock_send(c->fd, iov, niov);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN) {
			m->st.tx_write_fails++;
			conn_free(m, c, true);
			return;
		}
		done = n > 0 ? (uint32_t)n : 0;
		note_forwarded(c, done);
	}
	if (done < len) {
		if (!c->buf && !(c->buf = malloc(VSOCK_CONN_BUF))) {
			conn_free(m, c, true);
			return;
		}
		nr = vq_slice(iov, niov, done, len - done, rest, VQ_MAX_SEGS);
		for (int i = 0; i < nr; i++) {
			const uint8_t *p = rest[i].iov_base;
			uint32_t l = (uint32_t)rest[i].iov_len;

			while (l) {
				tail = (c->head + c->len) % VSOCK_CONN_BUF;
				uint32_t k = VSOCK_CONN_BUF - tail < l ? VSOCK_CONN_BUF - tail : l;

				memcpy(c->buf + tail, p, k);
				c->len += k;
				p += k;
				l -= k;
			}
		}
	}
	conn_arm(c);
}

/* A guest REQUEST to host port @h->dst_port: connect to <uds_path>_<port>. */
static void guest_connect(struct vsock_mux *m, const struct vsock_hdr *h)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct vsock_conn *c;
	int fd, n;

	n = snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", m->uds_path, h->dst_port);
	if (n < 0 || (size_t)n >= sizeof(a.sun_path) || m->nr_conns == VSOCK_MAX_CONNS)
		goto refuse;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto refuse;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		goto refuse;
	}
	c = conn_new(m, fd, C_ESTABLISHED);
	if (!c)
		goto refuse;
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->pending = P_RESPONSE;
	conn_arm(c);
	return;
refuse:
	m->st.conn_refused++;
	queue_rst(m, h->dst_port, h->src_port);
}

/* The guest accepted a host-initiated connection: tell the host client. */
static void conn_accepted(struct vsock_mux *m, struct vsock_conn *c)
{
	char ok[24];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);

	/* The first bytes on a fresh socket: its buffer is empty. */
	if (write(c->fd, ok, (size_t)n) != n) {
		m->st.tx_write_fails++;
		conn_free(m, c, true);
		return;
	}
	c->state = C_ESTABLISHED;
	conn_arm(c);
}

void vsock_mux_tx(struct vsock_mux *m, const struct vsock_hdr *h, bool bad, const struct iovec *iov,
		  unsigned int niov)
{
	struct vsock_conn *c = find(m, h->dst_port, h->src_port);

	m->st.tx_packets++;
	if (bad) {
		m->st.tx_bad_packets++;
		if (c)
			conn_free(m, c, true);
		else if (h->op != VSOCK_OP_RST)
			queue_rst(m, h->dst_port, h->src_port);
		return;
	}
	if (h->op == VSOCK_OP_REQUEST) {
		if (c)
			conn_free(m, c, true);
		else
			guest_connect(m, h);
		return;
	}
	if (!c) {
		if (h->op != VSOCK_OP_RST)
			queue_rst(m, h->dst_port, h->src_port);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (h->op == VSOCK_OP_RST) {
		conn_free(m, c, false);
		return;
	}
	if (h->op == VSOCK_OP_RESPONSE) {
		if (c->state == C_REQ_SENT && !(c->pending & P_REQUEST))
			conn_accepted(m, c);
		else
			conn_free(m, c, true);
		return;
	}
	if (c->state != C_ESTABLISHED) {
		conn_free(m, c, true);
		return;
	}
	switch (h->op) {
	case VSOCK_OP_SHUTDOWN:
		c->peer_shut |= h->flags;
		conn_settle(m, c);
		break;
	case VSOCK_OP_RW:
		if (c->peer_shut & VSOCK_SHUTDOWN_SEND)
			conn_free(m, c, true);
		else if (h->len)
			conn_write(m, c, iov, niov, h->len);
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		c->pending |= P_CREDIT;
		break;
	default: /* CREDIT_UPDATE: the credit fields above are all it says */
		break;
	}
}

static bool conn_has_rx(const struct vsock_conn *c)
{
	return c->pending || can_read(c);
}

bool vsock_mux_has_rx(const struct vsock_mux *m)
{
	unsigned int i;

	if (m->rst_len)
		return true;
	for (i = 0; i < m->nr_conns; i++)
		if (conn_has_rx(m->conn[i]))
			return true;
	return false;
}

static void fill_hdr(struct vsock_mux *m, struct vsock_conn *c, struct vsock_hdr *h, uint16_t op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = VSOCK_HOST_CID;
	h->dst_cid = m->guest_cid;
	h->type = VSOCK_TYPE_STREAM;
	h->op = op;
	if (!c)
		return;
	h->src_port = c->local_port;
	h->dst_port = c->peer_port;
	h->buf_alloc = VSOCK_CONN_BUF;
	h->fwd_cnt = c->fwd_cnt;
	c->fwd_sent = c->fwd_cnt;
	c->pending &= ~P_CREDIT;
}

/* Read host bytes into the guest's buffers, one read for all of them.
 * The number of buffers filled (headers in @b), 0: none, -1: the
 * connection failed and is gone. */
static int conn_read(struct vsock_mux *m, struct vsock_conn *c, const struct vsock_rx_bufs *b)
{
	struct iovec v[VQ_MAX_SEGS];
	struct vsock_hdr h;
	uint32_t want = credit(c), room = 0, left;
	unsigned int i;
	ssize_t n;
	int nr;

	for (i = 0; i < b->nbuf; i++)
		room += b->room[i];
	if (want > room)
		want = room;
	nr = vq_slice(b->iov, b->niov, 0, want, v, VQ_MAX_SEGS);
	if (nr <= 0)
		return 0;
	do
		n = sock_recv(c->fd, v, (unsigned int)nr);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN) {
		c->readable = false;
		conn_arm(c);
		return 0;
	}
	if (n < 0) {
		m->st.rx_read_fails++;
		conn_free(m, c, true);
		return -1;
	}
	if (n == 0) {
		/* The host will send no more: tell the guest. */
		c->eof = true;
		c->readable = false;
		conn_arm(c);
		fill_hdr(m, c, &h, VSOCK_OP_SHUTDOWN);
		/* Closed both ways: the guest will answer with RST and the
		 * connection ends; a half-close leaves the guest's side open. */
		h.flags = c->hup ? VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND : VSOCK_SHUTDOWN_SEND;
		vsock_pkt_write(&h, b->hdr[0]);
		b->len[0] = 0;
		return 1;
	}
	/* A short read: the socket is drained, most likely; the next attempt
	 * waits for the loop to say it is readable again (saves an EAGAIN). */
	if ((uint32_t)n < want) {
		c->readable = false;
		conn_arm(c);
	}
	c->rx_cnt += (uint32_t)n;
	m->st.rx_bytes += (uint64_t)n;
	for (i = 0, left = (uint32_t)n; left; i++) {
		fill_hdr(m, c, &h, VSOCK_OP_RW);
		h.len = left < b->room[i] ? left : b->room[i];
		left -= h.len;
		vsock_pkt_write(&h, b->hdr[i]);
		b->len[i] = h.len;
	}
	return (int)i;
}

/* The next packets connection @c owes the guest: the number of buffers
 * filled, 0 (none) or -1 (the connection failed and is gone). */
static int conn_rx(struct vsock_mux *m, struct vsock_conn *c, const struct vsock_rx_bufs *b)
{
	struct vsock_hdr h;
	int ret;

	if (c->pending & P_REQUEST) {
		c->pending &= ~P_REQUEST;
		fill_hdr(m, c, &h, VSOCK_OP_REQUEST);
		goto ctl;
	}
	if (c->pending & P_RESPONSE) {
		c->pending &= ~P_RESPONSE;
		fill_hdr(m, c, &h, VSOCK_OP_RESPONSE);
		goto ctl;
	}
	if (can_read(c)) {
		ret = conn_read(m, c, b);
		if (ret)
			return ret;
	}
	if (c->pending & P_CREDIT) {
		fill_hdr(m, c, &h, VSOCK_OP_CREDIT_UPDATE);
		goto ctl;
	}
	return 0;
ctl:
	vsock_pkt_write(&h, b->hdr[0]);
	b->len[0] = 0;
	return 1;
}

unsigned int vsock_mux_rx(struct vsock_mux *m, const struct vsock_rx_bufs *b)
{
	struct vsock_hdr h;
	unsigned int i, k;
	int ret;

	if (!b->nbuf)
		return 0;
again:
	if (m->rst_len) {
		h = m->rst[m->rst_head];
		m->rst_head = (m->rst_head + 1) % VSOCK_RST_QUEUE;
		m->rst_len--;
		h.src_cid = VSOCK_HOST_CID;
		h.dst_cid = m->guest_cid;
		h.type = VSOCK_TYPE_STREAM;
		vsock_pkt_write(&h, b->hdr[0]);
		b->len[0] = 0;
		m->st.rx_packets++;
		return 1;
	}
	for (k = 0; k < m->nr_conns; k++) {
		i = (m->rr + k) % m->nr_conns;
		if (!conn_has_rx(m->conn[i]))
			continue;
		ret = conn_rx(m, m->conn[i], b);
		if (ret > 0) {
			m->rr = i + 1;
			m->st.rx_packets += (unsigned int)ret;
			return (unsigned int)ret;
		}
		if (ret < 0)
			goto again; /* one connection fewer, its RST queued */
	}
	return 0;
}

/* "CONNECT <port>\n" from a new host client, read a byte at a time so no
 * payload after it is taken early. */
static void handshake(struct vsock_mux *m, struct vsock_conn *c)
{
	uint32_t port;
	ssize_t n;

	for (;;) {
		n = read(c->fd, c->line + c->line_len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto drop;
		if (c->line[c->line_len] == '\n')
			break;
		if (++c->line_len == sizeof(c->line))
			goto drop;
	}
	if (vsock_uds_parse_connect(c->line, c->line_len, &port))
		goto drop;
	/* A local port no other connection to that guest port uses (c is
	 * still in C_HANDSHAKE, which find() skips). */
	do
		c->local_port = m->next_local_port++;
	while (c->local_port < LOCAL_PORT_FIRST || find(m, c->local_port, port));
	c->peer_port = port;
	c->state = C_REQ_SENT;
	c->pending = P_REQUEST;
	wait_start(m, c); /* the guest's answer gets its own time */
	conn_arm(c);
	return;
drop:
	m->st.conn_refused++;
	conn_free(m, c, false);
}

static void conn_event(struct vsock_mux *m, struct vsock_conn *c, uint32_t events)
{
	if (c->state == C_HANDSHAKE) {
		handshake(m, c);
		return;
	}
	if (c->state == C_REQ_SENT) {
		/* The client left before the guest answered. */
		if (events & (EPOLLHUP | EPOLLERR))
			conn_free(m, c, !(c->pending & P_REQUEST));
		return;
	}
	if (events & EPOLLERR) {
		m->st.rx_read_fails++;
		conn_free(m, c, true);
		return;
	}
	if ((events & EPOLLOUT) && !flush(m, c))
		return;
	if (events & EPOLLHUP)
		c->hup = true;
	if (events & (EPOLLIN | EPOLLHUP))
		c->readable = true; /* read (or EOF found) when the guest has room */
	conn_arm(c);
}

static void on_conn(void *ctx, uint32_t events)
{
	struct vsock_conn *c = ctx;
	struct vsock_mux *m = c->m;

	pthread_mutex_lock(m->lock);
	conn_event(m, c, events);
	if (m->wake)
		m->wake(m->wake_ctx);
	pthread_mutex_unlock(m->lock);
}

static void on_listen(void *ctx, uint32_t events)
{
	struct vsock_mux *m = ctx;
	unsigned int i;
	int fd;

	pthread_mutex_lock(m->lock);
	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		/* Full: the client is closed at once (conn_new closes fd). */
		if (!conn_new(m, fd, C_HANDSHAKE))
			m->st.conn_refused++;
	}
	pthread_mutex_unlock(m->lock);
}

/* The handshake tick (loop thread). */
static void on_timer(void *ctx, uint32_t events)
{
	struct vsock_mux *m = ctx;
	uint64_t ticks;

	if (read(m->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		m->st.muxer_event_fails++;
	pthread_mutex_lock(m->lock);
	vsock_mux_expire(m, vsock_uds_now_ms());
	if (m->wake)
		m->wake(m->wake_ctx);
	pthread_mutex_unlock(m->lock);
}

void vsock_mux_expire(struct vsock_mux *m, uint64_t now_ms)
{
	static const struct itimerspec off;
	struct vsock_conn *c;
	bool waiting = false;
	unsigned int i = 0;

	while (i < m->nr_conns) {
		c = m->conn[i];
		if (c->state == C_ESTABLISHED) {
			i++;
			continue;
		}
		if (now_ms - c->since_ms < VSOCK_CONNECT_TIMEOUT_MS) {
			waiting = true;
			i++;
			continue;
		}
		/* Dropped (the last one moves into slot i). A REQUEST the guest
		 * saw and never answered is withdrawn with RST. */
		m->st.conn_refused++;
		m->st.conns_timed_out++;
		conn_free(m, c, c->state == C_REQ_SENT && !(c->pending & P_REQUEST));
	}
	if (!waiting && m->timer_armed && m->timer_fd >= 0) {
		timerfd_settime(m->timer_fd, 0, &off, NULL);
		m->timer_armed = false;
	}
}

int vsock_mux_init(struct vsock_mux *m, const char *uds_path, uint64_t guest_cid, struct loop *loop,
		   struct logger *log, struct errbuf *e)
{
	struct sockaddr_un a;
	int fd, ret;

	memset(m, 0, sizeof(*m));
	m->listen_fd = -1;
	m->timer_fd = -1;
	m->loop = loop;
	m->log = log;
	m->guest_cid = guest_cid;
	m->next_local_port = LOCAL_PORT_FIRST;
	/* Room for "_<port>" after the path of guest-initiated connections. */
	if (strlen(uds_path) + 11 >= sizeof(a.sun_path))
		return errf(e, -ENAMETOOLONG, "vsock: uds_path \"%s\" is too long", uds_path);
	snprintf(m->uds_path, sizeof(m->uds_path), "%s", uds_path);
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0)
		return errf(e, -errno, "vsock: timerfd: %s", strerror(errno));
	fd = vsock_uds_listen(uds_path, e);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	m->listen_fd = fd;
	m->listen_handler = (struct loop_handler){.fn = on_listen, .ctx = m};
	m->timer_handler = (struct loop_handler){.fn = on_timer, .ctx = m};
	if (loop && ((ret = loop_add(loop, fd, EPOLLIN, &m->listen_handler)) ||
		     (ret = loop_add(loop, m->timer_fd, EPOLLIN, &m->timer_handler)))) {
		loop_del(loop, fd);
		close(fd);
		unlink(uds_path);
		m->listen_fd = -1;
		errf(e, ret, "vsock: watching \"%s\": %s", uds_path, strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	close(m->timer_fd);
	m->timer_fd = -1;
	return ret;
}

void vsock_mux_set_wake(struct vsock_mux *m, pthread_mutex_t *lock, void (*wake)(void *), void *ctx)
{
	m->lock = lock;
	m->wake = wake;
	m->wake_ctx = ctx;
}

void vsock_mux_reset(struct vsock_mux *m)
{
	while (m->nr_conns)
		conn_free(m, m->conn[m->nr_conns - 1], false);
	m->rst_len = 0;
	m->rst_head = 0;
}

void vsock_mux_destroy(struct vsock_mux *m)
{
	vsock_mux_reset(m);
	if (m->listen_fd >= 0) {
		if (m->loop)
			loop_del(m->loop, m->listen_fd);
		/* The socket file stays (no unlink under the event loop's
		 * filter); the next start replaces it as a stale one. */
		close(m->listen_fd);
		m->listen_fd = -1;
	}
	if (m->timer_fd >= 0) {
		if (m->loop)
			loop_del(m->loop, m->timer_fd);
		close(m->timer_fd);
		m->timer_fd = -1;
	}
}
