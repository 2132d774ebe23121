/*
 * kvm.h - the KVM system and VM file descriptors.
 *
 * kvm_open() opens /dev/kvm, checks the API version and every capability
 * ember relies on, and turns each failure into advice a user can act on.
 * kvm_create_vm() creates the VM with the x86 platform pieces that must
 * exist before any vCPU: TSS and identity-map pages, the in-kernel irqchip
 * (PIC + IOAPIC) and PIT, and the guest RAM memslots.
 */
#ifndef EMBER_KVM_H
#define EMBER_KVM_H

#include "cpuid.h"
#include "err.h"
#include "guest_mem.h"

struct kvm {
	int fd;			      /* /dev/kvm */
	int vm_fd;		      /* KVM_CREATE_VM */
	int run_size;		      /* KVM_GET_VCPU_MMAP_SIZE */
	struct cpuid_table supported; /* KVM_GET_SUPPORTED_CPUID */
};

/* kvm_open - open @path (normally "/dev/kvm") and check capabilities. */
int kvm_open(struct kvm *k, const char *path, struct errbuf *e);

/* kvm_create_vm - VM with irqchip, PIT and @gm registered as memslots. */
int kvm_create_vm(struct kvm *k, const struct guest_mem *gm, struct errbuf *e);

/* kvm_irqfd - a new eventfd wired to @gsi with KVM_IRQFD; returns the fd or -errno. */
int kvm_irqfd(struct kvm *k, unsigned int gsi, struct errbuf *e);

/* kvm_close - close the VM and /dev/kvm; safe on a half-opened struct. */
void kvm_close(struct kvm *k);

#endif
