/*
 * pause.h - pausing the whole microVM (PATCH /vm).
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
#ifndef EMBER_PAUSE_H
#define EMBER_PAUSE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "layout.h"

struct vm;

struct pause_state {
	bool paused;
	bool clock_saved; /* @clock holds kvm-clock at the pause */
	struct kvm_clock_data clock;
	bool tsc_saved;			/* @tsc_offset and @host_tsc are valid */
	uint64_t host_tsc;		/* host TSC when the vCPUs were parked */
	uint64_t tsc_offset[MAX_VCPUS]; /* each vCPU's guest TSC offset then */
	uint64_t pause_us, resume_us;	/* how long the last transitions took */
};

/* pause_vm - park all vCPUs and save the clock; 0 (problems are logged). */
int pause_vm(struct vm *vm, struct pause_state *p);

/* pause_resume - restore the clock and unpark the vCPUs; 0 (problems are logged). */
int pause_resume(struct vm *vm, struct pause_state *p);

#endif
