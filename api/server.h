/*
 * server.h - the API server: HTTP/1.1 on a Unix socket, on its own thread.
 *
 * api_listen() binds and listens early in main (a client can connect from
 * that moment on, before anything else is set up); api_server_start() then
 * runs the "fc_api" thread, which owns every connection:
 *
 *   epoll over the listening socket, the connections (non-blocking, each
 *   with its own input and output buffer and HTTP parser), a stop eventfd
 *   and a reply eventfd. A slow or silent client only ever occupies its own
 *   connection; at most API_MAX_CONNS are open (the least recently active
 *   idle one is dropped for a new one).
 *
 * A complete, routed request is handed to the VMM thread through a
 * one-slot queue: the request is stored under a lock and an eventfd the
 * event loop watches (loop_add) is written; the controller applies it
 * and stores the reply; a second eventfd wakes the API thread, which writes
 * the response. One request is in flight at a time, over all connections,
 * so requests are applied strictly one after the other; the API thread
 * stays responsive (accepting, reading, writing) meanwhile. Pipelined
 * requests on one connection are answered in order.
 *
 * Hostile clients cost bounded resources and never lock others out: each
 * connection's queued output is bounded (API_OUT_HIGH stops parsing its
 * requests), one whose peer takes no output for API_STALL_MS is closed, a
 * request not whole API_REQUEST_MS after its first byte is answered 408
 * and closed, a peer that hung up is dropped from epoll, and a new client
 * finds room by evicting, in this order, a stalled writer, a connection in
 * the middle of a request, an idle one (never one with a whole request,
 * queued or with the VMM, nor one accepted less than API_GRACE_MS ago: it
 * gets the time to send its request). With no room, the new client is held
 * and accepting pauses (the rest wait in the backlog) until a connection
 * can be evicted. Pipelined requests of different connections are served
 * round robin, one request each.
 *
 * HTTP-level errors (bad framing, oversized head or body) are answered by
 * the API thread itself with {"error": msg, "fault_message": msg}, after
 * which the connection is closed: its byte stream can no longer be framed.
 */
#ifndef EMBER_SERVER_H
#define EMBER_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "controller.h"
#include "http.h"
#include "router.h"

#define API_MAX_CONNS	  16
#define API_SLOTS	  (2 * API_MAX_CONNS) /* closed ones wait one round to be freed */
#define API_IN_BUF	  16384
#define API_STACK_SIZE	  (1024 * 1024) /* JSON nesting is bounded by jansson (2048) */
#define API_DRAIN_MS	  2000		/* after an HTTP error: read and drop, then close */
#define API_STOP_FLUSH_MS 500		/* at exit: time left to deliver last responses */
#define API_STALL_MS	  5000		/* output queued, none taken by the peer: close */
#define API_REQUEST_MS	  10000		/* first byte to whole request, else 408 and close */
#define API_OUT_HIGH	  (256 * 1024)	/* queued output that stops parsing more requests */
#define API_GRACE_MS	  50		/* a new connection is not evicted this soon */

struct api_conn {
	int fd;		 /* -1 once closed (the slot may wait for a reply) */
	uint32_t events; /* current epoll interest */
	struct http_parser parser;
	char in[API_IN_BUF];
	size_t in_len, in_off;
	char *out;
	size_t out_len, out_off;
	bool busy;	  /* its request is with the VMM */
	bool keep_alive;  /* of the request in flight */
	bool peer_closed; /* read() saw EOF */
	bool close_after; /* close once the output is written */
	bool draining;	  /* an HTTP error was answered: drop input */
	uint64_t last_ms; /* last activity (CLOCK_MONOTONIC) */
	uint64_t drain_until_ms;
	uint64_t born_ms;	  /* accepted */
	uint64_t out_progress_ms; /* output became pending or the peer took some */
	bool partial;		  /* the client is in the middle of sending a request */
	uint64_t partial_since_ms;
};

struct api_server {
	struct vm *vm;
	struct controller *ctl;
	struct logger *log;
	uint64_t max_payload;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd, epoll_fd, stop_efd, req_efd, reply_efd;
	pthread_t thread;
	bool thread_started;
	struct api_conn *conns[API_SLOTS];
	unsigned int next_conn; /* round robin among waiting connections */
	int held_fd;		/* accepted, waiting for room; -1: none */
	bool stopping;
	bool inited; /* api_server_start() got far enough for api_server_stop() */

	/* The one-slot queue between the API thread and the VMM thread. */
	pthread_mutex_t lock;
	pthread_cond_t ready_cond; /* the thread installed its filter (or failed) */
	bool thread_ready;
	int thread_err; /* 0 or -errno from installing the filter */
	struct api_request req;
	struct api_reply reply;
	bool req_pending;	    /* stored, the VMM has not taken it yet */
	bool reply_ready;	    /* the VMM stored the reply */
	struct api_conn *in_flight; /* API thread only: whose request it is */
	struct loop_handler loop_handler;
	unsigned int stall_ms, request_ms; /* atomic: api_server_set_timeouts() */
};

/*
 * api_listen - a listening, non-blocking Unix socket at @path. A live
 * server at @path is refused (Firecracker's message); a stale socket file
 * (nobody listening) is replaced; any other file is left alone and
 * refused. Returns the fd or -errno with @e set.
 */
int api_listen(const char *path, struct errbuf *e);

/*
 * api_server_start - serve @listen_fd (which it takes over, also on
 * failure) on a new thread; requests go to @ctl on @vm's event loop, which
 * must be set up (vm_loop_setup). Returns 0 or -errno with @e set.
 */
int api_server_start(struct api_server *s, int listen_fd, const char *path, struct vm *vm,
		     struct controller *ctl, uint64_t max_payload, struct errbuf *e);

/* api_server_set_timeouts - change API_STALL_MS and API_REQUEST_MS of a
 * running server (tests use short ones). */
void api_server_set_timeouts(struct api_server *s, unsigned int stall_ms, unsigned int request_ms);

/*
 * api_server_stop - called on the event-loop thread once it no longer runs
 * the loop: deliver what is ready, close everything, remove the socket
 * file. Safe on a server that never started.
 */
void api_server_stop(struct api_server *s);

#endif
