/* Unit tests for CPUID normalization, on fake KVM_GET_SUPPORTED_CPUID tables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpuid.h"
#include "layout.h"

#define IDX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

#define BIT(n) (1u << (n))

static void add(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t flags, uint32_t a,
		uint32_t b, uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &t->entry[t->hdr.nent++];

	assert_true(t->hdr.nent <= CPUID_MAX_ENTRIES);
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

/* Leaf 0: max basic leaf and the vendor string in EBX, EDX, ECX. */
static void add_vendor(struct cpuid_table *t, const char *vendor)
{
	uint32_t r[3];

	memcpy(r, vendor, 12);
	add(t, 0, 0, 0, 0x1f, r[0], r[2], r[1]);
}

/* Bits KVM hands over that normalization must leave alone. */
#define L1_ECX_HOST  (BIT(0) | BIT(9) | BIT(15) | BIT(21) | BIT(23)) /* SSE3 SSSE3 PDCM x2APIC */
#define L1_EDX_HOST  (0x078bfbffu & ~BIT(28))
#define L7_ECX_HOST  (BIT(2) | BIT(5) | BIT(22))
#define KVM_FEATURES 0x01007afbu

/* Parts both fake hosts share. */
static void add_common_leaves(struct cpuid_table *t, uint32_t kvm_max)
{
	add(t, 0x1, 0, 0, 0x000906ea, 0x05100805, L1_ECX_HOST, L1_EDX_HOST);
	add(t, 0x6, 0, 0, 0x77, 0x2, 0x9, 0);
	add(t, 0x7, 0, IDX, 1, 0x029c6fbf, L7_ECX_HOST, BIT(29));
	add(t, 0x7, 1, IDX, 0, 0, 0, 0);
	add(t, 0xa, 0, 0, 0x07300404, 0, 0, 0x603);
	add(t, 0xd, 0, IDX, 0x7, 0x340, 0x340, 0);
	add(t, 0xd, 1, IDX, 0xf, 0x340, 0, 0);
	add(t, 0x40000000, 0, 0, kvm_max, 0x4b4d564b, 0x564b4d56, 0x4d);
	add(t, 0x40000001, 0, 0, KVM_FEATURES, 0, 0, 0);
	add(t, 0x80000000, 0, 0, 0x80000021, 0, 0, 0);
}

/* Intel-like: leaf 4 caches, all three 0xb subleaves, no AMD extended topology. */
static void intel_table(struct cpuid_table *t)
{
	memset(t, 0xcc, sizeof(*t));
	t->hdr.nent = 0;
	t->hdr.padding = 0;
	add_vendor(t, "GenuineIntel");
	add_common_leaves(t, 0x40000001);
	add(t, 0x4, 0, IDX, 0x1c004121, 0x01c0003f, 0x3f, 0);	/* L1d */
	add(t, 0x4, 1, IDX, 0x1c004122, 0x01c0003f, 0x3f, 0);	/* L1i */
	add(t, 0x4, 2, IDX, 0x1c004143, 0x00c0003f, 0x3ff, 0);	/* L2 */
	add(t, 0x4, 3, IDX, 0x1c03c163, 0x02c0003f, 0x3fff, 6); /* L3 */
	add(t, 0x4, 4, IDX, 0, 0, 0, 0);			/* end */
	add(t, 0xb, 0, IDX, 1, 2, 0x100, 7);
	add(t, 0xb, 1, IDX, 4, 16, 0x201, 7);
	add(t, 0xb, 2, IDX, 0, 0, 2, 7);
	add(t, 0x80000001, 0, 0, 0, 0, 0x121, 0x2c100800);
	add(t, 0x80000008, 0, 0, 0x3027, 0, 0, 0);
}

/* AMD-like: 0xb without subleaf 1, extended topology leaves, a stray leaf 4. */
static void amd_table(struct cpuid_table *t, const char *vendor)
{
	memset(t, 0xcc, sizeof(*t));
	t->hdr.nent = 0;
	t->hdr.padding = 0;
	add_vendor(t, vendor);
	add_common_leaves(t, 0x40000000); /* too low: must be raised */
	add(t, 0x4, 0, IDX, 0x1c004121, 0x01c0003f, 0x3f, 0);
	add(t, 0xb, 0, IDX, 1, 2, 0x100, 9);
	add(t, 0x80000001, 0, 0, 0x00a20f10, 0, 0x75c237ff & ~BIT(22), 0x2fd3fbff);
	add(t, 0x80000008, 0, 0, 0x3030, 0x791ef257, 0x0001f00f | 0x7000, 0);
	add(t, 0x8000001d, 0, IDX, 0x00004121, 0x01c0003f, 0x3f, 0);   /* L1d */
	add(t, 0x8000001d, 1, IDX, 0x00004143, 0x01c0003f, 0x3ff, 2);  /* L2 */
	add(t, 0x8000001d, 2, IDX, 0x0001c163, 0x03c0003f, 0x7fff, 1); /* L3 */
	add(t, 0x8000001d, 3, IDX, 0, 0, 0, 0);
	add(t, 0x8000001e, 0, 0, 9, 0x0104, 0x0300, 0);
}

static struct kvm_cpuid_entry2 *get(struct cpuid_table *t, uint32_t fn, uint32_t idx)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, fn, idx);

	assert_non_null(e);
	return e;
}

static void check_leaf1(struct cpuid_table *t, unsigned int vcpu, unsigned int nr)
{
	struct kvm_cpuid_entry2 *e = get(t, 1, 0);

	assert_int_equal(e->eax, 0x000906ea);
	assert_int_equal(e->ebx >> 24, vcpu);
	assert_int_equal((e->ebx >> 16) & 0xff, nr);
	assert_int_equal((e->ebx >> 8) & 0xff, 8);
	assert_int_equal(e->ebx & 0xff, 0x05); /* brand index kept */
	assert_true(e->ecx & BIT(31));	       /* hypervisor */
	assert_true(e->ecx & BIT(24));	       /* TSC deadline */
	assert_false(e->ecx & BIT(15));	       /* PDCM */
	assert_int_equal(e->ecx & ~(BIT(31) | BIT(24)), L1_ECX_HOST & ~BIT(15));
	assert_int_equal(!!(e->edx & BIT(28)), nr > 1);
	assert_int_equal(e->edx & ~BIT(28), L1_EDX_HOST);
}

static void check_common(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e;

	e = get(t, 0x6, 0);
	assert_int_equal(e->eax, 0x77 & ~BIT(1));
	assert_int_equal(e->ebx, 0x2);
	assert_int_equal(e->ecx, 0x9 & ~BIT(3));
	e = get(t, 0xa, 0);
	assert_int_equal(e->eax | e->ebx | e->ecx | e->edx, 0);
	e = get(t, 0x40000000, 0);
	assert_true(e->eax >= 0x40000001);
	assert_memory_equal(&e->ebx, "KVMK", 4);
	assert_memory_equal(&e->ecx, "VMKV", 4);
	assert_memory_equal(&e->edx, "M\0\0\0", 4);
	assert_int_equal(get(t, 0x40000001, 0)->eax, KVM_FEATURES);
	/* leaves nobody edits */
	assert_int_equal(get(t, 0xd, 1)->eax, 0xf);
	assert_int_equal(get(t, 0x80000000, 0)->eax, 0x80000021);
}

/* Leaf 0xb (or 0x1f): SMT level, core level, then invalid levels. */
static void check_topology(struct cpuid_table *t, uint32_t leaf, unsigned int vcpu, unsigned int nr,
			   unsigned int tpc, unsigned int id_bits)
{
	struct kvm_cpuid_entry2 *e;

	e = get(t, leaf, 0);
	assert_int_equal(e->flags & IDX, IDX);
	assert_int_equal(e->eax, tpc == 2 ? 1 : 0);
	assert_int_equal(e->ebx, tpc);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, vcpu);
	e = get(t, leaf, 1);
	assert_int_equal(e->flags & IDX, IDX);
	assert_int_equal(e->eax, id_bits);
	assert_int_equal(e->ebx, nr);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, vcpu);
	e = cpuid_find(t, leaf, 2);
	if (e) {
		assert_int_equal(e->eax, 0);
		assert_int_equal(e->ebx, 0);
		assert_int_equal(e->ecx, 2);
		assert_int_equal(e->edx, vcpu);
	}
}

/* EAX[25:14] threads sharing - 1, EAX[31:26] cores - 1; the low bits kept. */
static void check_cache(struct cpuid_table *t, uint32_t leaf, uint32_t idx, uint32_t host_eax,
			unsigned int sharing, int cores)
{
	uint32_t eax = get(t, leaf, idx)->eax;

	assert_int_equal(eax & 0x3fff, host_eax & 0x3fff);
	assert_int_equal((eax >> 14) & 0xfff, sharing - 1);
	if (cores > 0)
		assert_int_equal(eax >> 26, cores - 1);
	else
		assert_int_equal(eax >> 26, host_eax >> 26);
}

static void intel_vcpu0_of_4_smt(void **state)
{
	struct cpuid_table t;
	uint32_t nent;

	intel_table(&t);
	nent = t.hdr.nent;
	assert_int_equal(cpuid_normalize(&t, 0, 4, true), 0);
	assert_int_equal(t.hdr.nent, nent); /* nothing missing */
	check_leaf1(&t, 0, 4);
	check_common(&t);
	check_topology(&t, 0xb, 0, 4, 2, 2);
	check_cache(&t, 4, 0, 0x1c004121, 2, 2); /* L1: the 2 threads of a core */
	check_cache(&t, 4, 1, 0x1c004122, 2, 2);
	check_cache(&t, 4, 2, 0x1c004143, 2, 2); /* L2 */
	check_cache(&t, 4, 3, 0x1c03c163, 4, 2); /* L3: the package */
	assert_int_equal(get(&t, 4, 4)->eax, 0); /* terminator untouched */
	assert_int_equal(get(&t, 0x7, 0)->ecx, L7_ECX_HOST & ~BIT(5));
	assert_int_equal(get(&t, 0x7, 0)->ebx, 0x029c6fbf);
	assert_int_equal(get(&t, 0x7, 0)->edx, BIT(29));
	/* AMD leaves untouched on Intel */
	assert_int_equal(get(&t, 0x80000001, 0)->ecx, 0x121);
	assert_int_equal(get(&t, 0x80000008, 0)->ecx, 0);
}

static void intel_vcpu3_of_4_no_smt(void **state)
{
	struct cpuid_table t;

	intel_table(&t);
	assert_int_equal(cpuid_normalize(&t, 3, 4, false), 0);
	check_leaf1(&t, 3, 4);
	check_common(&t);
	check_topology(&t, 0xb, 3, 4, 1, 2);
	check_cache(&t, 4, 0, 0x1c004121, 1, 4);
	check_cache(&t, 4, 2, 0x1c004143, 1, 4);
	check_cache(&t, 4, 3, 0x1c03c163, 4, 4);
}

static void check_amd(struct cpuid_table *t, unsigned int vcpu, unsigned int nr, unsigned int tpc)
{
	struct kvm_cpuid_entry2 *e;

	check_leaf1(t, vcpu, nr);
	check_common(t);
	assert_true(get(t, 0x80000001, 0)->ecx & BIT(22));
	assert_int_equal(get(t, 0x80000001, 0)->ecx & ~BIT(22), 0x75c237ff & ~BIT(22));
	e = get(t, 0x80000008, 0);
	assert_int_equal(e->ecx & 0xff, nr - 1);
	assert_int_equal((e->ecx >> 12) & 0xf, 2);
	assert_int_equal(e->ecx & ~0xf0ffu, 0x0001000f & ~0xf0ffu);
	e = get(t, 0x8000001e, 0);
	assert_int_equal(e->eax, vcpu);
	assert_int_equal(e->ebx & 0xff, vcpu / tpc);
	assert_int_equal((e->ebx >> 8) & 0xff, tpc - 1);
	assert_int_equal(e->ecx, 0);
	check_cache(t, 0x8000001d, 0, 0x00004121, tpc, 0);
	check_cache(t, 0x8000001d, 1, 0x00004143, tpc, 0);
	check_cache(t, 0x8000001d, 2, 0x0001c163, nr, 0);
	/* Intel-only edits not applied */
	assert_int_equal(get(t, 0x4, 0)->eax, 0x1c004121);
	assert_int_equal(get(t, 0x7, 0)->ecx, L7_ECX_HOST);
}

static void amd_vcpu0_of_4_smt(void **state)
{
	struct cpuid_table t;
	uint32_t nent;

	amd_table(&t, "AuthenticAMD");
	nent = t.hdr.nent;
	assert_int_equal(cpuid_normalize(&t, 0, 4, true), 0);
	assert_int_equal(t.hdr.nent, nent + 1); /* 0xb subleaf 1 inserted */
	check_amd(&t, 0, 4, 2);
	check_topology(&t, 0xb, 0, 4, 2, 2);
	assert_int_equal(t.entry[nent].function, 0xb);
	assert_int_equal(t.entry[nent].index, 1);
}

static void amd_vcpu3_of_4_no_smt(void **state)
{
	struct cpuid_table t;

	amd_table(&t, "AuthenticAMD");
	assert_int_equal(cpuid_normalize(&t, 3, 4, false), 0);
	check_amd(&t, 3, 4, 1);
	check_topology(&t, 0xb, 3, 4, 1, 2);
}

static void amd_vcpu3_of_4_smt(void **state)
{
	struct cpuid_table t;

	amd_table(&t, "AuthenticAMD");
	assert_int_equal(cpuid_normalize(&t, 3, 4, true), 0);
	check_amd(&t, 3, 4, 2);
	assert_int_equal(get(&t, 0x8000001e, 0)->ebx, 0x0101); /* core 1, 2 threads */
}

static void hygon_is_amd(void **state)
{
	struct cpuid_table t;

	amd_table(&t, "HygonGenuine");
	assert_int_equal(cpuid_normalize(&t, 1, 4, true), 0);
	check_amd(&t, 1, 4, 2);
}

/* Without 0x8000001e the guest must not be promised topology extensions. */
static void amd_topoext_needs_leaf_8000001e(void **state)
{
	struct cpuid_table t;
	uint32_t i;

	amd_table(&t, "AuthenticAMD");
	get(&t, 0x80000001, 0)->ecx |= BIT(22);
	for (i = 0; i < t.hdr.nent; i++)
		if (t.entry[i].function == 0x8000001e)
			t.entry[i].function = 0x80000005;
	assert_int_equal(cpuid_normalize(&t, 0, 2, false), 0);
	assert_false(get(&t, 0x80000001, 0)->ecx & BIT(22));
}

/* Unknown vendor: only the common edits. */
static void unknown_vendor_common_only(void **state)
{
	struct cpuid_table t;

	amd_table(&t, "SomeVendorXY");
	assert_int_equal(cpuid_normalize(&t, 2, 4, false), 0);
	check_leaf1(&t, 2, 4);
	check_common(&t);
	check_topology(&t, 0xb, 2, 4, 1, 2);
	assert_int_equal(get(&t, 0x4, 0)->eax, 0x1c004121);
	assert_int_equal(get(&t, 0x7, 0)->ecx, L7_ECX_HOST);
	assert_false(get(&t, 0x80000001, 0)->ecx & BIT(22));
	assert_int_equal(get(&t, 0x80000008, 0)->ecx, 0x0001f00f | 0x7000);
	assert_int_equal(get(&t, 0x8000001e, 0)->eax, 9);
}

/* One vCPU: no HTT even if the host had it; SMT asked with an odd count: 1 thread/core. */
static void single_and_odd_counts(void **state)
{
	struct cpuid_table t;

	intel_table(&t);
	get(&t, 1, 0)->edx |= BIT(28);
	assert_int_equal(cpuid_normalize(&t, 0, 1, true), 0);
	assert_false(get(&t, 1, 0)->edx & BIT(28));
	check_topology(&t, 0xb, 0, 1, 1, 0);
	check_cache(&t, 4, 3, 0x1c03c163, 1, 1);

	intel_table(&t);
	assert_int_equal(cpuid_normalize(&t, 2, 3, true), 0);
	check_topology(&t, 0xb, 2, 3, 1, 2);
	check_cache(&t, 4, 0, 0x1c004121, 1, 3);

	intel_table(&t);
	assert_int_equal(cpuid_normalize(&t, MAX_VCPUS - 1, MAX_VCPUS, true), 0);
	check_leaf1(&t, MAX_VCPUS - 1, MAX_VCPUS);
	check_topology(&t, 0xb, MAX_VCPUS - 1, MAX_VCPUS, 2, 5);
	check_cache(&t, 4, 3, 0x1c03c163, MAX_VCPUS, MAX_VCPUS / 2);
}

/* Every vCPU gets its own ID, the same in all the places it appears. */
static void apic_ids_distinct(void **state)
{
	struct cpuid_table t;
	unsigned int id[MAX_VCPUS];
	unsigned int v, w, nr = MAX_VCPUS;

	for (v = 0; v < nr; v++) {
		amd_table(&t, "AuthenticAMD");
		assert_int_equal(cpuid_normalize(&t, v, nr, true), 0);
		id[v] = get(&t, 1, 0)->ebx >> 24;
		assert_int_equal(id[v], v);
		assert_int_equal(get(&t, 0xb, 0)->edx, v);
		assert_int_equal(get(&t, 0xb, 1)->edx, v);
		assert_int_equal(get(&t, 0x8000001e, 0)->eax, v);
		for (w = 0; w < v; w++)
			assert_int_not_equal(id[v], id[w]);
	}
}

/* The missing leaves do not fit: -ENOSPC and the table is unchanged. */
static void table_full(void **state)
{
	struct cpuid_table t, copy;

	amd_table(&t, "AuthenticAMD");
	while (t.hdr.nent < CPUID_MAX_ENTRIES)
		add(&t, 0x80000005, 0, 0, 1, 2, 3, 4);
	memcpy(&copy, &t, sizeof(t));
	assert_int_equal(cpuid_normalize(&t, 0, 4, true), -ENOSPC);
	assert_memory_equal(&t, &copy, sizeof(t));

	/* two missing (0xb.1, 0x40000000), one slot free */
	amd_table(&t, "AuthenticAMD");
	get(&t, 0x40000000, 0)->function = 0x80000006;
	while (t.hdr.nent < CPUID_MAX_ENTRIES - 1)
		add(&t, 0x80000005, 0, 0, 1, 2, 3, 4);
	memcpy(&copy, &t, sizeof(t));
	assert_int_equal(cpuid_normalize(&t, 0, 4, true), -ENOSPC);
	assert_memory_equal(&t, &copy, sizeof(t));

	/* exactly enough room */
	t.hdr.nent--;
	assert_int_equal(cpuid_normalize(&t, 0, 4, true), 0);
	assert_int_equal(t.hdr.nent, CPUID_MAX_ENTRIES);
	check_topology(&t, 0xb, 0, 4, 2, 2);
	check_common(&t);

	/* a full table with nothing missing is fine */
	intel_table(&t);
	while (t.hdr.nent < CPUID_MAX_ENTRIES)
		add(&t, 0x80000005, 0, 0, 1, 2, 3, 4);
	assert_int_equal(cpuid_normalize(&t, 1, 2, false), 0);
	check_leaf1(&t, 1, 2);
}

/* KVM's signature leaf missing: inserted, so the guest finds KVM. */
static void kvm_signature_inserted(void **state)
{
	struct cpuid_table t;
	uint32_t nent;

	intel_table(&t);
	get(&t, 0x40000000, 0)->function = 0x80000006;
	nent = t.hdr.nent;
	assert_int_equal(cpuid_normalize(&t, 0, 2, false), 0);
	assert_int_equal(t.hdr.nent, nent + 1);
	check_common(&t);
	assert_int_equal(get(&t, 0x40000000, 0)->eax, 0x40000001);
}

/* Leaf 0x1f present: rebuilt like 0xb, its missing subleaves inserted. */
static void leaf_1f_rebuilt(void **state)
{
	struct cpuid_table t;
	uint32_t nent;

	intel_table(&t);
	add(&t, 0x1f, 3, IDX, 0, 0, 3, 7); /* only a stray subleaf */
	nent = t.hdr.nent;
	assert_int_equal(cpuid_normalize(&t, 1, 4, true), 0);
	assert_int_equal(t.hdr.nent, nent + 2);
	check_topology(&t, 0x1f, 1, 4, 2, 2);
	assert_int_equal(get(&t, 0x1f, 3)->ecx, 3);
	assert_int_equal(get(&t, 0x1f, 3)->eax, 0);
	/* absent leaves are not invented */
	intel_table(&t);
	assert_int_equal(cpuid_normalize(&t, 1, 4, true), 0);
	assert_null(cpuid_find(&t, 0x1f, 0));
}

/* Subleaves given without the index flag still count as distinct. */
static void unflagged_indexed_leaves(void **state)
{
	struct cpuid_table t;
	uint32_t i, nent;

	intel_table(&t);
	for (i = 0; i < t.hdr.nent; i++)
		t.entry[i].flags = 0;
	nent = t.hdr.nent;
	assert_int_equal(cpuid_normalize(&t, 3, 4, true), 0);
	assert_int_equal(t.hdr.nent, nent);
	check_topology(&t, 0xb, 3, 4, 2, 2);
	check_cache(&t, 4, 3, 0x1c03c163, 4, 2);
	assert_int_equal(get(&t, 0x7, 0)->ecx, L7_ECX_HOST & ~BIT(5));
	assert_int_equal(get(&t, 0x1, 0)->flags, 0);
}

/* No state outside the table: re-normalizing gives what a fresh copy gives. */
static void idempotent(void **state)
{
	struct cpuid_table fresh, again;

	amd_table(&fresh, "AuthenticAMD");
	memcpy(&again, &fresh, sizeof(fresh));
	assert_int_equal(cpuid_normalize(&fresh, 3, 4, true), 0);
	assert_int_equal(cpuid_normalize(&again, 0, 4, true), 0);
	assert_int_equal(cpuid_normalize(&again, 3, 4, true), 0);
	assert_memory_equal(&fresh, &again, sizeof(fresh));
	assert_int_equal(cpuid_normalize(&again, 3, 4, true), 0);
	assert_memory_equal(&fresh, &again, sizeof(fresh));

	intel_table(&fresh);
	memcpy(&again, &fresh, sizeof(fresh));
	assert_int_equal(cpuid_normalize(&fresh, 1, 2, false), 0);
	assert_int_equal(cpuid_normalize(&again, 0, 8, true), 0);
	assert_int_equal(cpuid_normalize(&again, 1, 2, false), 0);
	assert_memory_equal(&fresh, &again, sizeof(fresh));
}

static void bad_arguments(void **state)
{
	struct cpuid_table t, copy;

	intel_table(&t);
	memcpy(&copy, &t, sizeof(t));
	assert_int_equal(cpuid_normalize(&t, 0, 0, false), -EINVAL);
	assert_int_equal(cpuid_normalize(&t, 4, 4, false), -EINVAL);
	assert_int_equal(cpuid_normalize(&t, 0, MAX_VCPUS + 1, false), -EINVAL);
	assert_int_equal(cpuid_normalize(&t, UINT32_MAX, UINT32_MAX, false), -EINVAL);
	assert_memory_equal(&t, &copy, sizeof(t));
	t.hdr.nent = CPUID_MAX_ENTRIES + 1;
	assert_int_equal(cpuid_normalize(&t, 0, 1, false), -EINVAL);
	t.hdr.nent = UINT32_MAX;
	assert_int_equal(cpuid_normalize(&t, 0, 1, false), -EINVAL);
}

static void find(void **state)
{
	struct cpuid_table t;

	intel_table(&t);
	assert_int_equal(get(&t, 0xb, 1)->index, 1);
	assert_int_equal(get(&t, 0x4, 3)->eax, 0x1c03c163);
	assert_null(cpuid_find(&t, 0xb, 3));
	assert_null(cpuid_find(&t, 0x4, 5));
	/* not indexed: the index is ignored */
	assert_int_equal(get(&t, 0x1, 7)->function, 1);
	assert_int_equal(get(&t, 0x40000001, 0xffffffff)->eax, KVM_FEATURES);
	assert_null(cpuid_find(&t, 0x2, 0));
	assert_null(cpuid_find(&t, 0xffffffff, 0));
	/* a corrupt count does not run past the array */
	t.hdr.nent = UINT32_MAX;
	assert_null(cpuid_find(&t, 0x12345678, 0));
	t.hdr.nent = 0;
	assert_null(cpuid_find(&t, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(intel_vcpu0_of_4_smt),
	    cmocka_unit_test(intel_vcpu3_of_4_no_smt),
	    cmocka_unit_test(amd_vcpu0_of_4_smt),
	    cmocka_unit_test(amd_vcpu3_of_4_no_smt),
	    cmocka_unit_test(amd_vcpu3_of_4_smt),
	    cmocka_unit_test(hygon_is_amd),
	    cmocka_unit_test(amd_topoext_needs_leaf_8000001e),
	    cmocka_unit_test(unknown_vendor_common_only),
	    cmocka_unit_test(single_and_odd_counts),
	    cmocka_unit_test(apic_ids_distinct),
	    cmocka_unit_test(table_full),
	    cmocka_unit_test(kvm_signature_inserted),
	    cmocka_unit_test(leaf_1f_rebuilt),
	    cmocka_unit_test(unflagged_indexed_leaves),
	    cmocka_unit_test(idempotent),
	    cmocka_unit_test(bad_arguments),
	    cmocka_unit_test(find),
	};
	return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
