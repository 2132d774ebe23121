/* Unit tests for the vCPU exit dispatcher on its own: a fake struct
 * kvm_run fed to vcpu_handle_exit, no KVM. Port and MMIO exits reach the
 * buses, the guest's reset ends the VM with status 0, failures with 1. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vcpu.h"

#define RUN_SIZE 4096
#define PORT	 0x80
#define MMIO	 0xd0000000ULL

struct fixture {
	struct bus pio, mmio;
	struct logger log;
	struct vm_exit exit;
	struct sc_prog no_filter;
	struct vcpu_env env;
	struct vcpu v;
	uint8_t *run_area;
	uint8_t last[8];
	uint64_t last_off;
	uint32_t last_len;
	int writes, reads;
};

static void dev_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	struct fixture *f = dev;

	f->reads++;
	f->last_off = off;
	memset(data, 0xa5, len);
}

static void dev_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct fixture *f = dev;

	f->writes++;
	f->last_off = off;
	f->last_len = len;
	memcpy(f->last, data, len);
}

static const struct bus_dev_ops dev_ops = {.read = dev_read, .write = dev_write};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->run_area = calloc(1, RUN_SIZE);
	if (!f->run_area)
		return -1;
	log_init(&f->log, NULL);
	f->log.level = LOG_OFF;
	vm_exit_init(&f->exit);
	if (bus_add(&f->pio, PORT, 4, &dev_ops, f) || bus_add(&f->mmio, MMIO, 0x1000, &dev_ops, f))
		return -1;
	f->env = (struct vcpu_env){.vm_fd = -1,
				   .run_size = RUN_SIZE,
				   .pio = &f->pio,
				   .mmio = &f->mmio,
				   .log = &f->log,
				   .exit = &f->exit,
				   .filter = &f->no_filter};
	f->v.env = &f->env;
	f->v.fd = -1;
	f->v.run = (struct kvm_run *)f->run_area;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	log_close(&f->log);
	free(f->run_area);
	free(f);
	return 0;
}

static void io_out_reaches_the_pio_bus(void **state)
{
	struct fixture *f = *state;
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_IO;
	r->io.direction = KVM_EXIT_IO_OUT;
	r->io.port = PORT + 1;
	r->io.size = 1;
	r->io.count = 3; /* rep outsb */
	r->io.data_offset = 1024;
	memcpy(f->run_area + 1024, "abc", 3);
	assert_true(vcpu_handle_exit(&f->v));
	assert_int_equal(f->writes, 3);
	assert_int_equal(f->last_off, 1);
	assert_int_equal(f->last[0], 'c');
	assert_int_equal(atomic_load(&f->v.stats.io_out), 1);
	assert_false(vm_exit_pending(&f->exit));
}

static void io_outside_the_run_area_ignored(void **state)
{
	struct fixture *f = *state;
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_IO;
	r->io.direction = KVM_EXIT_IO_IN;
	r->io.port = PORT;
	r->io.size = 4;
	r->io.count = 2;
	r->io.data_offset = RUN_SIZE - 4; /* the second word would be past the end */
	assert_true(vcpu_handle_exit(&f->v));
	assert_int_equal(f->reads, 0);
	r->io.data_offset = 1024;
	r->io.size = 8; /* no such port width */
	assert_true(vcpu_handle_exit(&f->v));
	assert_int_equal(f->reads, 0);
}

static void mmio_read_filled_by_the_bus(void **state)
{
	struct fixture *f = *state;
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_MMIO;
	r->mmio.phys_addr = MMIO + 0x70;
	r->mmio.len = 4;
	r->mmio.is_write = 0;
	assert_true(vcpu_handle_exit(&f->v));
	assert_int_equal(f->reads, 1);
	assert_int_equal(f->last_off, 0x70);
	assert_int_equal(r->mmio.data[3], 0xa5);
	assert_int_equal(atomic_load(&f->v.stats.mmio_read), 1);
}

static void reset_ends_the_vm_cleanly(void **state)
{
	struct fixture *f = *state;
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	r->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_false(vcpu_handle_exit(&f->v));
	assert_true(vm_exit_pending(&f->exit));
	assert_int_equal(vm_exit_status(&f->exit), EMBER_EXIT_OK);
}

static void triple_fault_is_a_failure(void **state)
{
	struct fixture *f = *state;
	struct kvm_run *r = f->v.run;

	r->exit_reason = KVM_EXIT_SHUTDOWN;
	assert_false(vcpu_handle_exit(&f->v));
	assert_int_equal(vm_exit_status(&f->exit), EMBER_EXIT_GENERIC);
	/* The first status stands. */
	r->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	r->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_false(vcpu_handle_exit(&f->v));
	assert_int_equal(vm_exit_status(&f->exit), EMBER_EXIT_GENERIC);
}

static void unknown_exit_is_a_failure(void **state)
{
	struct fixture *f = *state;
	struct kvm_run *r = f->v.run;

	r->exit_reason = 0xdead;
	assert_false(vcpu_handle_exit(&f->v));
	assert_int_equal(vm_exit_status(&f->exit), EMBER_EXIT_GENERIC);
	r->exit_reason = KVM_EXIT_HLT;
	assert_true(vcpu_handle_exit(&f->v));
	assert_int_equal(atomic_load(&f->v.stats.exits), 2);
	assert_int_equal(atomic_load(&f->v.stats.other_exits), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(io_out_reaches_the_pio_bus, setup, teardown),
	    cmocka_unit_test_setup_teardown(io_outside_the_run_area_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(mmio_read_filled_by_the_bus, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_ends_the_vm_cleanly, setup, teardown),
	    cmocka_unit_test_setup_teardown(triple_fault_is_a_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_exit_is_a_failure, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
