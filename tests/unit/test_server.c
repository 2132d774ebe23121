/*
 * Unit tests for the API server over a real Unix socket: the API thread,
 * the one-slot queue to an event loop (run on a thread of the test), and
 * the controller behind it (no KVM: only pre-boot requests and GETs).
 */
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

static void *loop_thread(void *arg)
{
	struct fixture *f = arg;

	f->loop_status = vm_loop(f->vm);
	return NULL;
}

static void block_loop(struct vm *vm, void *ctx, uint32_t events)
{
	struct fixture *f = ctx;
	uint64_t n;

	if (read(f->block_efd, &n, sizeof(n)) < 0)
		return;
	__atomic_store_n(&f->blocked, 1, __ATOMIC_SEQ_CST);
	usleep(f->block_ms * 1000);
	__atomic_store_n(&f->blocked, 0, __ATOMIC_SEQ_CST);
}

static void start_server(struct fixture *f, uint64_t max_payload)
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
	assert_int_equal(vm_loop_add(f->vm, f->block_efd, EPOLLIN, &f->blocker), 0);
	fd = api_listen(f->sock, &e);
	if (fd < 0)
		fail_msg("api_listen: %s", e.msg);
	if (api_server_start(&f->api, fd, f->sock, f->vm, &f->ctl, max_payload, &e))
		fail_msg("api_server_start: %s", e.msg);
	assert_int_equal(pthread_create(&f->loop, NULL, loop_thread, f), 0);
}

static void stop_server(struct fixture *f)
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

static int setup(void **state)
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

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->vm)
		stop_server(f);
	unlink(f->sock);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct client *cl_open(const struct fixture *f)
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

static void cl_close(struct client *c)
{
	close(c->fd);
	free(c);
}

static void cl_send(struct client *c, const char *s, size_t n)
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
static ssize_t cl_fill(struct client *c)
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
static void cl_response(struct client *c, struct response *r)
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

static void cl_expect_eof(struct client *c)
{
	assert_int_equal(c->len, 0);
	assert_int_equal(cl_fill(c), 0);
}

static void request(struct client *c, const char *method, const char *path, const char *body,
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

static void get_info(void **state)
{
	struct fixture *f = *state;
	struct client *c = cl_open(f);
	struct response r;

	SEND(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
	cl_response(c, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.head, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(r.head, "Connection: keep-alive\r\n"));
	assert_string_equal(r.body, "{\"id\":\"anonymous-instance\",\"state\":\"Not started\","
				    "\"vmm_version\":\"0.1.0\",\"app_name\":\"ember\"}");
	/* Same connection again: keep-alive. */
	request(c, "GET", "/version", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"firecracker_version\":\"0.1.0\"}");
	cl_close(c);
}

static void pipelined(void **state)
{
	struct fixture *f = *state;
	struct client *c = cl_open(f);
	struct response r;

	SEND(c, "PUT /machine-config HTTP/1.1\r\nContent-Length: 37\r\n\r\n"
		"{\"vcpu_count\": 2, \"mem_size_mib\": 64}"
		"GET /machine-config HTTP/1.1\r\n\r\n"
		"PATCH /machine-config HTTP/1.1\r\nContent-Length: 20\r\n\r\n{\"mem_size_mib\": 96}"
		"GET /machine-config HTTP/1.1\r\nConnection: close\r\n\r\n");
	cl_response(c, &r);
	assert_int_equal(r.status, 204);
	assert_null(strstr(r.head, "Content-Length"));
	cl_response(c, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"vcpu_count\":2,\"mem_size_mib\":64,"));
	cl_response(c, &r);
	assert_int_equal(r.status, 204);
	cl_response(c, &r);
	assert_non_null(strstr(r.head, "Connection: close\r\n"));
	assert_non_null(strstr(r.body, "\"mem_size_mib\":96"));
	cl_expect_eof(c);
	cl_close(c);
}

/* A client sending one byte at a time, and a silent one, do not hold up
 * another client. */
static void slow_and_silent_clients(void **state)
{
	struct fixture *f = *state;
	struct client *slow = cl_open(f), *silent = cl_open(f), *fast;
	const char *req = "GET /version HTTP/1.1\r\n\r\n";
	struct response r;
	size_t i;

	for (i = 0; i < 10; i++)
		cl_send(slow, req + i, 1);
	fast = cl_open(f);
	request(fast, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	for (; req[i]; i++) {
		cl_send(slow, req + i, 1);
		usleep(1000);
	}
	cl_response(slow, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"firecracker_version\":\"0.1.0\"}");
	request(fast, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(fast);
	cl_close(silent);
	cl_close(slow);
}

static void faults_keep_connection(void **state)
{
	struct fixture *f = *state;
	struct client *c = cl_open(f);
	struct response r;

	request(c, "PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 128}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "{\"fault_message\":\"" API_DESERIALIZE_PREFIX
				    "machine-config: field \\\"vcpu_count\\\" must be an integer "
				    "between 1 and 32, got 0.\"}");
	request(c, "PATCH", "/logger", "{}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "{\"fault_message\":\"Invalid request method and/or path: "
				    "PATCH /logger.\"}");
	request(c, "GET", "/", "{}", &r);
	assert_string_equal(r.body, "{\"fault_message\":\"GET request cannot have a body.\"}");
	request(c, "PUT", "/actions", NULL, &r);
	assert_string_equal(r.body, "{\"fault_message\":\"Empty PUT request.\"}");
	request(c, "PATCH", "/vm", "{\"state\": \"Paused\"}", &r);
	assert_string_equal(r.body, "{\"fault_message\":\"The requested operation is not "
				    "supported before starting the microVM.\"}");
	request(c, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}", &r);
	assert_string_equal(r.body, "{\"fault_message\":\"Cannot start microvm without kernel "
				    "configuration.\"}");
	request(c, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(c);
}

static void oversized_body(void **state)
{
	struct fixture *f = *state;
	struct client *c = cl_open(f), *d;
	struct response r;
	char *big = malloc(1 << 20);

	assert_non_null(big);
	memset(big, 'a', 1 << 20);
	SEND(c, "PUT /boot-source HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n");
	/* The answer comes before the body is sent, then the server drops
	 * what follows and closes. */
	cl_response(c, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.head, "Connection: close\r\n"));
	assert_string_equal(r.body,
			    "{\"error\":\"Request payload with size 1048576 is larger "
			    "than the limit of 51200 allowed by server.\",\"fault_message\":"
			    "\"Request payload with size 1048576 is larger than the limit "
			    "of 51200 allowed by server.\"}");
	cl_send(c, big, 1 << 20);
	cl_expect_eof(c);
	cl_close(c);
	free(big);
	d = cl_open(f);
	request(d, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(d);
}

static void http_errors(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
	    {"PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
	    {"GET / HTTP/2.0\r\n\r\n", 505},
	    {"PUT /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400},
	    {"GET /\x01 HTTP/1.1\r\n\r\n", 400},
	    {"\x16\x03\x01\x02\x01\x01\x01\x01\xfc\x03\x03 tls hello\r\n\r\n", 400},
	};
	struct fixture *f = *state;
	struct response r;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client *c = cl_open(f);

		SEND(c, cases[i].req);
		cl_response(c, &r);
		assert_int_equal(r.status, cases[i].status);
		assert_non_null(strstr(r.body, "\"fault_message\":"));
		cl_expect_eof(c);
		cl_close(c);
	}
	{
		struct client *c = cl_open(f);
		char *head = malloc(HTTP_MAX_HEAD + 100);

		assert_non_null(head);
		memcpy(head, "GET / HTTP/1.1\r\nX: ", 19);
		memset(head + 19, 'x', HTTP_MAX_HEAD + 80);
		cl_send(c, head, HTTP_MAX_HEAD + 99);
		cl_response(c, &r);
		assert_int_equal(r.status, 431);
		cl_close(c);
		free(head);
	}
}

static void expect_100(void **state)
{
	struct fixture *f = *state;
	struct client *c = cl_open(f);
	struct response r;
	char buf[64];

	SEND(c,
	     "PUT /machine-config HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 37\r\n\r\n");
	/* The interim response arrives before the body is sent. */
	while (c->len < 25)
		assert_true(cl_fill(c) > 0);
	memcpy(buf, c->buf, 25);
	buf[25] = '\0';
	assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	SEND(c, "{\"vcpu_count\": 4, \"mem_size_mib\": 64}");
	cl_response(c, &r);
	assert_int_equal(r.status, 204);
	cl_close(c);
}

/* More clients than API_MAX_CONNS: idle ones make room; everyone who sends
 * a request is served. */
static void connection_limit(void **state)
{
	struct fixture *f = *state;
	struct client *c[API_MAX_CONNS + 4];
	struct response r;
	unsigned int i;

	for (i = 0; i < API_MAX_CONNS + 4; i++)
		c[i] = cl_open(f);
	request(c[API_MAX_CONNS + 3], "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	/* The oldest idle connections were closed for the newer ones. */
	cl_expect_eof(c[0]);
	for (i = 0; i < API_MAX_CONNS + 4; i++)
		cl_close(c[i]);
	c[0] = cl_open(f);
	request(c[0], "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(c[0]);
}

/* A client that leaves with a request half sent, or before reading its
 * response, does not disturb the server. */
static void clients_leaving(void **state)
{
	struct fixture *f = *state;
	struct client *c;
	struct response r;
	int i;

	for (i = 0; i < 20; i++) {
		c = cl_open(f);
		if (i % 2)
			SEND(c, "PUT /machine-config HTTP/1.1\r\nContent-Length: 40\r\n\r\n{\"vc");
		else
			SEND(c, "GET /vm/config HTTP/1.1\r\n\r\nGET /vm/config HTTP/1.1\r\n\r\n");
		cl_close(c);
	}
	c = cl_open(f);
	request(c, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(c);
}

/* Many clients interleaving writes: each one's requests apply in its order. */
static void interleaved_clients(void **state)
{
	struct fixture *f = *state;
	struct client *a = cl_open(f), *b = cl_open(f);
	struct response r;
	int i;

	for (i = 0; i < 50; i++) {
		request(a, "PATCH", "/machine-config", "{\"vcpu_count\": 2}", &r);
		assert_int_equal(r.status, 204);
		request(b, "PATCH", "/machine-config", "{\"vcpu_count\": 4}", &r);
		assert_int_equal(r.status, 204);
		request(a, "GET", "/machine-config", NULL, &r);
		assert_non_null(strstr(r.body, "\"vcpu_count\":4,"));
	}
	cl_close(a);
	cl_close(b);
}

static void deep_json(void **state)
{
	struct fixture *f = *state;
	struct client *c;
	struct response r;
	size_t n = 100000, k;
	char head[128], *body;

	stop_server(f);
	start_server(f, 4 * n);
	body = malloc(2 * n);
	assert_non_null(body);
	for (k = 0; k < n; k++) {
		body[k] = '[';
		body[n + k] = ']';
	}
	c = cl_open(f);
	snprintf(head, sizeof(head), "PUT /vm HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", 2 * n);
	SEND(c, head);
	cl_send(c, body, 2 * n);
	cl_response(c, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "invalid JSON"));
	request(c, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(c);
	free(body);
}

static void listen_rules(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char path[160], longp[200];
	int fd;

	/* A live server at the path. */
	assert_int_equal(api_listen(f->sock, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "Check that it is not already used."));
	/* A stale socket file is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	fd = api_listen(path, &e);
	assert_true(fd >= 0);
	close(fd); /* leaves the file behind, with nobody listening */
	fd = api_listen(path, &e);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	/* Not a socket: left alone. */
	snprintf(path, sizeof(path), "%s/file", f->dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(api_listen(path, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "not a socket"));
	unlink(path);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(api_listen(longp, &e), -ENAMETOOLONG);
	assert_int_equal(api_listen("", &e), -ENAMETOOLONG);
	snprintf(path, sizeof(path), "%s/no/such/dir/s", f->dir);
	assert_int_equal(api_listen(path, &e), -ENOENT);
}

/* Stopping removes the socket file; a server that never started is safe. */
static void stop_cleans_up(void **state)
{
	struct fixture *f = *state;
	struct api_server never;
	struct stat st;

	assert_int_equal(stat(f->sock, &st), 0);
	stop_server(f);
	assert_int_equal(stat(f->sock, &st), -1);
	memset(&never, 0, sizeof(never));
	api_server_stop(&never);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The API thread's CPU time so far, in milliseconds. */
static uint64_t api_cpu_ms(struct fixture *f)
{
	struct timespec ts;
	clockid_t cid;

	assert_int_equal(pthread_getcpuclockid(f->api.thread, &cid), 0);
	assert_int_equal(clock_gettime(cid, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* pipeline_unread - send GETs until the socket takes no more for 200 ms;
 * never read a response. */
static void pipeline_unread(struct client *c)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	char burst[64 * (sizeof(req) - 1)];
	struct pollfd p = {.fd = c->fd, .events = POLLOUT};
	size_t i;

	for (i = 0; i < 64; i++)
		memcpy(burst + i * (sizeof(req) - 1), req, sizeof(req) - 1);
	while (poll(&p, 1, 200) == 1)
		if (send(c->fd, burst, sizeof(burst), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN)
			break;
}

/* drain_to_eof - read and drop until the server closes; false if it has not
 * within @ms. */
static bool drain_to_eof(struct client *c, unsigned int ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	uint64_t end = now_ms() + ms;
	char buf[65536];
	ssize_t n;

	while (now_ms() < end) {
		if (poll(&p, 1, (int)(end - now_ms())) != 1)
			continue;
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

/* Sixteen clients pipeline requests and never read: their output queues
 * stay full. A new client still gets its answer at once (a stalled writer
 * is evicted for it), and the stalled ones are closed once their output has
 * made no progress for the stall timeout. */
static void never_readers(void **state)
{
	struct fixture *f = *state;
	struct client *bad[API_MAX_CONNS], *good;
	struct response r;
	uint64_t t0;
	unsigned int i;

	api_server_set_timeouts(&f->api, 1500, 10000);
	for (i = 0; i < API_MAX_CONNS; i++) {
		bad[i] = cl_open(f);
		pipeline_unread(bad[i]);
	}
	for (i = 0; i < 3; i++) {
		t0 = now_ms();
		good = cl_open(f);
		request(good, "GET", "/", NULL, &r);
		assert_int_equal(r.status, 200);
		assert_true(now_ms() - t0 < 1000);
		cl_close(good);
	}
	/* Evicted, or closed once their output made no progress for 1.5 s:
	 * every one of them ends while it does not read. */
	usleep(2500 * 1000);
	for (i = 0; i < API_MAX_CONNS; i++) {
		assert_true(drain_to_eof(bad[i], 2000));
		cl_close(bad[i]);
	}
	good = cl_open(f);
	request(good, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(good);
}

/* A client that sends a byte now and then is answered 408 and closed when
 * its request is not whole within the request timeout; an idle
 * keep-alive connection is left alone. */
static void slow_loris(void **state)
{
	static const char req[] =
	    "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: aaaaaaaaaaaaaa\r\n\r\n";
	struct fixture *f = *state;
	struct client *slow = cl_open(f), *idle = cl_open(f);
	struct response r;
	uint64_t t0 = now_ms();
	size_t i;

	api_server_set_timeouts(&f->api, 10000, 600);
	request(idle, "GET", "/", NULL, &r);
	for (i = 0; i < sizeof(req) - 1; i++) {
		if (send(slow->fd, req + i, 1, MSG_NOSIGNAL) < 0)
			break;
		usleep(50 * 1000);
	}
	/* Cut off after about 600 ms, long before the request was whole. */
	assert_true(i < sizeof(req) - 1);
	assert_true(now_ms() - t0 < 2000);
	cl_response(slow, &r);
	assert_int_equal(r.status, 408);
	assert_non_null(strstr(r.body, "\"fault_message\""));
	assert_true(drain_to_eof(slow, 1000));
	cl_close(slow);
	request(idle, "GET", "/version", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(idle);
}

/* A client that closes its socket while its request is with the VMM costs
 * the API thread nothing while it waits (it once spun on EPOLLHUP); one
 * that only half-closes still gets its answer. */
static void closed_peer_costs_nothing(void **state)
{
	struct fixture *f = *state;
	struct client *c = cl_open(f), *half = cl_open(f);
	struct response r;
	uint64_t one = 1, cpu0, cpu1;

	request(c, "GET", "/", NULL, &r);
	request(half, "GET", "/", NULL, &r);
	f->block_ms = 1200;
	assert_int_equal(write(f->block_efd, &one, sizeof(one)), sizeof(one));
	while (!__atomic_load_n(&f->blocked, __ATOMIC_SEQ_CST))
		usleep(1000);
	SEND(c, "GET /machine-config HTTP/1.1\r\n\r\n");
	SEND(half, "GET /version HTTP/1.1\r\n\r\n");
	assert_int_equal(shutdown(half->fd, SHUT_WR), 0);
	usleep(100 * 1000);
	close(c->fd);
	c->fd = -1;
	usleep(50 * 1000);
	cpu0 = api_cpu_ms(f);
	usleep(700 * 1000);
	cpu1 = api_cpu_ms(f);
	assert_true(__atomic_load_n(&f->blocked, __ATOMIC_SEQ_CST));
	if (cpu1 - cpu0 > 50)
		fail_msg("the API thread used %llu ms of CPU in 700 ms waiting for the VMM",
			 (unsigned long long)(cpu1 - cpu0));
	cl_response(half, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"firecracker_version\":\"0.1.0\"}");
	cl_expect_eof(half);
	cl_close(half);
	free(c);
	c = cl_open(f);
	request(c, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	cl_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(get_info, setup, teardown),
	    cmocka_unit_test_setup_teardown(pipelined, setup, teardown),
	    cmocka_unit_test_setup_teardown(slow_and_silent_clients, setup, teardown),
	    cmocka_unit_test_setup_teardown(faults_keep_connection, setup, teardown),
	    cmocka_unit_test_setup_teardown(oversized_body, setup, teardown),
	    cmocka_unit_test_setup_teardown(http_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(expect_100, setup, teardown),
	    cmocka_unit_test_setup_teardown(connection_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(clients_leaving, setup, teardown),
	    cmocka_unit_test_setup_teardown(never_readers, setup, teardown),
	    cmocka_unit_test_setup_teardown(slow_loris, setup, teardown),
	    cmocka_unit_test_setup_teardown(closed_peer_costs_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(interleaved_clients, setup, teardown),
	    cmocka_unit_test_setup_teardown(deep_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(listen_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(stop_cleans_up, setup, teardown),
	};

	/* The event loop would take a terminal on stdin as the guest console. */
	if (!freopen("/dev/null", "r", stdin))
		return 1;
	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
