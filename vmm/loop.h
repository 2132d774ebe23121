/*
 * loop.h - the event loop's epoll registry: fd -> handler.
 *
 * Single-threaded: add, change, remove and dispatch run on the thread that
 * runs the loop (setup before it runs is fine). A handler must outlive its
 * registration; it runs with the epoll events that fired.
 */
#ifndef EMBER_LOOP_H
#define EMBER_LOOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Something the loop watches: @fn(@ctx, events) on the loop's thread. */
struct loop_handler {
	void (*fn)(void *ctx, uint32_t events);
	void *ctx;
};

struct loop {
	int epfd; /* -1 until loop_open */
};

/* loop_init - no epoll set yet (loop_close is then a no-op). */
void loop_init(struct loop *l);

/* loop_open - create the epoll set. 0 or -errno. */
int loop_open(struct loop *l);

/* loop_add / loop_mod / loop_del - (un)watch @fd. 0 or -errno. */
int loop_add(struct loop *l, int fd, uint32_t events, struct loop_handler *h);
int loop_mod(struct loop *l, int fd, uint32_t events, struct loop_handler *h);
int loop_del(struct loop *l, int fd);

/*
 * loop_run - wait for events and dispatch them until *@stop is true (it is
 * tested before every handler). Returns 0, or -errno if epoll_wait failed.
 */
int loop_run(struct loop *l, const atomic_bool *stop);

/* loop_close - close the epoll set. */
void loop_close(struct loop *l);

#endif
