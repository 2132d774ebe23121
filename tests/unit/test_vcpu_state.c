/* Unit tests for vcpu_state: the checks of untrusted state field by field
 * (on a hand-made valid state, no KVM), and real save/restore round trips
 * on never-run vCPUs when /dev/kvm can create a VM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kvm_fixture.h"
#include "vcpu_state.h"

#define MSR_LSTAR	 0xc0000082
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_KVM_SYSTIME	 0x4b564d01

/* A plausible state of a 64-bit vCPU, built by hand. */
static struct vcpu_state *valid_state(void)
{
	struct vcpu_state *st = calloc(1, sizeof(*st));

	assert_non_null(st);
	st->tsc_khz = 2000000;
	st->xsave_size = VCPU_STATE_XSAVE_MAX;
	st->regs.rflags = 0x202;
	st->regs.rip = 0xffffffff81000000ULL;
	st->sregs.cr0 = 0x80050033;
	st->sregs.cr4 = 0x3606f0;
	st->sregs.efer = 0xd01;
	st->sregs.apic_base = 0xfee00900;
	st->sregs.cs.type = 11;
	st->sregs.cs.present = 1;
	st->sregs.cs.s = 1;
	st->sregs.cs.l = 1;
	st->events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			   KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
	st->mp_state.mp_state = KVM_MP_STATE_RUNNABLE;
	st->xcrs.nr_xcrs = 1;
	st->xcrs.xcrs[0].value = 7;
	st->nr_msrs = 2;
	st->msrs[0].index = MSR_LSTAR;
	st->msrs[0].data = 0xffffffff81e00080ULL;
	st->msrs[1].index = MSR_KVM_SYSTIME;
	st->msrs[1].data = 0x1234001;
	st->cpuid.hdr.nent = 2;
	st->cpuid.entry[0].function = 0;
	st->cpuid.entry[1].function = 7;
	st->cpuid.entry[1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return st;
}

static void expect_reject(const struct vcpu_state *st, const char *reason)
{
	char why[160] = "";

	assert_int_equal(vcpu_state_check(st, why, sizeof(why)), -EINVAL);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", why, reason);
}

static void test_valid_passes(void **state)
{
	struct vcpu_state *st = valid_state();
	char why[160] = "";

	assert_int_equal(vcpu_state_check(st, why, sizeof(why)), 0);
	free(st);
}

static void test_counts_bounded(void **state)
{
	struct vcpu_state *st = valid_state();

	st->nr_msrs = VCPU_STATE_MAX_MSRS + 1;
	expect_reject(st, "MSRs (at most");
	st->nr_msrs = 0xffffffff;
	expect_reject(st, "MSRs (at most");
	st->nr_msrs = 2;
	st->cpuid.hdr.nent = CPUID_MAX_ENTRIES + 1;
	expect_reject(st, "CPUID entries");
	st->cpuid.hdr.nent = 0;
	expect_reject(st, "CPUID entries");
	st->cpuid.hdr.nent = 2;
	st->xsave_size = VCPU_STATE_XSAVE_MAX * 2;
	expect_reject(st, "XSAVE size");
	st->xsave_size = VCPU_STATE_XSAVE_MAX;
	st->xcrs.nr_xcrs = KVM_MAX_XCRS + 1;
	expect_reject(st, "XCRs: count");
	free(st);
}

static void test_msrs_checked(void **state)
{
	struct vcpu_state *st = valid_state();

	st->msrs[1].index = 0xc0010000; /* a PMU event select: not saved */
	expect_reject(st, "MSR 0xc0010000 is not one");
	st->msrs[1].index = MSR_LSTAR;
	expect_reject(st, "twice");
	st->msrs[1].index = MSR_KVM_SYSTIME;
	st->msrs[1].reserved = 1;
	expect_reject(st, "reserved");
	st->msrs[1].reserved = 0;
	st->msrs[5].index = MSR_LSTAR; /* past nr_msrs */
	expect_reject(st, "past the count");
	free(st);
}

static void test_registers_checked(void **state)
{
	struct vcpu_state *st = valid_state();

	st->regs.rflags = 0x200; /* bit 1 clear */
	expect_reject(st, "RFLAGS");
	st->regs.rflags = 0x202 | (1ULL << 40);
	expect_reject(st, "RFLAGS");
	st->regs.rflags = 0x202;
	st->sregs.efer &= ~(1ULL << 10); /* LME and paging, no LMA */
	expect_reject(st, "long mode");
	st->sregs.efer = 0xd01;
	st->sregs.cr0 = 0x80000000; /* PG without PE */
	expect_reject(st, "paging without protected mode");
	st->sregs.cr0 = 0x80050033;
	st->sregs.cs.dpl = 4;
	expect_reject(st, "segment register 0");
	st->sregs.cs.dpl = 0;
	st->sregs.interrupt_bitmap[0] = 3;
	expect_reject(st, "injected interrupts");
	st->sregs.interrupt_bitmap[0] = 0;
	st->sregs.apic_base = 0xfee00400; /* x2APIC, disabled */
	expect_reject(st, "x2APIC");
	st->sregs.apic_base = 0xfee00901;
	expect_reject(st, "reserved bits");
	st->sregs.apic_base = 0xfee00900;
	st->xcrs.xcrs[0].value = 6; /* x87 bit clear */
	expect_reject(st, "XCR0");
	st->xcrs.xcrs[0].value = 7;
	st->debugregs.dr7 = 1ULL << 40;
	expect_reject(st, "debug registers");
	free(st);
}

static void test_events_checked(void **state)
{
	struct vcpu_state *st = valid_state();

	st->events.flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	expect_reject(st, "flags");
	st->events.flags &= ~KVM_VCPUEVENT_VALID_PAYLOAD;
	st->events.exception.injected = 1;
	st->events.exception.nr = 2; /* NMI is not an exception */
	expect_reject(st, "exception vector");
	st->events.exception.nr = 40;
	expect_reject(st, "exception vector");
	st->events.exception.nr = 14;
	assert_int_equal(vcpu_state_check(st, NULL, 0), 0);
	st->events.nmi.pending = 3;
	expect_reject(st, "NMI");
	st->events.nmi.pending = 0;
	st->events.reserved[3] = 1;
	expect_reject(st, "reserved");
	st->events.reserved[3] = 0;
	st->mp_state.mp_state = 99;
	expect_reject(st, "MP state");
	free(st);
}

static void test_misc_checked(void **state)
{
	struct vcpu_state *st = valid_state();
	uint64_t one = 1;

	st->tsc_khz = 0;
	expect_reject(st, "TSC frequency");
	st->tsc_khz = VCPU_STATE_MAX_TSC_KHZ + 1;
	expect_reject(st, "TSC frequency");
	st->tsc_khz = 2000000;
	st->cpuid.entry[5].function = 0xd; /* past nent */
	expect_reject(st, "past the count");
	st->cpuid.entry[5].function = 0;
	st->cpuid.entry[1].flags = 0x80;
	expect_reject(st, "bad flags");
	st->cpuid.entry[1].flags = 0;
	memcpy(st->xsave + 520, &one, sizeof(one)); /* compacted form */
	expect_reject(st, "XSAVE header");
	memset(st->xsave + 520, 0, 8);
	st->pad2 = 1;
	expect_reject(st, "reserved");
	free(st);
}

/* ---- with KVM ---- */

struct kt {
	struct kvm_fixture k;
	struct vcpu_state *a, *b;
};

static int kt_setup(void **state)
{
	struct kt *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->a = calloc(1, sizeof(*t->a));
	t->b = calloc(1, sizeof(*t->b));
	if (!t->a || !t->b || kfix_open(&t->k)) {
		free(t->a);
		free(t->b);
		free(t);
		*state = NULL;
		return 0; /* the test skips */
	}
	*state = t;
	return 0;
}

static int kt_teardown(void **state)
{
	struct kt *t = *state;

	if (t) {
		kfix_close(&t->k);
		free(t->a);
		free(t->b);
		free(t);
	}
	return 0;
}

static struct kvm_msr_entry *find_msr(struct vcpu_state *st, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < st->nr_msrs; i++)
		if (st->msrs[i].index == index)
			return &st->msrs[i];
	return NULL;
}

static void test_kvm_round_trip(void **state)
{
	struct kt *t = *state;
	struct vcpu_state *a, *b;
	struct kvm_msr_entry *m;
	char why[160] = "";

	if (!t)
		skip();
	a = t->a;
	b = t->b;
	assert_int_equal(vcpu_state_save(t->k.vcpu_fd[0], a), 0);
	if (vcpu_state_check(a, why, sizeof(why)))
		fail_msg("a state KVM gave is refused: %s", why);
	assert_true(a->nr_msrs > 10);
	assert_true(a->cpuid.hdr.nent > 0);
	/* Change what a guest would have changed, restore onto the other vCPU. */
	a->regs.rax = 0x1122334455667788ULL;
	a->regs.rip = 0xfff0;
	a->lapic.regs[0x80] = 0x30; /* TPR: CR8 follows the in-kernel LAPIC */
	a->debugregs.db[0] = 0x4000;
	m = find_msr(a, MSR_LSTAR);
	assert_non_null(m);
	m->data = 0xffffffff81e00080ULL;
	assert_int_equal(vcpu_state_restore(t->k.vcpu_fd[1], a), 0);
	assert_int_equal(vcpu_state_save(t->k.vcpu_fd[1], b), 0);
	assert_int_equal(b->regs.rax, a->regs.rax);
	assert_int_equal(b->regs.rip, a->regs.rip);
	assert_int_equal(b->sregs.cr8, 3);
	assert_int_equal(b->debugregs.db[0], 0x4000);
	assert_int_equal(b->nr_msrs, a->nr_msrs);
	m = find_msr(b, MSR_LSTAR);
	assert_non_null(m);
	assert_int_equal(m->data, 0xffffffff81e00080ULL);
	assert_memory_equal(b->xsave, a->xsave, 512); /* legacy region: x87/SSE */
	assert_int_equal(b->cpuid.hdr.nent, a->cpuid.hdr.nent);
	/* Restoring onto the vCPU it came from works too (same CPUID). */
	assert_int_equal(vcpu_state_restore(t->k.vcpu_fd[0], a), 0);
}

/* A TSC deadline survives only if written after the LAPIC's timer mode. */
static void test_kvm_tsc_deadline_after_lapic(void **state)
{
	struct kt *t = *state;
	struct kvm_msr_entry *m;
	uint32_t lvtt;

	if (!t)
		skip();
	assert_int_equal(vcpu_state_save(t->k.vcpu_fd[0], t->a), 0);
	m = find_msr(t->a, MSR_TSC_DEADLINE);
	if (!m)
		skip(); /* no TSC-deadline timer in this KVM */
	m->data = 1ULL << 62;
	/* LVTT: TSC-deadline mode (bits 18:17 = 2), unmasked, vector 0xec. */
	memcpy(&lvtt, &t->a->lapic.regs[0x320], 4);
	lvtt = (lvtt & ~(3u << 17) & ~(1u << 16) & ~0xffu) | (2u << 17) | 0xec;
	memcpy(&t->a->lapic.regs[0x320], &lvtt, 4);
	assert_int_equal(vcpu_state_restore(t->k.vcpu_fd[1], t->a), 0);
	assert_int_equal(vcpu_state_save(t->k.vcpu_fd[1], t->b), 0);
	m = find_msr(t->b, MSR_TSC_DEADLINE);
	assert_non_null(m);
	assert_int_equal(m->data, 1ULL << 62);
}

/* A state the checks refuse is also refused by restore's own guard. */
static void test_kvm_restore_guards(void **state)
{
	struct kt *t = *state;

	if (!t)
		skip();
	assert_int_equal(vcpu_state_save(t->k.vcpu_fd[0], t->a), 0);
	t->a->nr_msrs = VCPU_STATE_MAX_MSRS + 1;
	assert_int_equal(vcpu_state_restore(t->k.vcpu_fd[1], t->a), -EINVAL);
	t->a->nr_msrs = 0;
	t->a->xsave_size = 1;
	assert_int_equal(vcpu_state_restore(t->k.vcpu_fd[1], t->a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_passes),
	    cmocka_unit_test(test_counts_bounded),
	    cmocka_unit_test(test_msrs_checked),
	    cmocka_unit_test(test_registers_checked),
	    cmocka_unit_test(test_events_checked),
	    cmocka_unit_test(test_misc_checked),
	    cmocka_unit_test_setup_teardown(test_kvm_round_trip, kt_setup, kt_teardown),
	    cmocka_unit_test_setup_teardown(test_kvm_tsc_deadline_after_lapic, kt_setup,
					    kt_teardown),
	    cmocka_unit_test_setup_teardown(test_kvm_restore_guards, kt_setup, kt_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
