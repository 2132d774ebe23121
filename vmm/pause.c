/*
 * pause.c - see pause.h.
 *
 * pause_vm() parks every vCPU thread outside KVM_RUN (vcpu_pause) and
 * freezes the guest's clocks; pause_resume() thaws them and lets the vCPUs
 * run. A paused guest sees no time pass, whichever clocksource it uses:
 *  - kvm-clock is derived from the host's time: its value is read at the
 *    pause (KVM_GET_CLOCK) and written back at the resume (KVM_SET_CLOCK);
 *  - the guest TSC is the host TSC plus a per-vCPU offset: at the resume
 *    each offset (KVM_VCPU_TSC_OFFSET, Linux 5.16+) is lowered by the host
 *    TSC cycles the pause lasted. ember never scales the guest TSC
 *    (KVM_SET_TSC_KHZ), so host and guest cycles are the same unit.
 * The guest is also told it was stopped (KVM_KVMCLOCK_CTRL), so its
 * soft-lockup watchdog stays quiet. Both calls are idempotent; both run on
 * the event-loop thread.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "pause.h"
#include "test_hook.h"
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

static int tsc_offset_attr(struct vcpu *v, unsigned long req, uint64_t *ofs)
{
	struct kvm_device_attr a = {
	    .group = KVM_VCPU_TSC_CTRL,
	    .attr = KVM_VCPU_TSC_OFFSET,
	    .addr = (uint64_t)(uintptr_t)ofs,
	};

	return ioctl(v->fd, req, &a) < 0 ? -errno : 0;
}

/* save_tsc - every vCPU's TSC offset and the host TSC, all vCPUs parked. */
static void save_tsc(struct vm *vm, struct pause_state *p)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < vm->nr_vcpus_created; i++)
		ret = tsc_offset_attr(&vm->vcpu[i], KVM_GET_DEVICE_ATTR, &p->tsc_offset[i]);
	p->host_tsc = __builtin_ia32_rdtsc();
	p->tsc_saved = !ret && vm->nr_vcpus_created;
	if (ret)
		log_warn(&vm->log, "pause: KVM_VCPU_TSC_OFFSET: %s: the guest TSC runs on",
			 strerror(-ret));
}

/* restore_tsc - move every guest TSC back by the cycles the pause lasted. */
static void restore_tsc(struct vm *vm, struct pause_state *p)
{
	uint64_t elapsed = __builtin_ia32_rdtsc() - p->host_tsc, ofs;
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_vcpus_created; i++) {
		/* Unsigned arithmetic: offsets are modulo 2^64. */
		ofs = p->tsc_offset[i] - elapsed;
		ret = tsc_offset_attr(&vm->vcpu[i], KVM_SET_DEVICE_ATTR, &ofs);
		if (ret)
			log_warn(&vm->log, "resume: KVM_VCPU_TSC_OFFSET on vCPU %u: %s", i,
				 strerror(-ret));
	}
}

/* build/ember-test only: a state save/restore round trip (test_hook.h). */
static void paused_hook(struct vm *vm)
{
	int fds[MAX_VCPUS];
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus_created && i < MAX_VCPUS; i++)
		fds[i] = vm->vcpu[i].fd;
	test_hook_paused(vm->kvm.vm_fd, fds, i, &vm->log);
}

int pause_vm(struct vm *vm, struct pause_state *p)
{
	uint64_t t0 = mono_us();
	unsigned int i;

	if (p->paused)
		return 0;
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_pause(&vm->vcpu[i]);
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_wait_parked(&vm->vcpu[i]);
	save_tsc(vm, p);
	memset(&p->clock, 0, sizeof(p->clock));
	p->clock_saved = vm->kvm.vm_fd >= 0 && ioctl(vm->kvm.vm_fd, KVM_GET_CLOCK, &p->clock) == 0;
	if (!p->clock_saved && vm->kvm.vm_fd >= 0)
		log_warn(&vm->log, "pause: KVM_GET_CLOCK failed (%s): the guest clock runs on",
			 strerror(errno));
	paused_hook(vm);
	set_clock_ctrl(vm);
	p->paused = true;
	p->pause_us = mono_us() - t0;
	log_info(&vm->log, "microVM paused (%llu us)", (unsigned long long)p->pause_us);
	return 0;
}

int pause_resume(struct vm *vm, struct pause_state *p)
{
	uint64_t t0 = mono_us();
	unsigned int i;

	if (!p->paused)
		return 0;
	if (p->tsc_saved)
		restore_tsc(vm, p);
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
