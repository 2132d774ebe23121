/* Unit tests for vm_state: the checks of untrusted state field by field,
 * and a save/restore round trip on a real VM when /dev/kvm can create one. */
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
#include "layout.h"
#include "vm_state.h"

static struct vm_state *valid_state(void)
{
	struct vm_state *st = calloc(1, sizeof(*st));
	unsigned int i;

	assert_non_null(st);
	st->pic_master.chip_id = KVM_IRQCHIP_PIC_MASTER;
	st->pic_master.chip.pic.irq_base = 0x30;
	st->pic_master.chip.pic.imr = 0xfb;
	st->pic_slave.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	st->pic_slave.chip.pic.irq_base = 0x38;
	st->ioapic.chip_id = KVM_IRQCHIP_IOAPIC;
	st->ioapic.chip.ioapic.base_address = IOAPIC_ADDR;
	for (i = 0; i < 24; i++)
		st->ioapic.chip.ioapic.redirtbl[i].fields.mask = 1;
	for (i = 0; i < 3; i++) {
		st->pit.channels[i].count = 0x10000;
		st->pit.channels[i].mode = 3;
		st->pit.channels[i].rw_mode = 3;
		st->pit.channels[i].read_state = 3;
		st->pit.channels[i].write_state = 3;
	}
	st->clock.clock = 123456789;
	st->clock.flags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
	return st;
}

static void expect_reject(const struct vm_state *st, const char *reason)
{
	char why[160] = "";

	assert_int_equal(vm_state_check(st, why, sizeof(why)), -EINVAL);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", why, reason);
}

static void test_valid_passes(void **state)
{
	struct vm_state *st = valid_state();

	assert_int_equal(vm_state_check(st, NULL, 0), 0);
	free(st);
}

static void test_pic_checked(void **state)
{
	struct vm_state *st = valid_state();

	st->pic_master.chip_id = KVM_IRQCHIP_IOAPIC;
	expect_reject(st, "PIC master: chip id");
	st->pic_master.chip_id = KVM_IRQCHIP_PIC_MASTER;
	st->pic_slave.chip.pic.irq_base = 0x39;
	expect_reject(st, "PIC slave: priority");
	st->pic_slave.chip.pic.irq_base = 0x38;
	st->pic_slave.chip.pic.init_state = 4;
	expect_reject(st, "init state");
	st->pic_slave.chip.pic.init_state = 0;
	st->pic_master.chip.pic.auto_eoi = 2;
	expect_reject(st, "booleans");
	st->pic_master.chip.pic.auto_eoi = 0;
	st->pic_master.chip.dummy[400] = 1;
	expect_reject(st, "past the PIC state");
	free(st);
}

static void test_ioapic_checked(void **state)
{
	struct vm_state *st = valid_state();

	st->ioapic.chip.ioapic.base_address = 0xfee00000;
	expect_reject(st, "IOAPIC base");
	st->ioapic.chip.ioapic.base_address = IOAPIC_ADDR;
	st->ioapic.chip.ioapic.irr = 1u << 24;
	expect_reject(st, "pending pins");
	st->ioapic.chip.ioapic.irr = 0;
	st->ioapic.chip.ioapic.redirtbl[23].fields.reserved[1] = 1;
	expect_reject(st, "pin 23");
	free(st);
}

static void test_pit_and_clock_checked(void **state)
{
	struct vm_state *st = valid_state();

	st->pit.channels[1].count = 0x10001;
	expect_reject(st, "PIT channel 1");
	st->pit.channels[1].count = 0;
	st->pit.channels[2].mode = 6; /* 0-5, or 0xff: never programmed */
	expect_reject(st, "PIT channel 2");
	st->pit.channels[2].mode = 0;
	st->pit.flags = 0x80;
	expect_reject(st, "PIT: flags");
	st->pit.flags = 0;
	st->pit.reserved[8] = 1;
	expect_reject(st, "reserved");
	st->pit.reserved[8] = 0;
	st->clock.flags |= 0x100;
	expect_reject(st, "kvm-clock");
	st->clock.flags = 0;
	st->clock.pad[3] = 1;
	expect_reject(st, "kvm-clock");
	free(st);
}

static void test_kvm_round_trip(void **state)
{
	struct kvm_fixture k;
	struct vm_state *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char why[160] = "";
	int ret;

	assert_non_null(a);
	assert_non_null(b);
	if (kfix_open(&k)) {
		free(a);
		free(b);
		skip();
	}
	ret = vm_state_save(k.vm_fd, a);
	if (!ret && vm_state_check(a, why, sizeof(why)))
		fail_msg("a state KVM gave is refused: %s", why);
	a->pic_master.chip.pic.imr = 0xa5;
	a->ioapic.chip.ioapic.redirtbl[4].fields.vector = 0x24;
	a->ioapic.chip.ioapic.redirtbl[4].fields.mask = 0;
	a->clock.clock += 1000000000ULL; /* one second later */
	if (!ret)
		ret = vm_state_restore(k.vm_fd, a, false);
	if (!ret)
		ret = vm_state_save(k.vm_fd, b);
	kfix_close(&k);
	assert_int_equal(ret, 0);
	assert_int_equal(b->pic_master.chip.pic.imr, 0xa5);
	assert_int_equal(b->ioapic.chip.ioapic.redirtbl[4].fields.vector, 0x24);
	assert_int_equal(b->ioapic.chip.ioapic.redirtbl[4].fields.mask, 0);
	assert_true(b->clock.clock >= a->clock.clock);
	assert_true(b->clock.clock < a->clock.clock + 500000000ULL);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_passes),   cmocka_unit_test(test_pic_checked),
	    cmocka_unit_test(test_ioapic_checked), cmocka_unit_test(test_pit_and_clock_checked),
	    cmocka_unit_test(test_kvm_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
