/*
 * mmds_http.h - the guest-facing HTTP/1.1 side of the metadata service:
 * one request in, one whole response out, Firecracker's status codes and
 * texts. Pure apart from the store (mmds_store.h) and getrandom() for new
 * tokens; the TCP connection that carries the bytes belongs to the caller
 * (the net path's small TCP stack).
 *
 * Requests are bounded: the head and body together at most
 * MMDS_HTTP_MAX_REQUEST bytes. GET reads a value (text, key listing, or
 * JSON with "Accept: application/json"; always text with imds_compat),
 * PUT /latest/api/token makes a V2 session token; anything else is 405.
 * Under V2 every GET needs a live X-metadata-token (or
 * X-aws-ec2-metadata-token); under V1 a token is optional.
 *
 * Connection handling: a response carries "Connection: close" exactly when
 * the caller should close the connection once it has sent it (HTTP/1.0
 * without keep-alive, "Connection: close", or any parse error);
 * mmds_http_closes() tells.
 */
#ifndef EMBER_MMDS_HTTP_H
#define EMBER_MMDS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mmds_store.h"

#define MMDS_HTTP_MAX_REQUEST 4096

/* Serve one HTTP/1.1 request found at the start of in[0..len). Returns the number of bytes consumed
 * (> 0) when a whole request was parsed and a complete HTTP/1.1 response was produced in *out
 * (malloc'd by you, freed by the caller, *out_len bytes); 0 when more bytes are needed; < 0
 * (-EINVAL, -EMSGSIZE) when the bytes can never be a valid request: a 400 response is still
 * produced in *out, the caller sends it and closes. now_ms is a monotonic clock in milliseconds
 * (token expiry). A request larger than a few KiB is -EMSGSIZE.
 * (-ENOMEM: nothing could be produced; *out is NULL, the caller closes.) */
ssize_t mmds_http_serve(struct mmds_store *s, const uint8_t *in, size_t len, uint8_t **out,
			size_t *out_len, uint64_t now_ms);

/* mmds_http_closes - the response @resp (@len bytes) asks the caller to
 * close the connection after sending it. */
bool mmds_http_closes(const uint8_t *resp, size_t len);

#endif
