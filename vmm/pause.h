/*
 * pause.h - pausing the whole microVM (PATCH /vm).
 *
 * vm_pause() parks every vCPU thread outside KVM_RUN (vcpu_pause) and
 * freezes the guest's clock; vm_resume() thaws the clock and lets the
 * vCPUs run. A paused guest sees no time pass: kvm-clock (the guest's
 * clocksource under KVM) is derived from the host's time, so its value is
 * read at the pause (KVM_GET_CLOCK) and written back at the resume
 * (KVM_SET_CLOCK). Both calls are idempotent; both run on the event-loop
 * thread.
 */
#ifndef EMBER_PAUSE_H
#define EMBER_PAUSE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

struct vm_pause {
	bool paused;
	bool clock_saved; /* @clock holds kvm-clock at the pause */
	struct kvm_clock_data clock;
	uint64_t pause_us, resume_us; /* how long the last transitions took */
};

/* vm_pause - park all vCPUs and save the clock; 0 (problems are logged). */
int vm_pause(struct vm *vm, struct vm_pause *p);

/* vm_resume - restore the clock and unpark the vCPUs; 0 (problems are logged). */
int vm_resume(struct vm *vm, struct vm_pause *p);

#endif
