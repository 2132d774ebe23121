/*
 * cpuid.c - see cpuid.h.
 *
 * Register layouts are from the Intel SDM vol. 2A (CPUID) and the AMD APM
 * vol. 3 (appendix E). Every edit assigns fields from (vcpu_index, nr_vcpus,
 * smt) alone, so normalizing a table twice, or for another vCPU, yields the
 * same result as normalizing a fresh copy.
 */
#include <errno.h>
#include <string.h>

#include "cpuid.h"
#include "layout.h"

/* Leaf 0x1 */
#define L1_EBX_CLFLUSH_SHIFT 8	   /* EBX[15:8]: CLFLUSH line size in 8-byte units */
#define L1_EBX_LOGICAL_SHIFT 16	   /* EBX[23:16]: addressable logical CPUs per package */
#define L1_EBX_APIC_ID_SHIFT 24	   /* EBX[31:24]: initial APIC ID */
#define L1_EBX_KEEP_MASK     0xffu /* EBX[7:0]: brand index */
#define L1_CLFLUSH_64_BYTES  8
#define L1_ECX_PDCM	     (1u << 15) /* IA32_PERF_CAPABILITIES: needs a PMU */
#define L1_ECX_TSC_DEADLINE  (1u << 24)
#define L1_ECX_HYPERVISOR    (1u << 31)
#define L1_EDX_HTT	     (1u << 28)

/* Leaf 0x4 (Intel) and 0x8000001d (AMD): deterministic cache parameters */
#define CACHE_EAX_TYPE_MASK	0x1fu /* EAX[4:0]: 0 = no more caches */
#define CACHE_EAX_LEVEL_SHIFT	5     /* EAX[7:5] */
#define CACHE_EAX_LEVEL_MASK	0x7u
#define CACHE_EAX_SHARING_SHIFT 14 /* EAX[25:14]: threads sharing - 1 */
#define CACHE_EAX_SHARING_MASK	(0xfffu << CACHE_EAX_SHARING_SHIFT)
#define CACHE_EAX_CORES_SHIFT	26 /* EAX[31:26]: cores per package - 1 (Intel) */
#define CACHE_EAX_CORES_MASK	(0x3fu << CACHE_EAX_CORES_SHIFT)

/* Leaf 0x6: thermal and power management */
#define L6_EAX_TURBO		(1u << 1)
#define L6_ECX_ENERGY_PERF_BIAS (1u << 3)

/* Leaf 0x7.0 */
#define L7_ECX_WAITPKG (1u << 5) /* UMONITOR/UMWAIT/TPAUSE: hidden, as Firecracker does */

/* Leaves 0xb and 0x1f: extended topology */
#define TOPO_LEVEL_SMT	      1
#define TOPO_LEVEL_CORE	      2
#define TOPO_ECX_TYPE_SHIFT   8 /* ECX[15:8]: level type, ECX[7:0]: subleaf */
#define TOPO_ECX_SUBLEAF_MASK 0xffu

/* Hypervisor leaves: "KVMKVMKVM\0\0\0" in EBX, ECX, EDX, little-endian */
#define KVM_SIG_EBX	   0x4b4d564bu /* "KVMK" */
#define KVM_SIG_ECX	   0x564b4d56u /* "VMKV" */
#define KVM_SIG_EDX	   0x0000004du /* "M\0\0\0" */
#define KVM_LEAF_SIGNATURE 0x40000000u
#define KVM_LEAF_FEATURES  0x40000001u

/* AMD extended leaves */
#define AMD_81_ECX_TOPOEXT	  (1u << 22)
#define AMD_88_ECX_NC_MASK	  0xffu /* ECX[7:0]: threads in package - 1 */
#define AMD_88_ECX_APICID_SHIFT	  12	/* ECX[15:12]: APIC ID bits for threads */
#define AMD_88_ECX_APICID_MASK	  (0xfu << AMD_88_ECX_APICID_SHIFT)
#define AMD_81E_EBX_THREADS_SHIFT 8 /* EBX[15:8]: threads per compute unit - 1 */

enum cpu_vendor {
	VENDOR_OTHER,
	VENDOR_INTEL,
	VENDOR_AMD, /* AMD and Hygon: same extended topology leaves */
};

/* What the guest is told about itself; derived per call, never stored. */
struct topo {
	unsigned int vcpu;	       /* this vCPU's APIC ID */
	unsigned int nr_vcpus;	       /* all in one package */
	unsigned int threads_per_core; /* 1, or 2 with SMT */
	unsigned int id_bits;	       /* APIC ID bits spanning the package */
};

/* Leaves KVM reports per subleaf: their index is significant. */
static bool leaf_is_indexed(uint32_t function)
{
	switch (function) {
	case 0x4:
	case 0x7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x1f:
	case 0x8000001d:
		return true;
	default:
		return false;
	}
}

/* Smallest b with 2^b >= n: the APIC ID bits needed to number n CPUs. */
static unsigned int bits_for(unsigned int n)
{
	unsigned int b = 0;

	while (b < 31 && (1u << b) < n)
		b++;
	return b;
}

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t function, uint32_t index)
{
	uint32_t i, n = t->hdr.nent;

	if (n > CPUID_MAX_ENTRIES)
		n = CPUID_MAX_ENTRIES;
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = &t->entry[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

struct kvm_cpuid_entry2 *cpuid_find_or_add(struct cpuid_table *t, uint32_t function, uint32_t index,
					   uint32_t flags)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, function, index);

	if (e || t->hdr.nent >= CPUID_MAX_ENTRIES)
		return e;
	e = &t->entry[t->hdr.nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	return e;
}

void cpuid_mask(struct kvm_cpuid_entry2 *e, unsigned int reg, uint32_t filter, uint32_t value)
{
	uint32_t *r = reg == 0 ? &e->eax : reg == 1 ? &e->ebx : reg == 2 ? &e->ecx : &e->edx;

	*r = (*r & ~filter) | (value & filter);
}

/* Is there any entry (any subleaf) for @function? */
static bool leaf_present(const struct cpuid_table *t, uint32_t function)
{
	uint32_t i;

	for (i = 0; i < t->hdr.nent; i++)
		if (t->entry[i].function == function)
			return true;
	return false;
}

static enum cpu_vendor detect_vendor(struct cpuid_table *t)
{
	const struct kvm_cpuid_entry2 *e = cpuid_find(t, 0, 0);
	char id[12];

	if (!e)
		return VENDOR_OTHER;
	/* The vendor string is EBX, EDX, ECX in that order (x86 is little-endian). */
	memcpy(id, &e->ebx, 4);
	memcpy(id + 4, &e->edx, 4);
	memcpy(id + 8, &e->ecx, 4);
	if (!memcmp(id, "GenuineIntel", 12))
		return VENDOR_INTEL;
	if (!memcmp(id, "AuthenticAMD", 12) || !memcmp(id, "HygonGenuine", 12))
		return VENDOR_AMD;
	return VENDOR_OTHER;
}

/* Is subleaf @index of @function there, whatever its flags say? */
static bool subleaf_present(const struct cpuid_table *t, uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < t->hdr.nent; i++)
		if (t->entry[i].function == function && t->entry[i].index == index)
			return true;
	return false;
}

/* Append a zeroed entry; the caller has checked there is room. */
static struct kvm_cpuid_entry2 *append(struct cpuid_table *t, uint32_t function, uint32_t index,
				       uint32_t flags)
{
	struct kvm_cpuid_entry2 *e = &t->entry[t->hdr.nent++];

	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	return e;
}

/*
 * Leaves the guest needs that KVM may leave out: subleaves 0 (SMT) and 1
 * (core) of a topology leaf that is present, and the KVM signature leaf.
 * With @add false only counts them, so that a full table is rejected before
 * anything is changed.
 */
static unsigned int add_missing(struct cpuid_table *t, bool add)
{
	static const uint32_t topo_leaves[] = {0xb, 0x1f};
	unsigned int i, sub, n = 0;

	for (i = 0; i < sizeof(topo_leaves) / sizeof(topo_leaves[0]); i++) {
		if (!leaf_present(t, topo_leaves[i]))
			continue;
		for (sub = 0; sub < 2; sub++) {
			if (subleaf_present(t, topo_leaves[i], sub))
				continue;
			n++;
			if (add)
				append(t, topo_leaves[i], sub, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
		}
	}
	if (!leaf_present(t, KVM_LEAF_SIGNATURE)) {
		n++;
		if (add)
			append(t, KVM_LEAF_SIGNATURE, 0, 0);
	}
	return n;
}

static void fix_leaf1(struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	e->ebx = (e->ebx & L1_EBX_KEEP_MASK) | (L1_CLFLUSH_64_BYTES << L1_EBX_CLFLUSH_SHIFT) |
		 ((tp->nr_vcpus & 0xff) << L1_EBX_LOGICAL_SHIFT) |
		 ((tp->vcpu & 0xff) << L1_EBX_APIC_ID_SHIFT);
	/*
	 * Hypervisor: without it Linux skips KVM detection (no kvm-clock).
	 * TSC deadline: the in-kernel LAPIC emulates it even where
	 * KVM_GET_SUPPORTED_CPUID does not report it. PDCM: there is no PMU.
	 */
	e->ecx |= L1_ECX_HYPERVISOR | L1_ECX_TSC_DEADLINE;
	e->ecx &= ~L1_ECX_PDCM;
	if (tp->nr_vcpus > 1)
		e->edx |= L1_EDX_HTT;
	else
		e->edx &= ~L1_EDX_HTT;
}

/*
 * One cache descriptor: L1 and L2 are private to a core (shared by its SMT
 * threads), L3 and beyond are shared by the whole package. @intel also
 * rewrites the cores-per-package field, reserved on AMD.
 */
static void fix_cache(struct kvm_cpuid_entry2 *e, const struct topo *tp, bool intel)
{
	unsigned int level = (e->eax >> CACHE_EAX_LEVEL_SHIFT) & CACHE_EAX_LEVEL_MASK;
	unsigned int sharing = level <= 2 ? tp->threads_per_core : tp->nr_vcpus;
	unsigned int cores = tp->nr_vcpus / tp->threads_per_core;

	if (!(e->eax & CACHE_EAX_TYPE_MASK))
		return; /* terminating "no more caches" subleaf */
	e->eax &= ~CACHE_EAX_SHARING_MASK;
	e->eax |= ((sharing - 1) << CACHE_EAX_SHARING_SHIFT) & CACHE_EAX_SHARING_MASK;
	if (intel) {
		e->eax &= ~CACHE_EAX_CORES_MASK;
		e->eax |= ((cores - 1) << CACHE_EAX_CORES_SHIFT) & CACHE_EAX_CORES_MASK;
	}
}

/*
 * Leaves 0xb and 0x1f. EAX[4:0] is how far to shift the x2APIC ID to get
 * the ID of the next level up, EBX[15:0] how many logical CPUs this level
 * spans. Subleaf 0 is the SMT level, 1 the core level (the package), and
 * the rest are invalid (type 0), which ends the guest's enumeration. EDX is
 * the x2APIC ID in every subleaf, valid or not (SDM vol. 2A, CPUID.0BH).
 */
static void fix_topology(struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	uint32_t sub = e->index & TOPO_ECX_SUBLEAF_MASK;

	e->edx = tp->vcpu;
	e->ecx = sub;
	switch (e->index) {
	case 0:
		e->eax = tp->threads_per_core > 1 ? 1 : 0;
		e->ebx = tp->threads_per_core;
		e->ecx |= TOPO_LEVEL_SMT << TOPO_ECX_TYPE_SHIFT;
		break;
	case 1:
		e->eax = tp->id_bits;
		e->ebx = tp->nr_vcpus;
		e->ecx |= TOPO_LEVEL_CORE << TOPO_ECX_TYPE_SHIFT;
		break;
	default:
		e->eax = 0;
		e->ebx = 0;
		break;
	}
}

/*
 * Keep KVM's paravirt leaves (0x40000001 holds the kvm-clock, PV EOI, ...
 * feature bits as KVM reports them) but make sure the signature leaf names
 * KVM and covers 0x40000001.
 */
static void fix_kvm_signature(struct kvm_cpuid_entry2 *e)
{
	if (e->eax < KVM_LEAF_FEATURES)
		e->eax = KVM_LEAF_FEATURES;
	e->ebx = KVM_SIG_EBX;
	e->ecx = KVM_SIG_ECX;
	e->edx = KVM_SIG_EDX;
}

/* AMD 0x80000008 ECX: NC = threads in the package - 1, and the APIC ID
 * bits that number them. */
static void fix_amd_size(struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	e->ecx &= ~(AMD_88_ECX_NC_MASK | AMD_88_ECX_APICID_MASK);
	e->ecx |= (tp->nr_vcpus - 1) & AMD_88_ECX_NC_MASK;
	e->ecx |= (tp->id_bits << AMD_88_ECX_APICID_SHIFT) & AMD_88_ECX_APICID_MASK;
}

/* AMD 0x8000001e: extended APIC ID, compute unit (core) ID and its thread
 * count; ECX = 0 is node 0 with one node per package. */
static void fix_amd_ext_apic(struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	e->eax = tp->vcpu;
	e->ebx = ((tp->vcpu / tp->threads_per_core) & 0xff) |
		 ((tp->threads_per_core - 1) << AMD_81E_EBX_THREADS_SHIFT);
	e->ecx = 0;
	e->edx = 0;
}

/* Edits every vendor gets. Returns true if it handled the entry. */
static bool fix_common(struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	switch (e->function) {
	case 0x1:
		fix_leaf1(e, tp);
		return true;
	case 0x6:
		e->eax &= ~L6_EAX_TURBO;
		e->ecx &= ~L6_ECX_ENERGY_PERF_BIAS;
		return true;
	case 0xa: /* architectural PMU: none */
		e->eax = 0;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		return true;
	case 0xb:
	case 0x1f:
		fix_topology(e, tp);
		return true;
	case KVM_LEAF_SIGNATURE:
		fix_kvm_signature(e);
		return true;
	default:
		return false;
	}
}

static void fix_intel(struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	switch (e->function) {
	case 0x4:
		fix_cache(e, tp, true);
		break;
	case 0x7:
		if (e->index == 0)
			e->ecx &= ~L7_ECX_WAITPKG;
		break;
	default:
		break;
	}
}

static void fix_amd(struct cpuid_table *t, struct kvm_cpuid_entry2 *e, const struct topo *tp)
{
	switch (e->function) {
	case 0x80000001:
		/* Topology extensions promise 0x8000001d/0x8000001e. */
		if (leaf_present(t, 0x8000001e))
			e->ecx |= AMD_81_ECX_TOPOEXT;
		else
			e->ecx &= ~AMD_81_ECX_TOPOEXT;
		break;
	case 0x80000008:
		fix_amd_size(e, tp);
		break;
	case 0x8000001d:
		fix_cache(e, tp, false);
		break;
	case 0x8000001e:
		fix_amd_ext_apic(e, tp);
		break;
	default:
		break;
	}
}

int cpuid_normalize(struct cpuid_table *t, unsigned int vcpu_index, unsigned int nr_vcpus, bool smt)
{
	struct topo tp;
	enum cpu_vendor vendor;
	uint32_t i;

	if (t->hdr.nent > CPUID_MAX_ENTRIES || nr_vcpus == 0 || nr_vcpus > MAX_VCPUS ||
	    vcpu_index >= nr_vcpus)
		return -EINVAL;
	if (add_missing(t, false) > CPUID_MAX_ENTRIES - t->hdr.nent)
		return -ENOSPC;

	tp.vcpu = vcpu_index;
	tp.nr_vcpus = nr_vcpus;
	/* Firecracker's rule: SMT means 2 threads per core, only for an even count. */
	tp.threads_per_core = smt && nr_vcpus % 2 == 0 ? 2 : 1;
	tp.id_bits = bits_for(nr_vcpus);

	/* Indexed leaves must be looked up by subleaf, also when given without the flag. */
	for (i = 0; i < t->hdr.nent; i++)
		if (leaf_is_indexed(t->entry[i].function))
			t->entry[i].flags |= KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	add_missing(t, true);

	vendor = detect_vendor(t);
	for (i = 0; i < t->hdr.nent; i++) {
		struct kvm_cpuid_entry2 *e = &t->entry[i];

		if (fix_common(e, &tp))
			continue;
		if (vendor == VENDOR_INTEL)
			fix_intel(e, &tp);
		else if (vendor == VENDOR_AMD)
			fix_amd(t, e, &tp);
	}
	return 0;
}
