/*
 * snapshot_req.h - the bodies of PUT /snapshot/create and PUT /snapshot/load
 * in Firecracker's schema, parsed from client JSON (untrusted: unknown
 * fields, wrong types, missing or conflicting fields are refused with one
 * sentence). Shared by the API's router and the controller; the strings
 * are owned by the struct (snapshot_req_*_free).
 */
#ifndef EMBER_SNAPSHOT_REQ_H
#define EMBER_SNAPSHOT_REQ_H

#include <stdbool.h>

#include <jansson.h>

#include "config.h"
#include "err.h"

enum snapshot_type { SNAPSHOT_FULL, SNAPSHOT_DIFF };
enum snapshot_backend { SNAPSHOT_BACKEND_FILE, SNAPSHOT_BACKEND_UFFD };

struct snapshot_create_req {
	enum snapshot_type type;
	char *snapshot_path;
	char *mem_file_path;
};

struct snapshot_net_override {
	char iface_id[CFG_ID_MAX + 1];
	char host_dev_name[16]; /* IFNAMSIZ */
};

struct snapshot_load_req {
	char *snapshot_path;
	enum snapshot_backend backend;
	char *backend_path;	/* mem_backend.backend_path or mem_file_path */
	bool deprecated;	/* mem_file_path or enable_diff_snapshots used */
	bool track_dirty_pages; /* or the deprecated enable_diff_snapshots */
	bool resume_vm;
	bool clock_realtime;
	char *vsock_uds_path; /* vsock_override.uds_path, NULL if none */
	unsigned int nr_net_overrides;
	struct snapshot_net_override net_override[CFG_MAX_NETS];
};

/* snapshot_req_parse_create / _load - @j into @out (zeroed first); 0 or
 * -EINVAL with "snapshot-create: ..." / "snapshot-load: ..." in @e, and
 * nothing left allocated. */
int snapshot_req_parse_create(const json_t *j, struct snapshot_create_req *out, struct errbuf *e);
int snapshot_req_parse_load(const json_t *j, struct snapshot_load_req *out, struct errbuf *e);

void snapshot_req_create_free(struct snapshot_create_req *r);
void snapshot_req_load_free(struct snapshot_load_req *r);

#endif
