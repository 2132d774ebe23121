/*
 * conn.h - the connections of the API server (private to api/server.c).
 *
 * A connection is closed (socket gone, fd -1) by conn_close() but freed
 * only by conn_sweep(), between two epoll rounds: an event of the current
 * round may still point to it, and the VMM may still hold its request.
 */
#ifndef EMBER_CONN_H
#define EMBER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

/* api_now_ms - CLOCK_MONOTONIC in milliseconds. */
uint64_t api_now_ms(void);

/* conn_new - a connection for the accepted @fd, watched by the server's
 * epoll; NULL on failure (the caller closes @fd). */
struct api_conn *conn_new(struct api_server *s, int fd);

/* conn_set_events - epoll interest from the buffers' state: input while
 * there is room and the peer has not closed, output while some is queued. */
void conn_set_events(struct api_server *s, struct api_conn *c);

void conn_close(struct api_server *s, struct api_conn *c);
void conn_free(struct api_server *s, struct api_conn *c);

/* conn_sweep - free closed connections the VMM no longer needs. */
void conn_sweep(struct api_server *s);

/* conn_queue - append @len bytes to the output; -ENOMEM. */
int conn_queue(struct api_conn *c, const char *data, size_t len);

/* conn_flush - write what the socket takes; -1 if the connection closed. */
int conn_flush(struct api_server *s, struct api_conn *c);

/* conn_respond - queue a whole response with JSON @body (may be NULL). */
void conn_respond(struct api_conn *c, int status, const char *body, bool keep_alive,
		  bool deprecated);

/* conn_http_error - answer the parser's error, then drain and close. */
void conn_http_error(struct api_conn *c);

/* conn_note_partial - after parsing: note whether the client is in the
 * middle of sending a request (the request timeout runs from its start). */
void conn_note_partial(struct api_conn *c);

/* conn_live - connections with an open socket. */
int conn_live(const struct api_server *s);

/* conn_evict - close a connection for a new client: a stalled writer
 * first, then one mid-request, then an idle one (least recently active
 * first within each); false if none may go. */
bool conn_evict(struct api_server *s);

/* conn_expire - close draining connections and stalled writers whose time
 * is up, answer 408 to requests not whole in time; returns the epoll
 * timeout until the next deadline (-1: none), including, while a client is
 * held, the end of the youngest connections' grace. */
int conn_expire(struct api_server *s);

/* conn_output_pending - some open connection still has output queued. */
bool conn_output_pending(const struct api_server *s);

#endif
