/* log.c - see log.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *const level_name[] = {"Off", "Error", "Warning", "Info", "Debug", "Trace"};

void log_init(struct logger *l, const char *id)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
	l->fd = 2;
	l->level = LOG_INFO;
	l->show_level = true;
	snprintf(l->id, sizeof(l->id), "%s", id ? id : "anonymous-instance");
}

int log_open(struct logger *l, const char *path)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);

	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&l->lock);
	if (l->fd > 2)
		close(l->fd);
	l->fd = fd;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

const char *log_level_name(enum log_level l)
{
	return (unsigned int)l < sizeof(level_name) / sizeof(level_name[0]) ? level_name[l] : "?";
}

int log_level_parse(const char *s, enum log_level *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(level_name) / sizeof(level_name[0]); i++) {
		if (!strcasecmp(s, level_name[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (!strcasecmp(s, "warn")) {
		*out = LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

void log_msg(struct logger *l, enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
	char buf[1024];
	struct timespec ts;
	char thread[16] = "";
	va_list ap;
	int n = 0;

	if (!l || lvl > l->level || l->level == LOG_OFF)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_getname_np(pthread_self(), thread, sizeof(thread));
	n += snprintf(buf + n, sizeof(buf) - n, "%lld.%06ld [%s:%s]", (long long)ts.tv_sec,
		      ts.tv_nsec / 1000, l->id, thread);
	if (l->show_level)
		n += snprintf(buf + n, sizeof(buf) - n, " [%s]", level_name[lvl]);
	if (l->show_origin)
		n += snprintf(buf + n, sizeof(buf) - n, " %s:%d", file, line);
	n += snprintf(buf + n, sizeof(buf) - n, " ");
	va_start(ap, fmt);
	if (n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	pthread_mutex_lock(&l->lock);
	/* A line is shorter than PIPE_BUF: a FIFO takes it whole or answers
	 * EAGAIN. Nowhere is left to report a failing sink; count the line. */
	if (write(l->fd, buf, n) != n)
		l->lost++;
	pthread_mutex_unlock(&l->lock);
}

uint64_t log_lost(struct logger *l)
{
	uint64_t n;

	pthread_mutex_lock(&l->lock);
	n = l->lost;
	pthread_mutex_unlock(&l->lock);
	return n;
}

void log_close(struct logger *l)
{
	if (l->fd > 2)
		close(l->fd);
	l->fd = 2;
	pthread_mutex_destroy(&l->lock);
}
