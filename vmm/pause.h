/*
 * pause.h - pausing the whole microVM (PATCH /vm): every vCPU parked outside
 * KVM_RUN and the guest's clocks (kvm-clock, TSC offsets) frozen, so a paused
 * guest sees no time pass. Idempotent; event-loop thread.
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
