/*
 * enter.c - make the jail root this process's whole file system view.
 *
 * A new mount namespace (so nothing here touches the host's mounts), every
 * mount in it private (so nothing propagates either way), the jail root
 * bind-mounted onto itself (pivot_root needs a mount point; MS_REC keeps
 * what the caller bind-mounted into the jail), then pivot_root(".", "."):
 * the old root ends up stacked on top of the new one at "/", where
 * umount2(MNT_DETACH) drops it at once. That is pivot_root(2)'s documented
 * form for this and needs no directory for the old root inside the jail, so
 * there is nothing to remove afterwards. Unlike chroot, no reference to the
 * host's tree is left to escape through.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jailer.h"

/* same_dir - is the current directory the jail root we created (by fd)? */
static bool same_dir(int fd)
{
	struct stat a, b;

	return !stat(".", &a) && !fstat(fd, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int jail_enter(struct jail *j, struct errbuf *e)
{
	const char *root = j->fs.root_path;

	if (unshare(CLONE_NEWNS))
		return errf(e, -errno, "unshare(CLONE_NEWNS): %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL))
		return errf(e, -errno, "making / private in the new mount namespace: %s",
			    strerror(errno));
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL))
		return errf(e, -errno, "bind-mounting %s onto itself: %s", root, strerror(errno));
	if (chdir(root))
		return errf(e, -errno, "chdir %s: %s", root, strerror(errno));
	if (!same_dir(j->fs.root_fd))
		return errf(e, -EXDEV, "%s changed while the jail was being set up", root);
	if (syscall(SYS_pivot_root, ".", ".")) {
		if (errno == EINVAL)
			return errf(e, -EINVAL,
				    "pivot_root into %s: %s (the current root must be a mount "
				    "with a parent: an initramfs rootfs cannot be pivoted away "
				    "from, switch_root out of it first)",
				    root, strerror(EINVAL));
		return errf(e, -errno, "pivot_root into %s: %s", root, strerror(errno));
	}
	if (umount2(".", MNT_DETACH))
		return errf(e, -errno, "detaching the old root: %s", strerror(errno));
	if (chdir("/"))
		return errf(e, -errno, "chdir / in the jail: %s", strerror(errno));
	return 0;
}
