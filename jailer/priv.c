/*
 * priv.c - the last steps: give up every privilege, check that they are
 * gone, exec ember.
 *
 * Order matters. setgroups and setresgid need CAP_SETGID and dropping the
 * capability bounding set needs CAP_SETPCAP, so both come before setresuid.
 * setresuid from uid 0 to a non-zero uid (all three ids, without
 * PR_SET_KEEPCAPS) clears the permitted, effective and ambient sets; the
 * inheritable set survives it, so capset clears that explicitly. With the
 * bounding set empty and no_new_privs set, no later exec can give anything
 * back (no set-user-ID, no file capabilities). With --uid 0 (Kata passes
 * it) the ids stay root's but the capability sets are emptied all the same
 * and SECBIT_NOROOT is locked on.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jailer.h"

/* drop_bounding - PR_CAPBSET_DROP each capability up to the kernel's last
 * (the first EINVAL marks the end). */
static int drop_bounding(struct errbuf *e)
{
	unsigned long cap;

	for (cap = 0; cap < 64; cap++) {
		if (!prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			continue;
		if (errno == EINVAL)
			return 0;
		return errf(e, -errno, "dropping capability %lu from the bounding set: %s", cap,
			    strerror(errno));
	}
	return 0;
}

static int caps(bool set, struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};

	return (int)syscall(set ? SYS_capset : SYS_capget, &h, d) ? -errno : 0;
}

/* verify - read everything back rather than trust the calls above. */
static int verify(uid_t uid, gid_t gid, struct errbuf *e)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	uid_t r, ef, s;
	gid_t gr, ge, gs, groups[2];
	int i, n;

	if (getresuid(&r, &ef, &s) || r != uid || ef != uid || s != uid)
		return errf(e, -EPERM, "the user ids are not all %u after setresuid", uid);
	if (getresgid(&gr, &ge, &gs) || gr != gid || ge != gid || gs != gid)
		return errf(e, -EPERM, "the group ids are not all %u after setresgid", gid);
	n = getgroups(2, groups);
	if (n != 1 || groups[0] != gid)
		return errf(e, -EPERM, "supplementary groups other than %u remain", gid);
	if (caps(false, d))
		return errf(e, -errno, "capget: %s", strerror(errno));
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return errf(e, -EPERM, "capabilities remain after the privilege drop");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return errf(e, -EPERM, "no_new_privs is not set");
	return 0;
}

int jail_drop_privileges(uid_t uid, gid_t gid, struct errbuf *e)
{
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {{0}};
	int ret;

	if (setgroups(1, &gid))
		return errf(e, -errno, "setgroups(%u): %s", gid, strerror(errno));
	if (setresgid(gid, gid, gid))
		return errf(e, -errno, "setresgid(%u): %s", gid, strerror(errno));
	ret = drop_bounding(e);
	if (ret)
		return ret;
	/* Staying uid 0: the kernel must not hand root capabilities back on
	 * exec (the empty bounding set already ensures it; this says so). */
	if (!uid && prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0))
		return errf(e, -errno, "PR_SET_SECUREBITS: %s", strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return errf(e, -errno, "clearing ambient capabilities: %s", strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return errf(e, -errno, "PR_SET_KEEPCAPS: %s", strerror(errno));
	if (setresuid(uid, uid, uid))
		return errf(e, -errno, "setresuid(%u): %s", uid, strerror(errno));
	ret = caps(true, none);
	if (ret)
		return errf(e, ret, "capset (clearing the inheritable set): %s", strerror(-ret));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return errf(e, -errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return verify(uid, gid, e);
}

/*
 * jail_build_argv - "/<exec-name>" in @path, and its argv: the exec name,
 * "--id ID", the three start-time flags Firecracker's jailer passes (their
 * text in @nums), then the arguments given after "--".
 */
int jail_build_argv(const struct jail_opts *o, const struct jail_times *t, char *path,
		    size_t path_len, char (*nums)[24], char **argv, size_t max, struct errbuf *e)
{
	static const char *const flag[3] = {"--start-time-us", "--start-time-cpu-us",
					    "--parent-cpu-time-us"};
	const uint64_t val[3] = {t->start_us, t->start_cpu_us, t->parent_cpu_us};
	size_t n = 0;
	int i;

	if ((size_t)o->ember_argc + JAIL_ARGV_EXTRA > max)
		return errf(e, -E2BIG, "too many arguments for ember");
	if ((size_t)snprintf(path, path_len, "/%s", o->exec_name) >= path_len)
		return errf(e, -ENAMETOOLONG, "exec file name too long");
	argv[n++] = (char *)o->exec_name;
	argv[n++] = "--id";
	argv[n++] = (char *)o->id;
	for (i = 0; i < 3; i++) {
		snprintf(nums[i], sizeof(nums[i]), "%llu", (unsigned long long)val[i]);
		argv[n++] = (char *)flag[i];
		argv[n++] = nums[i];
	}
	for (i = 0; i < o->ember_argc; i++)
		argv[n++] = o->ember_argv[i];
	argv[n] = NULL;
	return 0;
}

/*
 * jail_exec - every fd the jailer opened is close-on-exec; stdio stays. The
 * environment is empty. umask 077: what ember creates (logs, the API
 * socket) is its own.
 */
int jail_exec(struct jail *j, struct errbuf *e)
{
	char path[JAIL_EXEC_NAME_MAX + 2];
	char *argv[JAIL_MAX_EMBER_ARGS + JAIL_ARGV_EXTRA];
	char nums[3][24];
	char *envp[] = {NULL};
	int ret;

	ret = jail_build_argv(&j->opts, &j->times, path, sizeof(path), nums, argv,
			      sizeof(argv) / sizeof(argv[0]), e);
	if (ret)
		return ret;
	umask(077);
	/* Set last: a change of credentials clears it. */
	if (j->pdeathsig && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return errf(e, -errno, "PR_SET_PDEATHSIG: %s", strerror(errno));
	execve(path, argv, envp);
	return errf(e, -errno, "exec %s in the jail: %s", path, strerror(errno));
}
