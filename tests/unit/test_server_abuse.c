/*
 * Unit tests for the API server against hostile clients: clients that never
 * read, slow-loris senders, clients that vanish while their request is with
 * the VMM. See server_fixture.h.
 */
#include <time.h>

#include "server_fixture.h"

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
	assert_string_equal(r.body, "{\"firecracker_version\":\"" EMBER_VERSION "\"}");
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
	    cmocka_unit_test_setup_teardown(never_readers, setup, teardown),
	    cmocka_unit_test_setup_teardown(slow_loris, setup, teardown),
	    cmocka_unit_test_setup_teardown(closed_peer_costs_nothing, setup, teardown),
	};

	/* The event loop would take a terminal on stdin as the guest console. */
	if (!freopen("/dev/null", "r", stdin))
		return 1;
	return cmocka_run_group_tests_name("server_abuse", tests, NULL, NULL);
}
