/*
 * conn.c - one API connection: its buffers, socket I/O and lifetime. See
 * server.h for the model and conn.h for the contract; only server.c uses
 * these.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"

uint64_t api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void conn_set_events(struct api_server *s, struct api_conn *c)
{
	uint32_t ev = 0;
	struct epoll_event e;
	int op;

	if (c->fd < 0)
		return;
	if (!c->peer_closed && c->in_len < sizeof(c->in))
		ev |= EPOLLIN;
	if (c->out_off < c->out_len)
		ev |= EPOLLOUT;
	if (ev == c->events)
		return;
	/* No interest at all: out of epoll, which would otherwise still report
	 * EPOLLHUP of a peer that hung up, again and again. */
	op = !ev ? EPOLL_CTL_DEL : !c->events ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	e.events = ev;
	e.data.ptr = c;
	if (epoll_ctl(s->epoll_fd, op, c->fd, &e) == 0)
		c->events = ev;
}

static int conn_slot(const struct api_server *s, const struct api_conn *c)
{
	int i;

	for (i = 0; i < API_SLOTS; i++)
		if (s->conns[i] == c)
			return i;
	return -1;
}

/*
 * conn_close - close the socket. The struct lives on until conn_sweep(), before
 * the next epoll_wait: events of the current batch may still point to it,
 * and the VMM may still hold its request.
 */
void conn_close(struct api_server *s, struct api_conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
}

void conn_free(struct api_server *s, struct api_conn *c)
{
	int i = conn_slot(s, c);

	if (i >= 0)
		s->conns[i] = NULL;
	http_parser_free(&c->parser);
	free(c->out);
	free(c);
}

/* conn_sweep - free closed connections the VMM no longer needs. */
void conn_sweep(struct api_server *s)
{
	int i;

	for (i = 0; i < API_SLOTS; i++)
		if (s->conns[i] && s->conns[i]->fd < 0 && s->in_flight != s->conns[i])
			conn_free(s, s->conns[i]);
}

/* conn_queue - append @len bytes to the connection's output. */
int conn_queue(struct api_conn *c, const char *data, size_t len)
{
	size_t need;
	char *n;

	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		c->out_progress_ms = api_now_ms();
	}
	if (__builtin_add_overflow(c->out_len, len, &need))
		return -ENOMEM;
	n = realloc(c->out, need ? need : 1);
	if (!n)
		return -ENOMEM;
	memcpy(n + c->out_len, data, len);
	c->out = n;
	c->out_len = need;
	return 0;
}

/* conn_flush - write what the socket takes. Returns -1 if the connection
 * was closed. */
int conn_flush(struct api_server *s, struct api_conn *c)
{
	ssize_t n;

	while (c->fd >= 0 && c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_close(s, c);
			return -1;
		}
		c->out_off += (size_t)n;
		c->last_ms = c->out_progress_ms = api_now_ms();
	}
	if (c->out_off == c->out_len && c->close_after) {
		if (!c->draining) {
			conn_close(s, c);
			return -1;
		}
		/* Tell the client we are done, but keep reading what it still
		 * sends, so it does not fail on a write before reading us. */
		shutdown(c->fd, SHUT_WR);
	}
	conn_set_events(s, c);
	return 0;
}

/* conn_respond - queue a whole response with @body (may be NULL). */
void conn_respond(struct api_conn *c, int status, const char *body, bool keep_alive,
		  bool deprecated)
{
	char head[256];
	size_t blen = body ? strlen(body) : 0;
	int n = http_format_response(head, sizeof(head), status, blen, keep_alive, deprecated);

	if (n < 0 || conn_queue(c, head, (size_t)n) || (blen && conn_queue(c, body, blen)))
		c->close_after = true;
}

/* respond_error - an HTTP-level error, answered by the API thread itself. */
static void respond_error(struct api_conn *c, int status, const char *msg)
{
	json_t *o = json_pack("{s:s, s:s}", "error", msg, "fault_message", msg);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;

	conn_respond(c, status, body, false, false);
	free(body);
	json_decref(o);
	c->close_after = true;
}

/* conn_http_error - the parser gave up: answer, then drain and close. */
void conn_http_error(struct api_conn *c)
{
	respond_error(c, c->parser.err_status, c->parser.err_msg);
	c->draining = true;
	c->drain_until_ms = api_now_ms() + API_DRAIN_MS;
	c->in_len = c->in_off = 0;
}

void conn_note_partial(struct api_conn *c)
{
	const struct http_parser *p = &c->parser;
	bool partial = c->fd >= 0 && !c->busy && !c->draining && !c->close_after &&
		       (p->state == HS_BODY || (p->state == HS_HEAD && p->head_len));

	if (partial && !c->partial)
		c->partial_since_ms = api_now_ms();
	c->partial = partial;
}

int conn_live(const struct api_server *s)
{
	int i, n = 0;

	for (i = 0; i < API_SLOTS; i++)
		n += s->conns[i] && s->conns[i]->fd >= 0;
	return n;
}

/* evict_rank - which connection a new client displaces first (lowest
 * rank); -1: never (closed, just accepted, or with a whole request). */
static int evict_rank(const struct api_conn *c, uint64_t now)
{
	if (!c || c->fd < 0 || c->busy || now - c->born_ms < API_GRACE_MS)
		return -1;
	if (c->out_off < c->out_len)
		return 0; /* a writer whose peer does not read */
	if (c->partial || c->draining)
		return 1; /* mid-request, or after an HTTP error */
	if (c->parser.state == HS_DONE)
		return -1; /* a whole request waiting for its turn: it is served */
	return 2;	   /* idle */
}

/* conn_evict - make room for a new connection: close the lowest-ranked one,
 * least recently active first. Returns false if none may go. */
bool conn_evict(struct api_server *s)
{
	struct api_conn *best = NULL;
	uint64_t now = api_now_ms();
	int i, rank, best_rank = 0;

	for (i = 0; i < API_SLOTS; i++) {
		struct api_conn *c = s->conns[i];

		rank = evict_rank(c, now);
		if (rank < 0)
			continue;
		if (!best || rank < best_rank ||
		    (rank == best_rank && c->last_ms < best->last_ms)) {
			best = c;
			best_rank = rank;
		}
	}
	if (!best)
		return false;
	log_debug(s->log, "API: %d connections open, closing one (rank %d) for a new client",
		  API_MAX_CONNS, best_rank);
	conn_close(s, best);
	return true;
}

struct api_conn *conn_new(struct api_server *s, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct api_conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	/* Only the header fields: the buffers are filled as data arrives. */
	memset(c, 0, offsetof(struct api_conn, parser));
	c->fd = fd;
	c->events = EPOLLIN;
	c->last_ms = c->born_ms = api_now_ms();
	http_parser_init(&c->parser, s->max_payload);
	c->in_len = c->in_off = 0;
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->busy = c->keep_alive = c->peer_closed = c->close_after = c->draining = false;
	c->drain_until_ms = 0;
	c->out_progress_ms = c->last_ms;
	c->partial = false;
	c->partial_since_ms = 0;
	ev.data.ptr = c;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* expire_one - apply @c's deadlines at @now; the next one still ahead
 * lowers *@next. */
static void expire_one(struct api_server *s, struct api_conn *c, uint64_t now, uint64_t *next)
{
	uint64_t stall = __atomic_load_n(&s->stall_ms, __ATOMIC_RELAXED);
	uint64_t request = __atomic_load_n(&s->request_ms, __ATOMIC_RELAXED);
	uint64_t due;

	if (c->draining) {
		if (c->drain_until_ms <= now) {
			conn_close(s, c);
			return;
		}
		*next = c->drain_until_ms < *next ? c->drain_until_ms : *next;
	}
	if (c->out_off < c->out_len) {
		due = c->out_progress_ms + stall;
		if (due <= now) {
			log_debug(s->log, "API: closing a connection whose peer reads nothing");
			conn_close(s, c);
			return;
		}
		*next = due < *next ? due : *next;
	}
	if (c->partial) {
		due = c->partial_since_ms + request;
		if (due <= now) {
			c->partial = false;
			c->in_len = c->in_off = 0;
			respond_error(c, 408, "The request was not received in time.");
			conn_flush(s, c);
			return;
		}
		*next = due < *next ? due : *next;
	}
}

/* conn_expire - apply every connection's deadlines; returns the epoll
 * timeout until the next one (-1: none). */
int conn_expire(struct api_server *s)
{
	uint64_t now = api_now_ms(), next = UINT64_MAX;
	int i;

	for (i = 0; i < API_SLOTS; i++) {
		struct api_conn *c = s->conns[i];

		if (c && c->fd >= 0)
			expire_one(s, c, now, &next);
		/* A held client waits for the first grace to end. */
		if (s->held_fd >= 0 && c && c->fd >= 0 && c->born_ms + API_GRACE_MS > now &&
		    c->born_ms + API_GRACE_MS < next)
			next = c->born_ms + API_GRACE_MS;
	}
	if (next == UINT64_MAX)
		return -1;
	return next - now > INT32_MAX ? INT32_MAX : (int)(next - now);
}

bool conn_output_pending(const struct api_server *s)
{
	int i;

	for (i = 0; i < API_SLOTS; i++)
		if (s->conns[i] && s->conns[i]->fd >= 0 &&
		    s->conns[i]->out_off < s->conns[i]->out_len)
			return true;
	return false;
}
