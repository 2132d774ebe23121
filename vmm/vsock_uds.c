/* vsock_uds.c - hybrid vsock's Unix-socket helpers; see vsock_uds.h. */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vsock_uds.h"

/* A socket file left by an earlier run is replaced; a live one (something
 * answers) or any other kind of file is not. 0 or -errno. */
static int remove_stale(const struct sockaddr_un *a)
{
	struct stat sb;
	int probe, ret;

	if (lstat(a->sun_path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	ret = connect(probe, (const struct sockaddr *)a, sizeof(*a)) == 0 ? -EADDRINUSE : -errno;
	close(probe);
	if (ret != -ECONNREFUSED)
		return ret == -ENOENT ? 0 : -EADDRINUSE;
	return unlink(a->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

int vsock_uds_listen(const char *path, struct errbuf *e)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd, ret;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ret = remove_stale(&a);
	if (ret)
		return errf(e, ret, "vsock: uds_path \"%s\": %s", path,
			    ret == -EEXIST	 ? "exists and is not a socket"
			    : ret == -EADDRINUSE ? "another process listens on it"
						 : strerror(-ret));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errf(e, -errno, "vsock: socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
		ret = -errno;
		close(fd);
		return errf(e, ret, "vsock: listening on \"%s\": %s", path, strerror(-ret));
	}
	return fd;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next whitespace-separated word of @line from *@i: its start, and its
 * length in *@n (0: none left). */
static const char *word(const char *line, size_t len, size_t *i, size_t *n)
{
	size_t s;

	while (*i < len && blank(line[*i]))
		(*i)++;
	s = *i;
	while (*i < len && !blank(line[*i]))
		(*i)++;
	*n = *i - s;
	return line + s;
}

int vsock_uds_parse_connect(const char *line, size_t len, uint32_t *port)
{
	const char *w;
	uint64_t v = 0;
	size_t i = 0, n, k;

	if (len > VSOCK_UDS_LINE_MAX)
		return -EINVAL;
	w = word(line, len, &i, &n);
	if (n != 7 || strncasecmp(w, "CONNECT", 7))
		return -EINVAL;
	w = word(line, len, &i, &n);
	if (!n)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		if (w[k] < '0' || w[k] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(w[k] - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	word(line, len, &i, &n);
	if (n)
		return -EINVAL; /* a third word */
	*port = (uint32_t)v;
	return 0;
}

uint64_t vsock_uds_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
