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
 *
 * Pausing (PATCH /vm): vcpu_pause() asks the thread to park and kicks it out
 * of KVM_RUN; the thread then waits on a condition variable, outside the
 * guest, until vcpu_resume(). vcpu_wait_parked() returns once it is parked
 * (or gone). vcpu_kick() also wakes a parked thread, so teardown never
 * waits on a paused vCPU.
 */
#ifndef EMBER_VCPU_H
#define EMBER_VCPU_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

/* The signal that kicks a vCPU thread out of KVM_RUN (its handler is empty;
 * the interrupted ioctl returns EINTR). */
#define VCPU_KICK_SIGNAL SIGUSR1

struct vcpu_stats {
	atomic_uint_fast64_t exits;
	atomic_uint_fast64_t io_exits;
	atomic_uint_fast64_t mmio_exits;
	atomic_uint_fast64_t other_exits;
	atomic_uint_fast64_t io_in, io_out;	    /* io_exits by direction */
	atomic_uint_fast64_t mmio_read, mmio_write; /* mmio_exits by direction */
	atomic_uint_fast64_t failures;		    /* exits that ended the VM with an error */
};

struct vcpu {
	struct vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	struct vcpu_stats stats;

	/* Pause state, under pause_lock; pause_flag mirrors pause_req so the
	 * run loop can test it without the lock. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool pause_sync; /* pause_lock and pause_cond exist */
	bool pause_req;
	bool parked;	 /* the thread waits in vcpu_park() */
	bool finished;	 /* the thread has left its run loop */
	bool confined;	 /* the thread named itself and tried its seccomp filter */
	int confine_err; /* 0 or -errno from installing that filter */
	atomic_bool pause_flag;
};

/* vcpu_create - create vCPU @index of @vm and load its boot state. */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int index);

/* vcpu_start - start the vCPU's thread (named "ember_vcpu<N>"). The thread
 * first installs the VM's vCPU seccomp filter, if there is one; with @held
 * it then waits, parked, for vcpu_resume() before entering the guest. */
int vcpu_start(struct vcpu *v, bool held);

/* vcpu_wait_confined - wait until the started thread has installed its
 * filter; 0, or -errno if that failed (the thread then ends, never having
 * run the guest). */
int vcpu_wait_confined(struct vcpu *v);

/* vcpu_kick - make the vCPU leave KVM_RUN soon (immediate_exit + signal);
 * a parked thread is woken to notice the VM is exiting. */
void vcpu_kick(struct vcpu *v);

/* vcpu_pause - ask the thread to park, and kick it out of KVM_RUN. */
void vcpu_pause(struct vcpu *v);

/* vcpu_wait_parked - wait until the thread parked (or never will: it ended,
 * or was not started). */
void vcpu_wait_parked(struct vcpu *v);

/* vcpu_resume - let a parked (or parking) thread run the guest again. */
void vcpu_resume(struct vcpu *v);

/* vcpu_join_destroy - join the thread (after a kick) and free the vCPU. */
void vcpu_join_destroy(struct vcpu *v);

/* vcpu_signal_setup - install the no-op kick signal handler (once, in main). */
int vcpu_signal_setup(void);

#endif
