/*
 * check.c - validation against the system, before anything is created: the
 * base directory, the exec file, whether the jail already exists, the netns
 * and the cgroup (cgroup.c). Each check fills in the fds the later steps use,
 * so what was checked is what gets used (no re-lookup by path in between).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "jailer.h"

/* Hosts with thousands of mounts exist; the cgroup2 mount is usually early. */
#define MOUNTINFO_MAX (1024 * 1024)

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void jail_init(struct jail *j)
{
	memset(j, 0, sizeof(*j));
	j->fs.exec_fd = j->fs.base_fd = j->fs.exec_dir_fd = j->fs.id_fd = j->fs.root_fd = -1;
	j->fs.base_anc_fd = -1;
	j->cg.mount_fd = j->cg.parent_fd = j->cg.self_fd = j->cg.orig_procs_fd = -1;
	j->cg.made_parent_from = -1;
	j->netns_fd = j->devnull_fd = j->report_fd = -1;
}

void jail_close(struct jail *j)
{
	close_fd(&j->fs.exec_fd);
	close_fd(&j->fs.base_fd);
	close_fd(&j->fs.base_anc_fd);
	close_fd(&j->fs.exec_dir_fd);
	close_fd(&j->fs.id_fd);
	close_fd(&j->fs.root_fd);
	close_fd(&j->cg.mount_fd);
	close_fd(&j->cg.parent_fd);
	close_fd(&j->cg.self_fd);
	close_fd(&j->cg.orig_procs_fd);
	close_fd(&j->netns_fd);
	close_fd(&j->devnull_fd);
}

/*
 * check_mount_flags - ember is exec'd from the jail and opens its device
 * nodes there: a noexec or nodev mount would only fail once the jail is
 * built (after the privilege drop, for exec). @fd is the deepest directory
 * of the jail path that exists: a jail root the caller prepared and
 * bind-mounted exec and dev over a noexec/nodev base (Kata Containers does
 * this under /run/vc) is fine; the base's own flags do not matter then.
 */
static int check_mount_flags(int fd, const char *path, struct errbuf *e)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv))
		return errf(e, -errno, "%s: %s", path, strerror(errno));
	if (sv.f_flag & ST_NOEXEC)
		return errf(e, -EPERM,
			    "%s is on a noexec mount: ember could not be started from the "
			    "jail (bind-mount the jail root over itself without noexec)",
			    path);
	if (sv.f_flag & ST_NODEV)
		return errf(e, -EPERM,
			    "%s is on a nodev mount: /dev/kvm in the jail would not open "
			    "(bind-mount the jail root over itself without nodev)",
			    path);
	return 0;
}

/* root_only - @fd is a directory owned by root and writable by root only. */
static bool root_only(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/*
 * open_missing_base - the base directory does not exist: ember-jailer
 * creates it, as Firecracker's jailer does (jail_fs_create). Now, only its
 * deepest existing ancestor is checked and kept open: it must be root's
 * alone, or someone else could create the missing part first.
 */
static int open_missing_base(struct jail *j, const char *b, struct errbuf *e)
{
	char anc[JAIL_BASE_MAX + 1];
	char *slash;
	int fd;

	snprintf(anc, sizeof(anc), "%s", b);
	for (;;) {
		slash = strrchr(anc, '/');
		if (!slash)
			return errf(e, -ENOENT, "--chroot-base-dir %s does not exist", b);
		slash[slash == anc] = '\0'; /* "/x" -> "/" */
		fd = open(anc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENOENT)
			return errf(e, -errno, "--chroot-base-dir %s: %s: %s", b, anc,
				    strerror(errno));
	}
	if (!root_only(fd)) {
		close(fd);
		return errf(e, -EPERM,
			    "--chroot-base-dir %s does not exist, and %s, where it would be "
			    "created, is not a directory owned by and writable by root only",
			    b, anc);
	}
	j->fs.base_anc_fd = fd;
	j->fs.base_anc_len = strlen(anc);
	return 0;
}

/*
 * jail_check_base - the base directory exists (or can be created) and only
 * root can change it: anyone else who can write there could swap a jail's
 * directories for symlinks between the checks and their use.
 */
int jail_check_base(struct jail *j, struct errbuf *e)
{
	const char *b = j->opts.base_dir;
	size_t blen = strlen(b);
	int fd = -1, n, ret;

	fd = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return errf(e, -errno, "--chroot-base-dir %s: %s", b, strerror(errno));
	if (fd < 0) {
		ret = open_missing_base(j, b, e);
		if (ret)
			return ret;
	} else if (!root_only(fd)) {
		close(fd);
		return errf(e, -EPERM,
			    "--chroot-base-dir %s: must be owned by root and writable by root "
			    "only (another user could replace the jail's directories)",
			    b);
	}
	while (blen && b[blen - 1] == '/')
		blen--;
	n = snprintf(j->fs.root_path, sizeof(j->fs.root_path), "%.*s/%s/%s/root", (int)blen, b,
		     j->opts.exec_name, j->opts.id);
	if (n < 0 || (size_t)n >= sizeof(j->fs.root_path)) {
		if (fd >= 0)
			close(fd);
		return errf(e, -ENAMETOOLONG, "--chroot-base-dir %s: the jail path is too long", b);
	}
	/* jail_dir: the same without "/root". */
	memcpy(j->fs.jail_dir, j->fs.root_path, (size_t)n - 5);
	j->fs.jail_dir[n - 5] = '\0';
	j->fs.base_fd = fd;
	return 0;
}

int jail_check_exec_file(struct jail *j, struct errbuf *e)
{
	const char *f = j->opts.exec_file;
	struct stat st;
	int fd, ret;

	fd = open(f, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return errf(e, -ENOENT, "--exec-file %s: no such file", f);
		return errf(e, -errno, "--exec-file %s: %s", f, strerror(errno));
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return errf(e, -EINVAL, "--exec-file %s: not a regular file", f);
	}
	ret = jail_elf_check_static(fd, f, e);
	if (ret) {
		close(fd);
		return ret;
	}
	j->fs.exec_fd = fd;
	return 0;
}

/*
 * probe_dir - does @name exist in @dirfd as a real directory? A symlink or
 * anything else there is an error: the jail path must not lead elsewhere.
 * A directory prepared by the caller must be root's alone, like the base:
 * whoever else could write there could plant files in the jail.
 */
static int probe_dir(int dirfd, const char *name, const char *parent, bool *exists,
		     struct errbuf *e)
{
	struct stat st;

	*exists = false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			return 0;
		return errf(e, -errno, "%s/%s: %s", parent, name, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return errf(e, -ENOTDIR, "%s/%s exists and is not a directory", parent, name);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return errf(e, -EPERM, "%s/%s must be owned by root and writable by root only",
			    parent, name);
	*exists = true;
	return 0;
}

/* open_level - open the directory @name below @dirfd (no symlinks). */
static int open_level(int dirfd, const char *name, const char *path, struct errbuf *e)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errf(e, -errno, "%s: %s", path, strerror(errno));
	return fd;
}

/*
 * check_root_free - a prepared root may hold the microVM's files, but not
 * what the jailer puts there: that would be a jail set up before. A /run
 * directory is the exception: Kata Containers creates it before it starts
 * the jailer (jail_fs_devices then gives it to the jailed uid:gid).
 */
static int check_root_free(struct jail *j, int root_fd, struct errbuf *e)
{
	char pidname[JAIL_EXEC_NAME_MAX + 8];
	const char *names[] = {j->opts.exec_name, pidname, "dev", "run"};
	struct stat st;
	size_t i;

	snprintf(pidname, sizeof(pidname), "%s.pid", j->opts.exec_name);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!fstatat(root_fd, names[i], &st, AT_SYMLINK_NOFOLLOW)) {
			if (!strcmp(names[i], "run") && S_ISDIR(st.st_mode))
				continue;
			return errf(e, -EEXIST,
				    "jail %s already exists: %s/%s is there (a jail is set up "
				    "once; remove its directory first)",
				    j->opts.id, j->fs.root_path, names[i]);
		}
		if (errno != ENOENT)
			return errf(e, -errno, "%s/%s: %s", j->fs.root_path, names[i],
				    strerror(errno));
	}
	return 0;
}

int jail_check_taken(struct jail *j, struct errbuf *e)
{
	const char *levels[] = {j->opts.exec_name, j->opts.id, "root"};
	char path[PATH_MAX];
	int fd = j->fs.base_fd, next, ret = 0;
	bool exists = true;
	size_t i;

	if (fd < 0) /* the base is created later: nothing below it exists */
		return check_mount_flags(j->fs.base_anc_fd, j->opts.base_dir, e);
	snprintf(path, sizeof(path), "%s", j->opts.base_dir);
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		ret = probe_dir(fd, levels[i], path, &exists, e);
		if (ret || !exists)
			break;
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", levels[i]);
		next = open_level(fd, levels[i], path, e);
		if (fd != j->fs.base_fd)
			close(fd);
		if (next < 0)
			return next;
		fd = next;
		if (i == 2)
			ret = check_root_free(j, fd, e);
	}
	/* fd: the deepest level that exists, where the rest will be made. */
	if (!ret)
		ret = check_mount_flags(fd, path, e);
	if (fd != j->fs.base_fd)
		close(fd);
	return ret;
}

int jail_check_netns(struct jail *j, struct errbuf *e)
{
	const char *p = j->opts.netns;
	int fd, type;

	if (!p)
		return 0;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return errf(e, -ENOENT, "--netns %s: no such file", p);
		return errf(e, -errno, "--netns %s: %s", p, strerror(errno));
	}
	/* NS_GET_NSTYPE (Linux 4.11): only nsfs files answer it. */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		close(fd);
		if (type < 0)
			return errf(e, -EINVAL,
				    "--netns %s: not a namespace file (expected e.g. "
				    "/run/netns/NAME or /proc/PID/ns/net)",
				    p);
		return errf(e, -EINVAL, "--netns %s: a namespace, but not a network namespace", p);
	}
	j->netns_fd = fd;
	return 0;
}

/* read_mountinfo - /proc/self/mountinfo into @buf (truncated if huge). */
static int read_mountinfo(char *buf, size_t len, struct errbuf *e)
{
	size_t have = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(e, -errno, "/proc/self/mountinfo: %s (is /proc mounted?)",
			    strerror(errno));
	while (have + 1 < len && (n = read(fd, buf + have, len - have - 1)) > 0)
		have += (size_t)n;
	close(fd);
	buf[have] = '\0';
	return 0;
}

static int check_cgroup(struct jail *j, struct errbuf *e)
{
	const size_t len = MOUNTINFO_MAX;
	char mount[PATH_MAX], *mountinfo;
	int ret;

	if (!j->opts.nr_cg && !j->opts.parent_cgroup)
		return 0;
	mountinfo = malloc(len);
	if (!mountinfo)
		return errf(e, -ENOMEM, "out of memory");
	ret = read_mountinfo(mountinfo, len, e);
	if (!ret && jail_cg_find_mount(mountinfo, mount, sizeof(mount)))
		ret = errf(e, -ENOENT,
			   "no cgroup2 file system is mounted (mount -t cgroup2 none "
			   "/sys/fs/cgroup); cgroup v1 is not supported");
	free(mountinfo);
	return ret ? ret : jail_cg_check(j, mount, e);
}

int jail_check_all(struct jail *j, struct errbuf *e)
{
	int ret;

	ret = jail_check_base(j, e);
	if (!ret)
		ret = jail_check_exec_file(j, e);
	if (!ret)
		ret = jail_check_taken(j, e);
	if (!ret)
		ret = jail_check_netns(j, e);
	if (!ret)
		ret = check_cgroup(j, e);
	return ret;
}
