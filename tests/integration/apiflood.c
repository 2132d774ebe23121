/*
 * apiflood.c - a client that pipelines requests and does not read the
 * replies, so the server's output buffer for it keeps growing.
 *
 *   test-apiflood SOCKET COUNT
 *
 * Sends up to COUNT "GET / HTTP/1.1" requests on one connection as fast as
 * the socket takes them, until the server stops taking them for 5 s (it
 * stops reading a client that does not read: back-pressure), waits a
 * second, closes, and prints how many went. Exit status 0 unless the
 * connection failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n";

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct pollfd p;
	long count, sent = 0;
	size_t off = 0;
	ssize_t n;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: test-apiflood SOCKET COUNT\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 10);
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 ||
	    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)) {
		perror(argv[1]);
		return 1;
	}
	p = (struct pollfd){.fd = fd, .events = POLLOUT};
	while (sent < count) {
		if (poll(&p, 1, 5000) != 1)
			break;
		n = send(fd, req + off, sizeof(req) - 1 - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
		if (off == sizeof(req) - 1) {
			off = 0;
			sent++;
		}
	}
	sleep(1);
	close(fd);
	printf("sent %ld of %ld requests\n", sent, count);
	return 0;
}
