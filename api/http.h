/*
 * http.h - incremental HTTP/1.1 request parser and response formatting.
 *
 * Pure code: no sockets, no allocation beyond one body buffer per request,
 * which grows with the bytes that actually arrive (a declared length alone
 * allocates at most HTTP_BODY_CHUNK).
 * The API server feeds whatever bytes a read() returned; the parser keeps
 * its own copy of the request head and body, so a request may arrive split
 * at any byte, and several pipelined requests may arrive in one read (the
 * parser stops after each complete request and says how much it consumed).
 *
 * What is accepted (RFC 9112, the subset an API client sends):
 *   request line  METHOD SP origin-form SP "HTTP/1.1" | "HTTP/1.0"
 *   headers       name ":" OWS value OWS, names case-insensitive, CRLF (or
 *                 bare LF) line ends; Content-Length, Connection, Expect
 *                 are interpreted, the rest are ignored
 *   body          Content-Length bytes, at most the configured limit
 * Everything else is refused with a 4xx/5xx status and a message:
 * Transfer-Encoding (411: the body must be framed by Content-Length),
 * heads longer than HTTP_MAX_HEAD (431), bodies over the limit (400, as
 * Firecracker's server does), bad or conflicting Content-Length, NUL and
 * control bytes, obsolete line folding, other HTTP versions (505),
 * Expect values other than 100-continue (417). After an error the
 * connection's framing is lost: the server answers and closes.
 */
#ifndef EMBER_HTTP_H
#define EMBER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD	8192 /* request line + headers, terminator included */
#define HTTP_MAX_METHOD 16
#define HTTP_MAX_MSG	160
/* No limit a caller passes goes above this: it keeps every size computation
 * on a body (its length, +1 for the NUL, growth) far from overflowing. */
#define HTTP_MAX_BODY_LIMIT (64ULL << 20)
#define HTTP_BODY_CHUNK	    (64 * 1024) /* the body buffer grows as bytes arrive */

enum http_result {
	HTTP_NEED_MORE, /* everything consumed; feed more bytes */
	HTTP_CONTINUE,	/* head done, client waits for "100 Continue" */
	HTTP_REQUEST,	/* a whole request is in p->req */
	HTTP_ERROR,	/* p->err_status / p->err_msg say why */
};

struct http_request {
	const char *method; /* NUL-terminated, inside the parser's head buffer */
	const char *path;   /* origin-form target, starts with '/' */
	const char *body;   /* NULL when there is none; NUL-terminated */
	size_t body_len;
	bool has_length; /* a Content-Length header was present */
	bool keep_alive; /* the connection stays open after the response */
	bool expect_continue;
};

enum http_state { HS_HEAD, HS_BODY, HS_DONE, HS_ERROR };

struct http_parser {
	enum http_state state;
	uint64_t max_body;
	char head[HTTP_MAX_HEAD + 1];
	size_t head_len;
	char *body;
	size_t body_len, body_want, body_cap;
	struct http_request req;
	int err_status;
	char err_msg[HTTP_MAX_MSG];
};

/* http_parser_init - ready for a first request; bodies over @max_body (at
 * most HTTP_MAX_BODY_LIMIT) are refused. */
void http_parser_init(struct http_parser *p, uint64_t max_body);

/* http_parser_reset - forget the request just handled (frees its body) and
 * expect the next one. Also the way out of HS_ERROR. */
void http_parser_reset(struct http_parser *p);

/* http_parser_free - release what the parser holds. */
void http_parser_free(struct http_parser *p);

/*
 * http_parse - consume bytes of @data (@len of them) and report progress.
 * *@used is how many were consumed; the rest belong to the next request (or
 * must be fed again after HTTP_CONTINUE). After HTTP_REQUEST the request
 * stays valid until http_parser_reset(); feeding more before that returns
 * HTTP_REQUEST again without consuming anything. After HTTP_ERROR the
 * parser stays in error until reset.
 */
enum http_result http_parse(struct http_parser *p, const char *data, size_t len, size_t *used);

/* http_reason - the reason phrase of @status ("No Content", ...). */
const char *http_reason(int status);

/*
 * http_format_response - the response head for @status with a body of
 * @body_len bytes of JSON (0: no body, and no Content-Length for 204),
 * written to @buf. @deprecation adds "Deprecation: true". Returns the head's
 * length, or -ENOSPC if @cap is too small.
 */
int http_format_response(char *buf, size_t cap, int status, size_t body_len, bool keep_alive,
			 bool deprecation);

#endif
