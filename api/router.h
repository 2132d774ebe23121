/*
 * router.h - an HTTP request (method, path, body) -> a validated API request.
 *
 * Pure code run on the API thread: it knows the endpoints of Firecracker's
 * API (plus ember's PUT /vm), checks resource ids, parses the JSON body
 * with the same per-section parsers as the config file (vmm/config.h), and
 * produces a struct api_request (vmm/api_request.h) for the VMM thread. It does not know the
 * VM's state: phase rules (pre/post boot) and checks against the current
 * configuration belong to vmm/controller.c.
 *
 * Every rejection is an HTTP 400 with one of Firecracker's messages:
 *   "Invalid request method and/or path: <METHOD> <path>."
 *   "GET request cannot have a body." / "Empty PUT request." / "Empty PATCH request."
 *   "The ID cannot be empty." / "API Resource IDs can only contain
 *   alphanumeric characters and underscores."
 *   "The id from the path does not match the id from the body!"
 *   "An error occurred when deserializing the json body of a request: <why>."
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
