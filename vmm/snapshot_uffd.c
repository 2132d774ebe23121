/* snapshot_uffd.c - the Uffd memory backend; see snapshot_uffd.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "snapshot_uffd.h"

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

int snapshot_uffd_json(const struct guest_mem *gm, char *buf, size_t len)
{
	uint64_t off = 0;
	size_t n = 0;
	unsigned int i;
	int w;

	w = snprintf(buf, len, "[");
	for (i = 0; w >= 0 && (size_t)w < len - n && i < gm->nr_regions; i++) {
		n += (size_t)w;
		w = snprintf(buf + n, len - n,
			     "%s{\"base_host_virt_addr\":%llu,\"size\":%llu,\"offset\":%llu,"
			     "\"page_size\":4096}",
			     i ? "," : "", (unsigned long long)(uintptr_t)gm->region[i].hva,
			     (unsigned long long)gm->region[i].size, (unsigned long long)off);
		off += gm->region[i].size;
	}
	if (w < 0 || (size_t)w >= len - n)
		return -ENOSPC;
	n += (size_t)w;
	w = snprintf(buf + n, len - n, "]");
	if (w < 0 || (size_t)w >= len - n)
		return -ENOSPC;
	return (int)(n + (size_t)w);
}

/* open_uffd - userfaultfd(2), or /dev/userfaultfd where the call is
 * restricted (Linux 6.1+ with vm.unprivileged_userfaultfd = 0). */
static int open_uffd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int dev;

	if (fd >= 0)
		return (int)fd;
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	close(dev);
	return fd < 0 ? -errno : (int)fd;
}

static int register_regions(int uffd, const struct guest_mem *gm)
{
	struct uffdio_api api = {.api = UFFD_API};
	unsigned int i;

	if (ioctl(uffd, UFFDIO_API, &api) < 0)
		return -errno;
	for (i = 0; i < gm->nr_regions; i++) {
		struct uffdio_register reg = {
		    .range = {.start = (uintptr_t)gm->region[i].hva, .len = gm->region[i].size},
		    .mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
			return -errno;
	}
	return 0;
}

/* send_fd - @msg with @fd attached over a new connection to @path. */
static int send_fd(const char *path, const char *msg, size_t len, int fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int s, ret = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    sendmsg(s, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	close(s);
	return ret;
}

int snapshot_uffd_setup(const struct guest_mem *gm, const char *sock_path, struct errbuf *e)
{
	char msg[512];
	int uffd, len, ret;

	uffd = open_uffd();
	if (uffd < 0)
		return errf(e, uffd, "Cannot create a userfaultfd: %s", strerror(-uffd));
	ret = register_regions(uffd, gm);
	if (ret) {
		errf(e, ret, "Cannot register guest memory with the userfaultfd: %s",
		     strerror(-ret));
		goto out;
	}
	len = snapshot_uffd_json(gm, msg, sizeof(msg));
	ret = len < 0 ? len : send_fd(sock_path, msg, (size_t)len, uffd);
	if (ret)
		errf(e, ret, "Cannot hand the userfaultfd to the page-fault handler at %s: %s",
		     sock_path, strerror(-ret));
out:
	close(uffd);
	return ret;
}
