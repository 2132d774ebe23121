/* test_hook.c - see test_hook.h. */
#include "test_hook.h"

#ifdef EMBER_TEST_HOOKS
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

void test_hook_forbidden(enum sc_kind kind, int fd)
{
	const char *want = getenv("EMBER_TEST_FORBIDDEN_SYSCALL");
	const char *kind_name = sc_kind_name(kind);
	size_t n = strlen(kind_name);
	struct kvm_regs regs;
	void *p;
	int s;

	if (!want || strncmp(want, kind_name, n) || want[n] != ':')
		return;
	want += n + 1;
	if (!strcmp(want, "getppid")) {
		(void)getppid();
	} else if (!strcmp(want, "mmap-exec")) {
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, 4096);
	} else if (!strcmp(want, "ioctl")) {
		(void)ioctl(fd, KVM_GET_REGS, &regs);
	} else if (!strcmp(want, "socket")) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0)
			close(s);
	}
}
#else
void test_hook_forbidden(enum sc_kind kind, int fd)
{
	(void)kind;
	(void)fd;
}
#endif
