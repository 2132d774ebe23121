/*
 * http.c - see http.h.
 *
 * The head is collected byte by byte into a fixed buffer until the empty
 * line that ends it, then parsed in place: the spaces after the method and
 * the target become NULs, so the request points into the buffer. Every
 * byte of the head is checked against the RFC 9112 grammar before anything
 * looks at it; the parser never trusts a length it did not count itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* The bytes of one line of the head, without its CR LF. */
struct line {
	char *s;
	size_t len;
};

static int fail(struct http_parser *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct http_parser *p, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err_msg, sizeof(p->err_msg), fmt, ap);
	va_end(ap);
	p->err_status = status;
	p->state = HS_ERROR;
	return -EINVAL;
}

void http_parser_init(struct http_parser *p, uint64_t max_body)
{
	memset(p, 0, sizeof(*p));
	p->max_body = max_body < HTTP_MAX_BODY_LIMIT ? max_body : HTTP_MAX_BODY_LIMIT;
	p->state = HS_HEAD;
}

void http_parser_reset(struct http_parser *p)
{
	free(p->body);
	p->body = NULL;
	p->body_len = p->body_want = p->body_cap = 0;
	p->head_len = 0;
	memset(&p->req, 0, sizeof(p->req));
	p->err_status = 0;
	p->err_msg[0] = '\0';
	p->state = HS_HEAD;
}

void http_parser_free(struct http_parser *p)
{
	free(p->body);
	p->body = NULL;
	p->body_cap = 0;
}

/* tchar of RFC 9110: the characters of methods and header names. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Case-insensitive comparison of a counted token with a C string. */
static bool token_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !strncasecmp(s, lit, len);
}

/* next_line - the line starting at *@pos in the head, advancing past its LF.
 * A CR is allowed only right before the LF. */
static int next_line(struct http_parser *p, size_t *pos, struct line *l)
{
	char *s = p->head + *pos, *lf = memchr(s, '\n', p->head_len - *pos);
	size_t i;

	if (!lf)
		return fail(p, 400, "The request head is not terminated by an empty line.");
	l->s = s;
	l->len = (size_t)(lf - s);
	if (l->len && s[l->len - 1] == '\r')
		l->len--;
	*pos += (size_t)(lf - s) + 1;
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0)
			return fail(p, 400, "The request head contains a NUL byte.");
		if (c == '\r')
			return fail(p, 400, "The request head contains a bare CR.");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, 400, "The request head contains control character 0x%02x.",
				    c);
	}
	return 0;
}

/* strip_absolute - "http://host/path" -> "/path" (RFC 9112 3.2.2 absolute-form). */
static char *strip_absolute(char *t)
{
	char *slash;

	if (strncasecmp(t, "http://", 7))
		return t;
	slash = strchr(t + 7, '/');
	if (slash)
		return slash;
	/* "http://host" alone means "/": reuse the byte before the host. */
	t[6] = '/';
	t[7] = '\0';
	return t + 6;
}

static int parse_version(struct http_parser *p, const char *v, size_t len, bool *v11)
{
	if (len == 8 && !memcmp(v, "HTTP/1.1", 8)) {
		*v11 = true;
		return 0;
	}
	if (len == 8 && !memcmp(v, "HTTP/1.0", 8)) {
		*v11 = false;
		return 0;
	}
	if (len == 8 && !memcmp(v, "HTTP/", 5) && v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
	    v[7] >= '0' && v[7] <= '9')
		return fail(p, 505, "HTTP version %.8s is not supported; use HTTP/1.1.", v);
	return fail(p, 400, "The request line does not end with an HTTP version.");
}

static int parse_request_line(struct http_parser *p, struct line *l, bool *v11)
{
	char *sp1 = memchr(l->s, ' ', l->len), *sp2, *t;
	size_t i, mlen;

	if (!sp1 || sp1 == l->s)
		return fail(p, 400, "The request line is not \"METHOD /path HTTP/1.1\".");
	mlen = (size_t)(sp1 - l->s);
	sp2 = memchr(sp1 + 1, ' ', l->len - mlen - 1);
	if (!sp2 || sp2 == sp1 + 1)
		return fail(p, 400, "The request line is not \"METHOD /path HTTP/1.1\".");
	if (mlen > HTTP_MAX_METHOD)
		return fail(p, 400, "The request method is longer than %d characters.",
			    HTTP_MAX_METHOD);
	for (i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)l->s[i]))
			return fail(p, 400, "The request method contains an invalid character.");
	for (t = sp1 + 1; t < sp2; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return fail(p, 400, "The request target contains an invalid character.");
	if (parse_version(p, sp2 + 1, l->len - (size_t)(sp2 + 1 - l->s), v11))
		return -EINVAL;
	*sp1 = '\0';
	*sp2 = '\0';
	p->req.method = l->s;
	p->req.path = strip_absolute(sp1 + 1);
	if (p->req.path[0] != '/')
		return fail(p, 400,
			    "The request target must be an absolute path starting with '/'.");
	return 0;
}

/* parse_length - 1*DIGIT, no sign, no spaces inside, no overflow. */
static int parse_length(struct http_parser *p, const char *v, size_t len)
{
	uint64_t n = 0;
	size_t i;

	if (!len)
		return fail(p, 400, "Content-Length is empty.");
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fail(p, 400, "Content-Length must be a decimal number.");
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, (uint64_t)(v[i] - '0'), &n))
			return fail(p, 400, "Content-Length is too large.");
	}
	if (p->req.has_length && p->body_want != n)
		return fail(p, 400, "Conflicting Content-Length headers.");
	p->req.has_length = true;
	p->body_want = n;
	return 0;
}

/* The Connection header: a comma-separated list of options. */
static void parse_connection(const char *v, size_t len, bool *close, bool *keep)
{
	size_t i = 0, start, end;

	while (i < len) {
		while (i < len && (is_ows(v[i]) || v[i] == ','))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && is_ows(v[end - 1]))
			end--;
		if (token_is(v + start, end - start, "close"))
			*close = true;
		else if (token_is(v + start, end - start, "keep-alive"))
			*keep = true;
	}
}

static int parse_header(struct http_parser *p, struct line *l, bool *close, bool *keep)
{
	char *colon = memchr(l->s, ':', l->len);
	size_t nlen, i, vlen;
	char *v;

	if (l->len && is_ows(l->s[0]))
		return fail(p, 400, "Obsolete header line folding is not supported.");
	if (!colon || colon == l->s)
		return fail(p, 400, "A header line has no name followed by ':'.");
	nlen = (size_t)(colon - l->s);
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)l->s[i]))
			return fail(p, 400, "A header name contains an invalid character.");
	v = colon + 1;
	vlen = l->len - nlen - 1;
	while (vlen && is_ows(*v)) {
		v++;
		vlen--;
	}
	while (vlen && is_ows(v[vlen - 1]))
		vlen--;
	if (token_is(l->s, nlen, "content-length"))
		return parse_length(p, v, vlen);
	if (token_is(l->s, nlen, "transfer-encoding"))
		return fail(p, 411,
			    "Transfer-Encoding is not supported: send the body with a "
			    "Content-Length header.");
	if (token_is(l->s, nlen, "connection"))
		parse_connection(v, vlen, close, keep);
	if (token_is(l->s, nlen, "expect")) {
		if (!token_is(v, vlen, "100-continue"))
			return fail(p, 417, "Only \"Expect: 100-continue\" is supported.");
		p->req.expect_continue = true;
	}
	return 0;
}

/* parse_head - the complete head in p->head[0..head_len). */
static int parse_head(struct http_parser *p)
{
	bool v11 = true, close = false, keep = false;
	struct line l;
	size_t pos = 0;

	if (next_line(p, &pos, &l) || parse_request_line(p, &l, &v11))
		return -EINVAL;
	for (;;) {
		if (next_line(p, &pos, &l))
			return -EINVAL;
		if (!l.len)
			break;
		if (parse_header(p, &l, &close, &keep))
			return -EINVAL;
	}
	p->req.keep_alive = v11 ? !close : (keep && !close);
	if (p->body_want > p->max_body)
		return fail(p, 400,
			    "Request payload with size %llu is larger than the limit of %llu "
			    "allowed by server.",
			    (unsigned long long)p->body_want, (unsigned long long)p->max_body);
	if (!p->body_want)
		p->req.expect_continue = false;
	return 0;
}

/* head_complete - the last bytes are LF LF or LF CR LF. */
static bool head_complete(const struct http_parser *p)
{
	const char *h = p->head;
	size_t n = p->head_len;

	if (n < 2 || h[n - 1] != '\n')
		return false;
	return h[n - 2] == '\n' || (n >= 3 && h[n - 2] == '\r' && h[n - 3] == '\n');
}

/* grow_body - room for @more bytes (and the NUL after them) in the body
 * buffer; it grows by chunks, never past body_want + 1. */
static int grow_body(struct http_parser *p, size_t more)
{
	size_t need, cap;
	char *n;

	if (__builtin_add_overflow(p->body_len, more, &need) ||
	    __builtin_add_overflow(need, 1, &need) || need > p->body_want + 1)
		return fail(p, 500, "Request body bookkeeping is inconsistent.");
	if (need <= p->body_cap)
		return 0;
	cap = p->body_cap > HTTP_BODY_CHUNK ? p->body_cap : HTTP_BODY_CHUNK;
	while (cap < need && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap > p->body_want + 1)
		cap = p->body_want + 1;
	n = realloc(p->body, cap);
	if (!n)
		return fail(p, 500, "Out of memory for a request body of %zu bytes.", p->body_want);
	p->body = n;
	p->body_cap = cap;
	return 0;
}

/* The head is done: the body buffer starts small and grows with the data. */
static int start_body(struct http_parser *p)
{
	p->head[p->head_len] = '\0';
	if (parse_head(p))
		return -EINVAL;
	/* parse_head() bounded body_want by max_body <= HTTP_MAX_BODY_LIMIT, so
	 * body_want + 1 cannot wrap; the +1 is a NUL after the body. */
	if (grow_body(p, 0))
		return -EINVAL;
	p->body[0] = '\0';
	p->state = HS_BODY;
	return 0;
}

static size_t feed_head(struct http_parser *p, const char *data, size_t len)
{
	size_t i = 0;

	/* Empty lines before a request line are ignored (RFC 9112 2.2). */
	while (!p->head_len && i < len && (data[i] == '\r' || data[i] == '\n'))
		i++;
	while (i < len) {
		if (p->head_len >= HTTP_MAX_HEAD) {
			fail(p, 431, "The request head is larger than %d bytes.", HTTP_MAX_HEAD);
			return i;
		}
		p->head[p->head_len++] = data[i++];
		if (head_complete(p)) {
			start_body(p);
			return i;
		}
	}
	return i;
}

static void finish(struct http_parser *p)
{
	p->body[p->body_len] = '\0';
	p->req.body = p->body_len || p->req.has_length ? p->body : NULL;
	p->req.body_len = p->body_len;
	p->state = HS_DONE;
}

enum http_result http_parse(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	size_t n;
	bool was_head = p->state == HS_HEAD;

	*used = 0;
	if (p->state == HS_HEAD) {
		*used = feed_head(p, data, len);
		data += *used;
		len -= *used;
	}
	if (p->state == HS_ERROR)
		return HTTP_ERROR;
	if (p->state == HS_DONE)
		return HTTP_REQUEST;
	if (p->state == HS_HEAD)
		return HTTP_NEED_MORE;
	/* HS_BODY */
	if (was_head && p->req.expect_continue && len < p->body_want)
		return HTTP_CONTINUE;
	n = p->body_want - p->body_len;
	if (n > len)
		n = len;
	if (grow_body(p, n))
		return HTTP_ERROR;
	memcpy(p->body + p->body_len, data, n);
	p->body_len += n;
	*used += n;
	if (p->body_len < p->body_want)
		return HTTP_NEED_MORE;
	finish(p);
	return HTTP_REQUEST;
}

const char *http_reason(int status)
{
	static const struct {
		int status;
		const char *text;
	} reasons[] = {
	    {100, "Continue"},
	    {200, "OK"},
	    {204, "No Content"},
	    {400, "Bad Request"},
	    {404, "Not Found"},
	    {408, "Request Timeout"},
	    {411, "Length Required"},
	    {413, "Payload Too Large"},
	    {417, "Expectation Failed"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {503, "Service Unavailable"},
	    {505, "HTTP Version Not Supported"},
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "Unknown";
}

int http_format_response(char *buf, size_t cap, int status, size_t body_len, bool keep_alive,
			 bool deprecation)
{
	char length[96] = "";
	int n;

	if (status != 204)
		snprintf(length, sizeof(length), "%sContent-Length: %zu\r\n",
			 body_len ? "Content-Type: application/json\r\n" : "", body_len);
	n = snprintf(buf, cap, "HTTP/1.1 %d %s\r\nServer: ember\r\nConnection: %s\r\n%s%s\r\n",
		     status, http_reason(status), keep_alive ? "keep-alive" : "close",
		     deprecation ? "Deprecation: true\r\n" : "", length);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}
