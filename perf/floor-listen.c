/*
 * floor-listen.c - the start-up floor for bench-api: a static program that
 * only binds and listens on a Unix socket, then waits. What ember's start-up
 * to a listening API socket is compared with (exec, libc start-up, socket,
 * bind, listen, nothing else).
 *
 *   floor-listen SOCKET
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64))
		return 1;
	for (;;)
		pause();
}
