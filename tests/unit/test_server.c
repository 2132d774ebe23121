/*
 * Unit tests for the API server over a real Unix socket: the API thread,
 * the one-slot queue to an event loop (run on a thread of the test), and
 * the controller behind it (no KVM: only pre-boot requests and GETs).
 */
#include "server_fixture.h"

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
	assert_string_equal(r.body,
			    "{\"id\":\"anonymous-instance\",\"state\":\"Not started\","
			    "\"vmm_version\":\"" EMBER_VERSION "\",\"app_name\":\"ember\"}");
	/* Same connection again: keep-alive. */
	request(c, "GET", "/version", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"firecracker_version\":\"" EMBER_VERSION "\"}");
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
	assert_string_equal(r.body, "{\"firecracker_version\":\"" EMBER_VERSION "\"}");
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
	assert_string_equal(r.body,
			    "{\"fault_message\":\"Machine config error: The number of vCPUs "
			    "must be greater than 0, less than 32 and must be 1 or an even "
			    "number if SMT is enabled.\"}");
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
	assert_string_equal(
	    r.body, "{\"fault_message\":\"Start microvm error: Cannot start microvm without kernel "
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
