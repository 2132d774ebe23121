/* err.c - see err.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int errf(struct errbuf *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *err_printable(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}
