/*
 * controller.h - applies API requests to the VM, on the event-loop thread.
 *
 * The one place that knows which request is allowed before and after
 * InstanceStart, and how each changes struct vm: before boot, requests
 * edit vm->cfg (the same struct the config file fills); InstanceStart runs
 * vm_start() once; after boot, requests act on the running VM (pause and
 * resume, Ctrl+Alt+Del, metrics). The API's router has already
 * checked each request's syntax; checks against the current state (file
 * paths, root-device uniqueness, limits) happen here.
 *
 * Replies: 204 and no body on success, 200 with a JSON body for GETs, 400
 * with {"fault_message": "..."} on failure. The controller also owns the
 * metrics (vmm/metrics.h) and their 60 s flush timer.
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

/* controller_shutdown - final metrics line, close the metrics file. */
void controller_shutdown(struct controller *c);

#endif
