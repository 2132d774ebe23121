/*
 * args.c - ember-jailer's command line: Firecracker's jailer flags, parsed by
 * hand from a table (getopt_long prints its own errors and keeps global
 * state). Syntax and everything that needs no system lookup is checked here;
 * check.c does the rest. Unlike ember's flags, a jailer flag given twice is
 * an error (except the repeatable --cgroup and --resource-limit): for a
 * security boundary "last one wins" hides mistakes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jailer.h"

enum jopt_kind {
	J_ID,
	J_EXEC_FILE,
	J_UID,
	J_GID,
	J_BASE,
	J_NETNS,
	J_DAEMONIZE,
	J_NEW_PID_NS,
	J_CGROUP_VERSION,
	J_CGROUP,
	J_PARENT_CGROUP,
	J_RESOURCE_LIMIT,
	J_HELP,
	J_VERSION,
};

struct jopt {
	const char *name;
	enum jopt_kind kind;
	bool takes_value;
	bool repeatable;
};

static const struct jopt jopts[] = {
    {"id", J_ID, true, false},
    {"exec-file", J_EXEC_FILE, true, false},
    {"uid", J_UID, true, false},
    {"gid", J_GID, true, false},
    {"chroot-base-dir", J_BASE, true, false},
    {"netns", J_NETNS, true, false},
    {"daemonize", J_DAEMONIZE, false, false},
    {"new-pid-ns", J_NEW_PID_NS, false, false},
    {"cgroup-version", J_CGROUP_VERSION, true, false},
    {"cgroup", J_CGROUP, true, true},
    {"parent-cgroup", J_PARENT_CGROUP, true, false},
    {"resource-limit", J_RESOURCE_LIMIT, true, true},
    {"help", J_HELP, false, true},
    {"version", J_VERSION, false, true},
};

#define SEEN(kind) (1u << (kind))

static const char usage[] =
    "Usage: ember-jailer --id ID --exec-file PATH --uid UID --gid GID [OPTIONS] [-- EMBER ARGS]\n"
    "\n"
    "Starts ember (--exec-file, a static binary) confined: copied into\n"
    "<chroot-base-dir>/<exec-name>/<id>/root, in its own mount namespace\n"
    "pivoted into that directory, with only /dev/kvm and /dev/net/tun, in a\n"
    "cgroup, under resource limits, as UID:GID with no capabilities and\n"
    "no_new_privs. Runs /<exec-name> --id ID [EMBER ARGS] in the jail.\n"
    "\n"
    "Options (\"--flag value\" or \"--flag=value\"):\n"
    "  --id ID                  microVM id, 1-64 chars of [A-Za-z0-9-]\n"
    "  --exec-file PATH         the ember binary (statically linked)\n"
    "  --uid UID, --gid GID     numeric ids to run as (0 works, but ember then\n"
    "                           keeps root's file access: see SECURITY.md)\n"
    "  --chroot-base-dir DIR    root-owned, created if missing (default " JAIL_DEFAULT_BASE ")\n"
    "  --netns PATH             join this network namespace (e.g. /run/netns/NAME)\n"
    "  --daemonize              detach: new session, stdio on /dev/null\n"
    "  --new-pid-ns             ember runs as PID 1 of a new PID namespace\n"
    "  --cgroup-version 2       only cgroup v2 is supported\n"
    "  --cgroup FILE=VALUE      cgroup v2 setting, repeatable (memory.max=256M,\n"
    "                           pids.max=32, cpu.max=\"50000 100000\", ...)\n"
    "  --parent-cgroup PATH     parent cgroup, relative to the cgroup2 mount\n"
    "                           (default <exec-name>)\n"
    "  --resource-limit RES=N   fsize=BYTES or no-file=N (default no-file=2048),\n"
    "                           repeatable\n"
    "  --help, --version\n"
    "\n"
    "The jail's root may be prepared beforehand with the files the microVM\n"
    "needs (hard links or bind mounts); see jailer/README.md.\n"
    "Exit status: ember's once it runs; 1 if the jail could not be set up,\n"
    "2 for bad arguments (in both cases nothing is left behind).\n";

const char *jail_usage(void)
{
	return usage;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int jail_id_check(const char *id, struct errbuf *e)
{
	size_t i, n = strlen(id);

	if (!n)
		return errf(e, -EINVAL, "--id: must not be empty");
	if (strchr(id, '/'))
		return errf(e, -EINVAL, "--id: must not contain '/' (got \"%s\")", id);
	if (n > JAIL_ID_MAX)
		return errf(e, -EINVAL, "--id: longer than %d characters (%zu)", JAIL_ID_MAX, n);
	for (i = 0; i < n; i++)
		if (!is_alnum(id[i]) && id[i] != '-')
			return errf(e, -EINVAL,
				    "--id: only letters, digits and '-' are allowed (got \"%s\")",
				    id);
	return 0;
}

/*
 * jail_exec_name - the last component of @path: it names a directory level
 * of the jail and the default parent cgroup, so it gets the id's rules plus
 * '.' and '_'.
 */
int jail_exec_name(const char *path, char *out, size_t len, struct errbuf *e)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t i, n = strlen(name);

	if (!n)
		return errf(e, -EINVAL, "--exec-file: \"%s\" names no file", path);
	if (n > JAIL_EXEC_NAME_MAX || n >= len)
		return errf(e, -EINVAL, "--exec-file: file name longer than %d characters",
			    JAIL_EXEC_NAME_MAX);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return errf(e, -EINVAL, "--exec-file: \"%s\" names no file", path);
	for (i = 0; i < n; i++)
		if (!is_alnum(name[i]) && !strchr("-._", name[i]))
			return errf(e, -EINVAL,
				    "--exec-file: the file name \"%s\" may only use [A-Za-z0-9._-]",
				    name);
	memcpy(out, name, n + 1);
	return 0;
}

/* parse_u64 - decimal digits only: no sign, space, or 0x; no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++)
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -EINVAL;
	*out = v;
	return 0;
}

/*
 * parse_xid - a numeric uid or gid. (uint32_t)-1 means "unchanged" to
 * setresuid. 0 is accepted because Kata Containers passes it (main.c warns:
 * ember then keeps root's identity, though no capabilities; SECURITY.md).
 */
static int parse_xid(const char *flag, const char *s, uint32_t *out, struct errbuf *e)
{
	uint64_t v;

	if (parse_u64(s, &v) || v >= UINT32_MAX)
		return errf(e, -EINVAL, "--%s: must be a number from 0 to %u, got \"%s\"", flag,
			    UINT32_MAX - 1, s);
	*out = (uint32_t)v;
	return 0;
}

/* check_base - an absolute path without "." or ".." components. */
static int check_base(const char *s, struct errbuf *e)
{
	const char *p;

	if (s[0] != '/')
		return errf(e, -EINVAL, "--chroot-base-dir: must be an absolute path, got \"%s\"",
			    s);
	if (strlen(s) > JAIL_BASE_MAX)
		return errf(e, -EINVAL, "--chroot-base-dir: longer than %d characters",
			    JAIL_BASE_MAX);
	for (p = s; (p = strstr(p, "/.")); p++)
		if (p[2] == '/' || !p[2] || (p[2] == '.' && (p[3] == '/' || !p[3])))
			return errf(e, -EINVAL,
				    "--chroot-base-dir: no \".\" or \"..\" components, got \"%s\"",
				    s);
	return 0;
}

static int parse_cgroup(const char *val, struct jail_opts *o, struct errbuf *e)
{
	const char *eq = strchr(val, '=');
	struct jail_cg_setting *s;
	size_t klen;
	unsigned int i;
	int ret;

	if (!eq || eq == val)
		return errf(e, -EINVAL, "--cgroup: expected FILE=VALUE, got \"%s\"", val);
	klen = (size_t)(eq - val);
	if (klen > JAIL_CG_KEY_MAX)
		return errf(e, -EINVAL, "--cgroup: unknown cgroup file \"%.*s\"", (int)klen, val);
	if (o->nr_cg >= JAIL_MAX_CGROUPS)
		return errf(e, -EINVAL, "--cgroup: at most %d settings", JAIL_MAX_CGROUPS);
	s = &o->cg[o->nr_cg];
	memcpy(s->key, val, klen);
	s->key[klen] = '\0';
	s->val = eq + 1;
	ret = jail_cg_key_check(s->key, e);
	if (ret)
		return ret;
	if (!*s->val || strlen(s->val) > JAIL_CG_VALUE_MAX)
		return errf(e, -EINVAL, "--cgroup %s: the value must be 1 to %d characters", s->key,
			    JAIL_CG_VALUE_MAX);
	for (i = 0; s->val[i]; i++)
		if ((unsigned char)s->val[i] < 0x20 || s->val[i] == 0x7f)
			return errf(e, -EINVAL, "--cgroup %s: control characters in the value",
				    s->key);
	for (i = 0; i < o->nr_cg; i++)
		if (!strcmp(o->cg[i].key, s->key))
			return errf(e, -EINVAL, "--cgroup: %s given twice", s->key);
	o->nr_cg++;
	return 0;
}

static int parse_rlimit(const char *val, struct jail_opts *o, bool *nofile_seen, struct errbuf *e)
{
	const char *eq = strchr(val, '=');
	uint64_t v;

	if (!eq)
		return errf(e, -EINVAL, "--resource-limit: expected RESOURCE=VALUE, got \"%s\"",
			    val);
	if (parse_u64(eq + 1, &v) || v >= (uint64_t)RLIM_INFINITY)
		return errf(e, -EINVAL,
			    "--resource-limit: \"%s\" needs a decimal number below 2^64-1", val);
	if (!strncmp(val, "fsize=", 6)) {
		if (o->fsize_set)
			return errf(e, -EINVAL, "--resource-limit: fsize given twice");
		o->fsize_set = true;
		o->fsize = (rlim_t)v;
		return 0;
	}
	if (!strncmp(val, "no-file=", 8)) {
		if (*nofile_seen)
			return errf(e, -EINVAL, "--resource-limit: no-file given twice");
		if (!v)
			return errf(e, -EINVAL,
				    "--resource-limit: no-file=0 leaves ember no "
				    "file descriptors");
		*nofile_seen = true;
		o->nofile = (rlim_t)v;
		return 0;
	}
	return errf(e, -EINVAL, "--resource-limit: unknown resource in \"%s\" (fsize, no-file)",
		    val);
}

static int set_value(const struct jopt *op, const char *val, struct jail_opts *o, bool *nofile_seen,
		     struct errbuf *e)
{
	switch (op->kind) {
	case J_ID:
		o->id = val;
		return jail_id_check(val, e);
	case J_EXEC_FILE:
		o->exec_file = val;
		if (!*val)
			return errf(e, -EINVAL, "--exec-file: the path must not be empty");
		return jail_exec_name(val, o->exec_name, sizeof(o->exec_name), e);
	case J_UID:
		return parse_xid("uid", val, &o->uid, e);
	case J_GID:
		return parse_xid("gid", val, &o->gid, e);
	case J_BASE:
		o->base_dir = val;
		return check_base(val, e);
	case J_NETNS:
		o->netns = val;
		return *val ? 0 : errf(e, -EINVAL, "--netns: the path must not be empty");
	case J_CGROUP_VERSION:
		if (!strcmp(val, "2"))
			return 0;
		if (!strcmp(val, "1"))
			return errf(e, -EINVAL,
				    "--cgroup-version 1: cgroup v1 is not supported; use cgroup v2 "
				    "(the unified hierarchy)");
		return errf(e, -EINVAL, "--cgroup-version: must be 2, got \"%s\"", val);
	case J_CGROUP:
		return parse_cgroup(val, o, e);
	case J_PARENT_CGROUP:
		o->parent_cgroup = val;
		return jail_cg_parent_check(val, e);
	case J_RESOURCE_LIMIT:
		return parse_rlimit(val, o, nofile_seen, e);
	default:
		return errf(e, -EINVAL, "--%s: takes no value", op->name);
	}
}

static const struct jopt *find_jopt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(jopts) / sizeof(jopts[0]); i++)
		if (strlen(jopts[i].name) == len && !strncmp(jopts[i].name, name, len))
			return &jopts[i];
	return NULL;
}

/* parse_one - argv[*i]; consumes argv[*i + 1] too for "--flag value". */
static int parse_one(int argc, char *const argv[], int *i, struct jail_opts *o, bool *nofile_seen,
		     struct errbuf *e)
{
	const char *arg = argv[*i], *name = arg + 2, *eq, *val;
	const struct jopt *op;
	size_t len;

	if (strncmp(arg, "--", 2) || !*name)
		return errf(e, -EINVAL,
			    "unexpected argument \"%s\" (ember's own arguments go "
			    "after \"--\")",
			    arg);
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	op = find_jopt(name, len);
	if (!op)
		return errf(e, -EINVAL, "unknown flag \"--%.*s\" (see --help)", (int)len, name);
	if ((o->seen & SEEN(op->kind)) && !op->repeatable)
		return errf(e, -EINVAL, "--%s: given more than once", op->name);
	o->seen |= SEEN(op->kind);
	if (!op->takes_value) {
		if (eq)
			return errf(e, -EINVAL, "--%s: takes no value", op->name);
		o->daemonize |= op->kind == J_DAEMONIZE;
		o->new_pid_ns |= op->kind == J_NEW_PID_NS;
		return 0;
	}
	if (eq)
		val = eq + 1;
	else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2))
		val = argv[++*i];
	else
		return errf(e, -EINVAL, "--%s: needs a value", op->name);
	return set_value(op, val, o, nofile_seen, e);
}

/* check_ember_args - the jailer sets ember's --id itself. */
static int check_ember_args(const struct jail_opts *o, struct errbuf *e)
{
	int i;

	if (o->ember_argc > JAIL_MAX_EMBER_ARGS)
		return errf(e, -E2BIG, "more than %d arguments for ember after \"--\"",
			    JAIL_MAX_EMBER_ARGS);
	for (i = 0; i < o->ember_argc; i++)
		if (!strcmp(o->ember_argv[i], "--id") || !strncmp(o->ember_argv[i], "--id=", 5))
			return errf(e, -EINVAL,
				    "ember's --id comes from the jailer's --id; do not "
				    "pass it after \"--\"");
	return 0;
}

static int check_required(const struct jail_opts *o, struct errbuf *e)
{
	static const struct {
		enum jopt_kind kind;
		const char *what;
	} req[] = {
	    {J_ID, "--id (the microVM's id, 1-64 characters of [A-Za-z0-9-])"},
	    {J_EXEC_FILE, "--exec-file (the static ember binary)"},
	    {J_UID, "--uid (the numeric user id ember runs as)"},
	    {J_GID, "--gid (the numeric group id ember runs as)"},
	};
	size_t i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!(o->seen & SEEN(req[i].kind)))
			return errf(e, -EINVAL, "missing %s", req[i].what);
	return 0;
}

int jail_args_parse(int argc, char *const argv[], struct jail_opts *o, struct errbuf *e)
{
	bool nofile_seen = false;
	int i, ret;

	memset(o, 0, sizeof(*o));
	o->action = JAIL_RUN;
	o->base_dir = JAIL_DEFAULT_BASE;
	o->nofile = JAIL_DEFAULT_NOFILE;
	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			o->ember_argv = &argv[i + 1];
			o->ember_argc = argc - i - 1;
			break;
		}
		ret = parse_one(argc, argv, &i, o, &nofile_seen, e);
		if (ret)
			return ret;
	}
	if (o->seen & SEEN(J_HELP)) {
		o->action = JAIL_HELP;
		return 0;
	}
	if (o->seen & SEEN(J_VERSION)) {
		o->action = JAIL_VERSION;
		return 0;
	}
	ret = check_required(o, e);
	if (ret)
		return ret;
	return check_ember_args(o, e);
}
