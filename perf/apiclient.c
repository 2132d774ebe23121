/*
 * apiclient.c - send API requests over one keep-alive connection, timed.
 *
 *   apiclient SOCKET METHOD PATH BODY [METHOD PATH BODY]...
 *   apiclient --now          (prints CLOCK_REALTIME in us: for shell timing)
 *
 * Connects to SOCKET (retrying for up to 5 s while it does not exist yet),
 * then sends each request and waits for its response before the next, as a
 * client following Firecracker's getting-started guide does. Prints
 *   first_send_us=<CLOCK_REALTIME of the first request's send, in us>
 *   last_reply_us=<CLOCK_REALTIME when the last response was complete>
 *   statuses=204,204,...
 * CLOCK_REALTIME so that it compares with ember's log timestamps. Exit
 * status 1 if a response is not 2xx or the connection fails.
 *
 * Static, no dependencies: it runs in the nested test host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "probe_sock.h"

static int send_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, s, n);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* read_response - the status of the next response (its body is skipped). */
static int read_response(int fd)
{
	char buf[8192], *end, *cl;
	size_t len = 0, need;
	ssize_t n;
	int status;

	for (;;) {
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
		if (len == sizeof(buf) - 1)
			return -1;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length: ");
	need = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 18, NULL, 10) : 0);
	while (len < need) {
		if (need > sizeof(buf) - 1)
			return -1;
		n = read(fd, buf + len, need - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	return status;
}

int main(int argc, char **argv)
{
	char head[512];
	uint64_t first = 0;
	int fd, i, st, bad = 0, hn;

	if (argc == 2 && !strcmp(argv[1], "--now")) {
		printf("%llu\n", (unsigned long long)probe_real_us());
		return 0;
	}
	if (argc < 5 || (argc - 2) % 3) {
		fprintf(stderr, "usage: apiclient SOCKET METHOD PATH BODY [METHOD PATH BODY]...\n");
		return 2;
	}
	fd = probe_connect(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "apiclient: cannot connect to %s\n", argv[1]);
		return 1;
	}
	printf("statuses=");
	for (i = 2; i + 2 < argc; i += 3) {
		hn = snprintf(
		    head, sizeof(head),
		    "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n",
		    argv[i], argv[i + 1], strlen(argv[i + 2]));
		if (i == 2)
			first = probe_real_us();
		if (hn < 0 || send_all(fd, head, (size_t)hn) ||
		    send_all(fd, argv[i + 2], strlen(argv[i + 2])))
			return 1;
		st = read_response(fd);
		printf("%s%d", i == 2 ? "" : ",", st);
		bad |= st < 200 || st > 299;
	}
	printf("\nfirst_send_us=%llu\nlast_reply_us=%llu\n", (unsigned long long)first,
	       (unsigned long long)probe_real_us());
	close(fd);
	return bad;
}
