/* api_request.c - releasing requests and naming ops; see api_request.h. */
#include <stdlib.h>
#include <string.h>

#include "api_request.h"
#include "cpu_config.h"

static const char *const op_names[API_OP_COUNT] = {
    [API_GET_INFO] = "GET /",
    [API_GET_VERSION] = "GET /version",
    [API_GET_VM_CONFIG] = "GET /vm/config",
    [API_GET_MACHINE] = "GET /machine-config",
    [API_PUT_MACHINE] = "PUT /machine-config",
    [API_PATCH_MACHINE] = "PATCH /machine-config",
    [API_PUT_BOOT_SOURCE] = "PUT /boot-source",
    [API_PUT_DRIVE] = "PUT /drives",
    [API_PATCH_DRIVE] = "PATCH /drives",
    [API_PUT_NET] = "PUT /network-interfaces",
    [API_PATCH_NET] = "PATCH /network-interfaces",
    [API_PUT_ACTIONS] = "PUT /actions",
    [API_PATCH_VM] = "PATCH /vm",
    [API_PUT_LOGGER] = "PUT /logger",
    [API_PUT_METRICS] = "PUT /metrics",
    [API_PUT_VM] = "PUT /vm",
    [API_PUT_BALLOON] = "PUT /balloon",
    [API_GET_BALLOON] = "GET /balloon",
    [API_PATCH_BALLOON] = "PATCH /balloon",
    [API_GET_BALLOON_STATS] = "GET /balloon/statistics",
    [API_PATCH_BALLOON_STATS] = "PATCH /balloon/statistics",
    [API_PATCH_BALLOON_HINT_START] = "PATCH /balloon/hinting/start",
    [API_GET_BALLOON_HINT_STATUS] = "GET /balloon/hinting/status",
    [API_PATCH_BALLOON_HINT_STOP] = "PATCH /balloon/hinting/stop",
    [API_PUT_ENTROPY] = "PUT /entropy",
    [API_GET_MMDS] = "GET /mmds",
    [API_PUT_MMDS] = "PUT /mmds",
    [API_PATCH_MMDS] = "PATCH /mmds",
    [API_PUT_MMDS_CONFIG] = "PUT /mmds/config",
    [API_PUT_VSOCK] = "PUT /vsock",
    [API_PUT_SNAPSHOT_CREATE] = "PUT /snapshot/create",
    [API_PUT_SNAPSHOT_LOAD] = "PUT /snapshot/load",
    [API_PUT_CPU_CONFIG] = "PUT /cpu-config",
};

const char *api_op_name(enum api_op op)
{
	return (unsigned int)op < API_OP_COUNT ? op_names[op] : "unknown";
}

void api_request_free(struct api_request *req)
{
	switch (req->op) {
	case API_PUT_BOOT_SOURCE:
		free(req->u.boot.kernel_image_path);
		free(req->u.boot.initrd_path);
		free(req->u.boot.boot_args);
		break;
	case API_PUT_DRIVE:
		free(req->u.drive.path_on_host);
		free(req->u.drive.partuuid);
		break;
	case API_PATCH_DRIVE:
		free(req->u.drive_update.path_on_host);
		break;
	case API_PUT_LOGGER:
		free(req->u.logger.log_path);
		free(req->u.logger.module);
		break;
	case API_PUT_METRICS:
		free(req->u.metrics.metrics_path);
		break;
	case API_PUT_VSOCK:
		config_vsock_free(&req->u.vsock);
		break;
	case API_PUT_VM:
		if (req->u.vm.cfg) {
			config_free(req->u.vm.cfg);
			free(req->u.vm.cfg);
		}
		break;
	case API_PUT_SNAPSHOT_CREATE:
		snapshot_req_create_free(&req->u.snap_create);
		break;
	case API_PUT_SNAPSHOT_LOAD:
		snapshot_req_load_free(&req->u.snap_load);
		break;
	case API_PUT_CPU_CONFIG:
		cpu_config_destroy(req->u.cpu_config);
		break;
	default:
		break;
	}
	json_decref(req->patch);
	memset(req, 0, sizeof(*req));
}
