/* uffd.c - see uffd.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#include "uffd.h"

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00) /* /dev/userfaultfd, Linux 6.1 */
#endif

int uffd_layout_json(const struct guest_mem *gm, uint64_t page_size, char *buf, size_t n)
{
	uint64_t offset = 0;
	size_t used = 0;
	unsigned int i;
	int len;

	if (!n)
		return -ENOSPC;
	buf[used++] = '[';
	for (i = 0; i < gm->nr_regions && i < GM_MAX_REGIONS; i++) {
		const struct gm_region *r = &gm->region[i];

		if (used >= n)
			return -ENOSPC;
		len = snprintf(buf + used, n - used,
			       "%s{\"base_host_virt_addr\":%llu,\"size\":%llu,\"offset\":%llu,"
			       "\"page_size\":%llu,\"page_size_kib\":%llu}",
			       i ? "," : "", (unsigned long long)(uintptr_t)r->hva,
			       (unsigned long long)r->size, (unsigned long long)offset,
			       (unsigned long long)page_size, (unsigned long long)page_size);
		if (len < 0 || (size_t)len >= n - used)
			return -ENOSPC;
		used += (size_t)len;
		offset += r->size;
	}
	if (used + 2 > n)
		return -ENOSPC;
	buf[used++] = ']';
	buf[used] = '\0';
	return (int)used;
}

/* open_uffd - the system call; where unprivileged processes may not use it
 * for kernel-mode faults (KVM's), /dev/userfaultfd. */
static int open_uffd(void)
{
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int dev;

	if (fd >= 0 || (errno != EPERM && errno != ENOSYS))
		return fd >= 0 ? fd : -errno;
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		fd = -errno;
	close(dev);
	return fd;
}

int uffd_create(const struct guest_mem *gm, struct errbuf *e)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg;
	unsigned int i;
	int fd, ret;

	fd = open_uffd();
	if (fd < 0)
		return errf(e, fd, "cannot create a userfaultfd: %s", strerror(-fd));
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		ret = errf(e, -errno, "UFFDIO_API: %s", strerror(errno));
		goto err;
	}
	for (i = 0; i < gm->nr_regions && i < GM_MAX_REGIONS; i++) {
		memset(&reg, 0, sizeof(reg));
		reg.range.start = (uint64_t)(uintptr_t)gm->region[i].hva;
		reg.range.len = gm->region[i].size;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0) {
			ret = errf(e, -errno, "UFFDIO_REGISTER of guest memory region %u: %s", i,
				   strerror(errno));
			goto err;
		}
		if (!(reg.ioctls & (1ULL << _UFFDIO_COPY))) {
			ret = errf(e, -ENOTSUP, "guest memory region %u: no UFFDIO_COPY", i);
			goto err;
		}
	}
	return fd;
err:
	close(fd);
	return ret;
}

int uffd_send(int sock, int uffd, const char *json, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)json, .iov_len = len};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	if (!len)
		return -EINVAL;
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &uffd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* The fd went with the first byte; the rest, if the socket took less. */
	while ((size_t)n < len) {
		ssize_t m = send(sock, json + n, len - (size_t)n, MSG_NOSIGNAL);

		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return m < 0 ? -errno : -EIO;
		n += m;
	}
	return 0;
}

int uffd_connect_send(const struct guest_mem *gm, const char *path, struct errbuf *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char json[UFFD_LAYOUT_MAX];
	int uffd, sock, len, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return errf(e, -ENAMETOOLONG, "uffd socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	len = uffd_layout_json(gm, DBM_PAGE_SIZE, json, sizeof(json));
	if (len < 0)
		return errf(e, len, "uffd region layout does not fit");
	uffd = uffd_create(gm, e);
	if (uffd < 0)
		return uffd;
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		ret = errf(e, -errno, "uffd socket: %s", strerror(errno));
		goto err;
	}
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = errf(e, -errno, "cannot connect to the page-fault handler at %s: %s", path,
			   strerror(errno));
		goto err_sock;
	}
	ret = uffd_send(sock, uffd, json, (size_t)len);
	if (ret) {
		errf(e, ret, "cannot send the userfaultfd to %s: %s", path, strerror(-ret));
		goto err_sock;
	}
	close(sock);
	return uffd;
err_sock:
	close(sock);
err:
	close(uffd);
	return ret;
}
