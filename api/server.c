/*
 * server.c - see server.h.
 *
 * Connection life: accept -> read into conn->in -> parse (http.c) -> route
 * (router.c) -> one-slot queue -> VMM -> reply -> conn->out -> write. A
 * connection whose complete request cannot be queued yet (another one is in
 * flight) keeps it in its parser and is served in round-robin order when
 * the slot frees up. Input is read only while there is room in the buffer
 * and output is flushed as the socket takes it; neither ever blocks.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "server.h"
#include "syscall_filter.h"
#include "test_hook.h"

#define CONTINUE_100 "HTTP/1.1 100 Continue\r\n\r\n"

/* epoll data for the server's own fds; connections use their struct. */
enum { TAG_LISTEN = 1, TAG_STOP, TAG_REPLY };

/* --- the listening socket ------------------------------------------------------ */

static int bind_listen(int fd, const struct sockaddr_un *sa)
{
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	/* The backlog holds clients that connect while the thread starts. */
	return listen(fd, 64) < 0 ? -errno : 0;
}

/* remove_stale - 0 if @path is a socket file nobody listens on (and was
 * removed), -EADDRINUSE if a server answers or it is not a socket. */
static int remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, ret;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	ret = connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? -EADDRINUSE : -errno;
	close(probe);
	if (ret != -ECONNREFUSED)
		return ret == -ENOENT ? 0 : -EADDRINUSE;
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

int api_listen(const char *path, struct errbuf *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, ret, tries;

	if (!*path || strlen(path) >= sizeof(sa.sun_path))
		return errf(e, -ENAMETOOLONG, "API socket path \"%s\" must be 1 to %zu bytes long",
			    path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errf(e, -errno, "API socket: %s", strerror(errno));
	/* Two tries: another ember may replace the same stale file meanwhile. */
	for (tries = 0; tries < 2; tries++) {
		ret = bind_listen(fd, &sa);
		if (ret != -EADDRINUSE)
			break;
		ret = remove_stale(&sa);
		if (ret)
			break;
		ret = -EADDRINUSE;
	}
	if (!ret)
		return fd;
	close(fd);
	if (ret == -EADDRINUSE || ret == -EEXIST)
		return errf(e, -EADDRINUSE,
			    "Failed to open the API socket at: %s. Check that it is not already "
			    "used%s.",
			    path, ret == -EEXIST ? " (the path exists and is not a socket)" : "");
	return errf(e, ret, "Failed to open the API socket at: %s: %s.", path, strerror(-ret));
}

/* submit - hand @c's routed request to the VMM (the slot is free). */
static void submit(struct api_server *s, struct api_conn *c, struct api_request *req)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	s->req = *req;
	s->req_pending = true;
	s->reply_ready = false;
	pthread_mutex_unlock(&s->lock);
	s->in_flight = c;
	c->busy = true;
	c->keep_alive = c->parser.req.keep_alive;
	if (write(s->req_efd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one request in flight. */
	}
}

/* dispatch - the parser holds a whole request: route it; answer router
 * errors at once, queue the rest for the VMM if the slot is free. Returns
 * false if the request has to wait for the slot. */
static bool dispatch(struct api_server *s, struct api_conn *c)
{
	const struct http_request *hr = &c->parser.req;
	struct api_request req;
	struct api_reply r = {0};
	struct errbuf e = {""};

	if (s->in_flight || s->stopping)
		return false;
	test_hook_forbidden(SC_API, -1);
	if (api_route(hr->method, hr->path, hr->body, hr->body_len, &req, &e)) {
		controller_reply_fault(&r, e.msg);
		conn_respond(c, 400, r.body, hr->keep_alive, false);
		controller_reply_free(&r);
		if (!hr->keep_alive)
			c->close_after = true;
		http_parser_reset(&c->parser);
		return true;
	}
	submit(s, c, &req);
	return true;
}

/* conn_process - parse and dispatch what the connection has buffered. */
static void conn_process(struct api_server *s, struct api_conn *c)
{
	enum http_result r;
	size_t used;

	while (c->fd >= 0 && !c->busy && !c->close_after &&
	       c->out_len - c->out_off < API_OUT_HIGH) {
		r = http_parse(&c->parser, c->in + c->in_off, c->in_len - c->in_off, &used);
		c->in_off += used;
		if (r == HTTP_CONTINUE) {
			conn_queue(c, CONTINUE_100, sizeof(CONTINUE_100) - 1);
			continue;
		}
		if (r == HTTP_ERROR) {
			conn_http_error(c);
			break;
		}
		if (r == HTTP_NEED_MORE) {
			/* Keep the unparsed tail at the start of the buffer. */
			memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
			c->in_len -= c->in_off;
			c->in_off = 0;
			if (c->peer_closed && !c->busy)
				c->close_after = true;
			break;
		}
		if (!dispatch(s, c))
			break;
	}
	conn_note_partial(c);
	conn_flush(s, c);
}

static void conn_read(struct api_server *s, struct api_conn *c)
{
	char drop[4096];
	ssize_t n;

	if (c->draining) {
		n = recv(c->fd, drop, sizeof(drop), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(s, c);
		return;
	}
	if (c->in_len == sizeof(c->in))
		return;
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(s, c);
		return;
	}
	c->last_ms = api_now_ms();
	if (n == 0)
		c->peer_closed = true;
	c->in_len += (size_t)n;
	conn_process(s, c);
}

/* place - give @fd a slot; false (nothing done) if there is no room now. */
static bool place(struct api_server *s, int fd)
{
	int slot;

	for (slot = 0; slot < API_SLOTS && s->conns[slot]; slot++)
		;
	if (slot == API_SLOTS)
		return false; /* closed ones are swept before the next round */
	if (conn_live(s) >= API_MAX_CONNS && !conn_evict(s))
		return false;
	s->conns[slot] = conn_new(s, fd);
	if (!s->conns[slot])
		close(fd);
	else /* A client that sent its request with the connect is served. */
		conn_read(s, s->conns[slot]);
	return true;
}

/* listen_interest - accept (EPOLLIN) or pause while a client is held. */
static void listen_interest(struct api_server *s, bool on)
{
	struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = (void *)TAG_LISTEN};

	epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, s->listen_fd, &ev);
}

/* place_held - once there is room for the held client, accept again. */
static void place_held(struct api_server *s)
{
	if (s->held_fd < 0 || !place(s, s->held_fd))
		return;
	s->held_fd = -1;
	listen_interest(s, true);
}

static void accept_all(struct api_server *s)
{
	int fd, n;

	for (n = 0; n < API_MAX_CONNS && s->held_fd < 0; n++) {
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (!place(s, fd)) {
			/* No room: hold this one, leave the rest in the backlog. */
			s->held_fd = fd;
			listen_interest(s, false);
		}
	}
}

/* serve_waiting - the slot is free: serve connections holding requests. */
static void serve_waiting(struct api_server *s)
{
	unsigned int i, k;

	for (k = 0; k < API_SLOTS && !s->in_flight; k++) {
		i = (s->next_conn + k) % API_SLOTS;
		if (s->conns[i] && s->conns[i]->fd >= 0)
			conn_process(s, s->conns[i]);
		if (s->in_flight)
			s->next_conn = (i + 1) % API_SLOTS;
	}
}

/* on_reply - the VMM answered the request in flight. */
static void on_reply(struct api_server *s)
{
	struct api_conn *c = s->in_flight;
	struct api_reply r;
	uint64_t n;

	if (read(s->reply_efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&s->lock);
	if (!s->reply_ready || !c) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	r = s->reply;
	s->reply_ready = false;
	memset(&s->reply, 0, sizeof(s->reply));
	pthread_mutex_unlock(&s->lock);
	api_request_free(&s->req);
	s->in_flight = NULL;
	c->busy = false;
	if (c->fd >= 0) {
		conn_respond(c, r.status, r.body, c->keep_alive, r.deprecated);
		if (!c->keep_alive)
			c->close_after = true;
		http_parser_reset(&c->parser);
		/* Its next pipelined request waits for its turn below: round
		 * robin, one request per connection. */
		conn_flush(s, c);
	} /* else the client left meanwhile: sweep() frees it */
	controller_reply_free(&r);
	serve_waiting(s);
}

/* on_vmm_request - event-loop side: apply the queued request. */
static void on_vmm_request(void *ctx, uint32_t events)
{
	struct api_server *s = ctx;
	struct api_reply r;
	uint64_t n, one = 1;

	if (read(s->req_efd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&s->lock);
	if (!s->req_pending) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->req_pending = false;
	pthread_mutex_unlock(&s->lock);
	test_hook_forbidden(SC_VMM, s->vm->kvm.vm_fd);
	/* The API thread does not touch s->req until reply_ready is set. */
	controller_handle(s->ctl, &s->req, &r);
	pthread_mutex_lock(&s->lock);
	s->reply = r;
	s->reply_ready = true;
	pthread_mutex_unlock(&s->lock);
	if (write(s->reply_efd, &one, sizeof(one)) < 0) {
		/* Cannot overflow: one reply at a time. */
	}
}

/* --- the thread ----------------------------------------------------------------- */

static void conn_event(struct api_server *s, struct api_conn *c, uint32_t events)
{
	if (c->fd < 0)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(s, c);
	if (c->fd >= 0 && (events & EPOLLOUT))
		conn_flush(s, c);
}

static void handle_event(struct api_server *s, const struct epoll_event *ev)
{
	switch ((uintptr_t)ev->data.ptr) {
	case TAG_LISTEN:
		accept_all(s);
		break;
	case TAG_STOP:
		s->stopping = true;
		break;
	case TAG_REPLY:
		on_reply(s);
		break;
	default:
		conn_event(s, ev->data.ptr, ev->events);
	}
}

/* finish - the VMM is gone: deliver a reply it left, give the last
 * responses a short time to go out, close everything. */
static void finish(struct api_server *s)
{
	uint64_t deadline = api_now_ms() + API_STOP_FLUSH_MS;
	struct epoll_event ev[16];
	int i, n;

	on_reply(s);
	while (conn_output_pending(s) && api_now_ms() < deadline) {
		n = epoll_wait(s->epoll_fd, ev, 16, 50);
		for (i = 0; i < n; i++)
			if ((uintptr_t)ev[i].data.ptr > TAG_REPLY && (ev[i].events & EPOLLOUT))
				conn_flush(s, ev[i].data.ptr);
	}
	for (i = 0; i < API_SLOTS; i++)
		if (s->conns[i])
			conn_close(s, s->conns[i]);
	if (s->held_fd >= 0)
		close(s->held_fd);
	s->held_fd = -1;
}

static void *api_thread(void *arg)
{
	struct api_server *s = arg;
	const struct sc_prog *filter = &s->vm->seccomp[SC_API];
	struct epoll_event ev[16];
	int i, n, ret = 0;

	/* Named by itself: naming another thread goes through /proc, which a
	 * jail does not have. */
	prctl(PR_SET_NAME, "fc_api", 0, 0, 0);
	if (filter->insns)
		ret = sc_install(filter);
	pthread_mutex_lock(&s->lock);
	s->thread_ready = true;
	s->thread_err = ret;
	pthread_cond_broadcast(&s->ready_cond);
	pthread_mutex_unlock(&s->lock);
	if (ret)
		return NULL;
	while (!s->stopping) {
		conn_sweep(s);
		place_held(s);
		n = epoll_wait(s->epoll_fd, ev, 16, conn_expire(s));
		for (i = 0; i < n; i++)
			handle_event(s, &ev[i]);
	}
	finish(s);
	return NULL;
}

static int watch(struct api_server *s, int fd, uintptr_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = (void *)tag};

	return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* start_thread - with every signal blocked but SIGSYS: signals are the main
 * thread's, and a blocked SIGSYS would kill without the seccomp log line. */
static int start_thread(struct api_server *s)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int ret;

	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, API_STACK_SIZE);
	ret = pthread_create(&s->thread, &attr, api_thread, s);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	s->thread_started = true;
	/* Confined before anything else happens: with --config-file the guest
	 * boots right after this returns. */
	pthread_mutex_lock(&s->lock);
	while (!s->thread_ready)
		pthread_cond_wait(&s->ready_cond, &s->lock);
	ret = s->thread_err;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int api_server_start(struct api_server *s, int listen_fd, const char *path, struct vm *vm,
		     struct controller *ctl, uint64_t max_payload, struct errbuf *e)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->inited = true;
	s->vm = vm;
	s->ctl = ctl;
	s->log = &vm->log;
	s->max_payload = max_payload;
	s->stall_ms = API_STALL_MS;
	s->request_ms = API_REQUEST_MS;
	s->listen_fd = listen_fd;
	s->held_fd = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->ready_cond, NULL);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	s->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->req_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->reply_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->epoll_fd < 0 || s->stop_efd < 0 || s->req_efd < 0 || s->reply_efd < 0) {
		ret = errf(e, -errno, "API server: %s", strerror(errno));
		goto err;
	}
	ret = watch(s, listen_fd, TAG_LISTEN);
	if (!ret)
		ret = watch(s, s->stop_efd, TAG_STOP);
	if (!ret)
		ret = watch(s, s->reply_efd, TAG_REPLY);
	if (ret) {
		errf(e, ret, "API server: epoll: %s", strerror(-ret));
		goto err;
	}
	s->loop_handler = (struct loop_handler){.fn = on_vmm_request, .ctx = s};
	ret = loop_add(&vm->loop, s->req_efd, EPOLLIN, &s->loop_handler);
	if (ret) {
		errf(e, ret, "API server: event loop: %s", strerror(-ret));
		goto err;
	}
	ret = start_thread(s);
	if (ret) {
		loop_del(&vm->loop, s->req_efd);
		errf(e, ret, "API server: starting its thread and seccomp filter: %s",
		     strerror(-ret));
		goto err;
	}
	return 0;
err:
	api_server_stop(s);
	return ret;
}

void api_server_set_timeouts(struct api_server *s, unsigned int stall_ms, unsigned int request_ms)
{
	__atomic_store_n(&s->stall_ms, stall_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&s->request_ms, request_ms, __ATOMIC_RELAXED);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void api_server_stop(struct api_server *s)
{
	uint64_t one = 1;
	struct stat st;
	int i;

	if (!s->inited)
		return;
	if (s->thread_started) {
		if (write(s->stop_efd, &one, sizeof(one)) < 0) {
			/* A non-zero counter wakes the thread all the same. */
		}
		pthread_join(s->thread, NULL);
		s->thread_started = false;
		loop_del(&s->vm->loop, s->req_efd);
	}
	for (i = 0; i < API_SLOTS; i++)
		if (s->conns[i]) {
			conn_close(s, s->conns[i]);
			conn_free(s, s->conns[i]);
		}
	s->in_flight = NULL;
	api_request_free(&s->req);
	controller_reply_free(&s->reply);
	close_fd(&s->epoll_fd);
	close_fd(&s->stop_efd);
	close_fd(&s->req_efd);
	close_fd(&s->reply_efd);
	/* A filtered event loop may not remove files (seccomp cannot tell a
	 * socket path from any other): the socket stays, stale, and the next
	 * ember on this path replaces it (api_listen). */
	if (s->listen_fd >= 0 && s->path[0] && !s->vm->loop_filtered && lstat(s->path, &st) == 0 &&
	    S_ISSOCK(st.st_mode))
		unlink(s->path);
	close_fd(&s->listen_fd);
	pthread_cond_destroy(&s->ready_cond);
	pthread_mutex_destroy(&s->lock);
	s->inited = false;
}
