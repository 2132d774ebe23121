/*
 * vm_state.h - the VM-wide KVM state for snapshots as a plain, fixed-size
 * struct: the in-kernel interrupt controllers (PIC master and slave,
 * IOAPIC), the PIT (KVM_GET_PIT2) and kvm-clock (KVM_GET_CLOCK).
 *
 * Thread rule: VM ioctls, any thread; every vCPU must be out of KVM_RUN
 * (pause_vm()), so the chips do not change while they are read or written.
 * ember calls these on the event-loop thread. Save after pausing; restore
 * after the vCPUs exist (in either order with vcpu_state_restore: KVM
 * applies a new clock to every vCPU at its next KVM_RUN).
 */
#ifndef EMBER_VM_STATE_H
#define EMBER_VM_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/kvm.h>

struct vm_state {
	struct kvm_irqchip pic_master; /* chip_id KVM_IRQCHIP_PIC_MASTER */
	struct kvm_irqchip pic_slave;  /* chip_id KVM_IRQCHIP_PIC_SLAVE */
	struct kvm_irqchip ioapic;     /* chip_id KVM_IRQCHIP_IOAPIC */
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
};

/* vm_state_save - fill @st from @vm_fd (all vCPUs paused). 0 or -errno.
 * kvm-clock is read now; a caller that froze it at the pause (pause.h,
 * struct pause_state: clock, clock_saved) should store that value instead,
 * so the restored guest sees no time pass between the pause and the save. */
int vm_state_save(int vm_fd, struct vm_state *st);

/* vm_state_restore - load @st (vm_state_check()ed) into @vm_fd, a VM with
 * the irqchip and PIT created. kvm-clock goes on from the saved value; with
 * @clock_realtime, and if the clock was saved with the wall time
 * (KVM_CLOCK_REALTIME), KVM moves it on by the wall time elapsed since.
 * 0 or -errno. */
int vm_state_restore(int vm_fd, const struct vm_state *st, bool clock_realtime);

/* vm_state_restore_why - the same, with what KVM refused in @why. */
int vm_state_restore_why(int vm_fd, const struct vm_state *st, bool clock_realtime, char *why,
			 size_t n);

/* vm_state_check - @st from an untrusted file: chip ids, counts, modes and
 * reserved fields checked. 0, or -EINVAL with the reason in @why. */
int vm_state_check(const struct vm_state *st, char *why, size_t n);

#endif
