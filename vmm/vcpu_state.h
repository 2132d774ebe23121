/*
 * vcpu_state.h - one vCPU's architectural state as a plain, fixed-size
 * struct (no pointers) for snapshots: saved from a paused vCPU, checked as
 * untrusted input, restored onto a fresh one.
 *
 * Thread rule: KVM serialises vCPU ioctls on the vCPU's mutex and accepts
 * them from any thread of the process that created the VM; nothing here
 * needs the vCPU's own thread. What it needs is that no vCPU of the VM is
 * in KVM_RUN (pause_vm() first: a vCPU ioctl would block until KVM_RUN
 * returns, and KVM's events/MSR state is only consistent with every vCPU
 * stopped). ember calls these on the event-loop thread, the thread that
 * created the vCPUs; its seccomp filter allows exactly these ioctls on the
 * vCPU fds (syscall_rules.c).
 *
 * MSRs: a fixed table of the MSRs KVM can save and restore for an x86-64
 * guest (architectural, MTRRs, kvm-clock and the other KVM paravirtual
 * ones); save keeps those the vCPU accepts, restore takes only indices from
 * that table. XSAVE: ember never grants the guest dynamic XSAVE features
 * (AMX), so KVM's area for its vCPUs is the 4 KiB of KVM_GET_XSAVE;
 * save and restore check that and refuse a larger one (-EOPNOTSUPP).
 */
#ifndef EMBER_VCPU_STATE_H
#define EMBER_VCPU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "cpuid.h"

#define VCPU_STATE_MAX_MSRS    96
#define VCPU_STATE_XSAVE_MAX   4096
#define VCPU_STATE_MAX_TSC_KHZ (20U * 1000 * 1000) /* 20 GHz */

struct vcpu_state {
	uint32_t tsc_khz;    /* KVM_GET_TSC_KHZ */
	uint32_t xsave_size; /* bytes of @xsave in use: VCPU_STATE_XSAVE_MAX */
	uint32_t nr_msrs;    /* entries of @msrs in use */
	uint32_t pad;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_debugregs debugregs;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	uint32_t pad2;
	struct kvm_msr_entry msrs[VCPU_STATE_MAX_MSRS];
	uint8_t xsave[VCPU_STATE_XSAVE_MAX]; /* struct kvm_xsave's region */
	struct cpuid_table cpuid;	     /* KVM_GET_CPUID2: what the vCPU was given */
};

/* vcpu_state_save - fill @st from paused vCPU @vcpu_fd. Order: MP state
 * first (reading it makes KVM process pending INIT/SIPI into the LAPIC),
 * then registers, special registers, XSAVE, XCRs, debug registers, LAPIC,
 * TSC frequency, CPUID, MSRs, and the pending events last. 0 or -errno. */
int vcpu_state_save(int vcpu_fd, struct vcpu_state *st);

/*
 * vcpu_state_restore - load @st (vcpu_state_check()ed) into @vcpu_fd, a
 * vCPU created but never run, or one that is paused. Order:
 *   CPUID        KVM derives the valid MSRs, XCR0 bits and XSAVE layout from it
 *   TSC kHz      scaling before any TSC value is written (when > 250 ppm off)
 *   MSRs         all but TSC_DEADLINE (kvm-clock, TSC, syscall MSRs, PAT...)
 *   sregs        control registers, EFER and the APIC base, before the LAPIC
 *   regs         before the events: KVM_SET_REGS drops a pending exception
 *   XSAVE, XCRs
 *   LAPIC        after sregs (APIC base, x2APIC mode)
 *   TSC_DEADLINE only taken while the LAPIC timer is in TSC-deadline mode
 *   MP state, events (exception, NMI, interrupt shadow, SMM), debug registers
 * 0 or -errno; -EINVAL names no MSR: run vcpu_state_check first.
 */
int vcpu_state_restore(int vcpu_fd, const struct vcpu_state *st);

/* vcpu_state_restore_why - the same, with what KVM refused (the step, or
 * the MSR) in @why for the error the caller reports. */
int vcpu_state_restore_why(int vcpu_fd, const struct vcpu_state *st, char *why, size_t n);

/* vcpu_state_check - @st read from an untrusted file: every count, size,
 * flag and reserved field checked. 0, or -EINVAL with the reason in @why. */
int vcpu_state_check(const struct vcpu_state *st, char *why, size_t n);

/* vcpu_state_msr_known - whether @index is one of the MSRs ember saves. */
bool vcpu_state_msr_known(uint32_t index);

#endif
