/*
 * controller.h - applies API requests (api_request.h) to the VM on the
 * event-loop thread: the one place with the pre/post-boot rules and the
 * checks against the current state; owns the metrics and their flush timer.
 * Replies: 204, 200 with JSON, or 400 with a fault_message.
 */
#ifndef EMBER_CONTROLLER_H
#define EMBER_CONTROLLER_H

#include <stdbool.h>

#include "api_request.h"
#include "metrics.h"
#include "pause.h"
#include "vm.h"

struct controller {
	struct vm *vm;
	struct metrics metrics;
	int metrics_timer_fd;
	struct loop_handler metrics_timer;
	struct pause_state pause;
	bool boot_configured; /* a boot-specific resource was set: no snapshot load */
};

/* controller_init - a controller for @vm (not started, not paused). */
void controller_init(struct controller *c, struct vm *vm);

/*
 * controller_setup - after vm_loop_setup(): apply the logger and metrics of
 * vm->cfg (from a config file) and of the command line (which wins), and
 * start the metrics timer if a metrics file is set. Returns 0 or -errno
 * with @e saying what failed.
 */
int controller_setup(struct controller *c, struct errbuf *e);

/*
 * controller_handle - apply @req and fill @reply. Whatever the request
 * owns that the VM keeps (strings, a whole config) is moved out of @req;
 * the caller still frees @req with api_request_free().
 */
void controller_handle(struct controller *c, struct api_request *req, struct api_reply *reply);

/* controller_reply_fault - @reply becomes a 400 with @msg as fault_message. */
void controller_reply_fault(struct api_reply *reply, const char *msg);

/* controller_reply_free - release @reply's body. */
void controller_reply_free(struct api_reply *reply);

/* controller_state - "Not started", "Running" or "Paused" (GET /). */
const char *controller_state(const struct controller *c);

/*
 * controller_balloon - the balloon requests (controller_balloon.c), phase
 * already checked: 1 with @reply a 200 and its JSON body, 0 for 204, or
 * -errno with @e holding Firecracker's message.
 */
#define BALLOON_ERROR "Balloon config error: "
int controller_balloon(struct controller *c, struct api_request *req, struct api_reply *reply,
		       struct errbuf *e);

/* controller_shutdown - final metrics line, close the metrics file. */
void controller_shutdown(struct controller *c);

#endif
