/*
 * vsock_conn.c - one connection of the vsock mux; see vsock_conn.h.
 *
 * Guest to host: RW payloads are written to the host socket at once; what
 * the socket does not take goes into the connection's ring (VSOCK_CONN_BUF,
 * the buf_alloc the guest is told), flushed on EPOLLOUT. A guest that sends
 * beyond its credit is reset. fwd_cnt counts bytes the host socket took;
 * a CREDIT_UPDATE goes out once it moved a quarter of the buffer since the
 * guest last heard.
 * Host to guest: a readable host socket is only marked; the device asks
 * for packets when it has receive buffers and the bytes are read straight
 * into them (several buffers with one read), never more than the guest's
 * credit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "virtqueue.h"
#include "vsock_conn.h"

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

void vsock_conn_rst(struct vsock_mux *m, uint32_t local, uint32_t peer)
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
	return c->state == VSOCK_CONN_ESTABLISHED && c->readable && !c->eof &&
	       !(c->peer_shut & VSOCK_SHUTDOWN_RCV) && credit(c) > 0;
}

void vsock_conn_arm(struct vsock_conn *c)
{
	uint32_t ev = 0;
	int ret;

	if (c->state == VSOCK_CONN_HANDSHAKE)
		ev = EPOLLIN;
	else if (c->state == VSOCK_CONN_ESTABLISHED) {
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

struct vsock_conn *vsock_conn_find(struct vsock_mux *m, uint32_t local, uint32_t peer)
{
	unsigned int i;

	/* A client still in its handshake has no ports yet. */
	for (i = 0; i < m->nr_conns; i++)
		if (m->conn[i]->state != VSOCK_CONN_HANDSHAKE && m->conn[i]->local_port == local &&
		    m->conn[i]->peer_port == peer)
			return m->conn[i];
	return NULL;
}

/* The handshake clock: a connection that is not established gets
 * VSOCK_CONNECT_TIMEOUT_MS from now; the tick runs while one waits. */
void vsock_conn_wait_start(struct vsock_mux *m, struct vsock_conn *c)
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

struct vsock_conn *vsock_conn_new(struct vsock_mux *m, int fd, enum vsock_conn_state state,
				  void (*fn)(void *ctx, uint32_t events))
{
	struct vsock_conn *c;

	if (m->nr_conns == VSOCK_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return NULL;
	}
	c->m = m;
	c->fd = fd;
	c->state = state;
	c->h = (struct loop_handler){.fn = fn, .ctx = c};
	c->events = EPOLLIN; /* watched from the start: its state decides later */
	if (m->loop && loop_add(m->loop, fd, c->events, &c->h)) {
		m->st.muxer_event_fails++;
		close(fd);
		free(c);
		return NULL;
	}
	m->conn[m->nr_conns++] = c;
	m->st.conns_added++;
	if (state != VSOCK_CONN_ESTABLISHED)
		vsock_conn_wait_start(m, c);
	return c;
}

static void kick_reap(struct vsock_mux *m)
{
	static const uint64_t one = 1;

	if (write(m->reap_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		m->st.muxer_event_fails++;
}

void vsock_conn_free(struct vsock_mux *m, struct vsock_conn *c, bool rst)
{
	unsigned int i;

	if (rst) {
		vsock_conn_rst(m, c->local_port, c->peer_port);
		m->st.conns_killed++;
	}
	for (i = 0; i < m->nr_conns; i++)
		if (m->conn[i] == c) {
			m->conn[i] = m->conn[--m->nr_conns];
			break;
		}
	free(c->buf);
	c->buf = NULL;
	c->dead = true;
	m->st.conns_removed++;
	if (!m->loop) { /* nobody watches the fd: nothing can still refer to it */
		close(c->fd);
		free(c);
		return;
	}
	/* The event loop closes the socket (vsock_conn_reap): this may be a
	 * vCPU thread (a device reset), whose filter has no close. */
	c->next_dead = m->dead;
	m->dead = c;
	kick_reap(m);
}

void vsock_conn_reap(struct vsock_mux *m)
{
	struct vsock_conn *c;

	/* Closed by an earlier call, so before the epoll_wait that fetched
	 * the batch this call runs in: no event of this batch names them. */
	while ((c = m->closed)) {
		m->closed = c->next_dead;
		free(c);
	}
	/* close() takes the fd out of the epoll set (it is never dup'ed); an
	 * event for it may still wait later in this batch, so the memory
	 * stays until the next call. */
	while ((c = m->dead)) {
		m->dead = c->next_dead;
		close(c->fd);
		c->next_dead = m->closed;
		m->closed = c;
	}
	if (m->closed)
		kick_reap(m);
}

void vsock_conn_reap_all(struct vsock_mux *m)
{
	struct vsock_conn *c;

	while ((c = m->dead)) {
		m->dead = c->next_dead;
		close(c->fd);
		free(c);
	}
	while ((c = m->closed)) {
		m->closed = c->next_dead;
		free(c);
	}
}

/* After guest SHUTDOWN or a flush: shut the host's side, or finish. */
void vsock_conn_settle(struct vsock_mux *m, struct vsock_conn *c)
{
	if (c->len)
		return;
	if ((c->peer_shut & (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)) ==
	    (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)) {
		vsock_conn_free(m, c, true); /* the guest waits for our RST */
		return;
	}
	if ((c->peer_shut & VSOCK_SHUTDOWN_SEND) && !c->wr_shut) {
		shutdown(c->fd, SHUT_WR);
		c->wr_shut = true;
	}
	vsock_conn_arm(c);
}

static void note_forwarded(struct vsock_conn *c, uint32_t n)
{
	c->fwd_cnt += n;
	c->m->st.tx_bytes += n;
	if (c->fwd_cnt - c->fwd_sent >= VSOCK_CONN_BUF / 4)
		c->pending |= VSOCK_CONN_P_CREDIT;
}

/* flush - write the ring to the host socket. false: the connection died. */
bool vsock_conn_flush(struct vsock_mux *m, struct vsock_conn *c)
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
			vsock_conn_free(m, c, true);
			return false;
		}
		c->head = (c->head + (uint32_t)n) % VSOCK_CONN_BUF;
		c->len -= (uint32_t)n;
		note_forwarded(c, (uint32_t)n);
	}
	vsock_conn_settle(m, c);
	return true;
}

/* An RW payload: straight to the socket, the rest into the ring. */
void vsock_conn_write(struct vsock_mux *m, struct vsock_conn *c, const struct iovec *iov,
		      unsigned int niov, uint32_t len)
{
	struct iovec rest[VQ_MAX_SEGS];
	uint32_t done = 0, tail;
	ssize_t n;
	int nr;

	if (c->len + len > VSOCK_CONN_BUF) {
		m->st.tx_bad_packets++; /* beyond the credit it was given */
		vsock_conn_free(m, c, true);
		return;
	}
	if (!c->len) {
		do
			n = sock_send(c->fd, iov, niov);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN) {
			m->st.tx_write_fails++;
			vsock_conn_free(m, c, true);
			return;
		}
		done = n > 0 ? (uint32_t)n : 0;
		note_forwarded(c, done);
	}
	if (done < len) {
		if (!c->buf && !(c->buf = malloc(VSOCK_CONN_BUF))) {
			vsock_conn_free(m, c, true);
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
	vsock_conn_arm(c);
}

bool vsock_conn_has_rx(const struct vsock_conn *c)
{
	return c->pending || can_read(c);
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
	c->pending &= ~VSOCK_CONN_P_CREDIT;
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
		vsock_conn_arm(c);
		return 0;
	}
	if (n < 0) {
		m->st.rx_read_fails++;
		vsock_conn_free(m, c, true);
		return -1;
	}
	if (n == 0) {
		/* The host will send no more: tell the guest. */
		c->eof = true;
		c->readable = false;
		vsock_conn_arm(c);
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
		vsock_conn_arm(c);
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
int vsock_conn_rx(struct vsock_mux *m, struct vsock_conn *c, const struct vsock_rx_bufs *b)
{
	struct vsock_hdr h;
	int ret;

	if (c->pending & VSOCK_CONN_P_REQUEST) {
		c->pending &= ~VSOCK_CONN_P_REQUEST;
		fill_hdr(m, c, &h, VSOCK_OP_REQUEST);
		goto ctl;
	}
	if (c->pending & VSOCK_CONN_P_RESPONSE) {
		c->pending &= ~VSOCK_CONN_P_RESPONSE;
		fill_hdr(m, c, &h, VSOCK_OP_RESPONSE);
		goto ctl;
	}
	if (can_read(c)) {
		ret = conn_read(m, c, b);
		if (ret)
			return ret;
	}
	if (c->pending & VSOCK_CONN_P_CREDIT) {
		fill_hdr(m, c, &h, VSOCK_OP_CREDIT_UPDATE);
		goto ctl;
	}
	return 0;
ctl:
	vsock_pkt_write(&h, b->hdr[0]);
	b->len[0] = 0;
	return 1;
}
