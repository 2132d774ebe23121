/*
 * fs.c - the jail directory <base>/<exec-name>/<id>/root: creating it,
 * copying the exec file in, the device nodes, the pid file, and removing
 * exactly what this run created when a later step fails.
 *
 * Every operation is relative to a directory fd opened with O_NOFOLLOW, so
 * no path is looked up twice and none can be redirected by a symlink. The
 * same fds keep working after pivot_root (they still refer to the host's
 * directories), which is what lets a late failure clean up.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "jailer.h"

#define COPY_CHUNK (64 * 1024)

void jail_fs_close(struct jail_fs *fs)
{
	int *fds[] = {&fs->exec_fd,	&fs->base_fd, &fs->base_anc_fd,
		      &fs->exec_dir_fd, &fs->id_fd,   &fs->root_fd};
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/*
 * level - make (or reuse) directory @name below @dirfd and open it. A
 * directory that was there already (a root prepared by the caller) is kept;
 * O_NOFOLLOW refuses a symlink that appeared since the checks.
 */
static int level(int dirfd, const char *name, bool *made, int *out, const char *path,
		 struct errbuf *e)
{
	int fd;

	if (!mkdirat(dirfd, name, 0755))
		*made = true;
	else if (errno != EEXIST)
		return errf(e, -errno, "creating %s: %s", path, strerror(errno));
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errf(e, -errno, "opening %s: %s", path, strerror(errno));
	*out = fd;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int copy_fd(int src, int dst)
{
	char buf[COPY_CHUNK];
	off_t off = 0;
	ssize_t n;
	int ret;

	for (;;) {
		n = pread(src, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		ret = write_all(dst, buf, (size_t)n);
		if (ret)
			return ret;
		off += n;
	}
}

/*
 * copy_exec - a private copy of the exec file, so the jailed process shares
 * no page-cache pages (and no inode) with other microVMs. O_EXCL with
 * O_NOFOLLOW refuses any existing target, a symlink or a hard link to a file
 * elsewhere included. Root-owned and 0555: ember cannot modify its binary.
 */
static int copy_exec(struct jail *j, struct errbuf *e)
{
	const char *name = j->opts.exec_name;
	int fd, ret;

	fd =
	    openat(j->fs.root_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0500);
	if (fd < 0)
		return errf(e, -errno, "copying the exec file to %s/%s: %s", j->fs.root_path, name,
			    errno == EEXIST ? "the target exists (refusing to write through a "
					      "symlink or hard link)"
					    : strerror(errno));
	j->fs.made_bin = true;
	ret = copy_fd(j->fs.exec_fd, fd);
	if (!ret && fchmod(fd, 0555))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		return errf(e, ret, "copying the exec file to %s/%s: %s", j->fs.root_path, name,
			    strerror(-ret));
	return 0;
}

/*
 * create_base - a missing --chroot-base-dir, made below the ancestor that
 * jail_check_base checked (root's alone), one level at a time with
 * O_NOFOLLOW, 0755. It is kept when a later step fails, as Firecracker's
 * jailer keeps it: other jails may come to share it.
 */
static int create_base(struct jail *j, struct errbuf *e)
{
	const char *p = j->opts.base_dir + j->fs.base_anc_len;
	char name[NAME_MAX + 1];
	int fd = dup(j->fs.base_anc_fd), next;
	size_t n;

	if (fd < 0)
		return errf(e, -errno, "dup: %s", strerror(errno));
	while (*p) {
		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n > NAME_MAX) {
			close(fd);
			return errf(e, -ENAMETOOLONG, "--chroot-base-dir: a component is too long");
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		if (mkdirat(fd, name, 0755) && errno != EEXIST) {
			close(fd);
			return errf(e, -errno, "creating --chroot-base-dir %s: %s",
				    j->opts.base_dir, strerror(errno));
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return errf(e, -errno, "opening --chroot-base-dir %s: %s", j->opts.base_dir,
				    strerror(errno));
		fd = next;
	}
	j->fs.base_fd = fd;
	return 0;
}

int jail_fs_create(struct jail *j, struct errbuf *e)
{
	struct jail_fs *fs = &j->fs;
	char path[PATH_MAX];
	int ret;

	if (fs->base_fd < 0) {
		ret = create_base(j, e);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "%s/%s", j->opts.base_dir, j->opts.exec_name);
	ret = level(fs->base_fd, j->opts.exec_name, &fs->made_exec_dir, &fs->exec_dir_fd, path, e);
	if (ret)
		return ret;
	ret = level(fs->exec_dir_fd, j->opts.id, &fs->made_id_dir, &fs->id_fd, fs->jail_dir, e);
	if (ret)
		return ret;
	ret = level(fs->id_fd, "root", &fs->made_root, &fs->root_fd, fs->root_path, e);
	if (ret)
		return ret;
	return copy_exec(j, e);
}

/* node - a character device in the jail, owned by the jailed uid:gid only. */
static int node(struct jail *j, const char *name, unsigned int maj, unsigned int min, bool *made,
		struct errbuf *e)
{
	if (mknodat(j->fs.root_fd, name, S_IFCHR | 0600, makedev(maj, min)))
		return errf(e, -errno, "mknod /%s (%u:%u) in the jail: %s", name, maj, min,
			    strerror(errno));
	*made = true;
	if (fchownat(j->fs.root_fd, name, j->opts.uid, j->opts.gid, AT_SYMLINK_NOFOLLOW))
		return errf(e, -errno, "chown /%s in the jail: %s", name, strerror(errno));
	return 0;
}

static int dir(struct jail *j, const char *name, mode_t mode, bool *made, struct errbuf *e)
{
	if (mkdirat(j->fs.root_fd, name, mode))
		return errf(e, -errno, "mkdir /%s in the jail: %s", name, strerror(errno));
	*made = true;
	return 0;
}

/* run_dir - /run, or the /run the caller prepared (a directory: checked by
 * check_root_free, and again here without following a symlink). */
static int run_dir(struct jail *j, struct errbuf *e)
{
	struct stat st;

	if (!mkdirat(j->fs.root_fd, "run", 0700)) {
		j->fs.made_run = true;
		return 0;
	}
	if (errno != EEXIST)
		return errf(e, -errno, "mkdir /run in the jail: %s", strerror(errno));
	if (fstatat(j->fs.root_fd, "run", &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
		return errf(e, -ENOTDIR, "/run in the jail exists and is not a directory");
	return 0;
}

/*
 * jail_fs_devices - /dev with exactly /dev/kvm and /dev/net/tun, and /run
 * (owned by the jailed uid:gid, for the API socket; a /run the caller made
 * is kept and given to that uid:gid). No /dev/urandom: ember
 * needs no randomness today, and getrandom(2) needs no device node.
 */
int jail_fs_devices(struct jail *j, struct errbuf *e)
{
	struct jail_fs *fs = &j->fs;
	int ret;

	ret = dir(j, "dev", 0755, &fs->made_dev, e);
	if (!ret)
		ret = dir(j, "dev/net", 0755, &fs->made_dev_net, e);
	if (!ret)
		ret = node(j, "dev/kvm", JAIL_KVM_MAJOR, JAIL_KVM_MINOR, &fs->made_kvm, e);
	if (!ret)
		ret = node(j, "dev/net/tun", JAIL_TUN_MAJOR, JAIL_TUN_MINOR, &fs->made_tun, e);
	if (!ret)
		ret = run_dir(j, e);
	if (!ret && fchownat(fs->root_fd, "run", j->opts.uid, j->opts.gid, AT_SYMLINK_NOFOLLOW))
		ret = errf(e, -errno, "chown /run in the jail: %s", strerror(errno));
	return ret;
}

/* jail_fs_pidfile - /<exec-name>.pid in the jail: @pid as the host sees it. */
int jail_fs_pidfile(struct jail *j, pid_t pid, struct errbuf *e)
{
	char name[JAIL_EXEC_NAME_MAX + 8], buf[32];
	int fd, n, ret;

	snprintf(name, sizeof(name), "%s.pid", j->opts.exec_name);
	fd =
	    openat(j->fs.root_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errf(e, -errno, "creating the pid file /%s in the jail: %s", name,
			    strerror(errno));
	j->fs.made_pid = true;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	ret = write_all(fd, buf, (size_t)n);
	close(fd);
	if (ret)
		return errf(e, ret, "writing the pid file /%s: %s", name, strerror(-ret));
	return 0;
}

static void rm(int dirfd, const char *name, int flags, bool *made)
{
	if (*made && dirfd >= 0)
		unlinkat(dirfd, name, flags);
	*made = false;
}

/*
 * jail_fs_undo - remove what this run created, newest first. Directories
 * that were there before (a root prepared by the caller, a shared
 * <base>/<exec-name>) stay; <exec-name> goes only if it is empty.
 */
void jail_fs_undo(struct jail *j)
{
	struct jail_fs *fs = &j->fs;
	char pidname[JAIL_EXEC_NAME_MAX + 8];

	snprintf(pidname, sizeof(pidname), "%s.pid", j->opts.exec_name);
	rm(fs->root_fd, pidname, 0, &fs->made_pid);
	rm(fs->root_fd, "run", AT_REMOVEDIR, &fs->made_run);
	rm(fs->root_fd, "dev/net/tun", 0, &fs->made_tun);
	rm(fs->root_fd, "dev/kvm", 0, &fs->made_kvm);
	rm(fs->root_fd, "dev/net", AT_REMOVEDIR, &fs->made_dev_net);
	rm(fs->root_fd, "dev", AT_REMOVEDIR, &fs->made_dev);
	rm(fs->root_fd, j->opts.exec_name, 0, &fs->made_bin);
	rm(fs->id_fd, "root", AT_REMOVEDIR, &fs->made_root);
	rm(fs->exec_dir_fd, j->opts.id, AT_REMOVEDIR, &fs->made_id_dir);
	rm(fs->base_fd, j->opts.exec_name, AT_REMOVEDIR, &fs->made_exec_dir);
}
