/*
 * router.h - an HTTP request (method, path, body) -> a validated API request.
 *
 * Pure code run on the API thread: it knows the endpoints of Firecracker's
 * API (plus ember's PUT /vm), checks resource ids, parses the JSON body
 * with the same per-section parsers as the config file (vmm/config.h), and
 * produces a struct api_request for the VMM thread. It does not know the
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

#include "config.h"
#include "err.h"

enum api_op {
	API_GET_INFO,	     /* GET / */
	API_GET_VERSION,     /* GET /version */
	API_GET_VM_CONFIG,   /* GET /vm/config */
	API_GET_MACHINE,     /* GET /machine-config */
	API_PUT_MACHINE,     /* PUT /machine-config */
	API_PATCH_MACHINE,   /* PATCH /machine-config */
	API_PUT_BOOT_SOURCE, /* PUT /boot-source */
	API_PUT_DRIVE,	     /* PUT /drives/{id} */
	API_PATCH_DRIVE,     /* PATCH /drives/{id} */
	API_PUT_NET,	     /* PUT /network-interfaces/{id} */
	API_PATCH_NET,	     /* PATCH /network-interfaces/{id} */
	API_PUT_ACTIONS,     /* PUT /actions */
	API_PATCH_VM,	     /* PATCH /vm (Paused / Resumed) */
	API_PUT_LOGGER,	     /* PUT /logger */
	API_PUT_METRICS,     /* PUT /metrics */
	API_PUT_VM,	     /* PUT /vm: ember's whole-config request */
	API_OP_COUNT
};

enum api_action { ACTION_INSTANCE_START, ACTION_SEND_CTRL_ALT_DEL, ACTION_FLUSH_METRICS };

/* PATCH /drives/{id}: what may change after boot. */
struct api_drive_update {
	char drive_id[CFG_ID_MAX + 1];
	char *path_on_host; /* NULL: unchanged */
	bool has_rate_limiter;
	struct cfg_rate_limiter rate_limiter;
};

/* PATCH /network-interfaces/{id} */
struct api_net_update {
	char iface_id[CFG_ID_MAX + 1];
	bool has_rx, has_tx;
	struct cfg_rate_limiter rx, tx;
};

struct api_request {
	enum api_op op;
	bool deprecated; /* a deprecated field was used: answer with "Deprecation: true" */
	json_t *patch;	 /* PATCH /machine-config: merged into the current config later */
	union {
		struct cfg_boot_source boot;
		struct cfg_machine machine;
		struct cfg_drive drive;
		struct api_drive_update drive_update;
		struct cfg_net net;
		struct api_net_update net_update;
		struct cfg_logger logger;
		struct cfg_metrics metrics;
		enum api_action action;
		bool pause; /* PATCH /vm: true = Paused, false = Resumed */
		struct {
			struct vm_config *cfg;
			bool start;
		} vm;
	} u;
};

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

/* api_request_free - release what a routed request owns; leaves it zeroed. */
void api_request_free(struct api_request *req);

/* api_op_name - "PUT /drives", ... for logs and metrics. */
const char *api_op_name(enum api_op op);

#endif
