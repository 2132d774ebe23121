/*
 * api_request.h - the VMM's request vocabulary: what the API (api/router.c)
 * produces and the controller applies, and the reply it gets back. Owned
 * by the VMM: api/ includes this, nothing in vmm/ includes api/.
 */
#ifndef EMBER_API_REQUEST_H
#define EMBER_API_REQUEST_H

#include <stdbool.h>

#include <jansson.h>

#include "config.h"
#include "snapshot_req.h"

enum api_op {
	API_GET_INFO,		      /* GET / */
	API_GET_VERSION,	      /* GET /version */
	API_GET_VM_CONFIG,	      /* GET /vm/config */
	API_GET_MACHINE,	      /* GET /machine-config */
	API_PUT_MACHINE,	      /* PUT /machine-config */
	API_PATCH_MACHINE,	      /* PATCH /machine-config */
	API_PUT_BOOT_SOURCE,	      /* PUT /boot-source */
	API_PUT_DRIVE,		      /* PUT /drives/{id} */
	API_PATCH_DRIVE,	      /* PATCH /drives/{id} */
	API_PUT_NET,		      /* PUT /network-interfaces/{id} */
	API_PATCH_NET,		      /* PATCH /network-interfaces/{id} */
	API_PUT_ACTIONS,	      /* PUT /actions */
	API_PATCH_VM,		      /* PATCH /vm (Paused / Resumed) */
	API_PUT_LOGGER,		      /* PUT /logger */
	API_PUT_METRICS,	      /* PUT /metrics */
	API_PUT_VM,		      /* PUT /vm: ember's whole-config request */
	API_PUT_BALLOON,	      /* PUT /balloon */
	API_GET_BALLOON,	      /* GET /balloon */
	API_PATCH_BALLOON,	      /* PATCH /balloon */
	API_GET_BALLOON_STATS,	      /* GET /balloon/statistics */
	API_PATCH_BALLOON_STATS,      /* PATCH /balloon/statistics */
	API_PATCH_BALLOON_HINT_START, /* PATCH /balloon/hinting/start */
	API_GET_BALLOON_HINT_STATUS,  /* GET /balloon/hinting/status */
	API_PATCH_BALLOON_HINT_STOP,  /* PATCH /balloon/hinting/stop */
	API_PUT_ENTROPY,	      /* PUT /entropy */
	API_GET_MMDS,		      /* GET /mmds */
	API_PUT_MMDS,		      /* PUT /mmds: the body (an object) in patch */
	API_PATCH_MMDS,		      /* PATCH /mmds: the merge patch in patch */
	API_PUT_MMDS_CONFIG,	      /* PUT /mmds/config */
	API_PUT_VSOCK,		      /* PUT /vsock */
	API_PUT_SNAPSHOT_CREATE,      /* PUT /snapshot/create */
	API_PUT_SNAPSHOT_LOAD,	      /* PUT /snapshot/load */
	API_PUT_CPU_CONFIG,	      /* PUT /cpu-config: a custom CPU template */
	API_OP_COUNT
};

enum api_action { ACTION_INSTANCE_START, ACTION_SEND_CTRL_ALT_DEL, ACTION_FLUSH_METRICS };

struct api_request {
	enum api_op op;
	bool deprecated; /* a deprecated field was used: answer with "Deprecation: true" */
	json_t *patch;	 /* PATCH /machine-config: merged into the current config later;
			  * PUT and PATCH /mmds: the body */
	union {
		struct cfg_boot_source boot;
		struct cfg_machine machine;
		struct cfg_drive drive;
		struct cfg_drive_update drive_update;
		struct cfg_net net;
		struct cfg_net_update net_update;
		struct cfg_logger logger;
		struct cfg_metrics metrics;
		struct cfg_entropy entropy;
		struct cfg_mmds mmds_config;
		struct cfg_vsock vsock;
		enum api_action action;
		bool pause; /* PATCH /vm: true = Paused, false = Resumed */
		struct {
			struct vm_config *cfg;
			bool start;
		} vm;
		struct cfg_balloon balloon; /* PUT /balloon */
		uint32_t balloon_mib;	    /* PATCH /balloon */
		uint32_t balloon_stats_s;   /* PATCH /balloon/statistics */
		bool ack_on_stop;	    /* PATCH /balloon/hinting/start */
		struct snapshot_create_req snap_create;
		struct snapshot_load_req snap_load;
		struct cpu_config *cpu_config; /* PUT /cpu-config (cpu_config.h), owned */
	} u;
};

struct api_reply {
	int status;	 /* 200, 204, 400, or 413 (MMDS data over its limit) */
	char *body;	 /* JSON text (malloc'd), NULL when there is none */
	bool deprecated; /* add "Deprecation: true" */
};

/* api_request_free - release what a request owns; leaves it zeroed. */
void api_request_free(struct api_request *req);

/* api_op_name - "PUT /drives", ... for logs and metrics. */
const char *api_op_name(enum api_op op);

#endif
