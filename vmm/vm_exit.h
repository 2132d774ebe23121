/*
 * vm_exit.h - the exit notifier: how a vCPU or device ends the VM without
 * knowing struct vm. Any thread may request; the first status wins, and
 * the eventfd wakes the event loop, which stops once pending is true.
 */
#ifndef EMBER_VM_EXIT_H
#define EMBER_VM_EXIT_H

#include <stdatomic.h>
#include <stdbool.h>

/* Exit statuses, Firecracker's numbering where it has one. */
#define EMBER_EXIT_OK	       0
#define EMBER_EXIT_GENERIC     1
#define EMBER_EXIT_UNEXPECTED  2
#define EMBER_EXIT_BAD_CONFIG  152
#define EMBER_EXIT_ARG_PARSING 153

struct vm_exit {
	int efd;	     /* wakes the event loop; -1 until vm_exit_open */
	atomic_bool pending; /* set once: threads leave their loops */
	atomic_int status;   /* -1 until the first request */
};

/* vm_exit_init - not pending, no status, no eventfd. */
void vm_exit_init(struct vm_exit *x);

/* vm_exit_open - create the eventfd. 0 or -errno. */
int vm_exit_open(struct vm_exit *x);

/* vm_exit_request - end the VM with @status (first caller's counts). */
void vm_exit_request(struct vm_exit *x, int status);

/* vm_exit_halt - mark pending without a status or wake-up (teardown). */
void vm_exit_halt(struct vm_exit *x);

/* vm_exit_pending - an exit was requested (or halted). */
bool vm_exit_pending(const struct vm_exit *x);

/* vm_exit_status - the requested status, or -1 if none. */
int vm_exit_status(const struct vm_exit *x);

/* vm_exit_drain - reset the eventfd's counter (the loop's handler). */
void vm_exit_drain(struct vm_exit *x);

/* vm_exit_close - close the eventfd. */
void vm_exit_close(struct vm_exit *x);

#endif
