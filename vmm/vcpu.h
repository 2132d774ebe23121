/*
 * vcpu.h - one thread per vCPU running the KVM_RUN loop. A vCPU sees only
 * its vcpu_env: the buses its exits go to, the log, the exit notifier, its
 * seccomp filter. vcpu_create loads the boot state (vcpu_boot); pausing
 * parks the thread outside KVM_RUN until vcpu_resume; vcpu_kick also wakes
 * a parked thread, so teardown never waits on a paused vCPU.
 */
#ifndef EMBER_VCPU_H
#define EMBER_VCPU_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "bus.h"
#include "cpuid.h"
#include "loader.h"
#include "log.h"
#include "syscall_filter.h"
#include "vm_exit.h"

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

/* What every running vCPU sees. */
struct vcpu_env {
	int vm_fd;
	size_t run_size;	/* of the mmap'ed struct kvm_run */
	struct bus *pio, *mmio; /* where port and MMIO exits go */
	struct logger *log;
	struct vm_exit *exit;	      /* a guest reset or a failure ends the VM */
	const struct sc_prog *filter; /* installed before KVM_RUN (no insns: none) */
};

/* The boot state vcpu_create loads. */
struct cpu_config;

struct vcpu_boot {
	const struct cpuid_table *supported; /* KVM's CPUID, normalized per vCPU */
	struct cpuid_table *scratch;	     /* room for that normalization */
	unsigned int nr_vcpus;
	bool smt;
	unsigned int cpu_template;	  /* enum cpu_template (cpu_template.h) */
	const struct cpu_config *custom;  /* a custom CPU template (cpu_config.h), or NULL */
	const struct kernel_info *kernel; /* entry point and boot protocol */
};

struct vcpu {
	const struct vcpu_env *env;
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

/* vcpu_create - create vCPU @index in @env's VM and load @boot into it. */
int vcpu_create(struct vcpu *v, unsigned int index, const struct vcpu_env *env,
		const struct vcpu_boot *boot);

/* vcpu_handle_exit - dispatch the exit in v->run (the thread's step after
 * KVM_RUN; exported for tests). Returns true while the vCPU should run on;
 * false after requesting the VM's exit. */
bool vcpu_handle_exit(struct vcpu *v);

/* vcpu_start - start the vCPU's thread (named "fc_vcpu <N>"). The thread
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
