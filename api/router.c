/*
 * router.c - see router.h.
 *
 * A request goes through three gates, in Firecracker's order: the
 * method/body pairing (GET has none, PUT and PATCH must have one), the path
 * (table of endpoints, resource ids), then the body's JSON. The sections
 * Firecracker shares with its config file are parsed by vmm/config.c's
 * parsers; the few API-only bodies (actions, VM state, PATCH of a drive or
 * interface) are checked here in the same style.
 *
 * Pure code run on the API thread: it knows the endpoints of Firecracker's
 * API (plus ember's PUT /vm), checks resource ids, parses the JSON body
 * with the same per-section parsers as the config file (vmm/config.h), and
 * produces a struct api_request (vmm/api_request.h) for the VMM thread. It does not know the
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"
#include "cpu_config.h"
#include "router.h"

#define MAX_TOKENS 3
#define QBUF	   80 /* an echoed, sanitised user string */

struct route {
	const char *method;
	const char *path; /* tokens joined by '/', "*" for a resource id */
	enum api_op op;
};

static const struct route routes[] = {
    {"GET", "", API_GET_INFO},
    {"GET", "version", API_GET_VERSION},
    {"GET", "vm/config", API_GET_VM_CONFIG},
    {"GET", "machine-config", API_GET_MACHINE},
    {"PUT", "machine-config", API_PUT_MACHINE},
    {"PATCH", "machine-config", API_PATCH_MACHINE},
    {"PUT", "boot-source", API_PUT_BOOT_SOURCE},
    {"PUT", "drives/*", API_PUT_DRIVE},
    {"PATCH", "drives/*", API_PATCH_DRIVE},
    {"PUT", "network-interfaces/*", API_PUT_NET},
    {"PATCH", "network-interfaces/*", API_PATCH_NET},
    {"PUT", "actions", API_PUT_ACTIONS},
    {"PATCH", "vm", API_PATCH_VM},
    {"PUT", "logger", API_PUT_LOGGER},
    {"PUT", "metrics", API_PUT_METRICS},
    {"PUT", "vm", API_PUT_VM},
    {"PUT", "balloon", API_PUT_BALLOON},
    {"GET", "balloon", API_GET_BALLOON},
    {"PATCH", "balloon", API_PATCH_BALLOON},
    {"GET", "balloon/statistics", API_GET_BALLOON_STATS},
    {"PATCH", "balloon/statistics", API_PATCH_BALLOON_STATS},
    {"PATCH", "balloon/hinting/start", API_PATCH_BALLOON_HINT_START},
    {"GET", "balloon/hinting/status", API_GET_BALLOON_HINT_STATUS},
    {"PATCH", "balloon/hinting/stop", API_PATCH_BALLOON_HINT_STOP},
    {"PUT", "entropy", API_PUT_ENTROPY},
    {"GET", "mmds", API_GET_MMDS},
    {"PUT", "mmds", API_PUT_MMDS},
    {"PATCH", "mmds", API_PATCH_MMDS},
    {"PUT", "mmds/config", API_PUT_MMDS_CONFIG},
    {"PUT", "vsock", API_PUT_VSOCK},
    {"PUT", "snapshot/create", API_PUT_SNAPSHOT_CREATE},
    {"PUT", "snapshot/load", API_PUT_SNAPSHOT_LOAD},
    {"PUT", "cpu-config", API_PUT_CPU_CONFIG},
};

static int bad_path(const char *method, const char *path, struct errbuf *e)
{
	char q[QBUF * 2];

	return errf(e, -EINVAL, "Invalid request method and/or path: %s %s.", method,
		    err_printable(path, q, sizeof(q)));
}

/* A message from a body validator, in Firecracker's wrapping. */
static int deserialize_error(struct errbuf *e, const char *why)
{
	char msg[sizeof(e->msg)];

	snprintf(msg, sizeof(msg), "%s", why);
	return errf(e, -EINVAL, API_DESERIALIZE_PREFIX "%s.", msg);
}

/*
 * serde_text - @msg in serde's words where Firecracker's tests read them: a
 * missing field of the body's object is "missing field `x` at line L column
 * C", C being the column of the object's closing brace. Into @buf.
 */
static const char *serde_text(const char *msg, const char *body, size_t len, char *buf, size_t size)
{
	const char *m = strstr(msg, "missing field `");
	unsigned int line = 1, col = 0;
	size_t i, end = len;

	while (end && strchr(" \t\r\n", body[end - 1]))
		end--;
	if (!m || strchr(m, '.')) {
		snprintf(buf, size, "%s", msg);
		return buf;
	}
	for (i = 0; i < end; i++) {
		col++;
		if (body[i] == '\n') {
			line++;
			col = 0;
		}
	}
	snprintf(buf, size, "%s at line %u column %u", m, line, col);
	return buf;
}

/*
 * match - find the route of @method @path; *@id gets the resource id token
 * (pointing into @copy, a scratch copy of the path) for "*" routes.
 * Returns the route, or NULL with @e set.
 */
static const struct route *match(const char *method, const char *path, char *copy, char **id,
				 struct errbuf *e)
{
	char *tok[MAX_TOKENS], *s = copy + 1, *slash;
	unsigned int n = 0, i;
	size_t len = strlen(copy);

	/* One trailing '/' is ignored ("/drives/rootfs/" == "/drives/rootfs"). */
	if (len > 1 && copy[len - 1] == '/')
		copy[len - 1] = '\0';
	while (*s || n == 0) {
		if (n == MAX_TOKENS)
			return bad_path(method, path, e), NULL;
		tok[n++] = s;
		slash = strchr(s, '/');
		if (!slash)
			break;
		*slash = '\0';
		s = slash + 1;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		const char *rp = r->path;
		unsigned int k;

		if (strcmp(r->method, method))
			continue;
		for (k = 0; k < n; k++) {
			size_t tl = strcspn(rp, "/");

			if (!(tl == 1 && rp[0] == '*' && k > 0) &&
			    (strlen(tok[k]) != tl || strncmp(tok[k], rp, tl)))
				break;
			if (rp[0] == '*')
				*id = tok[k];
			rp += tl;
			if (*rp == '/')
				rp++;
			else if (k + 1 < n)
				break;
		}
		if (k == n && !*rp)
			return r;
		/* "/drives" alone, for a route that wants an id. */
		if (k == n && !strcmp(rp, "*")) {
			*id = "";
			return r;
		}
	}
	return bad_path(method, path, e), NULL;
}

static int check_id(const char *id, struct errbuf *e)
{
	size_t i;

	if (!*id)
		return errf(e, -EINVAL, "The ID cannot be empty.");
	for (i = 0; id[i]; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return errf(e, -EINVAL,
				    "API Resource IDs can only contain alphanumeric "
				    "characters and underscores.");
	}
	if (i > CFG_ID_MAX)
		return errf(e, -EINVAL, "API Resource IDs can be at most %d characters long.",
			    CFG_ID_MAX);
	return 0;
}

static int id_mismatch(const char *path_id, const char *body_id, struct errbuf *e)
{
	if (strcmp(path_id, body_id))
		return errf(e, -EINVAL,
			    "The id from the path does not match the id from the body!");
	return 0;
}

/* --- API-only bodies, validated in config.c's style ---------------------- */

/* only_keys - @o is an object whose keys are all in @allowed (NULL-ended). */
static int only_keys(const json_t *o, const char *sect, const char *const *allowed,
		     struct errbuf *e)
{
	const char *key;
	json_t *v;
	char q[QBUF];
	unsigned int i;

	if (!json_is_object(o))
		return errf(e, -EINVAL, "%s: must be a JSON object, got %s", sect, cj_kind(o));
	json_object_foreach((json_t *)o, key, v)
	{
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i])
			return errf(e, -EINVAL, "%s: unknown field \"%s\"", sect,
				    err_printable(key, q, sizeof(q)));
	}
	return 0;
}

/* get_enum - required string field @key of @o, one of @names. */
static int get_enum(const json_t *o, const char *sect, const char *key, const char *const *names,
		    const char *what, unsigned int *out, struct errbuf *e)
{
	const json_t *v = json_object_get(o, key);
	char q[QBUF];
	unsigned int i;

	if (!v)
		return errf(e, -EINVAL, "%s: missing field `%s`", sect, key);
	if (!json_is_string(v))
		return errf(e, -EINVAL, "%s: field \"%s\" must be %s, got %s", sect, key, what,
			    cj_kind(v));
	for (i = 0; names[i]; i++) {
		if (!strcmp(json_string_value(v), names[i]) &&
		    strlen(names[i]) == json_string_length(v)) {
			*out = i;
			return 0;
		}
	}
	return errf(e, -EINVAL, "%s: field \"%s\" must be %s, got \"%s\"", sect, key, what,
		    err_printable(json_string_value(v), q, sizeof(q)));
}

static int parse_action(const json_t *j, struct api_request *req, struct errbuf *e)
{
	static const char *const keys[] = {"action_type", NULL};
	static const char *const names[] = {"InstanceStart", "SendCtrlAltDel", "FlushMetrics",
					    NULL};
	unsigned int v;
	int ret = only_keys(j, "actions", keys, e);

	if (!ret)
		ret = get_enum(j, "actions", "action_type", names,
			       "one of \"InstanceStart\", \"SendCtrlAltDel\", \"FlushMetrics\"", &v,
			       e);
	if (!ret)
		req->u.action = (enum api_action)v;
	return ret;
}

static int parse_vm_state(const json_t *j, struct api_request *req, struct errbuf *e)
{
	static const char *const keys[] = {"state", NULL};
	static const char *const names[] = {"Paused", "Resumed", NULL};
	unsigned int v;
	int ret = only_keys(j, "vm", keys, e);

	if (!ret)
		ret = get_enum(j, "vm", "state", names, "one of \"Paused\", \"Resumed\"", &v, e);
	if (!ret)
		req->u.pause = v == 0;
	return ret;
}

static int parse_drive_patch(const json_t *j, struct api_request *req, struct errbuf *e)
{
	static const char *const keys[] = {"drive_id", "path_on_host", "rate_limiter", NULL};
	int ret = only_keys(j, "drive", keys, e);

	if (!ret)
		ret = config_parse_drive_update(j, &req->u.drive_update, e);
	return ret;
}

static int parse_net_patch(const json_t *j, struct api_request *req, struct errbuf *e)
{
	static const char *const keys[] = {"iface_id", "rx_rate_limiter", "tx_rate_limiter", NULL};
	int ret = only_keys(j, "network-interface", keys, e);

	if (!ret)
		ret = config_parse_net_update(j, &req->u.net_update, e);
	return ret;
}

/* PUT /vm: the config-file document, plus "start". */
static int parse_vm_doc(const json_t *j, const char *body, size_t len, struct api_request *req,
			struct errbuf *e)
{
	const json_t *start = json_is_object(j) ? json_object_get(j, "start") : NULL;
	struct vm_config *cfg;
	int ret;

	if (start && !json_is_boolean(start))
		return errf(e, -EINVAL, "vm: field \"start\" must be a boolean, got %s",
			    cj_kind(start));
	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return errf(e, -ENOMEM, "out of memory");
	config_init(cfg);
	ret = config_load_json(cfg, body, len, e);
	if (ret) {
		free(cfg);
		return ret;
	}
	req->u.vm.cfg = cfg;
	req->u.vm.start = start && json_is_true(start);
	return 0;
}

/* PUT and PATCH /mmds: any JSON object, kept as it is for the store. */
static int parse_mmds_body(const json_t *j, struct api_request *req, struct errbuf *e)
{
	if (!json_is_object(j))
		return errf(e, -EINVAL, "mmds: the body must be a JSON object, got %s", cj_kind(j));
	req->patch = json_incref((json_t *)j);
	return 0;
}

static bool has_field(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);

	return v && !json_is_null(v);
}

/* parse_body - the body of @req->op: 0, or 1 when it carries an id that
 * must equal the path's, or -errno. */
static int parse_body(struct api_request *req, const json_t *j, const char *body, size_t len,
		      struct errbuf *e)
{
	int ret;

	switch (req->op) {
	case API_PUT_MACHINE:
		req->u.machine = (struct cfg_machine){.vcpu_count = 1, .mem_size_mib = 128};
		req->deprecated = has_field(j, "cpu_template");
		return config_parse_machine(j, &req->u.machine, false, e);
	case API_PATCH_MACHINE:
		/* Checked here against the defaults; merged for real on the VMM thread. */
		req->u.machine = (struct cfg_machine){.vcpu_count = 1, .mem_size_mib = 128};
		req->deprecated = has_field(j, "cpu_template");
		ret = config_parse_machine(j, &req->u.machine, true, e);
		if (!ret)
			req->patch = json_incref((json_t *)j);
		return ret;
	case API_PUT_BOOT_SOURCE:
		return config_parse_boot_source(j, &req->u.boot, e);
	case API_PUT_DRIVE:
		ret = config_parse_drive(j, &req->u.drive, e);
		return ret ? ret : 1;
	case API_PATCH_DRIVE:
		ret = parse_drive_patch(j, req, e);
		return ret ? ret : 1;
	case API_PUT_NET:
		ret = config_parse_net(j, &req->u.net, e);
		return ret ? ret : 1;
	case API_PATCH_NET:
		ret = parse_net_patch(j, req, e);
		return ret ? ret : 1;
	case API_PUT_ACTIONS:
		return parse_action(j, req, e);
	case API_PATCH_VM:
		return parse_vm_state(j, req, e);
	case API_PUT_LOGGER:
		return config_parse_logger(j, &req->u.logger, e);
	case API_PUT_METRICS:
		return config_parse_metrics(j, &req->u.metrics, e);
	case API_PUT_ENTROPY:
		return config_parse_entropy(j, &req->u.entropy, e);
	case API_PUT_VSOCK:
		req->deprecated = has_field(j, "vsock_id");
		return config_parse_vsock(j, &req->u.vsock, e);
	case API_PUT_VM:
		return parse_vm_doc(j, body, len, req, e);
	case API_PUT_BALLOON:
		return config_parse_balloon(j, &req->u.balloon, e);
	case API_PATCH_BALLOON:
		return config_parse_balloon_update(j, &req->u.balloon_mib, e);
	case API_PATCH_BALLOON_STATS:
		return config_parse_balloon_stats_update(j, &req->u.balloon_stats_s, e);
	case API_PATCH_BALLOON_HINT_START:
		return config_parse_balloon_hint_start(j, &req->u.ack_on_stop, e);
	case API_PUT_MMDS:
	case API_PATCH_MMDS:
		return parse_mmds_body(j, req, e);
	case API_PUT_MMDS_CONFIG:
		return config_parse_mmds(j, &req->u.mmds_config, e);
	case API_PUT_SNAPSHOT_CREATE:
		return snapshot_req_parse_create(j, &req->u.snap_create, e);
	case API_PUT_SNAPSHOT_LOAD:
		ret = snapshot_req_parse_load(j, &req->u.snap_load, e);
		req->deprecated = !ret && req->u.snap_load.deprecated;
		return ret;
	case API_PUT_CPU_CONFIG:
		return cpu_config_parse(j, &req->u.cpu_config, e);
	default:
		return 0;
	}
}

/* The id inside a parsed drive or interface body, for the path check. */
static const char *body_id(const struct api_request *req)
{
	switch (req->op) {
	case API_PUT_DRIVE:
		return req->u.drive.drive_id;
	case API_PATCH_DRIVE:
		return req->u.drive_update.drive_id;
	case API_PUT_NET:
		return req->u.net.iface_id;
	default:
		return req->u.net_update.iface_id;
	}
}

static int route_body(struct api_request *req, const char *body, size_t len, const char *id,
		      struct errbuf *e)
{
	json_error_t je;
	char q[QBUF * 2], why[sizeof(e->msg)];
	json_t *j;
	int ret;

	j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!j) {
		snprintf(why, sizeof(why), "invalid JSON at line %d, column %d: %s", je.line,
			 je.column, err_printable(je.text, q, sizeof(q)));
		return deserialize_error(e, why);
	}
	ret = parse_body(req, j, body, len, e);
	json_decref(j);
	/* Not syntax: Firecracker's "Empty PATCH request." and machine-config's
	 * range rules, which it checks past deserialization. */
	if (ret == -ENODATA)
		return -EINVAL;
	if (ret == -EDOM) {
		snprintf(why, sizeof(why), "%s", e->msg);
		return errf(e, -EINVAL, "Machine config error: %s", why);
	}
	if (ret < 0)
		return deserialize_error(e, serde_text(e->msg, body, len, why, sizeof(why)));
	/* 1: a body with an id that must equal the path's. */
	if (ret == 1 && id_mismatch(id, body_id(req), e))
		return -EINVAL;
	return 0;
}

/* The hinting PATCHes take an optional body (Firecracker reads none for
 * stop and defaults acknowledge_on_stop for start). */
static bool body_optional(const char *method, const char *path)
{
	return !strcmp(method, "PATCH") &&
	       (!strcmp(path, "/balloon/hinting/start") || !strcmp(path, "/balloon/hinting/stop"));
}

int api_route(const char *method, const char *path, const char *body, size_t body_len,
	      struct api_request *req, struct errbuf *e)
{
	const struct route *r;
	char *copy, *id = NULL;
	bool is_get = !strcmp(method, "GET");
	int ret;

	memset(req, 0, sizeof(*req));
	if (is_get && body_len)
		return errf(e, -EINVAL, "GET request cannot have a body.");
	if (!is_get && !body_len && (!strcmp(method, "PUT") || !strcmp(method, "PATCH")) &&
	    !body_optional(method, path))
		return errf(e, -EINVAL, "Empty %s request.", method);
	if (path[0] != '/')
		return bad_path(method, path, e);
	copy = strdup(path);
	if (!copy)
		return errf(e, -ENOMEM, "Out of memory.");
	r = match(method, path, copy, &id, e);
	ret = r ? 0 : -EINVAL;
	if (!ret && id)
		ret = check_id(id, e);
	if (!ret) {
		req->op = r->op;
		if (!is_get && body_len)
			ret = route_body(req, body, body_len, id, e);
		else if (req->op == API_PATCH_BALLOON_HINT_START)
			req->u.ack_on_stop = true;
	}
	free(copy);
	if (ret)
		api_request_free(req);
	return ret;
}
