/* vm_exit.c - the exit notifier; see vm_exit.h. */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vm_exit.h"

void vm_exit_init(struct vm_exit *x)
{
	x->efd = -1;
	atomic_init(&x->pending, false);
	atomic_init(&x->status, -1);
}

int vm_exit_open(struct vm_exit *x)
{
	x->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return x->efd < 0 ? -errno : 0;
}

void vm_exit_request(struct vm_exit *x, int status)
{
	int expected = -1;
	uint64_t one = 1;

	atomic_compare_exchange_strong(&x->status, &expected, status);
	atomic_store(&x->pending, true);
	if (x->efd >= 0 && write(x->efd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the loop will wake anyway. */
	}
}

void vm_exit_halt(struct vm_exit *x)
{
	atomic_store(&x->pending, true);
}

bool vm_exit_pending(const struct vm_exit *x)
{
	return atomic_load(&x->pending);
}

int vm_exit_status(const struct vm_exit *x)
{
	return atomic_load(&x->status);
}

void vm_exit_drain(struct vm_exit *x)
{
	uint64_t n;

	/* The loop condition does the work; just drain the counter. */
	if (read(x->efd, &n, sizeof(n)) < 0) {
	}
}

void vm_exit_close(struct vm_exit *x)
{
	if (x->efd >= 0)
		close(x->efd);
	x->efd = -1;
}
