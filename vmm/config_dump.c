/*
 * config_dump.c - see config_dump.h.
 *
 * Built with jansson's constructors; any allocation failure along the way
 * makes the whole dump NULL (json_object_set_new releases the value it is
 * given even when it fails, and a NULL value makes it fail).
 */
#include <stdio.h>

#include "config_dump.h"
#include "cpu_template.h"
#include "cpu_config.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* put - set @key of @o to @v (stolen); false once anything failed. */
static bool put(json_t *o, const char *key, json_t *v)
{
	if (!o) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

static json_t *bucket(const struct cfg_token_bucket *b)
{
	if (!b->set)
		return json_null();
	return json_pack("{s:I, s:I, s:I}", "size", (json_int_t)b->size, "refill_time",
			 (json_int_t)b->refill_time_ms, "one_time_burst",
			 (json_int_t)b->one_time_burst);
}

static json_t *rate_limiter(const struct cfg_rate_limiter *rl)
{
	json_t *o;

	if (!rl->bandwidth.set && !rl->ops.set)
		return json_null();
	o = json_object();
	if (!put(o, "bandwidth", bucket(&rl->bandwidth)) || !put(o, "ops", bucket(&rl->ops))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *config_dump_machine(const struct cfg_machine *m)
{
	json_t *o =
	    json_pack("{s:i, s:I, s:b, s:b, s:s}", "vcpu_count", (int)m->vcpu_count, "mem_size_mib",
		      (json_int_t)m->mem_size_mib, "smt", m->smt, "track_dirty_pages",
		      m->track_dirty_pages, "huge_pages", config_huge_pages_name(m->huge_pages));

	/* Only when set, as Firecracker. */
	if (o && m->cpu_template &&
	    !put(o, "cpu_template", json_string(cpu_template_name(m->cpu_template)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *boot_source(const struct vm_config *cfg)
{
	const struct cfg_boot_source *b = &cfg->boot_source;
	json_t *o;

	if (!cfg->has_boot_source || !b->kernel_image_path)
		return json_null();
	o = json_object();
	if (!put(o, "kernel_image_path", json_string(b->kernel_image_path)) ||
	    !put(o, "initrd_path", str_or_null(b->initrd_path)) ||
	    !put(o, "boot_args", str_or_null(b->boot_args))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *drive(const struct cfg_drive *d)
{
	json_t *o = json_object();

	if (!put(o, "drive_id", json_string(d->drive_id)) ||
	    !put(o, "partuuid", str_or_null(d->partuuid)) ||
	    !put(o, "is_root_device", json_boolean(d->is_root_device)) ||
	    !put(o, "cache_type", json_string(config_cache_type_name(d->cache_type))) ||
	    !put(o, "is_read_only", json_boolean(d->is_read_only)) ||
	    !put(o, "path_on_host", str_or_null(d->path_on_host)) ||
	    !put(o, "rate_limiter", rate_limiter(&d->rate_limiter)) ||
	    !put(o, "io_engine", json_string(config_io_engine_name(d->io_engine))) ||
	    !put(o, "socket", json_null())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *mac(const struct cfg_net *n)
{
	char s[18];
	const uint8_t *m = n->guest_mac;

	if (!n->has_guest_mac)
		return json_null();
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return json_string(s);
}

static json_t *net(const struct cfg_net *n)
{
	json_t *o = json_object();

	if (!put(o, "iface_id", json_string(n->iface_id)) ||
	    !put(o, "host_dev_name", json_string(n->host_dev_name)) ||
	    !put(o, "guest_mac", mac(n)) ||
	    !put(o, "mtu", n->mtu ? json_integer(n->mtu) : json_null()) ||
	    !put(o, "rx_rate_limiter", rate_limiter(&n->rx_rate_limiter)) ||
	    !put(o, "tx_rate_limiter", rate_limiter(&n->tx_rate_limiter))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *entropy(const struct cfg_entropy *en)
{
	if (!en->set)
		return json_null();
	return json_pack("{s:o}", "rate_limiter", rate_limiter(&en->rate_limiter));
}

static json_t *vsock(const struct cfg_vsock *v)
{
	json_t *o;

	if (!v->set || !v->uds_path)
		return json_null();
	o = json_pack("{s:I,s:s}", "guest_cid", (json_int_t)v->guest_cid, "uds_path", v->uds_path);
	if (o && v->vsock_id && json_object_set_new(o, "vsock_id", json_string(v->vsock_id))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* devices - the array of @n entries made by @one from @base with @stride. */
static json_t *devices(const void *base, size_t stride, unsigned int n,
		       json_t *(*one)(const void *))
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, one((const char *)base + i * stride))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *drive_cb(const void *d)
{
	return drive(d);
}

static json_t *net_cb(const void *n)
{
	return net(n);
}

json_t *config_dump_balloon(const struct cfg_balloon *b)
{
	return json_pack("{s:I, s:b, s:I, s:b, s:b}", "amount_mib", (json_int_t)b->amount_mib,
			 "deflate_on_oom", b->deflate_on_oom, "stats_polling_interval_s",
			 (json_int_t)b->stats_polling_interval_s, "free_page_hinting",
			 b->free_page_hinting, "free_page_reporting", b->free_page_reporting);
}

/* mmds_config - the mmds-config section, null when not configured. */
static json_t *mmds_config(const struct cfg_mmds *m)
{
	json_t *o, *ifaces;
	char ip[16];
	unsigned int i;

	if (!m->set)
		return json_null();
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", m->ipv4_address >> 24,
		 (m->ipv4_address >> 16) & 255, (m->ipv4_address >> 8) & 255,
		 m->ipv4_address & 255);
	ifaces = json_array();
	for (i = 0; ifaces && i < m->nr_interfaces && i < CFG_MAX_NETS; i++) {
		if (json_array_append_new(ifaces, json_string(m->network_interfaces[i]))) {
			json_decref(ifaces);
			return NULL;
		}
	}
	o = json_object();
	if (!put(o, "version", json_string(config_mmds_version_name(m->version))) ||
	    !put(o, "network_interfaces", ifaces) || !put(o, "ipv4_address", json_string(ip)) ||
	    !put(o, "imds_compat", json_boolean(m->imds_compat))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *config_dump(const struct vm_config *cfg)
{
	unsigned int nd = cfg->nr_drives < CFG_MAX_DRIVES ? cfg->nr_drives : CFG_MAX_DRIVES;
	unsigned int nn = cfg->nr_nets < CFG_MAX_NETS ? cfg->nr_nets : CFG_MAX_NETS;
	json_t *o = json_object();
	bool ok;

	ok = put(o, "boot-source", boot_source(cfg)) &&
	     put(o, "machine-config", config_dump_machine(&cfg->machine)) &&
	     put(o, "drives", devices(cfg->drive, sizeof(cfg->drive[0]), nd, drive_cb)) &&
	     put(o, "network-interfaces", devices(cfg->net, sizeof(cfg->net[0]), nn, net_cb)) &&
	     /* null, as Firecracker: the sinks are process-wide, not VM state */
	     put(o, "logger", json_null()) && put(o, "metrics", json_null());
	ok = ok &&
	     put(o, "balloon", cfg->balloon.set ? config_dump_balloon(&cfg->balloon) : json_null());
	ok = ok && put(o, "entropy", entropy(&cfg->entropy));
	ok = ok && put(o, "mmds-config", mmds_config(&cfg->mmds));
	ok = ok && put(o, "vsock", vsock(&cfg->vsock));
	ok = ok &&
	     put(o, "cpu-config", cfg->cpu_config ? cpu_config_dump(cfg->cpu_config) : json_null());
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}
