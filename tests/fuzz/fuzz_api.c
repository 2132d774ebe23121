/*
 * fuzz_api.c - libFuzzer target: raw bytes -> HTTP parser -> router -> JSON
 * validation (the per-section config parsers), the path every byte a client
 * sends takes before the VMM sees a request.
 *
 * The first input byte chooses how the rest is cut into reads (1 to 255
 * bytes, 0 = all at once) and, through its top bit, a small body limit, so
 * split heads, split bodies and the limit checks are all explored. Every
 * request found is routed and released; responses are formatted too.
 *
 *   make fuzz            (bounded run over tests/fuzz/corpus/api, see run.sh)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void handle(const struct http_parser *p)
{
	struct api_request req;
	struct errbuf e;
	char head[256];

	if (!api_route(p->req.method, p->req.path, p->req.body, p->req.body_len, &req, &e)) {
		http_format_response(head, sizeof(head), 204, 0, p->req.keep_alive, req.deprecated);
		api_request_free(&req);
	} else {
		http_format_response(head, sizeof(head), 400, strlen(e.msg), false, false);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_parser *p;
	size_t chunk, off = 1, n, used;
	enum http_result r = HTTP_NEED_MORE;

	if (size < 1)
		return 0;
	chunk = data[0] & 0x7f;
	p = malloc(sizeof(*p));
	if (!p)
		return 0;
	http_parser_init(p, data[0] & 0x80 ? 64 : 51200);
	while (off < size && r != HTTP_ERROR) {
		n = chunk && size - off > chunk ? chunk : size - off;
		while (n) {
			r = http_parse(p, (const char *)data + off, n, &used);
			off += used;
			n -= used;
			if (r == HTTP_REQUEST) {
				handle(p);
				http_parser_reset(p);
			} else if (r == HTTP_ERROR) {
				break;
			} else if (r == HTTP_NEED_MORE && used == 0 && n) {
				break; /* cannot happen: NEED_MORE consumes everything */
			}
		}
	}
	http_parser_free(p);
	free(p);
	return 0;
}
