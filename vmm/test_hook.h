/*
 * test_hook.h - fault injection for the black-box seccomp tests.
 *
 * In build/ember-test (test_hook.c compiled with EMBER_TEST_HOOKS) the
 * environment variable EMBER_TEST_FORBIDDEN_SYSCALL=KIND:CALL makes a
 * thread of KIND ("api", "vmm" or "vcpu") make CALL at its hook point:
 *   getppid    a call on no list
 *   mmap-exec  mmap(PROT_READ|PROT_EXEC): refused by the argument check
 *   ioctl      KVM_GET_REGS on @fd: a request not allowed on that fd
 *   socket     socket(AF_INET)
 * Hook points: the API thread when it dispatches a request, the event loop
 * when it runs one, a vCPU thread when it parks for a pause. So a test boots
 * a guest, sends PATCH /vm Paused, and expects death by SIGSYS and a log
 * line naming the call. In build/ember the hook is an empty function.
 */
#ifndef EMBER_TEST_HOOK_H
#define EMBER_TEST_HOOK_H

#include "log.h"
#include "syscall_filter.h"

/* test_hook_forbidden - see above; @fd is the KVM fd the thread owns
 * (vCPU fd, VM fd) or -1. */
void test_hook_forbidden(enum sc_kind kind, int fd);

/*
 * test_hook_paused - in build/ember-test with EMBER_TEST_STATE_ROUNDTRIP=1,
 * pause_vm calls this with every vCPU parked: it saves and checks the
 * state of every vCPU and of the VM (vcpu_state.h, vm_state.h), clobbers
 * them (registers, FPU, kvm-clock and syscall MSRs, LAPIC TPR, IOAPIC and
 * PIC masks), restores the saved state and logs "state round trip: N vCPUs
 * restored" or what failed. A guest that runs on after the resume proves
 * the restore complete and its order right. In build/ember: nothing.
 */
void test_hook_paused(int vm_fd, const int *vcpu_fds, unsigned int nr, struct logger *log);

/*
 * test_hook_cmdline_devices - whether ember announces its virtio-mmio devices
 * on the kernel command line (virtio_mmio.device=) as well as in the DSDT.
 * Always 1 in build/ember. In build/ember-test, EMBER_TEST_NO_CMDLINE_DEVICES=1
 * makes it 0, so a test proves that an ACPI guest finds every device through
 * the DSDT alone.
 */
int test_hook_cmdline_devices(void);

#endif
