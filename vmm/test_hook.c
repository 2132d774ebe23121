/* test_hook.c - see test_hook.h. */
#include "test_hook.h"

#ifdef EMBER_TEST_HOOKS
#include <errno.h>
#include <stdio.h>
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

#include "vcpu_state.h"
#include "vm_state.h"

#define MSR_LSTAR	   0xc0000082
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_KVM_SYSTIME	   0x4b564d01
#define APIC_TPR	   0x80

/* The state a guest could not survive: must all be overwritten by the restore. */
static void clobber_vcpu(struct vcpu_state *z)
{
	uint32_t i;

	memset(&z->regs, 0, sizeof(z->regs));
	z->regs.rflags = 2;
	for (i = 0; i < z->nr_msrs; i++)
		if (z->msrs[i].index == MSR_LSTAR || z->msrs[i].index == MSR_KERNEL_GS_BASE ||
		    z->msrs[i].index == MSR_KVM_SYSTIME)
			z->msrs[i].data = 0;
	memset(z->xsave + 32, 0, 416 - 32); /* x87/MMX and XMM registers */
	z->lapic.regs[APIC_TPR] = 0xf0;	    /* no interrupt gets through */
}

static void clobber_vm(struct vm_state *z)
{
	unsigned int i;

	for (i = 0;
	     i < sizeof(z->ioapic.chip.ioapic.redirtbl) / sizeof(z->ioapic.chip.ioapic.redirtbl[0]);
	     i++)
		z->ioapic.chip.ioapic.redirtbl[i].fields.mask = 1;
	z->pic_master.chip.pic.imr = 0xff;
	z->pic_slave.chip.pic.imr = 0xff;
}

/* restore_all - @vs and @st[] (or, with @clobber, a ruined copy of each). */
static int restore_all(int vm_fd, const int *fds, unsigned int nr, const struct vcpu_state *st,
		       struct vcpu_state *z, const struct vm_state *vs, bool clobber, char *why,
		       size_t n)
{
	struct vm_state vz = *vs;
	unsigned int i;
	int ret;

	if (clobber)
		clobber_vm(&vz);
	ret = vm_state_restore_why(vm_fd, &vz, false, why, n);
	for (i = 0; !ret && i < nr; i++) {
		*z = st[i];
		if (clobber)
			clobber_vcpu(z);
		ret = vcpu_state_restore_why(fds[i], z, why, n);
	}
	return ret;
}

/* save, check, restore as is, restore ruined, restore, compare. */
static int roundtrip(int vm_fd, const int *fds, unsigned int nr, struct vcpu_state *st,
		     struct vcpu_state *z, struct vm_state *vs, const char **step, char *why,
		     size_t n)
{
	unsigned int i;
	int ret = 0;

	*step = "save";
	for (i = 0; !ret && i < nr; i++)
		ret = vcpu_state_save(fds[i], &st[i]);
	if (!ret)
		ret = vm_state_save(vm_fd, vs);
	if (!ret)
		*step = "check";
	for (i = 0; !ret && i < nr; i++)
		ret = vcpu_state_check(&st[i], why, n);
	if (!ret)
		ret = vm_state_check(vs, why, n);
	if (!ret) {
		*step = "identity restore";
		ret = restore_all(vm_fd, fds, nr, st, z, vs, false, why, n);
	}
	if (!ret) {
		*step = "clobber";
		ret = restore_all(vm_fd, fds, nr, st, z, vs, true, why, n);
	}
	if (!ret) {
		*step = "restore";
		ret = restore_all(vm_fd, fds, nr, st, z, vs, false, why, n);
	}
	if (!ret)
		*step = "compare";
	for (i = 0; !ret && i < nr; i++) {
		ret = vcpu_state_save(fds[i], z);
		if (!ret && memcmp(&z->regs, &st[i].regs, sizeof(z->regs)))
			snprintf(why, n, "vCPU %u: registers differ", i);
		else if (!ret && memcmp(&z->sregs, &st[i].sregs, sizeof(z->sregs)))
			snprintf(why, n, "vCPU %u: special registers differ", i);
		else if (!ret && memcmp(z->xsave, st[i].xsave, 416))
			snprintf(why, n, "vCPU %u: FPU/SSE registers differ", i);
		else
			continue;
		ret = -EIO;
	}
	return ret;
}

void test_hook_paused(int vm_fd, const int *vcpu_fds, unsigned int nr, struct logger *log)
{
	const char *want = getenv("EMBER_TEST_STATE_ROUNDTRIP");
	struct vcpu_state *st, *z;
	struct vm_state *vs;
	const char *step = "allocate";
	char why[160] = "";
	int ret = -ENOMEM;

	if (!want || strcmp(want, "1") || !nr)
		return;
	st = calloc(nr, sizeof(*st));
	z = calloc(1, sizeof(*z));
	vs = calloc(1, sizeof(*vs));
	if (st && z && vs)
		ret = roundtrip(vm_fd, vcpu_fds, nr, st, z, vs, &step, why, sizeof(why));
	if (ret)
		log_error(log, "state round trip failed at %s: %s %s", step, strerror(-ret), why);
	else
		log_info(log, "state round trip: %u vCPUs restored", nr);
	free(st);
	free(z);
	free(vs);
}

int test_hook_cmdline_devices(void)
{
	const char *v = getenv("EMBER_TEST_NO_CMDLINE_DEVICES");

	return !(v && !strcmp(v, "1"));
}
#else
void test_hook_forbidden(enum sc_kind kind, int fd)
{
	(void)kind;
	(void)fd;
}

void test_hook_paused(int vm_fd, const int *vcpu_fds, unsigned int nr, struct logger *log)
{
	(void)vm_fd;
	(void)vcpu_fds;
	(void)nr;
	(void)log;
}

int test_hook_cmdline_devices(void)
{
	return 1;
}
#endif
