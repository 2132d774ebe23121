/* uffdhandler.c - a small page-fault handler for ember's Uffd memory
 * backend (test helper, build/test-uffdhandler):
 *
 *   test-uffdhandler SOCKET MEMFILE
 *
 * Listens on SOCKET, takes one connection, receives the region message
 * (a JSON array of {base_host_virt_addr, size, offset, page_size}) with
 * the userfaultfd attached, then serves every missing-page fault from
 * MEMFILE with UFFDIO_COPY until ember goes away. Prints "UFFD-READY" once
 * listening, "UFFD-REGIONS n" after the handshake and "UFFD-SERVED n" at
 * the first page and every 1024 pages, and when it ends. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_REGIONS 8

struct region {
	uint64_t base, size, offset;
};

static int die(const char *what)
{
	fprintf(stderr, "uffdhandler: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* receive - the message and the fd from one connection on @path. */
static int receive(const char *path, char *msg, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = msg, .iov_len = len - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm;
	int ls, c, fd = -1;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
		die("listen");
	printf("UFFD-READY\n");
	fflush(stdout);
	c = accept(ls, NULL, NULL);
	if (c < 0)
		die("accept");
	n = recvmsg(c, &mh, 0);
	if (n <= 0)
		die("recvmsg");
	msg[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (fd < 0) {
		errno = EPROTO;
		die("no userfaultfd in the message");
	}
	close(c);
	close(ls);
	return fd;
}

/* parse - the regions of @msg (numbers after each key, in any order). */
static unsigned int parse(const char *msg, struct region *r)
{
	const char *p = msg;
	unsigned int n = 0;

	while (n < MAX_REGIONS && (p = strchr(p, '{'))) {
		const char *b = strstr(p, "\"base_host_virt_addr\":");
		const char *s = strstr(p, "\"size\":");
		const char *o = strstr(p, "\"offset\":");

		if (!b || !s || !o)
			break;
		r[n].base = strtoull(b + 22, NULL, 10);
		r[n].size = strtoull(s + 7, NULL, 10);
		r[n].offset = strtoull(o + 9, NULL, 10);
		n++;
		p++;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct region r[MAX_REGIONS];
	char msg[4096];
	struct stat st;
	uint8_t *mem;
	uint64_t served = 0;
	unsigned int nr, i;
	int uffd, mfd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET MEMFILE\n", argv[0]);
		return 2;
	}
	mfd = open(argv[2], O_RDONLY);
	if (mfd < 0 || fstat(mfd, &st))
		die(argv[2]);
	mem = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, mfd, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	uffd = receive(argv[1], msg, sizeof(msg));
	nr = parse(msg, r);
	printf("UFFD-REGIONS %u\n", nr);
	fflush(stdout);
	for (;;) {
		struct pollfd pfd = {.fd = uffd, .events = POLLIN};
		struct uffd_msg m;
		uint64_t addr;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll");
		if (pfd.revents & (POLLHUP | POLLERR))
			break;
		if (read(uffd, &m, sizeof(m)) != sizeof(m)) {
			if (errno == EAGAIN)
				continue;
			break;
		}
		if (m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = m.arg.pagefault.address & ~4095ULL;
		for (i = 0; i < nr && !(addr >= r[i].base && addr - r[i].base < r[i].size); i++)
			;
		if (i == nr || r[i].offset + (addr - r[i].base) + 4096 > (uint64_t)st.st_size) {
			fprintf(stderr, "uffdhandler: fault at 0x%llx outside the regions\n",
				(unsigned long long)addr);
			return 1;
		}
		struct uffdio_copy cp = {.dst = addr,
					 .src = (uintptr_t)(mem + r[i].offset + (addr - r[i].base)),
					 .len = 4096};
		if (ioctl(uffd, UFFDIO_COPY, &cp) < 0 && errno != EEXIST)
			die("UFFDIO_COPY");
		if (++served == 1 || served % 1024 == 0) {
			printf("UFFD-SERVED %llu\n", (unsigned long long)served);
			fflush(stdout);
		}
	}
	printf("UFFD-SERVED %llu\n", (unsigned long long)served);
	return 0;
}
