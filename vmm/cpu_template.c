/*
 * cpu_template.c - see cpu_template.h.
 *
 * The tables hold Firecracker's template definitions (its
 * static_cpu_templates): per register, the bits the template decides
 * (filter) and what they become (value).
 */
#include <errno.h>
#include <string.h>

#include "cpu_template.h"

enum ct_reg { R_EAX, R_EBX, R_ECX, R_EDX };

struct ct_mod {
	uint32_t leaf;
	uint32_t subleaf;
	enum ct_reg reg;
	uint32_t filter;
	uint32_t value;
};

enum ct_vendor { V_INTEL, V_AMD };

/* T2: as close as possible to an AWS T2 instance (Intel). */
static const struct ct_mod t2[] = {
    {0x1, 0, R_EAX, 0x0fff3fff, 0x000306f2},	    {0x1, 0, R_ECX, 0x0004cdfc, 0x00000000},
    {0x1, 0, R_EDX, 0xe8641080, 0x00001080},	    {0x7, 0, R_EBX, 0xffeffa54, 0x00000200},
    {0x7, 0, R_ECX, 0x40415f5e, 0x00000000},	    {0x7, 0, R_EDX, 0x0000011c, 0x00000000},
    {0xd, 0, R_EAX, 0x000002f8, 0x00000000},	    {0xd, 1, R_EAX, 0x0000000e, 0x00000000},
    {0x80000001, 0, R_ECX, 0x20000100, 0x00000000}, {0x80000001, 0, R_EDX, 0x04000000, 0x00000000},
    {0x80000008, 0, R_EBX, 0x00000200, 0x00000000},
};

/* C3: as close as possible to an AWS C3 instance (Intel). */
static const struct ct_mod c3[] = {
    {0x1, 0, R_EAX, 0x0fff3fff, 0x000306e4},	    {0x1, 0, R_ECX, 0x0040dd3c, 0x00000000},
    {0x1, 0, R_EDX, 0xa8641080, 0x00001080},	    {0x7, 0, R_EBX, 0xffafdd3c, 0x00000000},
    {0x7, 0, R_ECX, 0x4041481e, 0x00000000},	    {0x7, 0, R_EDX, 0x0000000c, 0x00000000},
    {0xd, 0, R_EAX, 0x000002f8, 0x00000000},	    {0xd, 1, R_EAX, 0x0000000e, 0x00000000},
    {0x80000001, 0, R_ECX, 0x00000120, 0x00000000}, {0x80000001, 0, R_EDX, 0x04000000, 0x00000000},
};

/* T2A: an AMD host with the instruction set of T2CL on Intel. */
static const struct ct_mod t2a[] = {
    {0x1, 0, R_EAX, 0x0fff3fff, 0x000306f2},	    {0x1, 0, R_ECX, 0x0004cdfc, 0x00000000},
    {0x1, 0, R_EDX, 0xe8641080, 0x00001080},	    {0x7, 0, R_EBX, 0xffefda14, 0x00000200},
    {0x7, 0, R_ECX, 0x40415f5e, 0x00000000},	    {0x7, 0, R_EDX, 0x0000011c, 0x00000000},
    {0xd, 0, R_EAX, 0x000002f8, 0x00000000},	    {0xd, 1, R_EAX, 0x0000000e, 0x00000000},
    {0x80000001, 0, R_ECX, 0x200001c0, 0x00000000}, {0x80000001, 0, R_EDX, 0x07c00000, 0x00000000},
    {0x80000008, 0, R_EBX, 0x000c0205, 0x000c0000},
};

/* T2S: T2's features, and snapshots movable between Skylake and Cascade Lake. */
static const struct ct_mod t2s[] = {
    {0x1, 0, R_EAX, 0x0fff3fff, 0x000306f2},	    {0x1, 0, R_ECX, 0x0004cdfc, 0x00000000},
    {0x1, 0, R_EDX, 0xe8641080, 0x00001080},	    {0x7, 0, R_EBX, 0xffefda14, 0x00000200},
    {0x7, 0, R_ECX, 0x40415f5e, 0x00000000},	    {0x7, 0, R_EDX, 0x0000011c, 0x00000000},
    {0xd, 0, R_EAX, 0x000002f8, 0x00000000},	    {0xd, 1, R_EAX, 0x0000000e, 0x00000000},
    {0x80000001, 0, R_ECX, 0x20000100, 0x00000000}, {0x80000001, 0, R_EDX, 0x04000000, 0x00000000},
    {0x80000008, 0, R_EBX, 0x00000200, 0x00000000},
};

/* T2CL: Cascade Lake with the instruction set of T2A on AMD Milan. */
static const struct ct_mod t2cl[] = {
    {0x1, 0, R_EAX, 0x0fff3fff, 0x000306f2},	    {0x1, 0, R_ECX, 0x0004cdfc, 0x00000000},
    {0x1, 0, R_EDX, 0xe8641080, 0x00001080},	    {0x7, 0, R_EBX, 0xffefda14, 0x00000200},
    {0x7, 0, R_ECX, 0x40415f5e, 0x00000000},	    {0x7, 0, R_EDX, 0x0000011c, 0x00000000},
    {0xd, 0, R_EAX, 0x000002f8, 0x00000000},	    {0xd, 1, R_EAX, 0x0000000e, 0x00000000},
    {0x80000001, 0, R_ECX, 0x200001c0, 0x00000000}, {0x80000001, 0, R_EDX, 0x07c00000, 0x00000000},
    {0x80000008, 0, R_EBX, 0x00000200, 0x00000000},
};

#define MSR_IA32_ARCH_CAPABILITIES 0x10a

/* T2S shows the mitigations of the least protected host it may move to. */
static const struct cpu_template_msr t2s_msrs[] = {
    {MSR_IA32_ARCH_CAPABILITIES, 0xffffffffffffffffull, 0x0000000000000c4cull},
};

/* T2CL passes through the mitigation bits KVM passes, clears the rest. */
static const struct cpu_template_msr t2cl_msrs[] = {
    {MSR_IA32_ARCH_CAPABILITIES, 0xfffffffff2f51e00ull, 0},
};

static const struct {
	const char *name;
	const struct ct_mod *mods;
	unsigned int nr;
	enum ct_vendor vendor;
} templates[CPU_TEMPLATE_COUNT] = {
    [CPU_TEMPLATE_NONE] = {"None", NULL, 0, V_INTEL},
    [CPU_TEMPLATE_T2] = {"T2", t2, sizeof(t2) / sizeof(t2[0]), V_INTEL},
    [CPU_TEMPLATE_C3] = {"C3", c3, sizeof(c3) / sizeof(c3[0]), V_INTEL},
    [CPU_TEMPLATE_T2A] = {"T2A", t2a, sizeof(t2a) / sizeof(t2a[0]), V_AMD},
    [CPU_TEMPLATE_T2S] = {"T2S", t2s, sizeof(t2s) / sizeof(t2s[0]), V_INTEL},
    [CPU_TEMPLATE_T2CL] = {"T2CL", t2cl, sizeof(t2cl) / sizeof(t2cl[0]), V_INTEL},
};

unsigned int cpu_template_msrs(unsigned int t, const struct cpu_template_msr **out)
{
	switch (t) {
	case CPU_TEMPLATE_T2S:
		*out = t2s_msrs;
		return sizeof(t2s_msrs) / sizeof(t2s_msrs[0]);
	case CPU_TEMPLATE_T2CL:
		*out = t2cl_msrs;
		return sizeof(t2cl_msrs) / sizeof(t2cl_msrs[0]);
	default:
		*out = NULL;
		return 0;
	}
}

const char *cpu_template_name(unsigned int t)
{
	return t < CPU_TEMPLATE_COUNT ? templates[t].name : "?";
}

/* vendor_of - from leaf 0's vendor string; -ENOTSUP if neither. */
static int vendor_of(uint32_t ebx, uint32_t edx, uint32_t ecx, enum ct_vendor *out)
{
	char id[13];

	memcpy(id, &ebx, 4);
	memcpy(id + 4, &edx, 4);
	memcpy(id + 8, &ecx, 4);
	id[12] = '\0';
	if (!strcmp(id, "GenuineIntel"))
		*out = V_INTEL;
	else if (!strcmp(id, "AuthenticAMD"))
		*out = V_AMD;
	else
		return -ENOTSUP;
	return 0;
}

static int host_vendor(struct cpuid_table *tbl, enum ct_vendor *out)
{
	struct kvm_cpuid_entry2 *l0 = cpuid_find(tbl, 0, 0);

	if (!l0)
		return -ENOTSUP;
	return vendor_of(l0->ebx, l0->edx, l0->ecx, out);
}

/* check_vendor - Firecracker's refusal of a template for the other vendor. */
static int check_vendor(unsigned int t, int unknown, enum ct_vendor vendor, struct errbuf *e)
{
	if (unknown)
		return errf(e, -ENOTSUP,
			    "Failed to get CPU template: Failed to get CPU vendor "
			    "information.");
	if (vendor != templates[t].vendor)
		return errf(e, -ENOTSUP,
			    "Failed to get CPU template: CPU vendor mismatched between actual CPU "
			    "and CPU template.");
	return 0;
}

int cpu_template_check_host(unsigned int t, struct errbuf *e)
{
	uint32_t a = 0, b, c = 0, d;
	enum ct_vendor vendor = V_INTEL;
	int unknown;

	if (t >= CPU_TEMPLATE_COUNT)
		return errf(e, -EINVAL, "Invalid static CPU template: %u", t);
	if (t == CPU_TEMPLATE_NONE)
		return 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	unknown = vendor_of(b, d, c, &vendor);
	return check_vendor(t, unknown, vendor, e);
}

int cpu_template_apply(unsigned int t, struct cpuid_table *tbl, struct errbuf *e)
{
	struct kvm_cpuid_entry2 *ent;
	enum ct_vendor vendor = V_INTEL;
	unsigned int i;
	int ret;

	if (t >= CPU_TEMPLATE_COUNT)
		return errf(e, -EINVAL, "Invalid static CPU template: %u", t);
	if (t == CPU_TEMPLATE_NONE)
		return 0;
	ret = host_vendor(tbl, &vendor);
	ret = check_vendor(t, ret, vendor, e);
	if (ret)
		return ret;
	for (i = 0; i < templates[t].nr; i++) {
		const struct ct_mod *m = &templates[t].mods[i];

		/* Leaves 0x7 and 0xd are indexed by their subleaf. */
		ent = cpuid_find_or_add(
		    tbl, m->leaf, m->subleaf,
		    m->leaf == 0x7 || m->leaf == 0xd ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0);
		if (!ent)
			return errf(e, -ENOSPC, "CPU template %s: no room for CPUID leaf %#x",
				    templates[t].name, m->leaf);
		cpuid_mask(ent, m->reg, m->filter, m->value);
	}
	return 0;
}
