/*
 * kvm_fixture.h - a real KVM VM (irqchip + PIT) with vCPUs and KVM's CPUID
 * set, for the state save/restore tests; never run. Tests that need it skip
 * when /dev/kvm cannot create one (the vCPUs never enter the guest, so a
 * host where Linux guests fail still serves).
 */
#ifndef EMBER_TEST_KVM_FIXTURE_H
#define EMBER_TEST_KVM_FIXTURE_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "cpuid.h"

#define KFIX_VCPUS 2

struct kvm_fixture {
	int kvm_fd, vm_fd;
	int vcpu_fd[KFIX_VCPUS];
};

static inline void kfix_close(struct kvm_fixture *k)
{
	int i;

	for (i = 0; i < KFIX_VCPUS; i++)
		if (k->vcpu_fd[i] >= 0)
			close(k->vcpu_fd[i]);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
}

/* kfix_open - 0, or -1 (and nothing open) if KVM is not usable here. */
static inline int kfix_open(struct kvm_fixture *k)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	struct cpuid_table *t = calloc(1, sizeof(*t));
	int i;

	memset(k, -1, sizeof(*k));
	if (!t)
		return -1;
	k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0)
		goto fail;
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0 || ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		goto fail;
	t->hdr.nent = CPUID_MAX_ENTRIES;
	if (ioctl(k->kvm_fd, KVM_GET_SUPPORTED_CPUID, t) < 0)
		goto fail;
	for (i = 0; i < KFIX_VCPUS; i++) {
		k->vcpu_fd[i] = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (k->vcpu_fd[i] < 0 || ioctl(k->vcpu_fd[i], KVM_SET_CPUID2, t) < 0)
			goto fail;
	}
	free(t);
	return 0;
fail:
	free(t);
	kfix_close(k);
	memset(k, -1, sizeof(*k));
	return -1;
}

#endif
