/*
 * vcpu.h - one thread per vCPU running the KVM_RUN loop.
 *
 * vcpu_create() makes the KVM vCPU and gives it ember's boot state: the
 * normalized CPUID, boot MSRs, LAPIC LINT0=ExtINT / LINT1=NMI, FPU, and the
 * registers of the kernel's boot protocol (64-bit long mode with ember's
 * page tables, or 32-bit protected mode for PVH). Every vCPU gets the same
 * state; non-boot vCPUs wait for INIT/SIPI from the guest's BSP in the
 * in-kernel LAPIC.
 *
 * The thread dispatches port and MMIO exits to the VM's buses and reports
 * the end of the VM (guest reset, shutdown, triple fault, KVM error) to the
 * event loop through vm_request_exit().
 */
#ifndef EMBER_VCPU_H
#define EMBER_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

struct vcpu_stats {
	atomic_uint_fast64_t exits;
	atomic_uint_fast64_t io_exits;
	atomic_uint_fast64_t mmio_exits;
	atomic_uint_fast64_t other_exits;
};

struct vcpu {
	struct vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	struct vcpu_stats stats;
};

/* vcpu_create - create vCPU @index of @vm and load its boot state. */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int index);

/* vcpu_start - start the vCPU's thread (named "ember_vcpu<N>"). */
int vcpu_start(struct vcpu *v);

/* vcpu_kick - make the vCPU leave KVM_RUN soon (immediate_exit + signal). */
void vcpu_kick(struct vcpu *v);

/* vcpu_join_destroy - join the thread (after a kick) and free the vCPU. */
void vcpu_join_destroy(struct vcpu *v);

/* vcpu_signal_setup - install the no-op kick signal handler (once, in main). */
int vcpu_signal_setup(void);

#endif
