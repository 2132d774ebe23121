/*
 * vsock_mux.c - virtio-vsock's host side; see vsock_mux.h.
 *
 * A connection (vsock_conn.h) is keyed by (local port, peer port): the
 * host's port and the guest's. Host-initiated connections get local ports
 * from 2^30 up; guest-initiated ones use the port the guest asked for.
 * Here: the hybrid handshake, the guest's packets to their connections,
 * the guest's receive buffers to the connections (taking turns, one
 * packet or one read each per round, so one busy or stuck stream delays
 * nobody), and the loop's handlers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "vsock_conn.h"
#include "vsock_mux.h"
#include "vsock_uds.h"

#define LOCAL_PORT_FIRST (1u << 30)
#define ACCEPT_BATCH	 16

static void on_conn(void *ctx, uint32_t events);

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
	c = vsock_conn_new(m, fd, VSOCK_CONN_ESTABLISHED, on_conn);
	if (!c)
		goto refuse;
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->pending = VSOCK_CONN_P_RESPONSE;
	vsock_conn_arm(c);
	return;
refuse:
	m->st.conn_refused++;
	vsock_conn_rst(m, h->dst_port, h->src_port);
}

/* The guest accepted a host-initiated connection: tell the host client. */
static void conn_accepted(struct vsock_mux *m, struct vsock_conn *c)
{
	char ok[24];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);

	/* The first bytes on a fresh socket: its buffer is empty. */
	if (write(c->fd, ok, (size_t)n) != n) {
		m->st.tx_write_fails++;
		vsock_conn_free(m, c, true);
		return;
	}
	c->state = VSOCK_CONN_ESTABLISHED;
	vsock_conn_arm(c);
}

void vsock_mux_tx(struct vsock_mux *m, const struct vsock_hdr *h, bool bad, const struct iovec *iov,
		  unsigned int niov)
{
	struct vsock_conn *c = vsock_conn_find(m, h->dst_port, h->src_port);

	m->st.tx_packets++;
	if (bad) {
		m->st.tx_bad_packets++;
		if (c)
			vsock_conn_free(m, c, true);
		else if (h->op != VSOCK_OP_RST)
			vsock_conn_rst(m, h->dst_port, h->src_port);
		return;
	}
	if (h->op == VSOCK_OP_REQUEST) {
		if (c)
			vsock_conn_free(m, c, true);
		else
			guest_connect(m, h);
		return;
	}
	if (!c) {
		if (h->op != VSOCK_OP_RST)
			vsock_conn_rst(m, h->dst_port, h->src_port);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (h->op == VSOCK_OP_RST) {
		vsock_conn_free(m, c, false);
		return;
	}
	if (h->op == VSOCK_OP_RESPONSE) {
		if (c->state == VSOCK_CONN_REQ_SENT && !(c->pending & VSOCK_CONN_P_REQUEST))
			conn_accepted(m, c);
		else
			vsock_conn_free(m, c, true);
		return;
	}
	if (c->state != VSOCK_CONN_ESTABLISHED) {
		vsock_conn_free(m, c, true);
		return;
	}
	switch (h->op) {
	case VSOCK_OP_SHUTDOWN:
		c->peer_shut |= h->flags;
		vsock_conn_settle(m, c);
		break;
	case VSOCK_OP_RW:
		if (c->peer_shut & VSOCK_SHUTDOWN_SEND)
			vsock_conn_free(m, c, true);
		else if (h->len)
			vsock_conn_write(m, c, iov, niov, h->len);
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		c->pending |= VSOCK_CONN_P_CREDIT;
		break;
	default: /* CREDIT_UPDATE: the credit fields above are all it says */
		break;
	}
}

bool vsock_mux_has_rx(const struct vsock_mux *m)
{
	unsigned int i;

	if (m->rst_len)
		return true;
	for (i = 0; i < m->nr_conns; i++)
		if (vsock_conn_has_rx(m->conn[i]))
			return true;
	return false;
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
		if (!vsock_conn_has_rx(m->conn[i]))
			continue;
		ret = vsock_conn_rx(m, m->conn[i], b);
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
	 * still in VSOCK_CONN_HANDSHAKE, which vsock_conn_find() skips). */
	do
		c->local_port = m->next_local_port++;
	while (c->local_port < LOCAL_PORT_FIRST || vsock_conn_find(m, c->local_port, port));
	c->peer_port = port;
	c->state = VSOCK_CONN_REQ_SENT;
	c->pending = VSOCK_CONN_P_REQUEST;
	vsock_conn_wait_start(m, c); /* the guest's answer gets its own time */
	vsock_conn_arm(c);
	return;
drop:
	m->st.conn_refused++;
	vsock_conn_free(m, c, false);
}

static void conn_event(struct vsock_mux *m, struct vsock_conn *c, uint32_t events)
{
	if (c->state == VSOCK_CONN_HANDSHAKE) {
		handshake(m, c);
		return;
	}
	if (c->state == VSOCK_CONN_REQ_SENT) {
		/* The client left before the guest answered. */
		if (events & (EPOLLHUP | EPOLLERR))
			vsock_conn_free(m, c, !(c->pending & VSOCK_CONN_P_REQUEST));
		return;
	}
	if (events & EPOLLERR) {
		m->st.rx_read_fails++;
		vsock_conn_free(m, c, true);
		return;
	}
	if ((events & EPOLLOUT) && !vsock_conn_flush(m, c))
		return;
	if (events & EPOLLHUP)
		c->hup = true;
	if (events & (EPOLLIN | EPOLLHUP))
		c->readable = true; /* read (or EOF found) when the guest has room */
}

static void on_conn(void *ctx, uint32_t events)
{
	struct vsock_conn *c = ctx;
	struct vsock_mux *m = c->m;

	pthread_mutex_lock(m->lock);
	if (c->dead) { /* freed since the loop fetched this event */
		pthread_mutex_unlock(m->lock);
		return;
	}
	conn_event(m, c, events);
	if (m->wake)
		m->wake(m->wake_ctx);
	/* Armed after the device had its chance to read: a socket it drained
	 * keeps its EPOLLIN, so a small message costs no epoll_ctl at all. */
	if (!c->dead)
		vsock_conn_arm(c);
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
		if (!vsock_conn_new(m, fd, VSOCK_CONN_HANDSHAKE, on_conn))
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

/* Connections freed since the last turn (loop thread). */
static void on_reap(void *ctx, uint32_t events)
{
	struct vsock_mux *m = ctx;
	uint64_t n;

	if (read(m->reap_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		m->st.muxer_event_fails++;
	pthread_mutex_lock(m->lock);
	vsock_conn_reap(m);
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
		if (c->state == VSOCK_CONN_ESTABLISHED) {
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
		vsock_conn_free(
		    m, c, c->state == VSOCK_CONN_REQ_SENT && !(c->pending & VSOCK_CONN_P_REQUEST));
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
	m->reap_fd = -1;
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
	m->reap_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->reap_fd < 0) {
		ret = errf(e, -errno, "vsock: eventfd: %s", strerror(errno));
		goto fail;
	}
	fd = vsock_uds_listen(uds_path, e);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	m->listen_fd = fd;
	m->listen_handler = (struct loop_handler){.fn = on_listen, .ctx = m};
	m->timer_handler = (struct loop_handler){.fn = on_timer, .ctx = m};
	m->reap_handler = (struct loop_handler){.fn = on_reap, .ctx = m};
	if (loop && ((ret = loop_add(loop, fd, EPOLLIN, &m->listen_handler)) ||
		     (ret = loop_add(loop, m->timer_fd, EPOLLIN, &m->timer_handler)) ||
		     (ret = loop_add(loop, m->reap_fd, EPOLLIN, &m->reap_handler)))) {
		loop_del(loop, fd);
		loop_del(loop, m->timer_fd);
		close(fd);
		unlink(uds_path);
		m->listen_fd = -1;
		errf(e, ret, "vsock: watching \"%s\": %s", uds_path, strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	if (m->reap_fd >= 0)
		close(m->reap_fd);
	m->reap_fd = -1;
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
		vsock_conn_free(m, m->conn[m->nr_conns - 1], false);
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
	vsock_conn_reap_all(m);
	if (m->reap_fd >= 0) {
		if (m->loop)
			loop_del(m->loop, m->reap_fd);
		close(m->reap_fd);
		m->reap_fd = -1;
	}
}
