/*
 * log.h - ember's logger: one line per event, to stderr or a log file.
 *
 * Format follows Firecracker's: "<timestamp> [<id>:<thread>] [<level>] msg"
 * (level shown only with show_level, origin with show_log_origin).
 * The logger is owned by struct vm; code without a vm (loaders, parsers)
 * reports through struct errbuf instead of logging.
 */
#ifndef EMBER_LOG_H
#define EMBER_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_OFF = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

struct logger {
	pthread_mutex_t lock;
	int fd; /* 2 (stderr) unless --log-path / PUT /logger */
	enum log_level level;
	bool show_level;
	bool show_origin;
	char id[65];
	uint64_t lost; /* lines the log file could not take (under lock) */
};

/* log_init - stderr, level Info (Firecracker's default is Warning; ember's
 * boot timer and lifecycle lines are Info and users expect to see them). */
void log_init(struct logger *l, const char *id);

/*
 * log_open - send further lines to @path (created 0600 if missing); -errno.
 * Opened read+write and non-blocking, as Firecracker does: a FIFO nobody
 * reads yet opens, and a line a full FIFO cannot take whole is dropped and
 * counted (log_lost) instead of blocking the thread that logs.
 */
int log_open(struct logger *l, const char *path);

/* log_level_name - "Error", "Warning", ... ("?" out of range). */
const char *log_level_name(enum log_level l);

/* log_lost - lines dropped so far (logger.missed_log_count). */
uint64_t log_lost(struct logger *l);

/* log_level_parse - "Error", "Warning", "Info", "Debug", "Trace", "Off"
 * (case-insensitive); -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);

void log_msg(struct logger *l, enum log_level lvl, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

void log_close(struct logger *l);

#define log_error(l, ...) log_msg((l), LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(l, ...)  log_msg((l), LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(l, ...)  log_msg((l), LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(l, ...) log_msg((l), LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

#endif
