/*
 * config.c - see config.h.
 *
 * Each section is described by a table of fields (name, type, where it
 * goes). parse_fields() walks the JSON object against the table into a local
 * copy of the section; strings first point into the JSON document and are
 * duplicated only once everything has passed. Then what @out held before is
 * released and the copy moves in. So @out must be initialised (config_init'ed
 * or filled by an earlier parse), and it is left untouched on failure.
 *
 * Messages are "<section>: <problem>" with no trailing period; the API wraps
 * them in Firecracker's deserialization fault text.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "layout.h"

#define CFG_FILE_MAX	(1u << 20) /* config files larger than 1 MiB are refused */
#define CFG_MAX_VCPUS	32	   /* Firecracker's MAX_SUPPORTED_VCPUS */
#define CFG_MAX_MEM_MIB 1048576	   /* 1 TiB */
#define CFG_STR_MAX	4096	   /* any other string */
#define QBUF		80	   /* room for an echoed, sanitised user string */
#define NOOFF		SIZE_MAX   /* validate the field but keep no value */
#define OFF(s, m)	offsetof(struct s, m)
#define FLD(n, t, req, o, ...)                                                                     \
	{                                                                                          \
		.name = n, .type = t, .required = req, .off = o, __VA_ARGS__                       \
	}

/* F_ENUM stores an unsigned int into these */
_Static_assert(sizeof(enum cfg_huge_pages) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum cfg_cache_type) == sizeof(unsigned int), "enum size");
_Static_assert(sizeof(enum cfg_io_engine) == sizeof(unsigned int), "enum size");

enum ftype {
	F_STR,	 /* char *, optionally checked by valid() */
	F_PATH,	 /* char *, non-empty, shorter than PATH_MAX */
	F_NAME,	 /* char[max + 1], checked by valid() */
	F_ENUM,	 /* unsigned int: index of the value in names[] */
	F_LEVEL, /* enum log_level, through log_level_parse() */
	F_MAC,	 /* uint8_t[6]; also sets the bool at aux */
	F_BOOL,	 /* bool */
	F_U32,	 /* unsigned int in [min, max] */
	F_U64,	 /* uint64_t in [min, max] */
	F_OBJ,	 /* nested object described by sub[] */
	F_TB,	 /* F_OBJ that is a struct cfg_token_bucket: marks it set */
	F_UNSUP, /* only absent or null is accepted */
};

struct field {
	const char *name;
	enum ftype type;
	bool required;
	size_t off;
	uint64_t min, max; /* numbers; max is the length limit for F_STR/F_NAME */
	const char *const *names;
	const struct field *sub;
	bool (*valid)(const char *s);
	const char *what; /* "must be <what>" when valid() or names[] reject */
	size_t aux;
};

/* Where a message points: "drives[1]" and a nested field path prefix. */
struct jctx {
	const char *sect;
	const char *pfx; /* "" or e.g. "rate_limiter.bandwidth." */
	struct errbuf *e;
};

/* safe - copy of @s fit to echo in a message: printable ASCII, truncated. */
static const char *safe(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static const char *jdesc(const json_t *v, char *buf, size_t n)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int bad_type(const struct jctx *c, const struct field *f, const char *want, const json_t *v)
{
	char d[32];

	return errf(c->e, -EINVAL, "%s: field \"%s%s\" must be %s, got %s", c->sect, c->pfx,
		    f->name, want, jdesc(v, d, sizeof(d)));
}

static int bad_value(const struct jctx *c, const struct field *f, const char *s)
{
	char q[QBUF];

	return errf(c->e, -EINVAL, "%s: field \"%s%s\" must be %s, got \"%s\"", c->sect, c->pfx,
		    f->name, f->what, safe(s, q, sizeof(q)));
}

static int want_object(const struct jctx *c, const json_t *v)
{
	char d[32];

	if (json_is_object(v))
		return 0;
	if (*c->pfx)
		return errf(c->e, -EINVAL, "%s: field \"%.*s\" must be an object, got %s", c->sect,
			    (int)strlen(c->pfx) - 1, c->pfx, jdesc(v, d, sizeof(d)));
	return errf(c->e, -EINVAL, "%s: must be a JSON object, got %s", c->sect,
		    jdesc(v, d, sizeof(d)));
}

static int parse_fields(const struct jctx *c, const json_t *obj, const struct field *t, char *base);

static int parse_string(const struct jctx *c, const struct field *f, const json_t *v, char *base)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	size_t max = f->type == F_PATH ? PATH_MAX - 1 : f->max ? f->max : CFG_STR_MAX;
	unsigned int i;

	if (!json_is_string(v))
		return bad_type(c, f, "a string", v);
	if (len != strlen(s))
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" contains a NUL character", c->sect,
			    c->pfx, f->name);
	if (len > max && f->type != F_NAME)
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" is longer than %zu bytes", c->sect,
			    c->pfx, f->name, max);
	if (f->type == F_PATH && !len)
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" must not be empty", c->sect, c->pfx,
			    f->name);
	if ((f->valid && !f->valid(s)) || len > max)
		return bad_value(c, f, s);
	switch (f->type) {
	case F_NAME:
		memcpy(base + f->off, s, len + 1);
		return 0;
	case F_ENUM:
		for (i = 0; f->names[i] && strcmp(s, f->names[i]); i++)
			;
		if (!f->names[i])
			return bad_value(c, f, s);
		if (f->off != NOOFF)
			*(unsigned int *)(base + f->off) = i;
		return 0;
	case F_LEVEL:
		return log_level_parse(s, (enum log_level *)(base + f->off)) ? bad_value(c, f, s)
									     : 0;
	case F_MAC:
		if (config_parse_mac(s, (uint8_t *)(base + f->off)))
			return bad_value(c, f, s);
		*(bool *)(base + f->aux) = true;
		return 0;
	default: /* borrowed from the document until own_strings() */
		*(const char **)(base + f->off) = s;
		return 0;
	}
}

static int parse_field(const struct jctx *c, const struct field *f, const json_t *v, char *base)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
	char pfx[64];
	struct jctx sub = {c->sect, pfx, c->e};
	int ret;

	switch (f->type) {
	case F_BOOL:
		if (!json_is_boolean(v))
			return bad_type(c, f, "a boolean", v);
		if (f->off != NOOFF)
			*(bool *)(base + f->off) = json_is_true(v);
		return 0;
	case F_U32:
	case F_U64:
		if (n < 0 || (uint64_t)n < f->min || (uint64_t)n > f->max) {
			char want[64];

			snprintf(want, sizeof(want), "an integer between %llu and %llu",
				 (unsigned long long)f->min, (unsigned long long)f->max);
			return bad_type(c, f, want, v);
		}
		if (f->type == F_U32)
			*(unsigned int *)(base + f->off) = (unsigned int)n;
		else
			*(uint64_t *)(base + f->off) = (uint64_t)n;
		return 0;
	case F_OBJ:
	case F_TB:
		snprintf(pfx, sizeof(pfx), "%s%s.", c->pfx, f->name);
		ret = parse_fields(&sub, v, f->sub, base + f->off);
		if (ret)
			return ret;
		if (f->type == F_TB)
			((struct cfg_token_bucket *)(base + f->off))->set = true;
		return 0;
	case F_UNSUP:
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" is not supported by ember%s%s",
			    c->sect, c->pfx, f->name, f->what ? " " : "", f->what ? f->what : "");
	default:
		return parse_string(c, f, v, base);
	}
}

/*
 * parse_fields - @obj against table @t into @base. Unknown keys are errors;
 * null is the same as absent for optional fields (as serde's Option), and a
 * type error for required ones.
 */
static int parse_fields(const struct jctx *c, const json_t *obj, const struct field *t, char *base)
{
	const struct field *f;
	char q[QBUF];
	void *it;
	int ret;

	ret = want_object(c, obj);
	if (ret)
		return ret;
	for (it = json_object_iter((json_t *)obj); it;
	     it = json_object_iter_next((json_t *)obj, it)) {
		for (f = t; f->name && strcmp(f->name, json_object_iter_key(it)); f++)
			;
		if (!f->name)
			return errf(c->e, -EINVAL, "%s: unknown field \"%s%s\"", c->sect, c->pfx,
				    safe(json_object_iter_key(it), q, sizeof(q)));
	}
	for (f = t; f->name; f++) {
		const json_t *v = json_object_get(obj, f->name);

		if (!v && f->required)
			return errf(c->e, -EINVAL, "%s: missing required field \"%s%s\"", c->sect,
				    c->pfx, f->name);
		if (!v || (json_is_null(v) && !f->required))
			continue;
		ret = parse_field(c, f, v, base);
		if (ret)
			return ret;
	}
	return 0;
}

static void free_strings(const struct field *t, char *base)
{
	for (; t->name; t++) {
		if (t->type == F_STR || t->type == F_PATH) {
			free(*(char **)(base + t->off));
			*(char **)(base + t->off) = NULL;
		}
	}
}

/* own_strings - replace borrowed string pointers by copies; all or none. */
static int own_strings(const struct jctx *c, const struct field *t, char *base)
{
	const struct field *f;
	bool ok = true;

	for (f = t; f->name; f++) {
		char **p;

		if (f->type != F_STR && f->type != F_PATH)
			continue;
		p = (char **)(base + f->off);
		if (*p) {
			*p = strdup(*p);
			ok &= *p != NULL;
		}
	}
	if (ok)
		return 0;
	free_strings(t, base);
	return errf(c->e, -ENOMEM, "%s: out of memory", c->sect);
}

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

static const struct field bucket_fields[] = {
    FLD("size", F_U64, true, OFF(cfg_token_bucket, size), .max = INT64_MAX),
    FLD("refill_time", F_U64, true, OFF(cfg_token_bucket, refill_time_ms), .max = INT64_MAX),
    FLD("one_time_burst", F_U64, false, OFF(cfg_token_bucket, one_time_burst), .max = INT64_MAX),
    {0},
};

static const struct field rl_fields[] = {
    FLD("bandwidth", F_TB, false, OFF(cfg_rate_limiter, bandwidth), .sub = bucket_fields),
    FLD("ops", F_TB, false, OFF(cfg_rate_limiter, ops), .sub = bucket_fields),
    {0},
};

#define ID_WHAT "1 to 64 characters of [A-Za-z0-9_]"

static const struct field boot_fields[] = {
    FLD("kernel_image_path", F_PATH, true, OFF(cfg_boot_source, kernel_image_path)),
    FLD("initrd_path", F_PATH, false, OFF(cfg_boot_source, initrd_path)),
    FLD("boot_args", F_STR, false, OFF(cfg_boot_source, boot_args), .max = CMDLINE_MAX - 1),
    {0},
};

static const char *const huge_names[] = {"None", "Transparent", "2M", NULL};
static const char *const template_names[] = {"None", NULL};

static const struct field machine_fields[] = {
    FLD("vcpu_count", F_U32, true, OFF(cfg_machine, vcpu_count), .min = 1, .max = CFG_MAX_VCPUS),
    FLD("mem_size_mib", F_U64, true, OFF(cfg_machine, mem_size_mib), .min = 1,
	.max = CFG_MAX_MEM_MIB),
    FLD("smt", F_BOOL, false, OFF(cfg_machine, smt)),
    FLD("track_dirty_pages", F_BOOL, false, OFF(cfg_machine, track_dirty_pages)),
    FLD("huge_pages", F_ENUM, false, OFF(cfg_machine, huge_pages), .names = huge_names,
	.what = "one of \"None\", \"Transparent\", \"2M\""),
    FLD("cpu_template", F_ENUM, false, NOOFF, .names = template_names,
	.what = "\"None\" (CPU templates are not supported by ember)"),
    {0},
};

static const char *const cache_names[] = {"Unsafe", "Writeback", NULL};
static const char *const engine_names[] = {"Sync", "Async", NULL};

static const struct field drive_fields[] = {
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

static const struct field net_fields[] = {
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

static const struct field logger_fields[] = {
    FLD("log_path", F_PATH, false, OFF(cfg_logger, log_path)),
    FLD("level", F_LEVEL, false, OFF(cfg_logger, level),
	.what = "one of \"Error\", \"Warning\", \"Info\", \"Debug\", \"Trace\", \"Off\""),
    FLD("show_level", F_BOOL, false, OFF(cfg_logger, show_level)),
    FLD("show_log_origin", F_BOOL, false, OFF(cfg_logger, show_log_origin)),
    FLD("module", F_STR, false, OFF(cfg_logger, module), .max = 256),
    {0},
};

static const struct field metrics_fields[] = {
    FLD("metrics_path", F_PATH, true, OFF(cfg_metrics, metrics_path)),
    FLD("emit_id", F_BOOL, false, NOOFF),
    FLD("properties", F_UNSUP, false, NOOFF),
    {0},
};

/* parse_section - the common frame: validate into @tmp, own its strings,
 * release @out's and move @tmp in. */
static int parse_section(const struct jctx *c, const json_t *j, const struct field *t, void *tmp,
			 void *out, size_t size)
{
	int ret = parse_fields(c, j, t, tmp);

	if (!ret)
		ret = own_strings(c, t, tmp);
	if (ret)
		return ret;
	free_strings(t, out);
	memcpy(out, tmp, size);
	return 0;
}

int config_parse_boot_source(const json_t *j, struct cfg_boot_source *out, struct errbuf *e)
{
	struct jctx c = {"boot-source", "", e};
	struct cfg_boot_source b = {0};

	return parse_section(&c, j, boot_fields, &b, out, sizeof(b));
}

/* machine_check - rules that span fields, applied after every update. */
static int machine_check(const struct cfg_machine *m, struct errbuf *e)
{
	/* With SMT each core has two sibling threads, so the count must pair up. */
	if (m->smt && m->vcpu_count != 1 && m->vcpu_count % 2)
		return errf(e, -EINVAL,
			    "machine-config: field \"vcpu_count\" must be 1 or even when smt is "
			    "enabled, got %u",
			    m->vcpu_count);
	/* hugetlbfs backs guest RAM with whole 2 MiB pages. */
	if (m->huge_pages == HUGE_PAGES_2M && m->mem_size_mib % 2)
		return errf(e, -EINVAL,
			    "machine-config: field \"mem_size_mib\" must be a multiple of 2 with "
			    "huge_pages \"2M\", got %llu",
			    (unsigned long long)m->mem_size_mib);
	return 0;
}

/* A full parse starts from the defaults and needs vcpu_count and
 * mem_size_mib; a partial one (PATCH) updates @out field by field. */
int config_parse_machine(const json_t *j, struct cfg_machine *out, bool partial, struct errbuf *e)
{
	struct field t[sizeof(machine_fields) / sizeof(machine_fields[0])];
	struct cfg_machine m = {.vcpu_count = 1, .mem_size_mib = 128};
	struct jctx c = {"machine-config", "", e};
	unsigned int i;
	int ret;

	memcpy(t, machine_fields, sizeof(t));
	if (partial) {
		m = *out;
		for (i = 0; t[i].name; i++)
			t[i].required = false;
		if (json_is_object(j) && !json_object_size(j))
			return errf(e, -EINVAL, "machine-config: an update must set a field");
	}
	ret = parse_fields(&c, j, t, (char *)&m);
	if (!ret)
		ret = machine_check(&m, e);
	if (!ret)
		*out = m;
	return ret;
}

int config_parse_drive(const json_t *j, struct cfg_drive *out, struct errbuf *e)
{
	struct jctx c = {"drive", "", e};
	struct cfg_drive d = {0};

	return parse_section(&c, j, drive_fields, &d, out, sizeof(d));
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int config_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

int config_parse_net(const json_t *j, struct cfg_net *out, struct errbuf *e)
{
	struct jctx c = {"network-interface", "", e};
	struct cfg_net n = {0};

	return parse_section(&c, j, net_fields, &n, out, sizeof(n));
}

/* Fields left out take the logger's own defaults (log_init): Info, with
 * the level shown and the origin not. */
int config_parse_logger(const json_t *j, struct cfg_logger *out, struct errbuf *e)
{
	struct jctx c = {"logger", "", e};
	struct cfg_logger l = {.set = true, .level = LOG_INFO, .show_level = true};

	return parse_section(&c, j, logger_fields, &l, out, sizeof(l));
}

int config_parse_metrics(const json_t *j, struct cfg_metrics *out, struct errbuf *e)
{
	struct jctx c = {"metrics", "", e};
	struct cfg_metrics m = {.set = true};

	return parse_section(&c, j, metrics_fields, &m, out, sizeof(m));
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

	free_strings(boot_fields, (char *)&cfg->boot_source);
	for (i = 0; i < cfg->nr_drives && i < CFG_MAX_DRIVES; i++)
		free_strings(drive_fields, (char *)&cfg->drive[i]);
	free_strings(logger_fields, (char *)&cfg->logger);
	free_strings(metrics_fields, (char *)&cfg->metrics);
	config_init(cfg);
}

static int check_drives(const struct vm_config *cfg, struct errbuf *e)
{
	const struct cfg_drive *root = NULL;
	unsigned int i, k;
	char q[QBUF], r[QBUF];

	if (cfg->nr_drives > CFG_MAX_DRIVES)
		return errf(e, -EINVAL, "drives: more than %d drives", CFG_MAX_DRIVES);
	for (i = 0; i < cfg->nr_drives; i++) {
		const struct cfg_drive *d = &cfg->drive[i];

		for (k = 0; k < i; k++)
			if (!strcmp(d->drive_id, cfg->drive[k].drive_id))
				return errf(e, -EINVAL, "drives: duplicate drive_id \"%s\"",
					    safe(d->drive_id, q, sizeof(q)));
		if (d->is_root_device && root)
			return errf(
			    e, -EINVAL, "drives: more than one root device (\"%s\" and \"%s\")",
			    safe(root->drive_id, r, sizeof(r)), safe(d->drive_id, q, sizeof(q)));
		if (d->is_root_device)
			root = d;
	}
	return 0;
}

static int check_nets(const struct vm_config *cfg, struct errbuf *e)
{
	const char *pre = "network-interfaces: duplicate";
	unsigned int i, k;
	char q[QBUF];

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
					    safe(n->iface_id, q, sizeof(q)));
			if (!strcmp(n->host_dev_name, o->host_dev_name))
				return errf(e, -EINVAL, "%s host_dev_name \"%s\"", pre,
					    safe(n->host_dev_name, q, sizeof(q)));
			if (n->has_guest_mac && o->has_guest_mac && !memcmp(m, o->guest_mac, 6))
				return errf(e, -EINVAL,
					    "%s guest_mac \"%02x:%02x:%02x:%02x:%02x:%02x\"", pre,
					    m[0], m[1], m[2], m[3], m[4], m[5]);
		}
	}
	return 0;
}

int config_check(const struct vm_config *cfg, struct errbuf *e)
{
	int ret;

	if (!cfg->has_boot_source || !cfg->boot_source.kernel_image_path)
		return errf(e, -EINVAL, "boot-source: missing required section \"boot-source\"");
	ret = machine_check(&cfg->machine, e);
	if (!ret)
		ret = check_drives(cfg, e);
	if (!ret)
		ret = check_nets(cfg, e);
	return ret;
}

/* Firecracker config keys for devices ember does not have. */
static int check_unsupported(const json_t *root, struct errbuf *e)
{
	static const char *const keys[] = {"cpu-config",  "balloon",	    "vsock", "entropy",
					   "mmds-config", "memory-hotplug", "pmem"};
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
static int parse_array(const json_t *root, const char *key, const struct field *t, char *slot,
		       size_t size, unsigned int max, unsigned int *count, struct errbuf *e)
{
	const json_t *arr = json_object_get(root, key);
	char sect[48], d[32];
	struct jctx c = {sect, "", e};
	size_t i;
	int ret;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return errf(e, -EINVAL, "%s: must be a JSON array, got %s", key,
			    jdesc(arr, d, sizeof(d)));
	if (json_array_size(arr) > max)
		return errf(e, -EINVAL, "%s: %zu entries given, ember supports at most %u", key,
			    json_array_size(arr), max);
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(sect, sizeof(sect), "%s[%zu]", key, i);
		ret = parse_fields(&c, json_array_get(arr, i), t, slot + i * size);
		if (!ret)
			ret = own_strings(&c, t, slot + i * size);
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
	return 0;
}

int config_load_json(struct vm_config *cfg, const char *text, size_t len, struct errbuf *e)
{
	struct vm_config tmp;
	json_error_t je;
	json_t *root;
	char q[QBUF * 2], d[32];
	int ret;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return errf(e, -EINVAL, "invalid JSON at line %d, column %d: %s", je.line,
			    je.column, safe(je.text, q, sizeof(q)));
	config_init(&tmp);
	if (!json_is_object(root))
		ret = errf(e, -EINVAL, "the top level must be a JSON object, got %s",
			   jdesc(root, d, sizeof(d)));
	else
		ret = parse_sections(root, &tmp, e);
	if (!ret)
		ret = config_check(&tmp, e);
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
