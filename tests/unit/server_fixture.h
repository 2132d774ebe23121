/*
 * server_fixture.h - the API server on a real Unix socket for unit tests
 * (test_server.c, test_server_abuse.c): the API thread, the one-slot queue
 * to an event loop run on a thread of the test, the controller behind it
 * (no KVM: only pre-boot requests and GETs), and a minimal HTTP client.
 * Writing fixture->block_efd makes the event loop sleep block_ms, standing
 * in for a slow VMM.
 */
#ifndef EMBER_SERVER_FIXTURE_H
#define EMBER_SERVER_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "controller.h"
#include "server.h"
#include "vm.h"

#define TIMEOUT_MS 5000

struct fixture {
	char dir[64];
	char sock[100];
	struct vm *vm;
	struct controller ctl;
	struct api_server api;
	pthread_t loop;
	int loop_status;
	/* Writing block_efd makes the event loop sleep block_ms (a slow VMM). */
	int block_efd;
	unsigned int block_ms;
	struct loop_handler blocker;
	volatile int blocked; /* 1 while the loop sleeps */
};

struct client {
	int fd;
	char buf[1 << 17];
	size_t len;
};

struct response {
	int status;
	char head[1024];
	char body[8192];
	size_t body_len;
};

static inline void *loop_thread(void *arg)
{
	struct fixture *f = arg;

	f->loop_status = vm_loop(f->vm);
	return NULL;
}

static inline void block_loop(void *ctx, uint32_t events)
{
	struct fixture *f = ctx;
	uint64_t n;

	if (read(f->block_efd, &n, sizeof(n)) < 0)
		return;
	__atomic_store_n(&f->blocked, 1, __ATOMIC_SEQ_CST);
	usleep(f->block_ms * 1000);
	__atomic_store_n(&f->blocked, 0, __ATOMIC_SEQ_CST);
}

static inline void start_server(struct fixture *f, uint64_t max_payload)
{
	struct errbuf e = {""};
	int fd;

	f->vm = malloc(sizeof(*f->vm));
	assert_non_null(f->vm);
	vm_init(f->vm, NULL);
	f->vm->log.level = LOG_OFF;
	assert_int_equal(vm_loop_setup(f->vm), 0);
	controller_init(&f->ctl, f->vm);
	f->block_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(f->block_efd >= 0);
	f->blocker = (struct loop_handler){.fn = block_loop, .ctx = f};
	assert_int_equal(loop_add(&f->vm->loop, f->block_efd, EPOLLIN, &f->blocker), 0);
	fd = api_listen(f->sock, &e);
	if (fd < 0)
		fail_msg("api_listen: %s", e.msg);
	if (api_server_start(&f->api, fd, f->sock, f->vm, &f->ctl, max_payload, &e))
		fail_msg("api_server_start: %s", e.msg);
	assert_int_equal(pthread_create(&f->loop, NULL, loop_thread, f), 0);
}

static inline void stop_server(struct fixture *f)
{
	vm_request_exit(f->vm, 0);
	pthread_join(f->loop, NULL);
	api_server_stop(&f->api);
	controller_shutdown(&f->ctl);
	vm_destroy(f->vm);
	free(f->vm);
	f->vm = NULL;
	close(f->block_efd);
}

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ember-test-server.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/api.sock", f->dir);
	start_server(f, CLI_DEFAULT_MAX_PAYLOAD);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->vm)
		stop_server(f);
	unlink(f->sock);
	rmdir(f->dir);
	free(f);
	return 0;
}

static inline struct client *cl_open(const struct fixture *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct client *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return c;
}

static inline void cl_close(struct client *c)
{
	close(c->fd);
	free(c);
}

static inline void cl_send(struct client *c, const char *s, size_t n)
{
	ssize_t w;

	while (n) {
		w = send(c->fd, s, n, MSG_NOSIGNAL);
		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

#define SEND(c, lit) cl_send(c, lit, strlen(lit))

/* cl_fill - read more into the buffer; returns bytes read (0: EOF). */
static inline ssize_t cl_fill(struct client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, TIMEOUT_MS) != 1)
		fail_msg("no data from the server within %d ms", TIMEOUT_MS);
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n < 0 && errno == ECONNRESET)
		return 0;
	assert_true(n >= 0);
	c->len += (size_t)n;
	return n;
}

/* cl_response - the next response (100 Continue is skipped). */
static inline void cl_response(struct client *c, struct response *r)
{
	char *end, *cl;
	size_t head, blen;

	for (;;) {
		while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4)))
			if (!cl_fill(c))
				fail_msg("EOF before a whole response head");
		head = (size_t)(end - c->buf) + 4;
		assert_true(head < sizeof(r->head));
		memcpy(r->head, c->buf, head);
		r->head[head] = '\0';
		assert_int_equal(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
		if (r->status != 100)
			break;
		memmove(c->buf, c->buf + head, c->len - head);
		c->len -= head;
	}
	cl = strcasestr(r->head, "\r\nContent-Length: ");
	blen = cl ? strtoul(cl + 18, NULL, 10) : 0;
	assert_true(blen < sizeof(r->body));
	while (c->len < head + blen)
		if (!cl_fill(c))
			fail_msg("EOF inside a response body");
	memcpy(r->body, c->buf + head, blen);
	r->body[blen] = '\0';
	r->body_len = blen;
	memmove(c->buf, c->buf + head + blen, c->len - head - blen);
	c->len -= head + blen;
}

static inline void cl_expect_eof(struct client *c)
{
	assert_int_equal(c->len, 0);
	assert_int_equal(cl_fill(c), 0);
}

static inline void request(struct client *c, const char *method, const char *path, const char *body,
			   struct response *r)
{
	char head[512];

	snprintf(head, sizeof(head),
		 "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %zu\r\n\r\n", method, path,
		 body ? strlen(body) : 0);
	SEND(c, head);
	if (body)
		SEND(c, body);
	cl_response(c, r);
}

#endif
