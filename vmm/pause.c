/* pause.c - see pause.h. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "pause.h"
#include "vm.h"

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Tell a kvm-clock guest it was stopped on purpose (PVCLOCK_GUEST_STOPPED),
 * so its soft-lockup watchdog does not fire after the resume. EINVAL: the
 * guest has not set up kvm-clock on that vCPU. */
static void set_clock_ctrl(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus_created; i++)
		if (ioctl(vm->vcpu[i].fd, KVM_KVMCLOCK_CTRL, 0) < 0 && errno != EINVAL)
			log_warn(&vm->log, "pause: KVM_KVMCLOCK_CTRL on vCPU %u: %s", i,
				 strerror(errno));
}

int vm_pause(struct vm *vm, struct vm_pause *p)
{
	uint64_t t0 = mono_us();
	unsigned int i;

	if (p->paused)
		return 0;
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_pause(&vm->vcpu[i]);
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_wait_parked(&vm->vcpu[i]);
	memset(&p->clock, 0, sizeof(p->clock));
	p->clock_saved = vm->kvm.vm_fd >= 0 && ioctl(vm->kvm.vm_fd, KVM_GET_CLOCK, &p->clock) == 0;
	if (!p->clock_saved && vm->kvm.vm_fd >= 0)
		log_warn(&vm->log, "pause: KVM_GET_CLOCK failed (%s): the guest clock runs on",
			 strerror(errno));
	set_clock_ctrl(vm);
	p->paused = true;
	p->pause_us = mono_us() - t0;
	log_info(&vm->log, "microVM paused (%llu us)", (unsigned long long)p->pause_us);
	return 0;
}

int vm_resume(struct vm *vm, struct vm_pause *p)
{
	uint64_t t0 = mono_us();
	unsigned int i;

	if (!p->paused)
		return 0;
	if (p->clock_saved) {
		/* flags 0: take the value as is; KVM_CLOCK_REALTIME would add
		 * the wall time that passed meanwhile. */
		p->clock.flags = 0;
		if (ioctl(vm->kvm.vm_fd, KVM_SET_CLOCK, &p->clock) < 0)
			log_warn(&vm->log, "resume: KVM_SET_CLOCK failed: %s", strerror(errno));
	}
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_resume(&vm->vcpu[i]);
	p->paused = false;
	p->resume_us = mono_us() - t0;
	log_info(&vm->log, "microVM resumed (%llu us)", (unsigned long long)p->resume_us);
	return 0;
}
