/*
 * fuzz_mmds_http.c - libFuzzer target: what a guest sends to the metadata
 * service, through mmds_http_serve() over a store with data, plus a merge
 * patch into that store (the PATCH /mmds body path).
 *
 * Input: byte 0 picks the mode (bit 7: V2, bit 6: imds_compat, bit 5: the
 * input starts with a JSON merge patch ended by a NUL byte, low 5 bits: how
 * the stream is cut into reads, 0 = all at once). The rest is the byte
 * stream of one connection, fed the way a TCP stack would: appended to a
 * bounded buffer, served request by request until a parse error. "@TOK@"
 * in the stream becomes a live V2 token, so the valid-token paths are
 * reached too. Every response must be a whole HTTP/1.x message whose
 * Content-Length matches its body.
 *
 *   make fuzz   (bounded run over tests/fuzz/corpus/mmds_http, see run.sh)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmds_http.h"

#define DATA                                                                                       \
	"{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-1\",\"net\":{\"ip\":\"169.254.0.2\"},"       \
	"\"list\":[\"a\",{\"b\":\"c\"}],\"n\":1}},\"a~b\":{\"c/d\":\"e\"}}"
#define BUF (MMDS_HTTP_MAX_REQUEST + 512)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - @out is a whole HTTP/1.x response with a matching Content-Length. */
static void check(const uint8_t *out, size_t len)
{
	const char *cl;
	char *head;
	size_t hlen, body;

	if (!out || len < 12 || memcmp(out, "HTTP/1.", 7))
		__builtin_trap();
	head = strndup((const char *)out, len);
	if (!head)
		return;
	cl = strstr(head, "\r\nContent-Length: ");
	hlen = strstr(head, "\r\n\r\n") ? (size_t)(strstr(head, "\r\n\r\n") - head) + 4 : 0;
	if (!cl || !hlen)
		__builtin_trap();
	body = strtoull(cl + 18, NULL, 10);
	if (hlen + body != len)
		__builtin_trap();
	if (mmds_http_closes(out, len) != (strstr(head, "\r\nConnection: close\r\n") != NULL))
		__builtin_trap();
	free(head);
}

/* with_token - @in with every "@TOK@" replaced by @tok (malloc'd). */
static uint8_t *with_token(const uint8_t *in, size_t n, const char *tok, size_t *out_n)
{
	uint8_t *o = malloc(n * (MMDS_TOKEN_LEN / 5 + 1) + 1);
	size_t i = 0, w = 0;

	if (!o)
		return NULL;
	while (i < n) {
		if (n - i >= 5 && !memcmp(in + i, "@TOK@", 5)) {
			memcpy(o + w, tok, MMDS_TOKEN_LEN);
			w += MMDS_TOKEN_LEN;
			i += 5;
		} else {
			o[w++] = in[i++];
		}
	}
	*out_n = w;
	return o;
}

static void serve_stream(struct mmds_store *s, const uint8_t *in, size_t n, size_t chunk)
{
	uint8_t *buf = malloc(BUF), *out;
	size_t have = 0, off = 0, take, out_len;
	ssize_t r;

	if (!buf)
		return;
	while (off < n) {
		take = chunk && n - off > chunk ? chunk : n - off;
		if (take > BUF - have)
			take = BUF - have;
		memcpy(buf + have, in + off, take);
		have += take;
		off += take;
		for (;;) {
			r = mmds_http_serve(s, buf, have, &out, &out_len, 1000);
			if (r == 0)
				break;
			if (r == -ENOMEM)
				goto out;
			check(out, out_len);
			free(out);
			if (r < 0)
				goto out;
			if ((size_t)r > have)
				__builtin_trap();
			memmove(buf, buf + r, have - (size_t)r);
			have -= (size_t)r;
		}
		if (have == BUF)
			__builtin_trap(); /* a full buffer must have been refused */
	}
out:
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmds_store *s;
	char tok[MMDS_TOKEN_LEN + 1];
	const uint8_t *nul;
	uint8_t *stream;
	json_t *j;
	size_t n;
	uint8_t mode;

	if (size < 1 || size > 16384)
		return 0;
	mode = data[0];
	s = mmds_store_new(4096);
	j = json_loads(DATA, 0, NULL);
	if (!s || !j || mmds_store_put(s, j))
		__builtin_trap();
	json_decref(j);
	mmds_store_configure(s, mode & 0x80 ? MMDS_V2 : MMDS_V1, MMDS_DEFAULT_IPV4, mode & 0x40);
	if (mmds_store_token_new(s, 60, 0, tok))
		__builtin_trap();
	data++;
	size--;
	if (mode & 0x20 && (nul = memchr(data, 0, size))) {
		j = json_loadb((const char *)data, (size_t)(nul - data), JSON_DECODE_ANY, NULL);
		if (j)
			mmds_store_patch(s, j);
		json_decref(j);
		size -= (size_t)(nul - data) + 1;
		data = nul + 1;
	}
	stream = with_token(data, size, tok, &n);
	if (stream)
		serve_stream(s, stream, n, mode & 0x1f);
	free(stream);
	mmds_store_free(s);
	return 0;
}
