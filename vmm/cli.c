/*
 * cli.c - see cli.h.
 *
 * A table of flags, parsed by hand: getopt_long would print its own errors
 * and keeps global state. Repeated flags overwrite (last one wins).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum opt_kind {
	OPT_FLAG,  /* bool */
	OPT_STR,   /* const char *, non-empty */
	OPT_ID,	   /* const char *, 1..64 of [A-Za-z0-9-] */
	OPT_LEVEL, /* enum log_level, sets level_set */
	OPT_SIZE,  /* uint64_t > 0 */
	OPT_U64,   /* struct cli_u64, any value */
	OPT_HELP,
	OPT_VERSION,
	OPT_SNAPSHOT_VERSION, /* --snapshot-version */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
};

#define O(m) offsetof(struct cli_opts, m)

/* The largest --http-api-max-payload-size: far above any API body, and
 * keeps the HTTP parser's size arithmetic far from wrapping. */
#define CLI_MAX_PAYLOAD_LIMIT (64ULL << 20)

static const struct opt opts[] = {
    {"api-sock", OPT_STR, O(api_sock)},
    {"config-file", OPT_STR, O(config_file)},
    {"no-api", OPT_FLAG, O(no_api)},
    {"boot-timer", OPT_FLAG, O(boot_timer)},
    {"id", OPT_ID, O(id)},
    {"log-path", OPT_STR, O(log_path)},
    {"level", OPT_LEVEL, O(level)},
    {"show-level", OPT_FLAG, O(show_level)},
    {"show-log-origin", OPT_FLAG, O(show_log_origin)},
    {"metrics-path", OPT_STR, O(metrics_path)},
    {"http-api-max-payload-size", OPT_SIZE, O(max_payload)},
    {"serial-out", OPT_STR, O(serial_out)},
    {"no-seccomp", OPT_FLAG, O(no_seccomp)},
    {"seccomp-filter", OPT_STR, O(seccomp_filter)},
    {"start-time-us", OPT_U64, O(start_time_us)},
    {"start-time-cpu-us", OPT_U64, O(start_time_cpu_us)},
    {"parent-cpu-time-us", OPT_U64, O(parent_cpu_time_us)},
    {"metadata", OPT_STR, O(metadata)},
    {"mmds-size-limit", OPT_SIZE, O(mmds_size_limit)},
    {"help", OPT_HELP, 0},
    {"version", OPT_VERSION, 0},
    {"snapshot-version", OPT_SNAPSHOT_VERSION, 0},
    {"describe-snapshot", OPT_STR, O(describe_snapshot)},
};

static const char usage[] =
    "Usage: ember [OPTIONS]\n"
    "\n"
    "A minimal KVM microVM monitor speaking Firecracker's API and config format.\n"
    "\n"
    "Options (\"--flag value\" or \"--flag=value\"):\n"
    "  --api-sock PATH          API socket (default " CLI_DEFAULT_API_SOCK ")\n"
    "  --config-file PATH       boot at once from a Firecracker JSON config file\n"
    "  --no-api                 run without the API server (needs --config-file)\n"
    "  --boot-timer             attach the boot-timer device\n"
    "  --id ID                  instance id, 1-64 chars of [A-Za-z0-9-]\n"
    "                           (default " CLI_DEFAULT_ID ")\n"
    "  --log-path PATH          write the log to PATH instead of stderr\n"
    "  --level LEVEL            Error, Warning, Info, Debug, Trace or Off\n"
    "  --show-level             show the level in log lines\n"
    "  --show-log-origin        show file:line in log lines\n"
    "  --metrics-path PATH      write metrics to PATH\n"
    "  --http-api-max-payload-size BYTES\n"
    "                           largest API request body (default 51200, at most\n"
    "                           67108864)\n"
    "  --serial-out PATH        guest serial output to PATH instead of stdout\n"
    "  --no-seccomp             run without the seccomp filters (debugging only)\n"
    "  --seccomp-filter FILE    install the filters in FILE (Firecracker's seccompiler\n"
    "                           format) instead of ember's\n"
    "  --start-time-us US, --start-time-cpu-us US, --parent-cpu-time-us US\n"
    "                           the launcher's start (CLOCK_MONOTONIC, CPU time) and\n"
    "                           its parents' CPU time, as Firecracker's jailer passes\n"
    "                           them: the api_server.process_startup_time_* metrics\n"
    "  --metadata FILE          preload the metadata store (MMDS) with FILE's JSON object\n"
    "  --mmds-size-limit BYTES  largest MMDS data (default: the API payload limit)\n"
    "  --help                   print this text\n"
    "  --version                print the version\n"
    "  --snapshot-version       print the snapshot format version this ember writes\n"
    "  --describe-snapshot FILE print the format version of snapshot FILE\n";

const char *cli_usage(void)
{
	return usage;
}

/* instance_id_valid - Firecracker's rule for --id: 1..64 of [A-Za-z0-9-]. */
static bool instance_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return i > 0;
}

/* parse_size - decimal digits only (no sign, space or 0x), > 0, no overflow. */
static int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	*out = v;
	return 0;
}

/* parse_u64 - decimal digits only (no sign, space or 0x), 0 allowed. */
static int parse_u64(const char *s, struct cli_u64 *out)
{
	uint64_t v = 0;

	for (; *s; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -EINVAL;
	}
	out->set = true;
	out->v = v;
	return 0;
}

static int set_value(const struct opt *op, const char *val, struct cli_opts *o, struct errbuf *e)
{
	char *base = (char *)o;

	if (!*val)
		return errf(e, -EINVAL, "--%s: the value must not be empty", op->name);
	switch (op->kind) {
	case OPT_ID:
		if (!instance_id_valid(val))
			return errf(e, -EINVAL,
				    "--id: must be 1 to 64 characters of [A-Za-z0-9-], got \"%s\"",
				    val);
		break;
	case OPT_LEVEL:
		if (log_level_parse(val, &o->level))
			return errf(e, -EINVAL,
				    "--level: must be one of Error, Warning, Info, Debug, Trace, "
				    "Off, got \"%s\"",
				    val);
		o->level_set = true;
		return 0;
	case OPT_SIZE:
		if (parse_size(val, (uint64_t *)(base + op->off)))
			return errf(e, -EINVAL, "--%s: must be a positive integer, got \"%s\"",
				    op->name, val);
		return 0;
	case OPT_U64:
		if (parse_u64(val, (struct cli_u64 *)(base + op->off)))
			return errf(e, -EINVAL,
				    "--%s: must be a number of microseconds, got \"%s\"", op->name,
				    val);
		return 0;
	default:
		break;
	}
	*(const char **)(base + op->off) = val;
	return 0;
}

static const struct opt *find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return &opts[i];
	return NULL;
}

/* parse_one - argv[*i]; consumes argv[*i + 1] too for "--flag value". */
static int parse_one(int argc, char *const argv[], int *i, struct cli_opts *o, bool *help,
		     bool *version, struct errbuf *e)
{
	const char *arg = argv[*i], *name = arg + 2, *eq, *val;
	const struct opt *op;
	size_t len;

	if (strncmp(arg, "--", 2) || !*name)
		return errf(e, -EINVAL, "unexpected argument \"%s\" (ember takes only --flags)",
			    arg);
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	op = find_opt(name, len);
	if (!op)
		return errf(e, -EINVAL, "unknown flag \"--%.*s\" (see --help)", (int)len, name);
	if (op->kind == OPT_SNAPSHOT_VERSION) {
		if (eq)
			return errf(e, -EINVAL, "--%s: takes no value", op->name);
		o->action = CLI_SNAPSHOT_VERSION;
		return 0;
	}
	if (op->kind == OPT_FLAG || op->kind == OPT_HELP || op->kind == OPT_VERSION) {
		if (eq)
			return errf(e, -EINVAL, "--%s: takes no value", op->name);
		if (op->kind == OPT_FLAG)
			*(bool *)((char *)o + op->off) = true;
		*help |= op->kind == OPT_HELP;
		*version |= op->kind == OPT_VERSION;
		return 0;
	}
	if (eq) {
		val = eq + 1;
	} else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2)) {
		val = argv[++*i];
	} else {
		return errf(e, -EINVAL, "--%s: needs a value", op->name);
	}
	return set_value(op, val, o, e);
}

int cli_parse(int argc, char *const argv[], struct cli_opts *o, struct errbuf *e)
{
	bool help = false, version = false;
	int i, ret;

	memset(o, 0, sizeof(*o));
	o->action = CLI_RUN;
	o->api_sock = CLI_DEFAULT_API_SOCK;
	o->id = CLI_DEFAULT_ID;
	o->level = LOG_INFO;
	o->max_payload = CLI_DEFAULT_MAX_PAYLOAD;
	for (i = 1; i < argc; i++) {
		ret = parse_one(argc, argv, &i, o, &help, &version, e);
		if (ret)
			return ret;
	}
	/* --help and --version win over everything else that parsed. */
	if (help || version) {
		o->action = help ? CLI_HELP : CLI_VERSION;
		return 0;
	}
	if (o->describe_snapshot)
		o->action = CLI_DESCRIBE_SNAPSHOT;
	if (o->action != CLI_RUN)
		return 0;
	if (o->max_payload > CLI_MAX_PAYLOAD_LIMIT)
		return errf(e, -EINVAL, "--http-api-max-payload-size: at most %llu bytes, got %llu",
			    CLI_MAX_PAYLOAD_LIMIT, (unsigned long long)o->max_payload);
	if (o->mmds_size_limit > CLI_MAX_PAYLOAD_LIMIT)
		return errf(e, -EINVAL, "--mmds-size-limit: at most %llu bytes, got %llu",
			    CLI_MAX_PAYLOAD_LIMIT, (unsigned long long)o->mmds_size_limit);
	if (o->no_api && !o->config_file)
		return errf(e, -EINVAL,
			    "--no-api needs --config-file (nothing could configure "
			    "the microVM)");
	if (o->no_seccomp && o->seccomp_filter)
		return errf(e, -EINVAL,
			    "--no-seccomp and --seccomp-filter cannot be used together");
	return 0;
}
