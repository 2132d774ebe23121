/*
 * cgroup.c - cgroup v2 for the jail: <mount>/<parent>/<id>.
 *
 * With --cgroup settings the jailer creates <parent> (default <exec-name>)
 * if needed, enables the controllers the settings need in the
 * cgroup.subtree_control of every level from the root down to <parent> (a
 * controller's files appear in a cgroup only when its parent passes it
 * down), creates <id>, writes the values and only then moves itself in, so
 * ember never runs unconstrained. With only --parent-cgroup it joins that
 * existing cgroup. Settings are checked against the interface files the
 * kernel documents (Documentation/admin-guide/cgroup-v2.rst) before
 * anything is created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jailer.h"

/* Writable interface files of non-root cgroups; '*' is a hugepage size. */
static const char *const cg_files[] = {
    "cgroup.max.descendants",
    "cgroup.max.depth",
    "cpu.weight",
    "cpu.weight.nice",
    "cpu.max",
    "cpu.max.burst",
    "cpu.idle",
    "cpu.uclamp.min",
    "cpu.uclamp.max",
    "cpuset.cpus",
    "cpuset.mems",
    "cpuset.cpus.partition",
    "memory.min",
    "memory.low",
    "memory.high",
    "memory.max",
    "memory.oom.group",
    "memory.swap.high",
    "memory.swap.max",
    "memory.zswap.max",
    "io.weight",
    "io.max",
    "io.latency",
    "io.bfq.weight",
    "pids.max",
    "rdma.max",
    "misc.max",
    "hugetlb.*.max",
    "hugetlb.*.rsvd.max",
};

/* match - @key against @pat, where '*' stands for 1+ of [A-Za-z0-9]. */
static bool match(const char *pat, const char *key)
{
	const char *k;

	for (; *pat; pat++, key++) {
		if (*pat != '*') {
			if (*pat != *key)
				return false;
			continue;
		}
		for (k = key; (*k >= '0' && *k <= '9') || (*k >= 'a' && *k <= 'z') ||
			      (*k >= 'A' && *k <= 'Z');
		     k++)
			;
		if (k == key)
			return false;
		key = k - 1;
	}
	return !*key;
}

int jail_cg_key_check(const char *key, struct errbuf *e)
{
	size_t i;

	for (i = 0; i < sizeof(cg_files) / sizeof(cg_files[0]); i++)
		if (match(cg_files[i], key))
			return 0;
	return errf(e, -EINVAL,
		    "--cgroup: unknown cgroup file \"%s\" (cgroup v2 files such as memory.max, "
		    "cpu.max, pids.max, io.max, cpuset.cpus)",
		    key);
}

int jail_cg_parent_check(const char *p, struct errbuf *e)
{
	const char *c = p;
	size_t n = 0, len = strlen(p);

	if (!len || len > JAIL_CG_PARENT_MAX)
		return errf(e, -EINVAL, "--parent-cgroup: must be 1 to %d characters",
			    JAIL_CG_PARENT_MAX);
	if (p[0] == '/')
		return errf(e, -EINVAL,
			    "--parent-cgroup: a path relative to the cgroup2 mount, "
			    "without a leading '/'");
	for (;; c++) {
		if (*c == '/' || !*c) {
			if (!n || (n == 1 && c[-1] == '.') ||
			    (n == 2 && c[-1] == '.' && c[-2] == '.'))
				return errf(e, -EINVAL,
					    "--parent-cgroup %s: empty, \".\" or \"..\" component",
					    p);
			if (!*c)
				return 0;
			n = 0;
			continue;
		}
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("-._", *c)))
			return errf(e, -EINVAL, "--parent-cgroup %s: only [A-Za-z0-9._-] and '/'",
				    p);
		n++;
	}
}

/* unescape - mountinfo writes space, tab, newline and '\' as \ooo. */
static void unescape(const char *s, size_t n, char *out, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < len; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] =
			    (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* field - the @idx-th space-separated field of [line, end); its length in *n. */
static const char *field(const char *line, const char *end, int idx, size_t *n)
{
	const char *p = line, *f;

	for (;;) {
		while (p < end && *p == ' ')
			p++;
		f = p;
		while (p < end && *p != ' ')
			p++;
		if (f == p)
			return NULL;
		if (!idx--) {
			*n = (size_t)(p - f);
			return f;
		}
	}
}

/*
 * jail_cg_find_mount - the cgroup2 mount point in /proc/self/mountinfo text
 * ("ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SRC SOPTS"):
 * /sys/fs/cgroup if cgroup2 is mounted there, else the first one.
 */
int jail_cg_find_mount(const char *mi, char *out, size_t len)
{
	const char *line, *end, *sep, *fs, *mp;
	size_t fsn, mpn;
	bool found = false;

	for (line = mi; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		sep = strstr(line, " - ");
		if (!sep || sep >= end)
			continue;
		fs = field(sep + 3, end, 0, &fsn);
		mp = field(line, sep, 4, &mpn);
		if (!fs || !mp || fsn != 7 || strncmp(fs, "cgroup2", 7))
			continue;
		if (mpn == 14 && !strncmp(mp, "/sys/fs/cgroup", 14)) {
			unescape(mp, mpn, out, len);
			return 0;
		}
		if (!found)
			unescape(mp, mpn, out, len);
		found = true;
	}
	return found ? 0 : -ENOENT;
}

/*
 * jail_cg_controller_listed - is the controller of @key ("memory" for
 * "memory.max") a word of @controllers (a cgroup.controllers file)? The core
 * "cgroup." files need none.
 */
int jail_cg_controller_listed(const char *controllers, const char *key)
{
	size_t n = strcspn(key, "."), w;
	const char *p = controllers;

	if (n == 6 && !strncmp(key, "cgroup", 6))
		return 1;
	while (*p) {
		p += strspn(p, " \n");
		w = strcspn(p, " \n");
		if (w && w == n && !strncmp(p, key, n))
			return 1;
		p += w;
	}
	return 0;
}

/* read_at - a small file below @dirfd into @buf, NUL-terminated. */
static int read_at(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int check_controllers(struct jail *j, struct errbuf *e)
{
	char ctl[512];
	unsigned int i;
	int ret;

	ret = read_at(j->cg.mount_fd, "cgroup.controllers", ctl, sizeof(ctl));
	if (ret)
		return errf(e, ret, "%s/cgroup.controllers: %s", j->cg.mount, strerror(-ret));
	ctl[strcspn(ctl, "\n")] = '\0';
	for (i = 0; i < j->opts.nr_cg; i++)
		if (!jail_cg_controller_listed(ctl, j->opts.cg[i].key))
			return errf(
			    e, -EOPNOTSUPP,
			    "--cgroup %s: its controller is not available in the cgroup2 "
			    "hierarchy at %s (available: \"%s\"; is it bound to cgroup v1?)",
			    j->opts.cg[i].key, j->cg.mount, ctl);
	return 0;
}

int jail_cg_check(struct jail *j, const char *mount, struct errbuf *e)
{
	struct jail_cg *cg = &j->cg;
	char path[JAIL_CG_PARENT_MAX + JAIL_ID_MAX + 2];
	struct stat st;
	int ret;

	cg->enabled = true;
	cg->create = j->opts.nr_cg > 0;
	snprintf(cg->mount, sizeof(cg->mount), "%s", mount);
	snprintf(cg->parent, sizeof(cg->parent), "%s",
		 j->opts.parent_cgroup ? j->opts.parent_cgroup : j->opts.exec_name);
	cg->mount_fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->mount_fd < 0)
		return errf(e, -errno, "cgroup2 mount %s: %s", mount, strerror(errno));
	ret = check_controllers(j, e);
	if (ret)
		return ret;
	if (!cg->create) {
		if (fstatat(cg->mount_fd, cg->parent, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			return errf(e, -ENOENT,
				    "--parent-cgroup %s: no such cgroup in %s (without --cgroup "
				    "the jailer joins an existing cgroup)",
				    cg->parent, mount);
		return 0;
	}
	if (!fstatat(cg->mount_fd, cg->parent, &st, AT_SYMLINK_NOFOLLOW) && !S_ISDIR(st.st_mode))
		return errf(e, -ENOTDIR, "cgroup %s/%s is not a directory", mount, cg->parent);
	snprintf(path, sizeof(path), "%s/%s", cg->parent, j->opts.id);
	if (!fstatat(cg->mount_fd, path, &st, AT_SYMLINK_NOFOLLOW))
		return errf(e, -EEXIST,
			    "cgroup %s/%s already exists (another microVM with this id?)", mount,
			    path);
	return 0;
}

/* write_at - write @s to the file @name below @dirfd, in one write(2). */
static int write_at(int dirfd, const char *name, const char *s)
{
	size_t len = strlen(s);
	int fd, ret = 0;
	ssize_t n;

	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * open_orig - cgroup.procs of the cgroup this process starts in (the
 * "0::/PATH" line of /proc/self/cgroup), to move back to on failure.
 */
static int open_orig(struct jail *j, struct errbuf *e)
{
	char buf[4096], rel[PATH_MAX];
	char *p, *nl;
	int ret;

	ret = read_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf));
	if (ret)
		return errf(e, ret, "/proc/self/cgroup: %s", strerror(-ret));
	for (p = buf; strncmp(p, "0::/", 4);) {
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	if (!p)
		return errf(e, -ENOENT, "/proc/self/cgroup has no cgroup v2 entry");
	p += 4;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	snprintf(rel, sizeof(rel), "%s%scgroup.procs", p, *p ? "/" : "");
	j->cg.orig_procs_fd = openat(j->cg.mount_fd, rel, O_WRONLY | O_CLOEXEC);
	if (j->cg.orig_procs_fd < 0)
		return errf(e, -errno, "cannot find this process's own cgroup (%s/%s): %s",
			    j->cg.mount, rel, strerror(errno));
	return 0;
}

/* make_parents - mkdir each component of the parent path, remembering the
 * first one this run created. */
static int make_parents(struct jail_cg *cg, struct errbuf *e)
{
	char path[JAIL_CG_PARENT_MAX + 1];
	int idx = 0;
	size_t i;

	for (i = 0;; i++) {
		if (cg->parent[i] && cg->parent[i] != '/')
			continue;
		memcpy(path, cg->parent, i);
		path[i] = '\0';
		if (!mkdirat(cg->mount_fd, path, 0755)) {
			if (cg->made_parent_from < 0)
				cg->made_parent_from = idx;
		} else if (errno != EEXIST) {
			return errf(e, -errno, "creating cgroup %s/%s: %s", cg->mount, path,
				    strerror(errno));
		}
		idx++;
		if (!cg->parent[i])
			return 0;
	}
}

/* controllers - "+memory +pids": each controller the settings need, once. */
static void controllers(const struct jail_opts *o, char *out, size_t len)
{
	char word[JAIL_CG_KEY_MAX + 3];
	unsigned int i;
	size_t n;

	out[0] = '\0';
	for (i = 0; i < o->nr_cg; i++) {
		n = strcspn(o->cg[i].key, ".");
		if (n == 6 && !strncmp(o->cg[i].key, "cgroup", 6))
			continue;
		snprintf(word, sizeof(word), "+%.*s", (int)n, o->cg[i].key);
		if (jail_cg_controller_listed(out, word))
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "", word);
	}
}

/* enable - pass the controllers down from the root to the parent cgroup. */
static int enable(struct jail *j, struct errbuf *e)
{
	struct jail_cg *cg = &j->cg;
	char ctl[256], path[JAIL_CG_PARENT_MAX + 32];
	size_t i;
	int ret;

	controllers(&j->opts, ctl, sizeof(ctl));
	if (!ctl[0])
		return 0;
	/* The root (i == 0), then each prefix ending at a '/' or at the end. */
	for (i = 0;; i++) {
		if (i && cg->parent[i] && cg->parent[i] != '/')
			continue;
		snprintf(path, sizeof(path), "%.*s%scgroup.subtree_control", (int)i, cg->parent,
			 i ? "/" : "");
		ret = write_at(cg->mount_fd, path, ctl);
		if (ret)
			return errf(e, ret,
				    "enabling \"%s\" in %s/%s: %s (a cgroup with processes of its "
				    "own cannot pass controllers down)",
				    ctl, cg->mount, path, strerror(-ret));
		if (!cg->parent[i])
			return 0;
	}
}

static int write_settings(struct jail *j, struct errbuf *e)
{
	const struct jail_cg_setting *s;
	unsigned int i;
	int ret;

	for (i = 0; i < j->opts.nr_cg; i++) {
		s = &j->opts.cg[i];
		ret = write_at(j->cg.self_fd, s->key, s->val);
		if (ret == -ENOENT)
			return errf(e, ret, "cgroup file %s does not exist in %s/%s/%s", s->key,
				    j->cg.mount, j->cg.parent, j->opts.id);
		if (ret)
			return errf(e, ret, "--cgroup %s=%s: the kernel rejected it: %s", s->key,
				    s->val, strerror(-ret));
	}
	return 0;
}

static int join(struct jail *j, int dirfd, struct errbuf *e)
{
	char pid[24];
	int ret;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = write_at(dirfd, "cgroup.procs", pid);
	if (ret)
		return errf(e, ret, "joining cgroup %s/%s: %s", j->cg.mount, j->cg.parent,
			    strerror(-ret));
	j->cg.joined = true;
	return 0;
}

int jail_cg_setup(struct jail *j, struct errbuf *e)
{
	struct jail_cg *cg = &j->cg;
	int ret;

	if (!cg->enabled)
		return 0;
	ret = open_orig(j, e);
	if (!ret && cg->create)
		ret = make_parents(cg, e);
	if (!ret && cg->create)
		ret = enable(j, e);
	if (ret)
		return ret;
	cg->parent_fd =
	    openat(cg->mount_fd, cg->parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cg->parent_fd < 0)
		return errf(e, -errno, "cgroup %s/%s: %s", cg->mount, cg->parent, strerror(errno));
	if (!cg->create)
		return join(j, cg->parent_fd, e);
	if (mkdirat(cg->parent_fd, j->opts.id, 0755))
		return errf(e, -errno, "creating cgroup %s/%s/%s: %s", cg->mount, cg->parent,
			    j->opts.id, strerror(errno));
	cg->made_self = true;
	cg->self_fd = openat(cg->parent_fd, j->opts.id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->self_fd < 0)
		return errf(e, -errno, "cgroup %s/%s/%s: %s", cg->mount, cg->parent, j->opts.id,
			    strerror(errno));
	ret = write_settings(j, e);
	if (ret)
		return ret;
	return join(j, cg->self_fd, e);
}

/* jail_cg_leave - move this process back to the cgroup it came from. */
void jail_cg_leave(struct jail *j)
{
	char pid[24];
	ssize_t n;

	if (!j->cg.joined || j->cg.orig_procs_fd < 0)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	n = write(j->cg.orig_procs_fd, pid, strlen(pid));
	(void)n;
}

/*
 * rmdir_retry - a cgroup stays busy until its last process has exited; the
 * daemonizing intermediate process may still be on its way out.
 */
static void rmdir_retry(int dirfd, const char *name)
{
	const struct timespec ms10 = {0, 10 * 1000 * 1000};
	int i;

	for (i = 0; i < 100; i++) {
		if (!unlinkat(dirfd, name, AT_REMOVEDIR) || errno != EBUSY)
			return;
		nanosleep(&ms10, NULL);
	}
}

void jail_cg_undo(struct jail *j)
{
	struct jail_cg *cg = &j->cg;
	char path[JAIL_CG_PARENT_MAX + 1];
	int idx, k, comps = 1;
	size_t i;

	jail_cg_leave(j);
	cg->joined = false;
	if (cg->made_self && cg->parent_fd >= 0)
		rmdir_retry(cg->parent_fd, j->opts.id);
	cg->made_self = false;
	if (cg->made_parent_from < 0 || cg->mount_fd < 0)
		return;
	for (i = 0; cg->parent[i]; i++)
		comps += cg->parent[i] == '/';
	/* Deepest first: the prefix of the parent path with idx + 1 components. */
	for (idx = comps - 1; idx >= cg->made_parent_from; idx--) {
		snprintf(path, sizeof(path), "%s", cg->parent);
		for (i = 0, k = 0; path[i]; i++)
			if (path[i] == '/' && k++ == idx)
				path[i] = '\0';
		rmdir_retry(cg->mount_fd, path);
	}
	cg->made_parent_from = -1;
}
