/*
 * test_mmds_http.c - the guest-facing HTTP semantics: whole responses
 * (status line, headers, body) for V1 and V2 reads, token sessions,
 * imds_compat, errors, partial and pipelined input, limits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmds_http.h"

#define DATA                                                                                       \
	"{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-12345\",\"hostname\":\"vm1\","               \
	"\"net\":{\"ip\":\"10.0.0.2\"}},\"user-data\":\"#cloud-config\"},\"age\":43}"

static struct mmds_store *store(enum mmds_version v, bool compat)
{
	struct mmds_store *s = mmds_store_new(0);
	json_t *j = json_loads(DATA, 0, NULL);

	assert_non_null(s);
	assert_non_null(j);
	assert_int_equal(mmds_store_put(s, j), 0);
	json_decref(j);
	mmds_store_configure(s, v, MMDS_DEFAULT_IPV4, compat);
	return s;
}

/* serve - one call; the response as a NUL-terminated string (caller frees). */
static char *serve(struct mmds_store *s, const char *req, ssize_t want_ret, uint64_t now)
{
	uint8_t *out = NULL;
	size_t len = 0;
	ssize_t ret = mmds_http_serve(s, (const uint8_t *)req, strlen(req), &out, &len, now);
	char *str;

	assert_int_equal(ret, want_ret);
	if (!ret) {
		assert_null(out);
		return NULL;
	}
	assert_non_null(out);
	str = malloc(len + 1);
	assert_non_null(str);
	memcpy(str, out, len);
	str[len] = '\0';
	free(out);
	return str;
}

static char *expected(const char *ver, int status, const char *rsn, const char *conn,
		      const char *type, const char *extra, const char *body)
{
	char *s;

	assert_true(asprintf(&s,
			     "HTTP/%s %d %s\r\nServer: Firecracker API\r\nConnection: %s\r\n"
			     "Content-Type: %s\r\n%sContent-Length: %zu\r\n\r\n%s",
			     ver, status, rsn, conn, type, extra, strlen(body), body) > 0);
	return s;
}

/* check - serve @req (consumed whole) and compare the whole response. */
static void check(struct mmds_store *s, const char *req, uint64_t now, int status, const char *rsn,
		  const char *type, const char *extra, const char *body)
{
	bool http10 = strstr(req, "HTTP/1.0\r\n") != NULL;
	char *got = serve(s, req, (ssize_t)strlen(req), now);
	char *want = expected(http10 ? "1.0" : "1.1", status, rsn, http10 ? "close" : "keep-alive",
			      type, extra, body);

	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_v1_reads(void **state)
{
	struct mmds_store *s = store(MMDS_V1, false);

	(void)state;
	check(s, "GET / HTTP/1.1\r\n\r\n", 0, 200, "OK", "text/plain", "", "age\nlatest/");
	check(s, "GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n", 0, 200, "OK",
	      "text/plain", "", "ami-id\nhostname\nnet/");
	check(s, "GET http://169.254.169.254//latest//meta-data/ami-id HTTP/1.0\r\n\r\n", 0, 200,
	      "OK", "text/plain", "", "ami-12345");
	check(s, "GET /latest/meta-data/net?x=1 HTTP/1.1\r\naccept: Application/JSON\r\n\r\n", 0,
	      200, "OK", "application/json", "", "{\"ip\":\"10.0.0.2\"}");
	check(s, "GET /latest/user-data HTTP/1.1\r\nAccept: */*\r\n\r\n", 0, 200, "OK",
	      "text/plain", "", "#cloud-config");
	check(s, "GET /nope HTTP/1.1\r\n\r\n", 0, 404, "Not Found", "text/plain", "",
	      "Resource not found: /nope.");
	check(s, "GET /age HTTP/1.1\r\n\r\n", 0, 501, "Not Implemented", "text/plain", "",
	      "Cannot retrieve value. The value has an unsupported type.");
	check(s, "GET /age HTTP/1.1\r\nAccept: application/json\r\n\r\n", 0, 200, "OK",
	      "application/json", "", "43");
	check(s, "GET http://169.254.169.254 HTTP/1.1\r\n\r\n", 0, 400, "Bad Request", "text/plain",
	      "", "Invalid URI.");
	/* V1 takes a token but does not need it; a bad one is only counted. */
	check(s, "GET /latest/user-data HTTP/1.1\r\nX-metadata-token: junk\r\n\r\n", 0, 200, "OK",
	      "text/plain", "", "#cloud-config");
	mmds_store_free(s);
}

static void test_methods(void **state)
{
	struct mmds_store *s = store(MMDS_V1, false);
	const char *methods[] = {"POST", "PATCH", "DELETE", "HEAD"};
	char req[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(req, sizeof(req), "%s / HTTP/1.1\r\n\r\n", methods[i]);
		check(s, req, 0, 405, "Method Not Allowed", "text/plain", "Allow: GET, PUT\r\n",
		      "Not allowed HTTP method.");
	}
	mmds_store_free(s);
}

/* token - PUT /latest/api/token at @now; the token (static buffer). */
static const char *token(struct mmds_store *s, const char *ttl_header, uint64_t now)
{
	static char tok[MMDS_TOKEN_LEN + 1];
	char req[256], *got, *body;

	snprintf(req, sizeof(req), "PUT /latest/api/token HTTP/1.1\r\n%s: 60\r\n\r\n", ttl_header);
	got = serve(s, req, (ssize_t)strlen(req), now);
	assert_non_null(strstr(got, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(got, "\r\nContent-Type: text/plain\r\n"));
	snprintf(req, sizeof(req), "\r\n%s: 60\r\n", ttl_header);
	assert_non_null(strstr(got, req));
	body = strstr(got, "\r\n\r\n") + 4;
	assert_int_equal(strlen(body), MMDS_TOKEN_LEN);
	memcpy(tok, body, MMDS_TOKEN_LEN + 1);
	free(got);
	return tok;
}

static void test_v2_sessions(void **state)
{
	struct mmds_store *s = store(MMDS_V2, false);
	struct mmds_stats st;
	char req[256];
	const char *tok;

	(void)state;
	check(s, "GET /latest/user-data HTTP/1.1\r\n\r\n", 0, 401, "Unauthorized", "text/plain", "",
	      "No MMDS token provided. Use `X-metadata-token` or `X-aws-ec2-metadata-token` "
	      "header to specify the session token.");
	check(s, "GET /latest/user-data HTTP/1.1\r\nX-metadata-token: nope\r\n\r\n", 0, 401,
	      "Unauthorized", "text/plain", "", "MMDS token not valid.");
	tok = token(s, "X-metadata-token-ttl-seconds", 1000);
	snprintf(req, sizeof(req), "GET /latest/user-data HTTP/1.1\r\nX-metadata-token: %s\r\n\r\n",
		 tok);
	check(s, req, 60999, 200, "OK", "text/plain", "", "#cloud-config");
	check(s, req, 61000, 401, "Unauthorized", "text/plain", "", "MMDS token not valid.");
	tok = token(s, "x-aws-ec2-metadata-token-ttl-seconds", 1000);
	snprintf(req, sizeof(req),
		 "GET /latest/meta-data/hostname HTTP/1.1\r\nX-aws-ec2-metadata-token: %s\r\n\r\n",
		 tok);
	check(s, req, 2000, 200, "OK", "text/plain", "", "vm1");
	mmds_store_stats(s, &st);
	assert_int_equal(st.v[MMDS_RX_NO_TOKEN], 1);
	assert_int_equal(st.v[MMDS_RX_INVALID_TOKEN], 2);
	mmds_store_free(s);
}

static void test_token_errors(void **state)
{
	struct mmds_store *s = store(MMDS_V2, false);

	(void)state;
	check(s, "PUT /latest/api/token HTTP/1.1\r\n\r\n", 0, 400, "Bad Request", "text/plain", "",
	      "Token time to live value not found. Use `X-metadata-token-ttl-seconds` or "
	      "`X-aws-ec2-metadata-token-ttl-seconds` header to specify the token's lifetime.");
	check(s, "PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 0\r\n\r\n", 0,
	      400, "Bad Request", "text/plain", "",
	      "Invalid time to live value provided for token: 0. Please provide a value between 1 "
	      "and 21600.");
	check(
	    s, "PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 21601\r\n\r\n", 0,
	    400, "Bad Request", "text/plain", "",
	    "Invalid time to live value provided for token: 21601. Please provide a value between "
	    "1 and 21600.");
	check(s, "PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: -5\r\n\r\n", 0,
	      400, "Bad Request", "text/plain", "",
	      "Invalid header. Reason: Invalid value. Key:X-metadata-token-ttl-seconds; Value:-5");
	check(s,
	      "PUT /latest/api/token HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n"
	      "X-metadata-token-ttl-seconds: 60\r\n\r\n",
	      0, 400, "Bad Request", "text/plain", "",
	      "Invalid header. Reason: Unsupported header name. Key: X-Forwarded-For");
	check(s, "PUT /latest/meta-data HTTP/1.1\r\nX-metadata-token-ttl-seconds: 60\r\n\r\n", 0,
	      404, "Not Found", "text/plain", "", "Resource not found: /latest/meta-data.");
	mmds_store_free(s);
}

static void test_imds_compat(void **state)
{
	struct mmds_store *s = store(MMDS_V1, true);

	(void)state;
	check(s, "GET /latest/meta-data/net HTTP/1.1\r\nAccept: application/json\r\n\r\n", 0, 200,
	      "OK", "text/plain", "", "ip");
	mmds_store_free(s);
}

static void test_framing(void **state)
{
	struct mmds_store *s = store(MMDS_V1, false);
	const char *two = "GET /age HTTP/1.1\r\nAccept: application/json\r\n\r\n"
			  "GET /latest/user-data HTTP/1.1\r\n\r\n";
	const char *first_end = strstr(two, "\r\n\r\n") + 4;
	const char *with_body = "GET /age HTTP/1.1\r\nAccept: application/json\r\n"
				"Content-Length: 5\r\n\r\nhello";
	const char *close_req = "GET /age HTTP/1.1\r\nConnection: close\r\n\r\n";
	const char *keep_req = "GET /age HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	char *got, big[MMDS_HTTP_MAX_REQUEST + 16];
	uint8_t *out;
	size_t len;

	(void)state;
	/* Partial heads and bodies need more bytes. */
	assert_null(serve(s, "GET / HTTP/1.1\r\n", 0, 0));
	assert_null(serve(s, "GET /age HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", 0, 0));
	got = serve(s, with_body, (ssize_t)strlen(with_body), 0);
	assert_non_null(strstr(got, "\r\n\r\n43"));
	free(got);
	/* Empty lines before a request are skipped and consumed with it. */
	got = serve(s, "\r\n\r\nGET /age HTTP/1.1\r\nAccept: application/json\r\n\r\n", 51, 0);
	assert_non_null(strstr(got, "\r\n\r\n43"));
	free(got);
	assert_null(serve(s, "\r\n", 0, 0));
	free(serve(s, "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", -EINVAL, 0));
	/* Pipelined: the first request only. */
	got = serve(s, two, first_end - two, 0);
	assert_non_null(strstr(got, "\r\n\r\n43"));
	free(got);
	/* Connection handling. */
	got = serve(s, close_req, (ssize_t)strlen(close_req), 0);
	assert_true(mmds_http_closes((uint8_t *)got, strlen(got)));
	free(got);
	got = serve(s, keep_req, (ssize_t)strlen(keep_req), 0);
	assert_false(mmds_http_closes((uint8_t *)got, strlen(got)));
	free(got);
	/* Never a request. */
	got = serve(s, "G3T / HTTP/1.1\r\n\r\n", -EINVAL, 0);
	assert_string_equal(got,
			    "HTTP/1.1 400 Bad Request\r\nServer: Firecracker API\r\nConnection: "
			    "close\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\n"
			    "Invalid request.");
	assert_true(mmds_http_closes((uint8_t *)got, strlen(got)));
	free(got);
	free(serve(s, "GET / HTTP/2.0\r\n\r\n", -EINVAL, 0));
	free(serve(s, "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", -EINVAL, 0));
	free(serve(s, "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -EINVAL, 0));
	free(serve(s, "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -EINVAL,
		   0));
	free(serve(s, "GET / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", -EMSGSIZE, 0));
	free(serve(s, "GET /\x01 HTTP/1.1\r\n\r\n", -EINVAL, 0));
	/* A head that never ends. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "GET /", 5);
	assert_int_equal(
	    mmds_http_serve(s, (uint8_t *)big, MMDS_HTTP_MAX_REQUEST - 1, &out, &len, 0), 0);
	assert_int_equal(mmds_http_serve(s, (uint8_t *)big, sizeof(big), &out, &len, 0), -EMSGSIZE);
	assert_non_null(out);
	assert_true(mmds_http_closes(out, len));
	free(out);
	mmds_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_reads),	cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_v2_sessions), cmocka_unit_test(test_token_errors),
	    cmocka_unit_test(test_imds_compat), cmocka_unit_test(test_framing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
