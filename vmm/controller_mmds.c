/*
 * controller_mmds.c - the metadata service's requests, on the event-loop
 * thread like the rest of the controller (controller_mmds.h).
 *
 * The store (vm->mmds) is made on first use: by the first PUT /mmds, by
 * mmds-config (config file or PUT /mmds/config) or by --metadata, so a VM
 * that never uses MMDS carries none. Its size limit is --mmds-size-limit,
 * else --http-api-max-payload-size, as Firecracker. Errors carry
 * Firecracker's texts; over the limit is -EFBIG, which the controller
 * answers with 413.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller_mmds.h"
#include "mmds_store.h"

#define LIMIT_EXCEEDED "MMDS limit exceeded error: The MMDS patch request doesn't fit."
#define NOT_INIT       "MMDS error: The MMDS data store is not initialized."
#define CONFIG_ERROR   "MMMDS config error: " /* sic: Firecracker's text */

static size_t store_limit(const struct vm *vm)
{
	const struct cli_opts *o = vm->opts;

	if (o && o->mmds_size_limit)
		return (size_t)o->mmds_size_limit;
	return o && o->max_payload ? (size_t)o->max_payload : MMDS_DEFAULT_LIMIT;
}

/* store - vm->mmds, made now if needed; NULL with @e set on ENOMEM. */
static struct mmds_store *store(struct vm *vm, struct errbuf *e)
{
	if (!vm->mmds)
		vm->mmds = mmds_store_new(store_limit(vm));
	if (!vm->mmds)
		errf(e, -ENOMEM, "MMDS error: out of memory.");
	return vm->mmds;
}

/* apply_config - vm->cfg.mmds into the store, when it is set. */
static int apply_config(struct vm *vm, struct errbuf *e)
{
	const struct cfg_mmds *m = &vm->cfg.mmds;
	struct mmds_store *s;

	if (!m->set)
		return 0;
	s = store(vm, e);
	if (!s)
		return -ENOMEM;
	mmds_store_configure(s, m->version == CFG_MMDS_V2 ? MMDS_V2 : MMDS_V1, m->ipv4_address,
			     m->imds_compat);
	return 0;
}

int controller_mmds_prepare(struct vm *vm, struct errbuf *e)
{
	return apply_config(vm, e);
}

/* load_metadata - --metadata FILE: a JSON object into the store. */
static int load_metadata(struct vm *vm, const char *path, struct errbuf *e)
{
	struct mmds_store *s = store(vm, e);
	json_error_t je;
	json_t *j;
	int ret;

	if (!s)
		return -ENOMEM;
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return errf(e, -EINVAL,
			    "--metadata %s: invalid MMDS content: %s (line %d, column %d)", path,
			    je.text, je.line, je.column);
	ret = mmds_store_put(s, j);
	json_decref(j);
	if (ret == -EINVAL)
		return errf(e, ret, "--metadata %s: the MMDS content must be a JSON object", path);
	if (ret == -EFBIG)
		return errf(e, ret, "--metadata %s: %s", path, LIMIT_EXCEEDED);
	if (ret)
		return errf(e, ret, "--metadata %s: %s", path, strerror(-ret));
	return 0;
}

int controller_mmds_setup(struct vm *vm, struct errbuf *e)
{
	int ret = apply_config(vm, e);

	if (!ret && vm->opts && vm->opts->metadata)
		ret = load_metadata(vm, vm->opts->metadata, e);
	return ret;
}

static int put_config(struct vm *vm, struct api_request *req, struct errbuf *e)
{
	struct errbuf inner;

	if (config_mmds_check(&req->u.mmds_config, &vm->cfg, &inner))
		return errf(e, -EINVAL, CONFIG_ERROR "%s", inner.msg);
	vm->cfg.mmds = req->u.mmds_config;
	return apply_config(vm, e);
}

/* get_data - GET /mmds: the whole data as JSON, {} when empty. */
static int get_data(struct vm *vm, struct api_reply *r, struct errbuf *e)
{
	json_t *j = vm->mmds ? mmds_store_get(vm->mmds) : json_object();

	r->body = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!r->body)
		return errf(e, -ENOMEM, "MMDS error: out of memory.");
	r->status = 200;
	return 1;
}

static int update(struct vm *vm, struct api_request *req, struct errbuf *e)
{
	struct mmds_store *s = store(vm, e);
	bool put = req->op == API_PUT_MMDS;
	int ret;

	if (!s)
		return -ENOMEM;
	ret = put ? mmds_store_put(s, req->patch) : mmds_store_patch(s, req->patch);
	switch (ret) {
	case 0:
		return 0;
	case -EFBIG:
		return errf(e, ret, LIMIT_EXCEEDED);
	case -ENODATA:
		return errf(e, -EINVAL, NOT_INIT);
	case -EINVAL:
		return errf(e, ret, "MMDS error: the data must be a JSON object.");
	default:
		return errf(e, ret, "MMDS error: %s.", strerror(-ret));
	}
}

int controller_mmds_handle(struct vm *vm, struct api_request *req, struct api_reply *r,
			   struct errbuf *e)
{
	switch (req->op) {
	case API_GET_MMDS:
		return get_data(vm, r, e);
	case API_PUT_MMDS:
	case API_PATCH_MMDS:
		return update(vm, req, e);
	case API_PUT_MMDS_CONFIG:
		return put_config(vm, req, e);
	default:
		return errf(e, -EINVAL, "Unknown request.");
	}
}
