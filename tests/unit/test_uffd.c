/* Unit tests for the Uffd memory backend: the region layout JSON (as
 * Firecracker's handlers parse it), the handshake over a socketpair (JSON
 * plus the fd by SCM_RIGHTS), and, where userfaultfd is allowed, a real
 * fault on registered guest memory served the way a handler serves it. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/userfaultfd.h>

#include "layout.h"
#include "uffd.h"

/* A two-region layout without mapping 4 GiB: fake host addresses. */
static void fake_gm(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
	gm->nr_regions = 2;
	gm->region[0] = (struct gm_region){
	    .gpa = 0, .size = MMIO_GAP_START, .hva = (uint8_t *)0x7f0000000000ULL};
	gm->region[1] = (struct gm_region){.gpa = 1ULL << 32,
					   .size = 1ULL << 30,
					   .hva = (uint8_t *)0x7f0000000000ULL + MMIO_GAP_START};
}

static void test_layout_json(void **state)
{
	struct guest_mem gm;
	char buf[UFFD_LAYOUT_MAX];
	json_error_t err;
	json_t *a, *o;
	int len;

	fake_gm(&gm);
	len = uffd_layout_json(&gm, 4096, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(buf));
	a = json_loads(buf, 0, &err);
	assert_non_null(a);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	o = json_array_get(a, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "base_host_virt_addr")),
			 0x7f0000000000LL);
	assert_int_equal(json_integer_value(json_object_get(o, "size")), MMIO_GAP_START);
	assert_int_equal(json_integer_value(json_object_get(o, "offset")), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "page_size")), 4096);
	assert_int_equal(json_integer_value(json_object_get(o, "page_size_kib")), 4096);
	o = json_array_get(a, 1);
	/* The second region follows the first in the file: the gap is left out. */
	assert_int_equal(json_integer_value(json_object_get(o, "offset")), MMIO_GAP_START);
	assert_int_equal(json_integer_value(json_object_get(o, "size")), 1LL << 30);
	json_decref(a);
	assert_int_equal(uffd_layout_json(&gm, 4096, buf, 40), -ENOSPC);
	assert_int_equal(uffd_layout_json(&gm, 4096, buf, 0), -ENOSPC);
}

/* What a handler does: one recvmsg for the JSON and the fd. */
static int recv_handshake(int sock, char *buf, size_t n, int *fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = n - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.b,
			     .msg_controllen = sizeof(ctl.b)};
	struct cmsghdr *c;
	ssize_t got = recvmsg(sock, &msg, 0);

	if (got <= 0)
		return -1;
	buf[got] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

static void test_handshake_socketpair(void **state)
{
	struct guest_mem gm;
	char json[UFFD_LAYOUT_MAX], got[UFFD_LAYOUT_MAX];
	int sv[2], pipefd[2], fd = -1, len;
	struct stat a, b;

	fake_gm(&gm);
	len = uffd_layout_json(&gm, 4096, json, sizeof(json));
	assert_true(len > 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(pipefd), 0); /* any fd stands in for the uffd */
	assert_int_equal(uffd_send(sv[0], pipefd[0], json, (size_t)len), 0);
	assert_int_equal(recv_handshake(sv[1], got, sizeof(got), &fd), 0);
	assert_string_equal(got, json);
	assert_true(fd >= 0 && fd != pipefd[0]);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(pipefd[0], &b), 0);
	assert_int_equal(a.st_ino, b.st_ino); /* the same pipe arrived */
	assert_int_equal(uffd_send(sv[0], pipefd[0], json, 0), -EINVAL);
	close(sv[1]);
	assert_int_equal(uffd_send(sv[0], pipefd[0], json, (size_t)len), -EPIPE);
	close(fd);
	close(sv[0]);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_connect_errors(void **state)
{
	struct guest_mem gm;
	struct errbuf e = {""};
	char longpath[200];

	fake_gm(&gm);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(uffd_connect_send(&gm, longpath, &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "too long"));
}

/* ---- a real fault, served ---- */

struct toucher {
	volatile uint8_t *p;
	uint8_t seen;
};

static void *touch(void *arg)
{
	struct toucher *t = arg;

	t->seen = t->p[123]; /* faults: the main thread serves the page */
	return NULL;
}

static void test_real_fault(void **state)
{
	struct guest_mem gm;
	struct errbuf e = {""};
	struct uffd_msg m;
	struct uffdio_copy cp;
	struct toucher t;
	pthread_t th;
	static uint8_t page[4096] __attribute__((aligned(4096)));
	int uffd, sv[2], fd = -1, i;
	char json[UFFD_LAYOUT_MAX];
	ssize_t n;

	assert_int_equal(gm_init(&gm, 2 << 20, &e), 0);
	uffd = uffd_create(&gm, &e);
	if (uffd < 0) {
		gm_destroy(&gm);
		skip(); /* no userfaultfd for us here */
	}
	/* Hand it over as ember does; serve through the received fd. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	i = uffd_layout_json(&gm, 4096, json, sizeof(json));
	assert_int_equal(uffd_send(sv[0], uffd, json, (size_t)i), 0);
	assert_int_equal(recv_handshake(sv[1], json, sizeof(json), &fd), 0);
	t.p = gm.region[0].hva + 0x5000;
	t.seen = 0;
	assert_int_equal(pthread_create(&th, NULL, touch, &t), 0);
	for (i = 0; i < 5000; i++) {
		n = read(fd, &m, sizeof(m));
		if (n == (ssize_t)sizeof(m))
			break;
		usleep(1000);
	}
	assert_int_equal(n, sizeof(m));
	assert_int_equal(m.event, UFFD_EVENT_PAGEFAULT);
	assert_int_equal(m.arg.pagefault.address & ~4095ULL,
			 (uint64_t)(uintptr_t)(gm.region[0].hva + 0x5000));
	memset(page, 0x5a, sizeof(page));
	cp = (struct uffdio_copy){.dst = m.arg.pagefault.address & ~4095ULL,
				  .src = (uint64_t)(uintptr_t)page,
				  .len = 4096};
	assert_int_equal(ioctl(fd, UFFDIO_COPY, &cp), 0);
	pthread_join(th, NULL);
	assert_int_equal(t.seen, 0x5a);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	close(uffd);
	gm_destroy(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_json),
	    cmocka_unit_test(test_handshake_socketpair),
	    cmocka_unit_test(test_connect_errors),
	    cmocka_unit_test(test_real_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
