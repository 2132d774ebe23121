/*
 * mmds_http.c - see mmds_http.h.
 *
 * Parsing works on the caller's bytes in place: the head (request line and
 * headers, ending in an empty line) is located first, then split into a
 * struct req of pointers and lengths; nothing is copied until the response
 * is built. Every length is bounded by MMDS_HTTP_MAX_REQUEST.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mmds_http.h"

#define TOKEN_PATH "/latest/api/token"

/* A piece of the request: @p[0..@n), not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct req {
	struct span method, uri, path;
	bool http10;
	bool close; /* the client wants the connection closed */
	bool accept_json;
	struct span token;     /* X-metadata-token or X-aws-ec2-metadata-token */
	struct span ttl_name;  /* the TTL header's name as sent */
	struct span ttl;       /* its value */
	struct span forwarded; /* X-Forwarded-For's name as sent */
	bool has_token, has_ttl, has_forwarded;
	size_t content_length;
	bool has_length;
};

/* What we answer. */
struct resp {
	int status;
	const char *type; /* Content-Type */
	const char *body; /* NULL: @owned */
	char *owned;
	size_t len;
	bool allow;		/* Allow: GET, PUT */
	struct span ttl_name;	/* echo "<name>: <ttl>" after a token is made */
	unsigned long long ttl; /* ... */
	bool has_ttl;
};

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 500:
		return "Internal Server Error";
	default:
		return "Not Implemented";
	}
}

static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && !strncmp(s.p, lit, s.n);
}

static bool span_ieq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && !strncasecmp(s.p, lit, s.n);
}

/* span_icontains - @s contains @lit, ignoring case. */
static bool span_icontains(struct span s, const char *lit)
{
	size_t n = strlen(lit), i;

	for (i = 0; i + n <= s.n; i++)
		if (!strncasecmp(s.p + i, lit, n))
			return true;
	return false;
}

/* find_head_end - offset just past "\r\n\r\n" in @in[0..@len), or 0. */
static size_t find_head_end(const uint8_t *in, size_t len)
{
	size_t i;

	for (i = 3; i < len; i++)
		if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r')
			return i + 1;
	return 0;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-.^_`|~", c);
}

/* parse_u64 - decimal digits only, at most @max; false otherwise. */
static bool parse_u64(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s.n)
		return false;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* request_line - "METHOD SP URI SP HTTP/1.x" in @line. */
static int request_line(struct span line, struct req *r)
{
	const char *sp1 = memchr(line.p, ' ', line.n), *sp2, *end = line.p + line.n;
	struct span ver;
	size_t i;

	if (!sp1 || sp1 == line.p || sp1 - line.p > 16)
		return -EINVAL;
	r->method = (struct span){line.p, (size_t)(sp1 - line.p)};
	for (i = 0; i < r->method.n; i++)
		if (r->method.p[i] < 'A' || r->method.p[i] > 'Z')
			return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return -EINVAL;
	r->uri = (struct span){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
	for (i = 0; i < r->uri.n; i++)
		if ((unsigned char)r->uri.p[i] <= ' ' || (unsigned char)r->uri.p[i] >= 0x7f)
			return -EINVAL;
	ver = (struct span){sp2 + 1, (size_t)(end - sp2 - 1)};
	if (span_is(ver, "HTTP/1.0"))
		r->http10 = true;
	else if (!span_is(ver, "HTTP/1.1"))
		return -EPROTO;
	return 0;
}

/* abs_path - the path part of the URI: after "http://host", before '?'/'#'. */
static struct span abs_path(struct span uri)
{
	struct span p = uri;
	size_t i;

	if (p.n >= 7 && !strncasecmp(p.p, "http://", 7)) {
		for (i = 7; i < p.n && p.p[i] != '/'; i++)
			;
		p = (struct span){p.p + i, p.n - i};
	}
	for (i = 0; i < p.n && p.p[i] != '?' && p.p[i] != '#'; i++)
		;
	p.n = i;
	return p;
}

/* header - one "Name: value" line into @r. */
static int header(struct span line, struct req *r)
{
	const char *colon = memchr(line.p, ':', line.n);
	struct span name, val;
	uint64_t n;
	size_t i;

	if (!colon || colon == line.p)
		return -EINVAL;
	name = (struct span){line.p, (size_t)(colon - line.p)};
	for (i = 0; i < name.n; i++)
		if (!is_tchar(name.p[i]))
			return -EINVAL;
	val = (struct span){colon + 1, line.n - name.n - 1};
	while (val.n && (val.p[0] == ' ' || val.p[0] == '\t'))
		val.p++, val.n--;
	while (val.n && (val.p[val.n - 1] == ' ' || val.p[val.n - 1] == '\t'))
		val.n--;
	for (i = 0; i < val.n; i++)
		if ((unsigned char)val.p[i] < ' ' && val.p[i] != '\t')
			return -EINVAL;
	if (span_ieq(name, "Content-Length")) {
		if (!parse_u64(val, MMDS_HTTP_MAX_REQUEST, &n))
			return (val.n && val.p[0] >= '0' && val.p[0] <= '9') ? -EMSGSIZE : -EINVAL;
		if (r->has_length && r->content_length != n)
			return -EINVAL;
		r->content_length = n;
		r->has_length = true;
	} else if (span_ieq(name, "Transfer-Encoding")) {
		return -EINVAL;
	} else if (span_ieq(name, "Accept")) {
		r->accept_json = span_icontains(val, "application/json");
	} else if (span_ieq(name, "Connection")) {
		if (span_ieq(val, "close"))
			r->close = true;
		else if (span_ieq(val, "keep-alive"))
			r->close = false;
	} else if (span_ieq(name, "X-metadata-token") ||
		   span_ieq(name, "X-aws-ec2-metadata-token")) {
		r->token = val;
		r->has_token = true;
	} else if (span_ieq(name, "X-metadata-token-ttl-seconds") ||
		   span_ieq(name, "X-aws-ec2-metadata-token-ttl-seconds")) {
		r->ttl_name = name;
		r->ttl = val;
		r->has_ttl = true;
	} else if (span_ieq(name, "X-Forwarded-For")) {
		r->forwarded = name;
		r->has_forwarded = true;
	}
	return 0;
}

/* parse_head - @head[0..@n) (ending in "\r\n\r\n") into @r. */
static int parse_head(const char *head, size_t n, struct req *r)
{
	const char *p = head, *end = head + n - 2, *eol;
	bool first = true;
	int ret;

	memset(r, 0, sizeof(*r));
	while (p < end) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol || eol[1] != '\n')
			return -EINVAL;
		if (first) {
			ret = request_line((struct span){p, (size_t)(eol - p)}, r);
			r->close = r->http10;
			first = false;
		} else {
			ret = header((struct span){p, (size_t)(eol - p)}, r);
		}
		if (ret)
			return ret;
		p = eol + 2;
	}
	return first ? -EINVAL : 0;
}

/* --- responses ------------------------------------------------------------ */

static void text(struct resp *o, int status, const char *msg)
{
	o->status = status;
	o->type = "text/plain";
	o->body = msg;
	o->len = strlen(msg);
}

/* textf - a formatted plain-text body (owned). */
static void textf(struct resp *o, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void textf(struct resp *o, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&o->owned, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->owned = NULL;
		text(o, 500, "");
		return;
	}
	o->status = status;
	o->type = "text/plain";
	o->body = NULL;
	o->len = (size_t)n;
}

/* build - the whole response into *@out. */
static int build(const struct resp *o, bool http10, bool close, uint8_t **out, size_t *out_len)
{
	char ttl[128] = "";
	const char *body = o->body ? o->body : o->owned;
	char *buf;
	int n;

	if (o->has_ttl)
		snprintf(ttl, sizeof(ttl), "%.*s: %llu\r\n", (int)o->ttl_name.n, o->ttl_name.p,
			 o->ttl);
	n = asprintf(&buf,
		     "HTTP/1.%c %d %s\r\nServer: Firecracker API\r\nConnection: %s\r\n"
		     "Content-Type: %s\r\n%s%sContent-Length: %zu\r\n\r\n",
		     http10 ? '0' : '1', o->status, reason(o->status),
		     close ? "close" : "keep-alive", o->type, o->allow ? "Allow: GET, PUT\r\n" : "",
		     ttl, o->len);
	if (n < 0)
		return -ENOMEM;
	*out = realloc(buf, (size_t)n + o->len);
	if (!*out) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(*out + n, body, o->len);
	*out_len = (size_t)n + o->len;
	return 0;
}

/* --- semantics -------------------------------------------------------------- */

/* dedup_path - @p with every "//" run collapsed, NUL-terminated (owned). */
static char *dedup_path(struct span p)
{
	char *s = malloc(p.n + 1), *w = s;
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < p.n; i++)
		if (p.p[i] != '/' || w == s || w[-1] != '/')
			*w++ = p.p[i];
	*w = '\0';
	return s;
}

static void serve_get(struct mmds_store *s, const struct req *r, uint64_t now_ms, struct resp *o)
{
	bool v2 = mmds_store_version(s) == MMDS_V2;
	bool json = r->accept_json && !mmds_store_imds_compat(s);
	char *path;
	int ret;

	if (!r->has_token || !mmds_store_token_valid(s, r->token.p, r->token.n, now_ms)) {
		mmds_store_count(s, r->has_token ? MMDS_RX_INVALID_TOKEN : MMDS_RX_NO_TOKEN, 1);
		if (v2 && !r->has_token)
			return text(o, 401,
				    "No MMDS token provided. Use `X-metadata-token` or "
				    "`X-aws-ec2-metadata-token` header to specify the session "
				    "token.");
		if (v2)
			return text(o, 401, "MMDS token not valid.");
	}
	path = dedup_path(r->path);
	if (!path)
		return text(o, 500, "");
	ret = mmds_store_render(s, path, json, &o->owned, &o->len);
	free(path);
	if (ret == -ENOENT)
		return textf(o, 404, "Resource not found: %.*s.", (int)r->path.n, r->path.p);
	if (ret == -ENOTSUP)
		return text(o, 501, "Cannot retrieve value. The value has an unsupported type.");
	if (ret)
		return text(o, 500, "");
	o->status = 200;
	o->type = json ? "application/json" : "text/plain";
	o->body = NULL;
}

static void serve_put(struct mmds_store *s, const struct req *r, uint64_t now_ms, struct resp *o)
{
	char *path, tok[MMDS_TOKEN_LEN + 1];
	uint64_t ttl;
	bool token_path;

	if (r->has_forwarded)
		return textf(o, 400, "Invalid header. Reason: Unsupported header name. Key: %.*s",
			     (int)r->forwarded.n, r->forwarded.p);
	path = dedup_path(r->path);
	if (!path)
		return text(o, 500, "");
	token_path = !strcmp(path, TOKEN_PATH);
	free(path);
	if (!token_path)
		return textf(o, 404, "Resource not found: %.*s.", (int)r->path.n, r->path.p);
	if (!r->has_ttl)
		return text(o, 400,
			    "Token time to live value not found. Use "
			    "`X-metadata-token-ttl-seconds` or "
			    "`X-aws-ec2-metadata-token-ttl-seconds` header to specify the "
			    "token's lifetime.");
	if (!parse_u64(r->ttl, UINT32_MAX, &ttl))
		return textf(o, 400, "Invalid header. Reason: Invalid value. Key:%.*s; Value:%.*s",
			     (int)r->ttl_name.n, r->ttl_name.p, (int)r->ttl.n, r->ttl.p);
	if (ttl < MMDS_TTL_MIN || ttl > MMDS_TTL_MAX)
		return textf(o, 400,
			     "Invalid time to live value provided for token: %llu. Please provide "
			     "a value between %d and %d.",
			     (unsigned long long)ttl, MMDS_TTL_MIN, MMDS_TTL_MAX);
	if (mmds_store_token_new(s, ttl, now_ms, tok))
		return text(o, 500, "");
	textf(o, 200, "%s", tok);
	o->ttl_name = r->ttl_name;
	o->ttl = ttl;
	o->has_ttl = true;
}

static void dispatch(struct mmds_store *s, const struct req *r, uint64_t now_ms, struct resp *o)
{
	if (!r->path.n)
		return text(o, 400, "Invalid URI.");
	if (span_is(r->method, "GET"))
		return serve_get(s, r, now_ms, o);
	if (span_is(r->method, "PUT"))
		return serve_put(s, r, now_ms, o);
	text(o, 405, "Not allowed HTTP method.");
	o->allow = true;
}

/* refuse - the 400 for bytes that can never be a request; returns @err. */
static ssize_t refuse(int err, uint8_t **out, size_t *out_len)
{
	struct resp o = {0};

	if (err == -EMSGSIZE)
		text(&o, 400, "Request too large.");
	else if (err == -EPROTO)
		text(&o, 400, "Unsupported HTTP version.");
	else
		text(&o, 400, "Invalid request.");
	if (build(&o, false, true, out, out_len))
		return -ENOMEM;
	return err == -EPROTO ? -EINVAL : err;
}

ssize_t mmds_http_serve(struct mmds_store *s, const uint8_t *in, size_t len, uint8_t **out,
			size_t *out_len, uint64_t now_ms)
{
	size_t skip = 0, scan, head, total;
	struct resp o = {0};
	struct req r;
	int ret;

	*out = NULL;
	*out_len = 0;
	/* Empty lines before a request line are ignored (RFC 9112, 2.2): a
	 * client's stray CRLF after a body, say; a few at most. */
	while (skip < 8 && len - skip >= 2 && in[skip] == '\r' && in[skip + 1] == '\n')
		skip += 2;
	in += skip;
	len -= skip;
	scan = len < MMDS_HTTP_MAX_REQUEST ? len : MMDS_HTTP_MAX_REQUEST;
	head = find_head_end(in, scan);
	if (!head)
		return len >= MMDS_HTTP_MAX_REQUEST ? refuse(-EMSGSIZE, out, out_len) : 0;
	ret = parse_head((const char *)in, head, &r);
	if (ret)
		return refuse(ret, out, out_len);
	total = head + r.content_length;
	if (total > MMDS_HTTP_MAX_REQUEST)
		return refuse(-EMSGSIZE, out, out_len);
	if (len < total)
		return 0;
	r.path = abs_path(r.uri);
	dispatch(s, &r, now_ms, &o);
	ret = build(&o, r.http10, r.close, out, out_len);
	free(o.owned);
	return ret ? ret : (ssize_t)(skip + total);
}

bool mmds_http_closes(const uint8_t *resp, size_t len)
{
	static const char key[] = "\r\nConnection: close\r\n";
	size_t head = find_head_end(resp, len), i, n = sizeof(key) - 1;

	for (i = 0; head && i + n <= head; i++)
		if (!memcmp(resp + i, key, n))
			return true;
	return false;
}
