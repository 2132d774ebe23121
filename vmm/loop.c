/* loop.c - the epoll registry and dispatch; see loop.h. */
#include <errno.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_BATCH 16

void loop_init(struct loop *l)
{
	l->epfd = -1;
}

int loop_open(struct loop *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

static int ctl(struct loop *l, int op, int fd, uint32_t events, struct loop_handler *h)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(l->epfd, op, fd, h ? &ev : NULL) ? -errno : 0;
}

int loop_add(struct loop *l, int fd, uint32_t events, struct loop_handler *h)
{
	return ctl(l, EPOLL_CTL_ADD, fd, events, h);
}

int loop_mod(struct loop *l, int fd, uint32_t events, struct loop_handler *h)
{
	return ctl(l, EPOLL_CTL_MOD, fd, events, h);
}

int loop_del(struct loop *l, int fd)
{
	return ctl(l, EPOLL_CTL_DEL, fd, 0, NULL);
}

int loop_run(struct loop *l, const atomic_bool *stop)
{
	struct epoll_event ev[LOOP_BATCH];
	struct loop_handler *h;
	int i, n;

	while (!atomic_load(stop)) {
		n = epoll_wait(l->epfd, ev, LOOP_BATCH, -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n && !atomic_load(stop); i++) {
			h = ev[i].data.ptr;
			h->fn(h->ctx, ev[i].events);
		}
	}
	return 0;
}

void loop_close(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}
