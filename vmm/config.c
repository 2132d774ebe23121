/*
 * config.c - see config.h.
 *
 * Each section is described by a table of fields (name, type, where it
 * goes) that config_json.c walks the JSON object against, into a local
 * copy of the section; strings first point into the JSON document and are
 * duplicated only once everything has passed. Then what @out held before is
 * released and the copy moves in. So @out must be initialised (config_init'ed
 * or filled by an earlier parse), and it is left untouched on failure. This
 * file holds the section tables and the whole-document rules.
 *
 * Messages are "<section>: <problem>" with no trailing period; the API wraps
 * them in Firecracker's deserialization fault text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_json.h"
#include "cpu_config.h"
#include "layout.h"

#define CFG_FILE_MAX	(1u << 20) /* config files larger than 1 MiB are refused */
#define CFG_MAX_VCPUS	32	   /* Firecracker's MAX_SUPPORTED_VCPUS */
#define CFG_MAX_MEM_MIB 1048576	   /* 1 TiB */
#define OFF(s, m)	offsetof(struct s, m)

/* F_ENUM stores an unsigned int into these */
_Static_assert(sizeof(enum cfg_huge_pages) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum cfg_cache_type) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum cfg_io_engine) == sizeof(unsigned int), "enum size");

/* config_id_valid - also bounded by CFG_ID_MAX, the size ember stores. */
bool config_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++) {
		char ch = id[i];

		if (i >= CFG_ID_MAX || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
					 (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return i > 0;
}

/* partuuid_valid - it ends up in "root=PARTUUID=..." on the kernel command
 * line, so only the characters of a UUID and of "/PARTNROFF=N" may pass. */
static bool partuuid_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= 64 || !strchr("0123456789abcdefABCDEF-/PARTNOF=", s[i]))
			return false;
	return i > 0;
}

/* tap_name_valid - the kernel's own rule for interface names (dev_valid_name):
 * 1..IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or whitespace. */
static bool tap_name_valid(const char *s)
{
	size_t i;

	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; s[i]; i++)
		if (i >= 15 || s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return i > 0;
}

static const struct cj_field bucket_fields[] = {
    FLD("size", F_U64, true, OFF(cfg_token_bucket, size), .max = INT64_MAX),
    FLD("refill_time", F_U64, true, OFF(cfg_token_bucket, refill_time_ms), .max = INT64_MAX),
    FLD("one_time_burst", F_U64, false, OFF(cfg_token_bucket, one_time_burst), .max = INT64_MAX),
    {0},
};

static const struct cj_field rl_fields[] = {
    FLD("bandwidth", F_TB, false, OFF(cfg_rate_limiter, bandwidth), .sub = bucket_fields),
    FLD("ops", F_TB, false, OFF(cfg_rate_limiter, ops), .sub = bucket_fields),
    {0},
};

#define ID_WHAT "1 to 64 characters of [A-Za-z0-9_]"

static const struct cj_field boot_fields[] = {
    FLD("kernel_image_path", F_PATH, true, OFF(cfg_boot_source, kernel_image_path)),
    FLD("initrd_path", F_PATH, false, OFF(cfg_boot_source, initrd_path)),
    FLD("boot_args", F_STR, false, OFF(cfg_boot_source, boot_args), .max = CMDLINE_MAX - 1),
    {0},
};

static const char *const huge_names[] = {"None", "Transparent", "2M", NULL};
/* The order of enum cpu_template (cpu_template.h). */
static const char *const template_names[] = {"None", "T2", "C3", "T2A", "T2S", "T2CL", NULL};

static const struct cj_field machine_fields[] = {
    /* As Firecracker: a u8 and a usize here, the ranges in machine_check(). */
    FLD("vcpu_count", F_U32, true, OFF(cfg_machine, vcpu_count), .max = 255),
    FLD("mem_size_mib", F_U64, true, OFF(cfg_machine, mem_size_mib), .max = INT64_MAX),
    FLD("smt", F_BOOL, false, OFF(cfg_machine, smt)),
    FLD("track_dirty_pages", F_BOOL, false, OFF(cfg_machine, track_dirty_pages)),
    FLD("huge_pages", F_ENUM, false, OFF(cfg_machine, huge_pages), .names = huge_names,
	.what = "one of \"None\", \"Transparent\", \"2M\""),
    FLD("cpu_template", F_ENUM, false, OFF(cfg_machine, cpu_template), .names = template_names,
	.what = "one of \"None\", \"T2\", \"C3\", \"T2A\", \"T2S\", \"T2CL\""),
    {0},
};

static const char *const cache_names[] = {"Unsafe", "Writeback", NULL};
static const char *const engine_names[] = {"Sync", "Async", NULL};

/* name - @names[@i] (a NULL-ended table), or "?" past its end. */
static const char *name(const char *const *names, unsigned int i)
{
	unsigned int n;

	for (n = 0; names[n] && n < i; n++)
		;
	return names[n] ? names[n] : "?";
}

const char *config_huge_pages_name(enum cfg_huge_pages v)
{
	return name(huge_names, v);
}

const char *config_cache_type_name(enum cfg_cache_type v)
{
	return name(cache_names, v);
}

const char *config_io_engine_name(enum cfg_io_engine v)
{
	return name(engine_names, v);
}

static const struct cj_field drive_fields[] = {
    FLD("drive_id", F_NAME, true, OFF(cfg_drive, drive_id), .max = CFG_ID_MAX,
	.valid = config_id_valid, .what = ID_WHAT),
    FLD("is_root_device", F_BOOL, true, OFF(cfg_drive, is_root_device)),
    FLD("path_on_host", F_PATH, true, OFF(cfg_drive, path_on_host)),
    FLD("is_read_only", F_BOOL, false, OFF(cfg_drive, is_read_only)),
    FLD("partuuid", F_STR, false, OFF(cfg_drive, partuuid), .valid = partuuid_valid,
	.what = "a partition UUID (hex digits and '-', optionally \"/PARTNROFF=N\")"),
    FLD("cache_type", F_ENUM, false, OFF(cfg_drive, cache_type), .names = cache_names,
	.what = "one of \"Unsafe\", \"Writeback\""),
    FLD("io_engine", F_ENUM, false, OFF(cfg_drive, io_engine), .names = engine_names,
	.what = "one of \"Sync\", \"Async\""),
    FLD("rate_limiter", F_OBJ, false, OFF(cfg_drive, rate_limiter), .sub = rl_fields),
    FLD("socket", F_UNSUP, false, NOOFF, .what = "(vhost-user drives)"),
    {0},
};

/* PATCH /drives/{id}: the same rules as drive_fields for what it carries. */
static const struct cj_field drive_update_fields[] = {
    FLD("drive_id", F_NAME, true, OFF(cfg_drive_update, drive_id), .max = CFG_ID_MAX,
	.valid = config_id_valid, .what = ID_WHAT),
    FLD("path_on_host", F_PATH, false, OFF(cfg_drive_update, path_on_host)),
    FLD("rate_limiter", F_OBJ, false, OFF(cfg_drive_update, rate_limiter), .sub = rl_fields),
    {0},
};

static const struct cj_field net_fields[] = {
    FLD("iface_id", F_NAME, true, OFF(cfg_net, iface_id), .max = CFG_ID_MAX,
	.valid = config_id_valid, .what = ID_WHAT),
    FLD("host_dev_name", F_NAME, true, OFF(cfg_net, host_dev_name), .max = 15,
	.valid = tap_name_valid,
	.what = "an interface name of 1 to 15 characters without '/', ':' or whitespace"),
    FLD("guest_mac", F_MAC, false, OFF(cfg_net, guest_mac), .aux = OFF(cfg_net, has_guest_mac),
	.what = "a MAC address like \"06:00:ac:10:00:02\""),
    /* 68 is the smallest MTU IPv4 allows (RFC 791). */
    FLD("mtu", F_U32, false, OFF(cfg_net, mtu), .min = 68, .max = 65535),
    FLD("rx_rate_limiter", F_OBJ, false, OFF(cfg_net, rx_rate_limiter), .sub = rl_fields),
    FLD("tx_rate_limiter", F_OBJ, false, OFF(cfg_net, tx_rate_limiter), .sub = rl_fields),
    {0},
};

static const struct cj_field net_update_fields[] = {
    FLD("iface_id", F_NAME, true, OFF(cfg_net_update, iface_id), .max = CFG_ID_MAX,
	.valid = config_id_valid, .what = ID_WHAT),
    FLD("rx_rate_limiter", F_OBJ, false, OFF(cfg_net_update, rx), .sub = rl_fields),
    FLD("tx_rate_limiter", F_OBJ, false, OFF(cfg_net_update, tx), .sub = rl_fields),
    {0},
};

static const struct cj_field logger_fields[] = {
    FLD("log_path", F_PATH, false, OFF(cfg_logger, log_path)),
    FLD("level", F_LEVEL, false, OFF(cfg_logger, level),
	.what = "one of \"Error\", \"Warning\", \"Info\", \"Debug\", \"Trace\", \"Off\""),
    FLD("show_level", F_BOOL, false, OFF(cfg_logger, show_level)),
    FLD("show_log_origin", F_BOOL, false, OFF(cfg_logger, show_log_origin)),
    FLD("module", F_STR, false, OFF(cfg_logger, module), .max = 256),
    {0},
};

static const struct cj_field metrics_fields[] = {
    FLD("metrics_path", F_PATH, true, OFF(cfg_metrics, metrics_path)),
    FLD("emit_id", F_BOOL, false, NOOFF),
    FLD("properties", F_ANY, false, NOOFF),
    {0},
};

static const struct cj_field entropy_fields[] = {
    FLD("rate_limiter", F_OBJ, false, OFF(cfg_entropy, rate_limiter), .sub = rl_fields),
    {0},
};

int config_parse_boot_source(const json_t *j, struct cfg_boot_source *out, struct errbuf *e)
{
	struct cj_ctx c = {"boot-source", "", e};
	struct cfg_boot_source b = {0};

	return cj_parse_section(&c, j, boot_fields, &b, out, sizeof(b));
}

/* machine_check - rules that span fields, applied after every update, with
 * Firecracker's texts; -EDOM tells the API they are not a syntax error. */
static int machine_check(const struct cfg_machine *m, struct errbuf *e)
{
	/* With SMT each core has two sibling threads, so the count must pair up. */
	if (!m->vcpu_count || m->vcpu_count > CFG_MAX_VCPUS ||
	    (m->smt && m->vcpu_count != 1 && m->vcpu_count % 2))
		return errf(
		    e, -EDOM,
		    "The number of vCPUs must be greater than 0, less than %d and must be 1 "
		    "or an even number if SMT is enabled.",
		    CFG_MAX_VCPUS);
	/* hugetlbfs backs guest RAM with whole 2 MiB pages. */
	if (!m->mem_size_mib || (m->huge_pages == HUGE_PAGES_2M && m->mem_size_mib % 2))
		return errf(
		    e, -EDOM,
		    "The memory size (MiB) is either 0, or not a multiple of the configured "
		    "page size.");
	if (m->mem_size_mib > CFG_MAX_MEM_MIB)
		return errf(e, -EDOM, "The memory size (MiB) is larger than ember's limit of %u.",
			    CFG_MAX_MEM_MIB);
	return 0;
}

/* A full parse starts from the defaults and needs vcpu_count and
 * mem_size_mib; a partial one (PATCH) updates @out field by field. */
int config_parse_machine(const json_t *j, struct cfg_machine *out, bool partial, struct errbuf *e)
{
	struct cj_field t[sizeof(machine_fields) / sizeof(machine_fields[0])];
	struct cfg_machine m = {.vcpu_count = 1, .mem_size_mib = 128};
	struct cj_ctx c = {"machine-config", "", e};
	unsigned int i;
	int ret;

	memcpy(t, machine_fields, sizeof(t));
	if (partial) {
		m = *out;
		for (i = 0; t[i].name; i++)
			t[i].required = false;
		if (json_is_object(j) && !json_object_size(j))
			return errf(e, -ENODATA, "Empty PATCH request.");
	}
	ret = cj_parse_fields(&c, j, t, (char *)&m);
	if (!ret)
		ret = machine_check(&m, e);
	if (!ret)
		*out = m;
	return ret;
}

int config_parse_drive(const json_t *j, struct cfg_drive *out, struct errbuf *e)
{
	struct cj_ctx c = {"drive", "", e};
	struct cfg_drive d = {0};

	return cj_parse_section(&c, j, drive_fields, &d, out, sizeof(d));
}

int config_parse_drive_update(const json_t *j, struct cfg_drive_update *out, struct errbuf *e)
{
	struct cj_ctx c = {"drive", "", e};
	struct cfg_drive_update u = {0};
	const json_t *rl = json_is_object(j) ? json_object_get(j, "rate_limiter") : NULL;

	/* An update leaves out what it does not change, null included. */
	if (json_is_object(j) && json_is_null(json_object_get(j, "drive_id")))
		return errf(e, -EINVAL, "drive: missing field `drive_id`");
	u.has_rate_limiter = rl && !json_is_null(rl);
	return cj_parse_section(&c, j, drive_update_fields, &u, out, sizeof(u));
}

int config_parse_net(const json_t *j, struct cfg_net *out, struct errbuf *e)
{
	struct cj_ctx c = {"network-interface", "", e};
	struct cfg_net n = {0};

	return cj_parse_section(&c, j, net_fields, &n, out, sizeof(n));
}

int config_parse_net_update(const json_t *j, struct cfg_net_update *out, struct errbuf *e)
{
	struct cj_ctx c = {"network-interface", "", e};
	struct cfg_net_update u = {0};
	const json_t *rx = json_is_object(j) ? json_object_get(j, "rx_rate_limiter") : NULL;
	const json_t *tx = json_is_object(j) ? json_object_get(j, "tx_rate_limiter") : NULL;

	if (json_is_object(j) && json_is_null(json_object_get(j, "iface_id")))
		return errf(e, -EINVAL, "network-interface: missing field `iface_id`");
	u.has_rx = rx && !json_is_null(rx);
	u.has_tx = tx && !json_is_null(tx);
	return cj_parse_section(&c, j, net_update_fields, &u, out, sizeof(u));
}

/* Fields left out take the logger's own defaults (log_init): Info, with
 * the level shown and the origin not. */
int config_parse_logger(const json_t *j, struct cfg_logger *out, struct errbuf *e)
{
	struct cj_ctx c = {"logger", "", e};
	struct cfg_logger l = {.set = true, .level = LOG_INFO, .show_level = true};

	return cj_parse_section(&c, j, logger_fields, &l, out, sizeof(l));
}

int config_parse_metrics(const json_t *j, struct cfg_metrics *out, struct errbuf *e)
{
	struct cj_ctx c = {"metrics", "", e};
	struct cfg_metrics m = {.set = true};

	return cj_parse_section(&c, j, metrics_fields, &m, out, sizeof(m));
}

int config_parse_entropy(const json_t *j, struct cfg_entropy *out, struct errbuf *e)
{
	struct cj_ctx c = {"entropy", "", e};
	struct cfg_entropy en = {.set = true};

	return cj_parse_section(&c, j, entropy_fields, &en, out, sizeof(en));
}

void config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->machine.vcpu_count = 1;
	cfg->machine.mem_size_mib = 128;
}

void config_free(struct vm_config *cfg)
{
	unsigned int i;

	cj_free_strings(boot_fields, (char *)&cfg->boot_source);
	for (i = 0; i < cfg->nr_drives && i < CFG_MAX_DRIVES; i++)
		cj_free_strings(drive_fields, (char *)&cfg->drive[i]);
	cj_free_strings(logger_fields, (char *)&cfg->logger);
	cj_free_strings(metrics_fields, (char *)&cfg->metrics);
	config_vsock_free(&cfg->vsock);
	cpu_config_destroy(cfg->cpu_config);
	config_init(cfg);
}

static int check_drives(const struct vm_config *cfg, struct errbuf *e)
{
	const struct cfg_drive *root = NULL;
	unsigned int i, k;
	char q[CJ_QBUF], r[CJ_QBUF];

	if (cfg->nr_drives > CFG_MAX_DRIVES)
		return errf(e, -EINVAL, "drives: more than %d drives", CFG_MAX_DRIVES);
	for (i = 0; i < cfg->nr_drives; i++) {
		const struct cfg_drive *d = &cfg->drive[i];

		for (k = 0; k < i; k++)
			if (!strcmp(d->drive_id, cfg->drive[k].drive_id))
				return errf(e, -EINVAL, "drives: duplicate drive_id \"%s\"",
					    err_printable(d->drive_id, q, sizeof(q)));
		if (d->is_root_device && root)
			return errf(e, -EINVAL,
				    "drives: more than one root device (\"%s\" and \"%s\")",
				    err_printable(root->drive_id, r, sizeof(r)),
				    err_printable(d->drive_id, q, sizeof(q)));
		if (d->is_root_device)
			root = d;
	}
	return 0;
}

static int check_nets(const struct vm_config *cfg, struct errbuf *e)
{
	const char *pre = "network-interfaces: duplicate";
	unsigned int i, k;
	char q[CJ_QBUF];

	if (cfg->nr_nets > CFG_MAX_NETS)
		return errf(e, -EINVAL, "network-interfaces: more than %d interfaces",
			    CFG_MAX_NETS);
	for (i = 0; i < cfg->nr_nets; i++) {
		const struct cfg_net *n = &cfg->net[i];
		const uint8_t *m = n->guest_mac;

		for (k = 0; k < i; k++) {
			const struct cfg_net *o = &cfg->net[k];

			if (!strcmp(n->iface_id, o->iface_id))
				return errf(e, -EINVAL, "%s iface_id \"%s\"", pre,
					    err_printable(n->iface_id, q, sizeof(q)));
			if (!strcmp(n->host_dev_name, o->host_dev_name))
				return errf(e, -EINVAL, "%s host_dev_name \"%s\"", pre,
					    err_printable(n->host_dev_name, q, sizeof(q)));
			if (n->has_guest_mac && o->has_guest_mac && !memcmp(m, o->guest_mac, 6))
				return errf(e, -EINVAL,
					    "%s guest_mac \"%02x:%02x:%02x:%02x:%02x:%02x\"", pre,
					    m[0], m[1], m[2], m[3], m[4], m[5]);
		}
	}
	return 0;
}

/* in_file - machine_check's -EDOM as a plain error of the document's section. */
static int in_file(int ret, struct errbuf *e)
{
	struct errbuf inner;

	if (ret != -EDOM)
		return ret;
	inner = *e;
	return errf(e, -EINVAL, "machine-config: %s", inner.msg);
}

int config_check(const struct vm_config *cfg, struct errbuf *e)
{
	int ret;

	if (!cfg->has_boot_source || !cfg->boot_source.kernel_image_path)
		return errf(e, -EINVAL, "boot-source: missing required section \"boot-source\"");
	ret = in_file(machine_check(&cfg->machine, e), e);
	if (!ret)
		ret = check_drives(cfg, e);
	if (!ret)
		ret = check_nets(cfg, e);
	if (!ret && cfg->balloon.set && cfg->balloon.amount_mib > cfg->machine.mem_size_mib)
		ret = errf(e, -EINVAL, "balloon: Amount of pages requested is too large.");
	if (!ret && cfg->mmds.set && config_mmds_check(&cfg->mmds, cfg, e)) {
		struct errbuf inner = *e;

		ret = errf(e, -EINVAL, "mmds-config: %s", inner.msg);
	}
	return ret;
}

/* Firecracker config keys for devices ember does not have. */
static int check_unsupported(const json_t *root, struct errbuf *e)
{
	static const char *const keys[] = {"memory-hotplug", "pmem"};
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(root, keys[i]);

		if (!v || json_is_null(v))
			continue;
		if (!strcmp(keys[i], "pmem") && json_is_array(v) && !json_array_size(v))
			continue;
		return errf(e, -EINVAL, "%s: not supported by ember", keys[i]);
	}
	return 0;
}

/* parse_array - each element of the @key array into the next free slot
 * of table @t (stride @size); *@count grows per success for config_free. */
static int parse_array(const json_t *root, const char *key, const struct cj_field *t, char *slot,
		       size_t size, unsigned int max, unsigned int *count, struct errbuf *e)
{
	const json_t *arr = json_object_get(root, key);
	char sect[48], d[32];
	struct cj_ctx c = {sect, "", e};
	size_t i;
	int ret;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return errf(e, -EINVAL, "%s: must be a JSON array, got %s", key,
			    cj_desc(arr, d, sizeof(d)));
	if (json_array_size(arr) > max)
		return errf(e, -EINVAL, "%s: %zu entries given, ember supports at most %u", key,
			    json_array_size(arr), max);
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(sect, sizeof(sect), "%s[%zu]", key, i);
		ret = cj_parse_fields(&c, json_array_get(arr, i), t, slot + i * size);
		if (!ret)
			ret = cj_own_strings(&c, t, slot + i * size);
		if (ret) {
			/* drop the pointers into the document a failed parse left */
			memset(slot + i * size, 0, size);
			return ret;
		}
		(*count)++;
	}
	return 0;
}

/* parse_sections - every section of @root into the fresh @cfg. */
static int parse_sections(const json_t *root, struct vm_config *cfg, struct errbuf *e)
{
	const json_t *v;
	int ret;

	ret = check_unsupported(root, e);
	if (ret)
		return ret;
	v = json_object_get(root, "boot-source");
	if (!v)
		return errf(e, -EINVAL, "boot-source: missing required section \"boot-source\"");
	ret = config_parse_boot_source(v, &cfg->boot_source, e);
	if (ret)
		return ret;
	cfg->has_boot_source = true;
	v = json_object_get(root, "machine-config");
	if (v && !json_is_null(v) && (ret = config_parse_machine(v, &cfg->machine, false, e)))
		return ret;
	ret = parse_array(root, "drives", drive_fields, (char *)cfg->drive, sizeof(cfg->drive[0]),
			  CFG_MAX_DRIVES, &cfg->nr_drives, e);
	if (!ret)
		ret = parse_array(root, "network-interfaces", net_fields, (char *)cfg->net,
				  sizeof(cfg->net[0]), CFG_MAX_NETS, &cfg->nr_nets, e);
	if (ret)
		return ret;
	v = json_object_get(root, "logger");
	if (v && !json_is_null(v) && (ret = config_parse_logger(v, &cfg->logger, e)))
		return ret;
	v = json_object_get(root, "metrics");
	if (v && !json_is_null(v) && (ret = config_parse_metrics(v, &cfg->metrics, e)))
		return ret;
	v = json_object_get(root, "balloon");
	if (v && !json_is_null(v) && (ret = config_parse_balloon(v, &cfg->balloon, e)))
		return ret;
	v = json_object_get(root, "entropy");
	if (v && !json_is_null(v) && (ret = config_parse_entropy(v, &cfg->entropy, e)))
		return ret;
	v = json_object_get(root, "mmds-config");
	if (v && !json_is_null(v) && (ret = config_parse_mmds(v, &cfg->mmds, e)))
		return ret;
	v = json_object_get(root, "vsock");
	if (v && !json_is_null(v) && (ret = config_parse_vsock(v, &cfg->vsock, e)))
		return ret;
	/* A custom CPU template replaces machine-config's static one. */
	v = json_object_get(root, "cpu-config");
	if (v && !json_is_null(v) && (ret = cpu_config_parse_value(v, &cfg->cpu_config, e)))
		return ret;
	if (cfg->cpu_config)
		cfg->machine.cpu_template = 0;
	return 0;
}

int config_load_json(struct vm_config *cfg, const char *text, size_t len, struct errbuf *e)
{
	struct vm_config tmp;
	json_error_t je;
	json_t *root;
	char q[CJ_QBUF * 2], d[32];
	int ret;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return errf(e, -EINVAL, "invalid JSON at line %d, column %d: %s", je.line,
			    je.column, err_printable(je.text, q, sizeof(q)));
	config_init(&tmp);
	if (!json_is_object(root))
		ret = errf(e, -EINVAL, "the top level must be a JSON object, got %s",
			   cj_desc(root, d, sizeof(d)));
	else
		ret = parse_sections(root, &tmp, e);
	if (!ret)
		ret = config_check(&tmp, e);
	ret = in_file(ret, e);
	json_decref(root);
	if (ret) {
		config_free(&tmp);
		return ret;
	}
	config_free(cfg);
	*cfg = tmp;
	return 0;
}

/* read_all - fill @buf from @fd until EOF; -EFBIG if it fills up first.
 * Reads rather than trusting st_size, so pipes and /dev/stdin work too. */
static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t r;

	for (*len = 0; *len < cap; *len += (size_t)r) {
		r = read(fd, buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			r = 0;
		else if (r < 0)
			return -errno;
		else if (r == 0)
			return 0;
	}
	return -EFBIG;
}

int config_load_file(struct vm_config *cfg, const char *path, struct errbuf *e)
{
	struct errbuf inner;
	size_t len = 0;
	char *buf;
	int fd, ret;

	buf = malloc(CFG_FILE_MAX + 1);
	if (!buf)
		return errf(e, -ENOMEM, "config file %s: out of memory", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ret = fd < 0 ? -errno : read_all(fd, buf, CFG_FILE_MAX + 1, &len);
	if (fd >= 0)
		close(fd);
	if (!ret)
		ret = config_load_json(cfg, buf, len, &inner);
	else if (ret == -EFBIG)
		errf(&inner, ret, "larger than the limit of %u bytes", CFG_FILE_MAX);
	else
		errf(&inner, ret, "cannot %s: %s", fd < 0 ? "open" : "read", strerror(-ret));
	free(buf);
	if (ret)
		return errf(e, ret, "config file %s: %s", path, inner.msg);
	return 0;
}
