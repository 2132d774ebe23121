/*
 * cpu_template.h - Firecracker's static CPU templates as CPUID masks.
 *
 * machine-config's "cpu_template" names one: T2 and C3 (Intel hosts) and
 * T2A (AMD hosts) hide CPU features so that every host of a fleet shows
 * the guest the same feature set (firecracker-containerd sends "T2" by
 * default on Intel). Each template is a list of (leaf, subleaf, register,
 * filter, value): the bits in filter take the template's value, the others
 * stay as KVM reports them. Applied to a vCPU's table before
 * cpuid_normalize(). The register values are Firecracker's definitions.
 * T2S and T2CL (Intel) also set bits of IA32_ARCH_CAPABILITIES: see
 * cpu_template_msrs(). Custom templates are not here yet.
 * Pure functions on a struct cpuid_table: unit-tested without /dev/kvm.
 */
#ifndef EMBER_CPU_TEMPLATE_H
#define EMBER_CPU_TEMPLATE_H

#include "cpuid.h"
#include "err.h"

/* In the order of config.c's cpu_template names. */
enum cpu_template {
	CPU_TEMPLATE_NONE = 0,
	CPU_TEMPLATE_T2,
	CPU_TEMPLATE_C3,
	CPU_TEMPLATE_T2A,
	CPU_TEMPLATE_T2S,
	CPU_TEMPLATE_T2CL,
	CPU_TEMPLATE_COUNT
};

/* cpu_template_name - "None", "T2", "C3", "T2A", "T2S", "T2CL" ("?" if out of range). */
const char *cpu_template_name(unsigned int t);

/*
 * cpu_template_apply - apply template @t to @tbl (KVM's supported CPUID for
 * this host). The host vendor is read from leaf 0 of @tbl: a template made
 * for the other vendor is refused with Firecracker's message and -ENOTSUP;
 * a leaf the template changes that @tbl lacks is added (zeroes, then the
 * template's bits), -ENOSPC if there is no room. CPU_TEMPLATE_NONE changes
 * nothing.
 */
int cpu_template_apply(unsigned int t, struct cpuid_table *tbl, struct errbuf *e);

/*
 * cpu_template_check_host - the vendor check of cpu_template_apply() against
 * the host CPU (CPUID leaf 0), for InstanceStart to refuse a template before
 * it builds anything. 0, or -ENOTSUP with Firecracker's message.
 */
int cpu_template_check_host(unsigned int t, struct errbuf *e);

/* An MSR a template sets: the bits in filter take value, the others stay. */
struct cpu_template_msr {
	uint32_t index;
	uint64_t filter, value;
};

/* cpu_template_msrs - the MSRs template @t sets (after CPUID, whose values
 * decide which MSRs KVM has); *@out gets the table, the count is returned. */
unsigned int cpu_template_msrs(unsigned int t, const struct cpu_template_msr **out);

#endif
