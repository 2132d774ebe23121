/*
 * err.h - error reports that carry a message a user can act on.
 *
 * Every layer that rejects input (loaders, config parser, KVM setup) returns
 * -errno and fills a struct errbuf with one sentence naming what was wrong.
 * The caller decides where the sentence goes (stderr, log, API fault_message).
 */
#ifndef EMBER_ERR_H
#define EMBER_ERR_H

#include <stddef.h>

struct errbuf {
	char msg[512];
};

/*
 * errf - format a message into @e (which may be NULL) and return @code.
 * @code is a negative errno; callers write `return errf(e, -EINVAL, "...")`.
 */
int errf(struct errbuf *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * err_printable - @s made fit to echo in a message: non-printable bytes
 * become '?', and it is cut with "..." to fit @n bytes of @buf. Returns @buf.
 */
const char *err_printable(const char *s, char *buf, size_t n);

#endif
