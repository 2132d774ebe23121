/*
 * cpuid.h - the CPUID table each vCPU sees.
 *
 * Starts from KVM_GET_SUPPORTED_CPUID and normalizes it, as Firecracker
 * does (see firecracker.md §2.5): hypervisor bit set (without it Linux does
 * not find KVM and loses kvm-clock), KVM paravirt leaves 0x40000000.. kept
 * with the "KVMKVMKVM" signature, per-vCPU initial APIC IDs, HTT and
 * topology leaves (0x1, 0x4, 0xb, 0x8000_0008, 0x8000_001e) that describe
 * @nr_vcpus CPUs in one package, TSC-deadline on, PDCM off, no PMU (0xa).
 * Pure functions on a struct kvm_cpuid2: unit-tested without /dev/kvm.
 */
#ifndef EMBER_CPUID_H
#define EMBER_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#define CPUID_MAX_ENTRIES 256

struct cpuid_table {
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 entry[CPUID_MAX_ENTRIES];
};

/*
 * cpuid_normalize - rewrite @t (as returned by KVM_GET_SUPPORTED_CPUID) for
 * vCPU @vcpu_index of @nr_vcpus (with @smt: 2 threads per core when
 * nr_vcpus is even). Adds leaves that must exist and are missing, if room.
 * Returns 0 or -ENOSPC.
 */
int cpuid_normalize(struct cpuid_table *t, unsigned int vcpu_index, unsigned int nr_vcpus,
		    bool smt);

/* cpuid_find - the entry for (function, index), or NULL. For leaves that
 * are not indexed, @index is ignored. */
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t function, uint32_t index);

/* cpuid_find_or_add - cpuid_find, or a new entry (registers zero, @flags)
 * appended for (function, index); NULL when the table is full. */
struct kvm_cpuid_entry2 *cpuid_find_or_add(struct cpuid_table *t, uint32_t function, uint32_t index,
					   uint32_t flags);

/* cpuid_mask - register @reg (0 eax, 1 ebx, 2 ecx, 3 edx) of @e takes
 * @value's bits where @filter has ones and keeps its own elsewhere. */
void cpuid_mask(struct kvm_cpuid_entry2 *e, unsigned int reg, uint32_t filter, uint32_t value);

#endif
