/*
 * Unit tests for the static CPU templates (vmm/cpu_template.c) on crafted
 * CPUID tables: the bits each template decides, the others kept, the
 * vendor check with Firecracker's message, missing leaves added, and the
 * machine-config field that selects a template.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "config_dump.h"
#include "cpu_template.h"

static struct kvm_cpuid_entry2 *add(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t a,
				    uint32_t b, uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &t->entry[t->hdr.nent++];

	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	if (fn == 0x7 || fn == 0xd)
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
	return e;
}

/* host - a table with the vendor string @v (12 chars) and all bits set
 * in the leaves the templates touch, except 0xd subleaf 1 (missing). */
static void host(struct cpuid_table *t, const char *v)
{
	uint32_t b, c, d;

	memset(t, 0, sizeof(*t));
	memcpy(&b, v, 4);
	memcpy(&d, v + 4, 4);
	memcpy(&c, v + 8, 4);
	add(t, 0, 0, 0xd, b, c, d);
	add(t, 0x1, 0, 0x000806ec, 0x00000800, 0xfffab223, 0x1f8bfbff);
	add(t, 0x7, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff);
	add(t, 0xd, 0, 0x2ff, 0x340, 0xa88, 0);
	add(t, 0x80000001, 0, 0, 0, 0xffffffff, 0xffffffff);
	add(t, 0x80000008, 0, 0x3027, 0xffffffff, 0, 0);
}

static void t2_on_intel(void **state)
{
	struct cpuid_table t;
	struct errbuf e = {""};
	struct kvm_cpuid_entry2 *l;

	host(&t, "GenuineIntel");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2, &t, &e), 0);
	l = cpuid_find(&t, 0x1, 0);
	/* family/model/stepping become 0x306f2; the reserved top nibble and
	 * bits 14-15 stay the host's */
	assert_int_equal(l->eax, 0x000306f2);
	assert_int_equal(l->ecx & (1u << 5), 0);			/* VMX */
	assert_int_equal(l->ecx & (1u << 15), 0);			/* PDCM */
	assert_int_equal(l->ecx & 0xfffb3203, 0xfffab223 & 0xfffb3203); /* others kept */
	assert_int_equal(l->edx & (1u << 7), 1u << 7);			/* MCE forced on */
	assert_int_equal(l->edx & (1u << 21), 0);			/* DS */
	l = cpuid_find(&t, 0x7, 0);
	assert_int_equal(l->ebx & (1u << 16), 0);      /* AVX512F */
	assert_int_equal(l->ebx & (1u << 9), 1u << 9); /* ERMS */
	assert_int_equal(l->ebx & (1u << 5), 1u << 5); /* AVX2 kept */
	assert_int_equal(l->ecx, 0xffffffff & ~0x40415f5eu);
	l = cpuid_find(&t, 0xd, 0);
	assert_int_equal(l->eax, 0x2ff & ~0x2f8u);
	/* a leaf the host lacked is added with the template's bits */
	l = cpuid_find(&t, 0xd, 1);
	assert_non_null(l);
	assert_int_equal(l->eax, 0);
	assert_int_equal(l->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	l = cpuid_find(&t, 0x80000001, 0);
	assert_int_equal(l->edx & (1u << 26), 0); /* 1 GiB pages */
	l = cpuid_find(&t, 0x80000008, 0);
	assert_int_equal(l->ebx, 0xffffffff & ~0x200u); /* WBNOINVD */
}

static void c3_on_intel(void **state)
{
	struct cpuid_table t;
	struct errbuf e = {""};

	host(&t, "GenuineIntel");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_C3, &t, &e), 0);
	assert_int_equal(cpuid_find(&t, 0x1, 0)->eax, 0x000306e4);
	assert_int_equal(cpuid_find(&t, 0x7, 0)->ebx & (1u << 5), 0);	     /* AVX2 off */
	assert_int_equal(cpuid_find(&t, 0x80000001, 0)->ecx & (1u << 5), 0); /* LZCNT */
	/* C3 leaves 0x80000008 alone */
	assert_int_equal(cpuid_find(&t, 0x80000008, 0)->ebx, 0xffffffff);
}

static void t2a_on_amd(void **state)
{
	struct cpuid_table t;
	struct errbuf e = {""};

	host(&t, "AuthenticAMD");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2A, &t, &e), 0);
	assert_int_equal(cpuid_find(&t, 0x1, 0)->eax, 0x000306f2);
	assert_int_equal(cpuid_find(&t, 0x80000001, 0)->ecx & 0x200001c0, 0);
	/* IbrsPreferred and IbrsSameMode forced on, CLZERO off */
	assert_int_equal(cpuid_find(&t, 0x80000008, 0)->ebx & 0x000c0205, 0x000c0000);
}

static void wrong_vendor(void **state)
{
	struct cpuid_table t, before;
	struct errbuf e = {""};

	host(&t, "AuthenticAMD");
	before = t;
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2, &t, &e), -ENOTSUP);
	assert_string_equal(e.msg, "Failed to get CPU template: CPU vendor mismatched between "
				   "actual CPU and CPU template.");
	assert_memory_equal(&t, &before, sizeof(t));
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_C3, &t, &e), -ENOTSUP);
	host(&t, "GenuineIntel");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2A, &t, &e), -ENOTSUP);
	assert_string_equal(e.msg, "Failed to get CPU template: CPU vendor mismatched between "
				   "actual CPU and CPU template.");
	host(&t, "HygonGenuine");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2, &t, &e), -ENOTSUP);
	assert_string_equal(e.msg,
			    "Failed to get CPU template: Failed to get CPU vendor information.");
}

static void none_and_bad(void **state)
{
	struct cpuid_table t, before;
	struct errbuf e = {""};

	host(&t, "GenuineIntel");
	before = t;
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_NONE, &t, &e), 0);
	assert_memory_equal(&t, &before, sizeof(t));
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_COUNT, &t, &e), -EINVAL);
	assert_string_equal(cpu_template_name(CPU_TEMPLATE_T2), "T2");
	assert_string_equal(cpu_template_name(CPU_TEMPLATE_T2A), "T2A");
	assert_string_equal(cpu_template_name(99), "?");
	/* a full table has no room for the missing leaf 0xd/1 */
	while (t.hdr.nent < CPUID_MAX_ENTRIES)
		add(&t, 0x40000100 + t.hdr.nent, 0, 0, 0, 0, 0);
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2, &t, &e), -ENOSPC);
}

/* machine-config selects it; GET shows it only when set, as Firecracker. */
static void machine_config_field(void **state)
{
	struct cfg_machine m = {.vcpu_count = 1, .mem_size_mib = 128};
	struct errbuf e = {""};
	json_t *j, *d;

	j = json_loads("{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"cpu_template\": \"T2\"}", 0,
		       NULL);
	assert_int_equal(config_parse_machine(j, &m, false, &e), 0);
	json_decref(j);
	assert_int_equal(m.cpu_template, CPU_TEMPLATE_T2);
	d = config_dump_machine(&m);
	assert_string_equal(json_string_value(json_object_get(d, "cpu_template")), "T2");
	json_decref(d);
	j = json_loads("{\"cpu_template\": \"None\"}", 0, NULL);
	assert_int_equal(config_parse_machine(j, &m, true, &e), 0);
	json_decref(j);
	assert_int_equal(m.cpu_template, CPU_TEMPLATE_NONE);
	d = config_dump_machine(&m);
	assert_null(json_object_get(d, "cpu_template"));
	json_decref(d);
	j = json_loads("{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"cpu_template\": \"T2CL\"}", 0,
		       NULL);
	assert_int_equal(config_parse_machine(j, &m, false, &e), 0);
	json_decref(j);
	assert_int_equal(m.cpu_template, CPU_TEMPLATE_T2CL);
	d = config_dump_machine(&m);
	assert_string_equal(json_string_value(json_object_get(d, "cpu_template")), "T2CL");
	json_decref(d);
	j = json_loads("{\"cpu_template\": \"V1N1\"}", 0, NULL);
	assert_int_equal(config_parse_machine(j, &m, true, &e), -EINVAL);
	json_decref(j);
	assert_non_null(strstr(e.msg, "\"T2S\", \"T2CL\", got \"V1N1\""));
}

/* T2S and T2CL: T2's and T2A's CPUID on Intel, plus IA32_ARCH_CAPABILITIES. */
static void t2s_and_t2cl_on_intel(void **state)
{
	const struct cpu_template_msr *msr;
	struct cpuid_table t;
	struct errbuf e = {""};

	host(&t, "GenuineIntel");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2S, &t, &e), 0);
	assert_int_equal(cpuid_find(&t, 0x1, 0)->eax, 0x000306f2);
	/* Enhanced REP MOVSB on, AVX-512, SGX, HLE off */
	assert_int_equal(cpuid_find(&t, 0x7, 0)->ebx & 0xffefda14, 0x00000200);
	assert_int_equal(cpuid_find(&t, 0x80000001, 0)->ecx & 0x20000100, 0);
	assert_int_equal(cpu_template_msrs(CPU_TEMPLATE_T2S, &msr), 1);
	assert_int_equal(msr[0].index, 0x10a);
	assert_true(msr[0].filter == ~0ull && msr[0].value == 0xc4c);

	host(&t, "GenuineIntel");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2CL, &t, &e), 0);
	/* SSE4A, MisAlignSse, 3DNowPrefetch, MmxExt..Page1GB off as on T2A */
	assert_int_equal(cpuid_find(&t, 0x80000001, 0)->ecx & 0x200001c0, 0);
	assert_int_equal(cpuid_find(&t, 0x80000001, 0)->edx & 0x07c00000, 0);
	assert_int_equal(cpuid_find(&t, 0x80000008, 0)->ebx & 0x200, 0);
	assert_int_equal(cpu_template_msrs(CPU_TEMPLATE_T2CL, &msr), 1);
	assert_true(msr[0].filter == 0xfffffffff2f51e00ull && msr[0].value == 0);
	/* RDCL_NO, IBRS_ALL, ... pass through: outside the filter */
	assert_int_equal(msr[0].filter & 0x0d0ae1ffull, 0);

	assert_int_equal(cpu_template_msrs(CPU_TEMPLATE_T2, &msr), 0);
	host(&t, "AuthenticAMD");
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2CL, &t, &e), -ENOTSUP);
	assert_int_equal(cpu_template_apply(CPU_TEMPLATE_T2S, &t, &e), -ENOTSUP);
	assert_string_equal(cpu_template_name(CPU_TEMPLATE_T2S), "T2S");
	assert_string_equal(cpu_template_name(CPU_TEMPLATE_T2CL), "T2CL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t2_on_intel),
	    cmocka_unit_test(c3_on_intel),
	    cmocka_unit_test(t2a_on_amd),
	    cmocka_unit_test(wrong_vendor),
	    cmocka_unit_test(none_and_bad),
	    cmocka_unit_test(machine_config_field),
	    cmocka_unit_test(t2s_and_t2cl_on_intel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
