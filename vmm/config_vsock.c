/*
 * config_vsock.c - the "vsock" section of the config file and the body of
 * PUT /vsock (Firecracker's VsockDeviceConfig); see config.h.
 *
 * guest_cid is any 32-bit value, 0 included (firecracker-containerd sends
 * 0 and Firecracker accepts it). vsock_id is deprecated: accepted, kept
 * for GET /vm/config, and the API answers with a Deprecation header.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_json.h"

#define VOFF(m) offsetof(struct cfg_vsock, m)

static const struct cj_field vsock_fields[] = {
    FLD("guest_cid", F_U64, true, VOFF(guest_cid), .min = 0, .max = UINT32_MAX),
    FLD("uds_path", F_PATH, true, VOFF(uds_path)),
    FLD("vsock_id", F_STR, false, VOFF(vsock_id), .max = CFG_ID_MAX),
    {0},
};

int config_parse_vsock(const json_t *j, struct cfg_vsock *out, struct errbuf *e)
{
	struct cj_ctx c = {"vsock", "", e};
	struct cfg_vsock v = {.set = true};

	return cj_parse_section(&c, j, vsock_fields, &v, out, sizeof(v));
}

void config_vsock_free(struct cfg_vsock *v)
{
	cj_free_strings(vsock_fields, (char *)v);
	memset(v, 0, sizeof(*v));
}
