/*
 * router.h - an HTTP request (method, path, body) -> a validated struct
 * api_request (vmm/api_request.h), on the API thread: Firecracker's
 * endpoints and ids, bodies parsed by config.h's section parsers. Knows no VM
 * state; every rejection is a 400 with one of Firecracker's messages.
 */
#ifndef EMBER_ROUTER_H
#define EMBER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api_request.h"
#include "config.h"
#include "err.h"

/* The prefix of Firecracker's body-validation messages. */
#define API_DESERIALIZE_PREFIX "An error occurred when deserializing the json body of a request: "

/*
 * api_route - check and parse one request. @body may be NULL (no body);
 * @body_len counts its bytes (JSON may not contain NULs). On success @req
 * holds the request (free it with api_request_free); on failure it is
 * left empty and @e holds the fault message. Returns 0 or -EINVAL.
 */
int api_route(const char *method, const char *path, const char *body, size_t body_len,
	      struct api_request *req, struct errbuf *e);

#endif
