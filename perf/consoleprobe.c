/*
 * consoleprobe.c - time an API request and a guest's answer on its console,
 * without a shell, curl or grep in the measured path (make bench-snapshot).
 *
 *   consoleprobe --now
 *   consoleprobe [-t T0_US] [-s SOCKET -m METHOD -p PATH -b BODY]
 *                [-i IN_FIFO -l LINE [-r RESEND_MS]] -o OUT_FILE -w TEXT
 *                [-P POLL_US] [-T TIMEOUT_S]
 *
 * T0 is -t (CLOCK_REALTIME in us, from an earlier --now) or this process's
 * start. With -s it connects to SOCKET (retrying for up to 5 s while nobody
 * listens yet), sends one request and reads the response's status. Then it
 * watches OUT_FILE (the VMM's console) for TEXT, every POLL_US (default
 * 1000), and with -i writes LINE and a newline to IN_FIFO at once and again
 * every RESEND_MS (default 50; 0: once): a VMM restoring from an incoming
 * migration drops what arrives before its UART state is loaded. Many probes
 * at once on a small host want a longer poll and no resend. Prints
 *   status=<HTTP status, 0 without -s> reply_us=<T0 to the response>
 *   answer_us=<T0 to TEXT in OUT_FILE>
 * Exit status 1 on a failed request or a timeout (default 120 s).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "probe_sock.h"

struct probe {
	uint64_t t0;
	const char *sock, *method, *path, *body;
	const char *in, *line, *out, *text;
	unsigned int timeout_s, resend_ms;
	long poll_us;
};

static void nap_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/* request - one request on a new connection; the response's status or -1. */
static int request(const struct probe *p)
{
	char buf[4096];
	size_t blen = strlen(p->body), len = 0;
	int fd, n, status = -1;
	ssize_t r;

	fd = probe_connect(p->sock);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf),
		     "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     p->method, p->path, blen);
	if (n < 0 || (size_t)n >= sizeof(buf) || write(fd, buf, (size_t)n) != n ||
	    write(fd, p->body, blen) != (ssize_t)blen)
		goto out;
	while (len < sizeof(buf) - 1) {
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = -1;
out:
	close(fd);
	return status;
}

/*
 * found - whether TEXT is in FD's bytes from *OFF on; keeps the last
 * strlen(TEXT) - 1 bytes in CARRY so a match across two reads counts.
 */
static int found(int fd, off_t *off, const char *text, char *carry, size_t *clen)
{
	char buf[8192];
	size_t tl = strlen(text), n;
	ssize_t r;

	memcpy(buf, carry, *clen);
	while ((r = pread(fd, buf + *clen, sizeof(buf) - *clen, *off)) > 0) {
		*off += r;
		n = *clen + (size_t)r;
		if (memmem(buf, n, text, tl))
			return 1;
		*clen = tl - 1 < n ? tl - 1 : n;
		memmove(buf, buf + n - *clen, *clen);
	}
	memcpy(carry, buf, *clen);
	return 0;
}

static int watch(const struct probe *p, uint64_t *answer)
{
	uint64_t end = p->t0 + (uint64_t)p->timeout_s * 1000000, next_type = 0, now;
	char carry[512];
	size_t clen = 0;
	off_t off = 0;
	int out = -1, in = -1, ret = -1;

	if (strlen(p->text) >= sizeof(carry))
		return -1;
	for (;;) {
		now = probe_real_us();
		/* The VMM may not have opened its end yet (ENXIO): try again. */
		if (p->in && in < 0)
			in = open(p->in, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (in >= 0 && now >= next_type) {
			if (dprintf(in, "%s\n", p->line) < 0 && errno != EAGAIN)
				break;
			next_type = p->resend_ms ? now + p->resend_ms * 1000ULL : UINT64_MAX;
		}
		if (out < 0)
			out = open(p->out, O_RDONLY | O_CLOEXEC);
		if (out >= 0 && found(out, &off, p->text, carry, &clen)) {
			*answer = probe_real_us() - p->t0;
			ret = 0;
			break;
		}
		if (now > end)
			break;
		nap_us(p->poll_us);
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

static int parse(int argc, char **argv, struct probe *p)
{
	int o;

	p->timeout_s = 120;
	p->resend_ms = 50;
	p->poll_us = 1000;
	while ((o = getopt(argc, argv, "t:s:m:p:b:i:l:o:w:T:r:P:")) != -1) {
		switch (o) {
		case 't':
			p->t0 = strtoull(optarg, NULL, 10);
			break;
		case 's':
			p->sock = optarg;
			break;
		case 'm':
			p->method = optarg;
			break;
		case 'p':
			p->path = optarg;
			break;
		case 'b':
			p->body = optarg;
			break;
		case 'i':
			p->in = optarg;
			break;
		case 'l':
			p->line = optarg;
			break;
		case 'o':
			p->out = optarg;
			break;
		case 'w':
			p->text = optarg;
			break;
		case 'T':
			p->timeout_s = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			p->resend_ms = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			p->poll_us = strtol(optarg, NULL, 10);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || !p->out || !p->text || !*p->text || (p->sock && !p->method) ||
	    (p->sock && (!p->path || !p->body)) || (!p->in != !p->line) || p->poll_us < 100 ||
	    p->poll_us > 999999)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = {0};
	uint64_t reply = 0, answer = 0;
	int status = 0;

	if (argc == 2 && !strcmp(argv[1], "--now")) {
		printf("%llu\n", (unsigned long long)probe_real_us());
		return 0;
	}
	if (parse(argc, argv, &p)) {
		fprintf(stderr,
			"usage: consoleprobe --now | [-t T0_US] [-s SOCKET -m METHOD -p PATH "
			"-b BODY] [-i IN_FIFO -l LINE [-r RESEND_MS]] -o OUT_FILE -w TEXT "
			"[-P POLL_US] [-T TIMEOUT_S]\n");
		return 2;
	}
	if (!p.t0)
		p.t0 = probe_real_us();
	if (p.sock) {
		status = request(&p);
		reply = probe_real_us() - p.t0;
		if (status < 200 || status > 299) {
			printf("status=%d reply_us=%llu\n", status, (unsigned long long)reply);
			return 1;
		}
	}
	if (watch(&p, &answer)) {
		printf("status=%d reply_us=%llu answer_us=timeout\n", status,
		       (unsigned long long)reply);
		return 1;
	}
	printf("status=%d reply_us=%llu answer_us=%llu\n", status, (unsigned long long)reply,
	       (unsigned long long)answer);
	return 0;
}
