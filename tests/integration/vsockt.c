/*
 * vsockt.c - the vsock test tool, one static binary for both sides: in the
 * guest it speaks AF_VSOCK, on the host it speaks Firecracker's hybrid
 * scheme over ember's Unix socket.
 *
 * Guest:
 *   vsockt listen PORT              accept forever, echo each connection
 *                                   (a child per connection) until EOF
 *   vsockt once PORT                accept one connection, close it, exit
 *   vsockt connect CID PORT BYTES   send BYTES of the test pattern, read the
 *                                   echo back at the same time, check it
 *   vsockt half CID PORT BYTES      connect, send BYTES, close mid-stream
 *                                   without reading anything
 * Host:
 *   vsockt hconnect UDS PORT BYTES [N]   N connections at once (default 1)
 *                                   through "CONNECT PORT\n", each sends
 *                                   BYTES and checks the echo
 *   vsockt hstall UDS PORT BYTES    connect, send BYTES, never read; stays
 *                                   until killed
 *   vsockt hrefused UDS PORT SECS   CONNECT must be answered by a close
 *                                   (no "OK") within SECS
 *   vsockt hsilent UDS SECS [TEXT]  connect, send TEXT (default nothing)
 *                                   and no newline: ember must close the
 *                                   connection within SECS
 *   vsockt hlisten PATH COUNT       listen on PATH, echo COUNT connections
 *                                   (one at a time, each until EOF), exit
 *
 * Benchmark (make bench-vsock): the guest runs "vsockt bserve PORT"; the
 * host runs "vsockt hbench ADDR PORT MODE N", where ADDR is ember's Unix
 * socket (hybrid CONNECT) or vsock:CID (AF_VSOCK, e.g. QEMU's vhost-vsock).
 * Each connection opens with a 9-byte request: an op ('W' the host writes
 * N bytes, the guest acks with one byte after the last; 'R' the guest
 * writes N bytes and closes; 'P' N round trips of 64 bytes each way).
 * MODE h2g|g2h|rtt prints "BENCH-VSOCK mode=.. bytes|rounds=.. ..." with
 * MiB/s or the median and 90th percentile round trip in microseconds.
 *
 * The pattern byte at offset i is a function of i alone, so the receiver
 * checks each byte where it lands. Success prints "ok <bytes> <fnv1a>" and
 * exits 0; any mismatch, short echo or error exits 1 with a reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS	 64
#define CHUNK		 16384
#define BENCH_CHUNK	 65536
#define BENCH_MSG	 64
#define BENCH_MAX_ROUNDS 100000

struct stream {
	int fd;
	uint64_t sent, rcvd, total;
	uint32_t fnv;
	int done;
};

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 131) ^ (i >> 9) ^ (i >> 17));
}

static void die(const char *what)
{
	fprintf(stderr, "vsockt: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int vsock_connect(unsigned int cid, unsigned int port)
{
	struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("vsock connect");
	return fd;
}

static int vsock_listen(unsigned int port)
{
	struct sockaddr_vm a = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
		die("vsock listen");
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) >= sizeof(a.sun_path))
		die("path too long");
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("unix connect");
	return fd;
}

/* Read one line (up to '\n') a byte at a time. Length, 0 at EOF. */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return (int)n;
}

/* The hybrid handshake: "CONNECT port\n" → "OK <n>\n". */
static int hybrid_connect(const char *uds, unsigned int port)
{
	char line[64];
	int fd = unix_connect(uds);

	dprintf(fd, "CONNECT %u\n", port);
	if (read_line(fd, line, sizeof(line)) <= 0 || strncmp(line, "OK ", 3)) {
		errno = 0;
		fprintf(stderr, "vsockt: CONNECT %u answered \"%s\"\n", port, line);
		exit(1);
	}
	return fd;
}

static void echo_loop(int fd)
{
	static uint8_t buf[CHUNK];
	ssize_t n, w, off;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0)
				return;
		}
	}
	shutdown(fd, SHUT_WR);
}

static int guest_listen(unsigned int port, int once)
{
	int lfd = vsock_listen(port), fd;

	signal(SIGCHLD, SIG_IGN); /* no zombies */
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		if (once) {
			close(fd);
			return 0;
		}
		if (fork() == 0) {
			close(lfd);
			echo_loop(fd);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

/* One step of a stream: send what fits, check what arrived. -1: broken. */
static int stream_step(struct stream *s, short revents, int idx)
{
	static uint8_t buf[CHUNK];
	ssize_t n;
	size_t i, k;

	if ((revents & POLLOUT) && s->sent < s->total) {
		k = s->total - s->sent < CHUNK ? (size_t)(s->total - s->sent) : CHUNK;
		for (i = 0; i < k; i++)
			buf[i] = pattern(s->sent + i);
		n = send(s->fd, buf, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0)
			s->sent += (uint64_t)n;
		if (s->sent == s->total)
			shutdown(s->fd, SHUT_WR);
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -1;
		if (n == 0) {
			s->done = 1;
			return s->rcvd == s->total ? 0 : -1;
		}
		for (i = 0; i < (size_t)n; i++) {
			if (buf[i] != pattern(s->rcvd + i)) {
				fprintf(stderr, "vsockt: stream %d: byte %llu differs\n", idx,
					(unsigned long long)(s->rcvd + i));
				return -1;
			}
			s->fnv = (s->fnv ^ buf[i]) * 16777619u;
		}
		s->rcvd += (uint64_t)n;
	}
	return 0;
}

/* Run @n streams to completion: each sends its total and reads it back. */
static int pump(struct stream *s, int n, double limit_s)
{
	struct pollfd p[MAX_STREAMS];
	double t0 = now();
	int i, left = n;
	uint64_t bytes = 0;
	uint32_t fnv = 2166136261u;

	while (left) {
		for (i = 0; i < n; i++) {
			p[i].fd = s[i].done ? -1 : s[i].fd;
			p[i].events = POLLIN | (s[i].sent < s[i].total ? POLLOUT : 0);
		}
		if (poll(p, (nfds_t)n, 1000) < 0 && errno != EINTR)
			die("poll");
		for (i = 0; i < n; i++) {
			if (s[i].done || !p[i].revents)
				continue;
			if (stream_step(&s[i], p[i].revents, i)) {
				fprintf(
				    stderr, "vsockt: stream %d broke after %llu of %llu bytes\n", i,
				    (unsigned long long)s[i].rcvd, (unsigned long long)s[i].total);
				return 1;
			}
			if (s[i].done)
				left--;
		}
		if (now() - t0 > limit_s) {
			fprintf(stderr, "vsockt: %d streams unfinished after %.0f s\n", left,
				limit_s);
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		bytes += s[i].rcvd;
		fnv = (fnv ^ s[i].fnv) * 16777619u;
	}
	printf("ok %llu %08x %.2f\n", (unsigned long long)bytes, fnv, now() - t0);
	return 0;
}

static int run_streams(int *fds, int n, uint64_t bytes)
{
	static struct stream s[MAX_STREAMS];
	int i;

	for (i = 0; i < n; i++)
		s[i] = (struct stream){.fd = fds[i], .total = bytes, .fnv = 2166136261u};
	return pump(s, n, 600);
}

static int host_connect(const char *uds, unsigned int port, uint64_t bytes, int n)
{
	int fds[MAX_STREAMS], i;

	if (n < 1 || n > MAX_STREAMS)
		die("connection count");
	for (i = 0; i < n; i++)
		fds[i] = hybrid_connect(uds, port);
	return run_streams(fds, n, bytes);
}

static int host_stall(const char *uds, unsigned int port, uint64_t bytes)
{
	struct stream s = {.fd = hybrid_connect(uds, port), .total = bytes};
	struct pollfd p = {.fd = s.fd, .events = POLLOUT};

	/* Send only: the echo piles up in ember and the guest, unread. */
	while (s.sent < s.total) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			die("poll");
		if (stream_step(&s, POLLOUT, 0))
			die("send");
	}
	printf("stalled %llu\n", (unsigned long long)bytes);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

/* Wait up to @secs for EOF (or a reset) on @fd; 0 if it came. */
static int wait_closed(int fd, int secs, const char *what)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	double t0 = now();
	char c;

	while (now() - t0 < secs) {
		if (poll(&p, 1, 200) > 0) {
			ssize_t n = read(fd, &c, 1);

			if (n <= 0) {
				printf("closed after %.1f s\n", now() - t0);
				return 0;
			}
			fprintf(stderr, "vsockt: %s: unexpected byte '%c'\n", what, c);
			return 1;
		}
	}
	fprintf(stderr, "vsockt: %s: still open after %d s\n", what, secs);
	return 1;
}

static int host_refused(const char *uds, unsigned int port, int secs)
{
	int fd = unix_connect(uds);

	dprintf(fd, "CONNECT %u\n", port);
	return wait_closed(fd, secs, "CONNECT to a closed port");
}

static int host_silent(const char *uds, int secs, const char *text)
{
	int fd = unix_connect(uds);

	if (text && write(fd, text, strlen(text)) < 0)
		die("write");
	return wait_closed(fd, secs, "silent client");
}

static int host_listen(const char *path, int count)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0), fd;

	if (strlen(path) >= sizeof(a.sun_path))
		die("path too long");
	memcpy(a.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 16))
		die("listen");
	printf("listening %s\n", path);
	fflush(stdout);
	while (count-- > 0) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept");
		echo_loop(fd);
		close(fd);
	}
	return 0;
}

/* Guest: send part of a stream and close without reading the echo. */
static int guest_half(unsigned int cid, unsigned int port, uint64_t bytes)
{
	struct stream s = {.fd = vsock_connect(cid, port), .total = bytes};

	while (s.sent < s.total)
		if (stream_step(&s, POLLOUT, 0))
			die("send");
	close(s.fd);
	printf("closed mid-stream after %llu\n", (unsigned long long)bytes);
	return 0;
}

/* Write all of @len bytes; 0 or -1. */
static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read exactly @len bytes; 0, or -1 on error or early EOF. */
static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t r;

	while (len) {
		r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Read and drop @n bytes; 0 or -1. */
static int drain(int fd, uint64_t n)
{
	static uint8_t buf[BENCH_CHUNK];
	ssize_t r;

	while (n) {
		r = read(fd, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n -= (uint64_t)r;
	}
	return 0;
}

/* Write @n bytes of a fixed buffer; 0 or -1. */
static int source(int fd, uint64_t n)
{
	static uint8_t buf[BENCH_CHUNK];
	size_t k;

	if (!buf[1])
		for (k = 0; k < sizeof(buf); k++)
			buf[k] = pattern(k);
	while (n) {
		k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if (write_all(fd, buf, k))
			return -1;
		n -= k;
	}
	return 0;
}

/* Guest side of one benchmark connection. */
static int bench_serve_one(int fd)
{
	uint8_t req[9], msg[BENCH_MSG], ack = 'A';
	uint64_t n = 0;
	int i;

	if (read_all(fd, req, sizeof(req)))
		return 1;
	for (i = 8; i >= 1; i--)
		n = (n << 8) | req[i];
	switch (req[0]) {
	case 'W':
		return drain(fd, n) || write_all(fd, &ack, 1);
	case 'R':
		return source(fd, n);
	case 'P':
		for (; n; n--)
			if (read_all(fd, msg, sizeof(msg)) || write_all(fd, msg, sizeof(msg)))
				return 1;
		return 0;
	}
	return 1;
}

static int guest_bench_serve(unsigned int port)
{
	int lfd = vsock_listen(port), fd;

	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		if (fork() == 0) {
			close(lfd);
			_exit(bench_serve_one(fd));
		}
		close(fd);
	}
}

/* One host connection to the guest's @port, hybrid or AF_VSOCK; -1 if
 * the guest did not take it (not listening yet). */
static int bench_try_connect(const char *addr, unsigned int port)
{
	struct sockaddr_vm va = {.svm_family = AF_VSOCK, .svm_port = port};
	char line[64];
	int fd;

	if (!strncmp(addr, "vsock:", 6)) {
		va.svm_cid = (unsigned int)strtoul(addr + 6, NULL, 0);
		fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket(AF_VSOCK)");
		if (connect(fd, (struct sockaddr *)&va, sizeof(va))) {
			close(fd);
			return -1;
		}
		return fd;
	}
	fd = unix_connect(addr);
	dprintf(fd, "CONNECT %u\n", port);
	if (read_line(fd, line, sizeof(line)) <= 0 || strncmp(line, "OK ", 3)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect (retrying for up to a minute while the guest starts) and send
 * the request header. */
static int bench_open(const char *addr, unsigned int port, char op, uint64_t n)
{
	uint8_t req[9] = {(uint8_t)op};
	double t0 = now();
	int fd, i;

	while ((fd = bench_try_connect(addr, port)) < 0) {
		if (now() - t0 > 60)
			die("the guest's bench server never answered");
		usleep(200000);
	}
	for (i = 1; i <= 8; i++, n >>= 8)
		req[i] = (uint8_t)n;
	if (write_all(fd, req, sizeof(req)))
		die("request");
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench_rtt(const char *addr, unsigned int port, uint64_t rounds)
{
	static double t[BENCH_MAX_ROUNDS];
	uint8_t msg[BENCH_MSG] = {0};
	int fd;
	uint64_t i;
	double t0;

	if (!rounds || rounds > BENCH_MAX_ROUNDS)
		die("round count");
	fd = bench_open(addr, port, 'P', rounds);
	for (i = 0; i < rounds; i++) {
		t0 = now();
		if (write_all(fd, msg, sizeof(msg)) || read_all(fd, msg, sizeof(msg)))
			die("round trip");
		t[i] = (now() - t0) * 1e6;
	}
	qsort(t, (size_t)rounds, sizeof(t[0]), cmp_double);
	printf("BENCH-VSOCK mode=rtt rounds=%llu med_us=%.0f p90_us=%.0f\n",
	       (unsigned long long)rounds, t[rounds / 2], t[rounds * 9 / 10]);
	close(fd);
	return 0;
}

/* Throughput: from the first byte sent to the guest's ack (h2g) or to the
 * last byte received (g2h). */
static int bench_stream(const char *addr, unsigned int port, int h2g, uint64_t bytes)
{
	uint8_t ack;
	double t0, s;
	int fd = bench_open(addr, port, h2g ? 'W' : 'R', bytes);

	t0 = now();
	if (h2g ? source(fd, bytes) || read_all(fd, &ack, 1) : drain(fd, bytes))
		die("transfer");
	s = now() - t0;
	printf("BENCH-VSOCK mode=%s bytes=%llu secs=%.3f mibs=%.1f\n", h2g ? "h2g" : "g2h",
	       (unsigned long long)bytes, s, (double)bytes / 1048576.0 / s);
	close(fd);
	return 0;
}

static int host_bench(const char *addr, unsigned int port, const char *mode, uint64_t n)
{
	if (!strcmp(mode, "rtt"))
		return bench_rtt(addr, port, n);
	if (!strcmp(mode, "h2g") || !strcmp(mode, "g2h"))
		return bench_stream(addr, port, !strcmp(mode, "h2g"), n);
	fprintf(stderr, "vsockt: unknown bench mode \"%s\"\n", mode);
	return 2;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "vsockt: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "listen") && argc == 3)
		return guest_listen((unsigned int)num(argv[2]), 0);
	if (!strcmp(cmd, "once") && argc == 3)
		return guest_listen((unsigned int)num(argv[2]), 1);
	if (!strcmp(cmd, "connect") && argc == 5) {
		fd = vsock_connect((unsigned int)num(argv[2]), (unsigned int)num(argv[3]));
		return run_streams(&fd, 1, num(argv[4]));
	}
	if (!strcmp(cmd, "half") && argc == 5)
		return guest_half((unsigned int)num(argv[2]), (unsigned int)num(argv[3]),
				  num(argv[4]));
	if (!strcmp(cmd, "hconnect") && (argc == 5 || argc == 6))
		return host_connect(argv[2], (unsigned int)num(argv[3]), num(argv[4]),
				    argc == 6 ? (int)num(argv[5]) : 1);
	if (!strcmp(cmd, "hstall") && argc == 5)
		return host_stall(argv[2], (unsigned int)num(argv[3]), num(argv[4]));
	if (!strcmp(cmd, "hrefused") && argc == 5)
		return host_refused(argv[2], (unsigned int)num(argv[3]), (int)num(argv[4]));
	if (!strcmp(cmd, "hsilent") && (argc == 4 || argc == 5))
		return host_silent(argv[2], (int)num(argv[3]), argc == 5 ? argv[4] : NULL);
	if (!strcmp(cmd, "hlisten") && argc == 4)
		return host_listen(argv[2], (int)num(argv[3]));
	if (!strcmp(cmd, "bserve") && argc == 3)
		return guest_bench_serve((unsigned int)num(argv[2]));
	if (!strcmp(cmd, "hbench") && argc == 6)
		return host_bench(argv[2], (unsigned int)num(argv[3]), argv[4], num(argv[5]));
	fprintf(stderr, "usage: vsockt listen|once PORT | connect|half CID PORT BYTES |\n"
			"       hconnect UDS PORT BYTES [N] | hstall UDS PORT BYTES |\n"
			"       hrefused UDS PORT SECS | hsilent UDS SECS [TEXT] |\n"
			"       hlisten PATH COUNT | bserve PORT |\n"
			"       hbench UDS|vsock:CID PORT h2g|g2h|rtt N\n");
	return 2;
}
