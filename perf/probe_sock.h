/*
 * probe_sock.h - what the static timing helpers (apiclient, consoleprobe)
 * share: CLOCK_REALTIME in microseconds (to compare with ember's log
 * timestamps and across processes) and a Unix-socket connect that retries
 * for up to 5 s while nobody listens yet (a VMM still starting).
 * Header-only: each helper is built from its one .c file.
 */
#ifndef PROBE_SOCK_H
#define PROBE_SOCK_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t probe_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* probe_connect - a connected socket to PATH, or -1 after 5 s of trying. */
static inline int probe_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec pause = {0, 1000000};
	int fd, i;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (i = 0; i < 5000; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		nanosleep(&pause, NULL);
	}
	return -1;
}

#endif
