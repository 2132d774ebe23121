/* snapshot_req.c - PUT /snapshot/{create,load} bodies; see snapshot_req.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"
#include "snapshot_req.h"

#define MEM_MISSING "missing field: either `mem_backend` or `mem_file_path` is required"
#define MEM_TOO_MANY                                                                               \
	"too many fields: either `mem_backend` or `mem_file_path` exclusively is required."

/* only_keys - @o is an object with no key outside @allowed (NULL-ended). */
static int only_keys(const json_t *o, const char *sect, const char *const *allowed,
		     struct errbuf *e)
{
	char q[CJ_QBUF];
	const char *key;
	json_t *v;
	unsigned int i;

	if (!json_is_object(o))
		return errf(e, -EINVAL, "%s: must be a JSON object, got %s", sect, cj_kind(o));
	json_object_foreach((json_t *)o, key, v)
	{
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i])
			return errf(e, -EINVAL, "%s: unknown field `%s`", sect,
				    err_printable(key, q, sizeof(q)));
	}
	return 0;
}

/* get_path - field @key of @o: a non-empty string shorter than PATH_MAX,
 * copied into *@out; absent is -ENOENT (a message only if @required). */
static int get_path(const json_t *o, const char *sect, const char *key, bool required, char **out,
		    struct errbuf *e)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return required ? errf(e, -EINVAL, "%s: missing field `%s`", sect, key) : -ENOENT;
	if (!json_is_string(v))
		return errf(e, -EINVAL, "%s: field `%s` must be a string, got %s", sect, key,
			    cj_kind(v));
	if (!json_string_length(v) || json_string_length(v) >= PATH_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return errf(e, -EINVAL, "%s: field `%s` must be a non-empty path", sect, key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : errf(e, -ENOMEM, "out of memory");
}

static int get_bool(const json_t *o, const char *sect, const char *key, bool *out, struct errbuf *e)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return errf(e, -EINVAL, "%s: field `%s` must be a boolean, got %s", sect, key,
			    cj_kind(v));
	*out = json_is_true(v);
	return 0;
}

/* get_variant - string @key of @o, one of @names; absent keeps *@out. */
static int get_variant(const json_t *o, const char *sect, const char *key,
		       const char *const names[2], bool required, unsigned int *out,
		       struct errbuf *e)
{
	const json_t *v = json_object_get(o, key);
	char q[CJ_QBUF];
	unsigned int i;

	if (!v)
		return required ? errf(e, -EINVAL, "%s: missing field `%s`", sect, key) : 0;
	if (!json_is_string(v))
		return errf(e, -EINVAL, "%s: field `%s` must be a string, got %s", sect, key,
			    cj_kind(v));
	for (i = 0; i < 2; i++) {
		if (!strcmp(json_string_value(v), names[i]) &&
		    json_string_length(v) == strlen(names[i])) {
			*out = i;
			return 0;
		}
	}
	return errf(e, -EINVAL, "%s: unknown variant `%s`, expected `%s` or `%s`", sect,
		    err_printable(json_string_value(v), q, sizeof(q)), names[0], names[1]);
}

int snapshot_req_parse_create(const json_t *j, struct snapshot_create_req *out, struct errbuf *e)
{
	static const char *const keys[] = {"snapshot_type", "snapshot_path", "mem_file_path",
					   "version", NULL};
	static const char *const types[2] = {"Full", "Diff"};
	const char *sect = "snapshot-create";
	unsigned int type = SNAPSHOT_FULL;
	const json_t *ver;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = only_keys(j, sect, keys, e);
	if (!ret)
		ret = get_variant(j, sect, "snapshot_type", types, false, &type, e);
	ver = json_is_object(j) ? json_object_get(j, "version") : NULL;
	if (!ret && ver && !json_is_string(ver) && !json_is_null(ver))
		ret = errf(e, -EINVAL, "%s: field `version` must be a string, got %s", sect,
			   cj_kind(ver));
	if (!ret)
		ret = get_path(j, sect, "snapshot_path", true, &out->snapshot_path, e);
	if (!ret)
		ret = get_path(j, sect, "mem_file_path", true, &out->mem_file_path, e);
	out->type = (enum snapshot_type)type;
	if (ret)
		snapshot_req_create_free(out);
	return ret;
}

static int parse_backend(const json_t *b, struct snapshot_load_req *out, struct errbuf *e)
{
	static const char *const keys[] = {"backend_type", "backend_path", NULL};
	static const char *const types[2] = {"File", "Uffd"};
	const char *sect = "snapshot-load: mem_backend";
	unsigned int type = SNAPSHOT_BACKEND_FILE;
	int ret = only_keys(b, sect, keys, e);

	if (!ret)
		ret = get_variant(b, sect, "backend_type", types, true, &type, e);
	if (!ret)
		ret = get_path(b, sect, "backend_path", true, &out->backend_path, e);
	out->backend = (enum snapshot_backend)type;
	return ret;
}

static int parse_override(const json_t *o, struct snapshot_net_override *n, struct errbuf *e)
{
	static const char *const keys[] = {"iface_id", "host_dev_name", NULL};
	const char *sect = "snapshot-load: network_overrides";
	const json_t *id, *dev;
	int ret = only_keys(o, sect, keys, e);

	if (ret)
		return ret;
	id = json_object_get(o, "iface_id");
	dev = json_object_get(o, "host_dev_name");
	if (!id || !dev)
		return errf(e, -EINVAL, "%s: missing field `%s`", sect,
			    id ? "host_dev_name" : "iface_id");
	if (!json_is_string(id) || !config_id_valid(json_string_value(id)) ||
	    json_string_length(id) > CFG_ID_MAX ||
	    strlen(json_string_value(id)) != json_string_length(id))
		return errf(e, -EINVAL, "%s: field `iface_id` must be a valid interface id", sect);
	if (!json_is_string(dev) || !json_string_length(dev) ||
	    json_string_length(dev) >= sizeof(n->host_dev_name) ||
	    strlen(json_string_value(dev)) != json_string_length(dev) ||
	    strchr(json_string_value(dev), '/'))
		return errf(e, -EINVAL,
			    "%s: field `host_dev_name` must be a tap name of 1 to 15 "
			    "bytes",
			    sect);
	strcpy(n->iface_id, json_string_value(id));
	strcpy(n->host_dev_name, json_string_value(dev));
	return 0;
}

static int parse_overrides(const json_t *j, struct snapshot_load_req *out, struct errbuf *e)
{
	const json_t *a = json_object_get(j, "network_overrides"), *vs;
	const char *sect = "snapshot-load";
	size_t i;
	int ret;

	if (a && !json_is_null(a)) {
		if (!json_is_array(a))
			return errf(e, -EINVAL, "%s: field `network_overrides` must be an array",
				    sect);
		if (json_array_size(a) > CFG_MAX_NETS)
			return errf(e, -EINVAL, "%s: at most %d network_overrides", sect,
				    CFG_MAX_NETS);
		for (i = 0; i < json_array_size(a); i++) {
			ret = parse_override(json_array_get(a, i), &out->net_override[i], e);
			if (ret)
				return ret;
			out->nr_net_overrides++;
		}
	}
	vs = json_object_get(j, "vsock_override");
	if (!vs || json_is_null(vs))
		return 0;
	{
		static const char *const keys[] = {"uds_path", NULL};

		ret = only_keys(vs, "snapshot-load: vsock_override", keys, e);
		if (!ret)
			ret = get_path(vs, "snapshot-load: vsock_override", "uds_path", true,
				       &out->vsock_uds_path, e);
		return ret;
	}
}

int snapshot_req_parse_load(const json_t *j, struct snapshot_load_req *out, struct errbuf *e)
{
	static const char *const keys[] = {
	    "snapshot_path",	 "mem_backend", "mem_file_path",     "enable_diff_snapshots",
	    "track_dirty_pages", "resume_vm",	"network_overrides", "vsock_override",
	    "clock_realtime",	 NULL};
	const char *sect = "snapshot-load";
	const json_t *b;
	bool diff = false;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = only_keys(j, sect, keys, e);
	if (!ret)
		ret = get_path(j, sect, "snapshot_path", true, &out->snapshot_path, e);
	b = json_is_object(j) ? json_object_get(j, "mem_backend") : NULL;
	if (b && json_is_null(b))
		b = NULL;
	if (!ret && b && json_object_get(j, "mem_file_path") &&
	    !json_is_null(json_object_get(j, "mem_file_path")))
		ret = errf(e, -EINVAL, MEM_TOO_MANY);
	if (!ret && b)
		ret = parse_backend(b, out, e);
	if (!ret && !b) {
		ret = get_path(j, sect, "mem_file_path", false, &out->backend_path, e);
		if (ret == -ENOENT)
			ret = errf(e, -EINVAL, MEM_MISSING);
		out->deprecated = !ret;
	}
	if (!ret)
		ret = get_bool(j, sect, "enable_diff_snapshots", &diff, e);
	if (!ret && json_object_get(j, "enable_diff_snapshots"))
		out->deprecated = true;
	if (!ret)
		ret = get_bool(j, sect, "track_dirty_pages", &out->track_dirty_pages, e);
	out->track_dirty_pages |= diff;
	if (!ret)
		ret = get_bool(j, sect, "resume_vm", &out->resume_vm, e);
	if (!ret)
		ret = get_bool(j, sect, "clock_realtime", &out->clock_realtime, e);
	if (!ret)
		ret = parse_overrides(j, out, e);
	if (ret)
		snapshot_req_load_free(out);
	return ret;
}

void snapshot_req_create_free(struct snapshot_create_req *r)
{
	free(r->snapshot_path);
	free(r->mem_file_path);
	memset(r, 0, sizeof(*r));
}

void snapshot_req_load_free(struct snapshot_load_req *r)
{
	free(r->snapshot_path);
	free(r->backend_path);
	free(r->vsock_uds_path);
	memset(r, 0, sizeof(*r));
}
