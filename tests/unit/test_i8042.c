/* Unit tests for the i8042 keyboard controller, driven like Linux's i8042/atkbd. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bus.h"
#include "i8042.h"

#define STS_OBF	    0x01
#define STS_IBF	    0x02
#define STS_AUXDATA 0x20

struct fixture {
	struct i8042 k;
	int irqs;
	int resets;
	int reset_saw_unlocked; /* the callback ran with the device lock free */
};

static void count_irq(void *ctx)
{
	(*(int *)ctx)++;
}

static void on_reset(void *ctx)
{
	struct fixture *f = ctx;

	f->resets++;
	if (pthread_mutex_trylock(&f->k.lock) == 0) {
		f->reset_saw_unlocked++;
		pthread_mutex_unlock(&f->k.lock);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	i8042_init(&f->k, (struct irq_line){.raise = count_irq, .ctx = &f->irqs}, on_reset, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	i8042_destroy(&f->k);
	free(f);
	return 0;
}

static uint8_t status(struct fixture *f)
{
	uint8_t v = 0xee;

	i8042_command_ops.read(&f->k, 0, &v, 1);
	return v;
}

static uint8_t data_in(struct fixture *f)
{
	uint8_t v = 0xee;

	i8042_data_ops.read(&f->k, 0, &v, 1);
	return v;
}

static void command(struct fixture *f, uint8_t v)
{
	i8042_command_ops.write(&f->k, 0, &v, 1);
}

static void data_out(struct fixture *f, uint8_t v)
{
	i8042_data_ops.write(&f->k, 0, &v, 1);
}

/* A controller command with a one-byte answer, as i8042_command() does it. */
static uint8_t ctl_query(struct fixture *f, uint8_t cmd)
{
	assert_int_equal(status(f) & STS_IBF, 0);
	command(f, cmd);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	return data_in(f);
}

static void idle_status(void **state)
{
	struct fixture *f = *state;

	/* System flag + keyboard unlocked; OBF and IBF clear. */
	assert_int_equal(status(f), 0x14);
	assert_int_equal(data_in(f), 0); /* empty buffer */
	command(f, 0xad);
	assert_int_equal(status(f), 0x1c); /* last write was a command */
	data_out(f, 0xf4);
	assert_int_equal(status(f) & 0x08, 0);
	assert_int_equal(status(f) & STS_OBF, STS_OBF); /* keyboard ACK */
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(status(f), 0x14);
}

static void self_test_and_port_tests(void **state)
{
	struct fixture *f = *state;
	uint8_t v;

	assert_int_equal(ctl_query(f, 0xaa), 0x55);
	assert_int_equal(status(f) & STS_OBF, 0);
	assert_int_equal(ctl_query(f, 0xab), 0x00); /* keyboard interface OK */
	/* AUX interface test reports a fault so Linux skips the AUX port:
	 * i8042_check_aux() gives up on anything but 0x00, 0xfa, 0xff. */
	v = ctl_query(f, 0xa9);
	assert_true(v != 0x00 && v != 0xfa && v != 0xff);
	/* Controller replies raise no interrupt. */
	assert_int_equal(f->irqs, 0);
}

static void command_byte_read_write(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ctl_query(f, 0x20), 0x05); /* KBDINT | SYS, no XLATE */
	command(f, 0x60);
	assert_int_equal(status(f) & STS_OBF, 0);
	data_out(f, 0x74);
	assert_int_equal(ctl_query(f, 0x20), 0x74);
	/* Port enable/disable commands flip their CTR bits. */
	command(f, 0xae);
	assert_int_equal(ctl_query(f, 0x20), 0x64);
	command(f, 0xa8);
	assert_int_equal(ctl_query(f, 0x20), 0x44);
	command(f, 0xa7);
	assert_int_equal(ctl_query(f, 0x20), 0x64);
	command(f, 0xad);
	assert_int_equal(ctl_query(f, 0x20), 0x74);
	/* A new command cancels one waiting for its data byte: the next
	 * data byte goes to the keyboard instead. */
	command(f, 0x60);
	assert_int_equal(ctl_query(f, 0x20), 0x74);
	data_out(f, 0x00);
	assert_int_equal(ctl_query(f, 0x20), 0x74);
	/* Other RAM bytes read 0 and swallow writes. */
	assert_int_equal(ctl_query(f, 0x21), 0);
	command(f, 0x61);
	data_out(f, 0x99);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* Output port read / write (A20 on, reset inactive). */
	assert_int_equal(ctl_query(f, 0xd0), 0x03);
	command(f, 0xd1);
	data_out(f, 0xdf); /* what Linux's A20 quirk writes */
	assert_int_equal(ctl_query(f, 0xd0), 0xdf);
	assert_int_equal(f->resets, 0);
	/* Unknown commands are ignored without an answer. */
	command(f, 0xc0);
	assert_int_equal(status(f) & STS_OBF, 0);
}

/* i8042_controller_check() + i8042_controller_init() + i8042_check_aux(). */
static void linux_probe_without_waits(void **state)
{
	struct fixture *f = *state;
	uint8_t ctr, a, b;

	/* flush: stops at once. */
	assert_int_equal(status(f) & STS_OBF, 0);
	/* Stable CTR read. */
	a = ctl_query(f, 0x20);
	b = ctl_query(f, 0x20);
	assert_int_equal(a, b);
	ctr = (uint8_t)((a | 0x10) & ~0x01);
	command(f, 0x60);
	data_out(f, ctr);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* AUX loopback: an answer arrives at once, without the AUX bit. */
	command(f, 0xd3);
	data_out(f, 0x5a);
	assert_int_equal(status(f) & (STS_OBF | STS_AUXDATA), STS_OBF);
	/* The driver leaves that byte; the AUX test answer replaces it. */
	a = ctl_query(f, 0xa9);
	assert_true(a != 0x00 && a != 0xfa && a != 0xff);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* Disable AUX in the CTR, then enable the keyboard port. */
	ctr = (uint8_t)((ctr | 0x20) & ~0x02);
	command(f, 0x60);
	data_out(f, ctr);
	ctr = (uint8_t)((ctr & ~0x10) | 0x01);
	command(f, 0x60);
	data_out(f, ctr);
	assert_int_equal(ctl_query(f, 0x20), ctr);
	assert_int_equal(f->irqs, 0);
}

static void aux_write_answers_resend(void **state)
{
	struct fixture *f = *state;

	command(f, 0xd4);
	data_out(f, 0xf2); /* "identify" to a mouse that is not there */
	assert_int_equal(status(f) & (STS_OBF | STS_AUXDATA), STS_OBF);
	assert_int_equal(data_in(f), 0xfe);
	assert_int_equal(status(f) & STS_OBF, 0);
	assert_int_equal(f->irqs, 0);
}

static void keyboard_reset_reply(void **state)
{
	struct fixture *f = *state;

	data_out(f, 0xff);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(data_in(f), 0xfa);
	/* One byte per interrupt: the next byte gets its own edge. */
	assert_int_equal(f->irqs, 2);
	assert_int_equal(status(f) & STS_OBF, STS_OBF);
	assert_int_equal(data_in(f), 0xaa);
	assert_int_equal(f->irqs, 2);
	assert_int_equal(status(f) & STS_OBF, 0);
}

static void keyboard_commands(void **state)
{
	struct fixture *f = *state;

	/* atkbd_probe(): GETID -> ACK, 0xab 0x83. */
	data_out(f, 0xf2);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(data_in(f), 0xab);
	assert_int_equal(data_in(f), 0x83);
	assert_int_equal(f->irqs, 3);
	/* SETLEDS with its parameter: two ACKs (a parameter 0xff is not a reset). */
	data_out(f, 0xed);
	data_out(f, 0xff);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* SETREP likewise; a parameter 0xf2 is not GETID. */
	data_out(f, 0xf3);
	data_out(f, 0xf2);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(status(f) & STS_OBF, 0);
	/* GSCANSET: ACK, ACK, set 2. */
	data_out(f, 0xf0);
	data_out(f, 0x00);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(data_in(f), 0x02);
	/* SSCANSET 2: two ACKs. */
	data_out(f, 0xf0);
	data_out(f, 0x02);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(data_in(f), 0xfa);
	/* Echo, enable, disable. */
	data_out(f, 0xee);
	assert_int_equal(data_in(f), 0xee);
	data_out(f, 0xf5);
	assert_int_equal(data_in(f), 0xfa);
	data_out(f, 0xf4);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(status(f) & STS_OBF, 0);
}

static void no_interrupt_while_disabled(void **state)
{
	struct fixture *f = *state;

	command(f, 0x60);
	data_out(f, 0x04); /* KBDINT off */
	data_out(f, 0xf2);
	assert_int_equal(f->irqs, 0);
	assert_int_equal(data_in(f), 0xfa);
	assert_int_equal(f->irqs, 0);
	/* Turning KBDINT on with data waiting announces it. */
	command(f, 0x60);
	data_out(f, 0x05);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(data_in(f), 0xab);
	assert_int_equal(f->irqs, 2);
	assert_int_equal(data_in(f), 0x83);
	/* Re-writing the CTR with KBDINT already on is not an enable. */
	data_out(f, 0xf4);
	assert_int_equal(f->irqs, 3);
	command(f, 0x60);
	data_out(f, 0x05);
	assert_int_equal(f->irqs, 3);
}

static void output_buffer_bounded(void **state)
{
	struct fixture *f = *state;
	int i;

	/* 0xd2 puts bytes in the buffer as if from the keyboard. */
	for (i = 0; i < I8042_BUF_SIZE + 4; i++) {
		command(f, 0xd2);
		data_out(f, (uint8_t)i);
	}
	assert_int_equal(f->irqs, 1);
	for (i = 0; i < I8042_BUF_SIZE; i++)
		assert_int_equal(data_in(f), i);
	assert_int_equal(status(f) & STS_OBF, 0);
	assert_int_equal(data_in(f), 0);
	assert_int_equal(f->irqs, I8042_BUF_SIZE);
}

static void reset_command_calls_reset(void **state)
{
	struct fixture *f = *state;

	/* reboot=k: poll IBF clear, then 0xfe. */
	assert_int_equal(status(f) & STS_IBF, 0);
	command(f, 0xfe);
	assert_int_equal(f->resets, 1);
	assert_int_equal(f->reset_saw_unlocked, 1);
	/* 0xff pulses nothing (Linux's "null command"). */
	command(f, 0xff);
	assert_int_equal(f->resets, 1);
	/* Any pulse command with bit 0 clear hits the reset line. */
	command(f, 0xf0);
	assert_int_equal(f->resets, 2);
	command(f, 0xf1);
	assert_int_equal(f->resets, 2);
	/* Writing the output port with bit 0 low resets too. */
	command(f, 0xd1);
	data_out(f, 0xfe);
	assert_int_equal(f->resets, 3);
	assert_int_equal(f->reset_saw_unlocked, 3);
}

static void reset_without_callback(void **state)
{
	struct i8042 k;
	uint8_t v = 0xfe;

	i8042_init(&k, (struct irq_line){0}, NULL, NULL);
	i8042_command_ops.write(&k, 0, &v, 1);
	v = 0xf2;
	i8042_data_ops.write(&k, 0, &v, 1); /* no irq hook either */
	i8042_data_ops.read(&k, 0, &v, 1);
	assert_int_equal(v, 0xfa);
	i8042_destroy(&k);
}

static void ctrl_alt_del_set2(void **state)
{
	static const uint8_t want[] = {0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0,
				       0x71, 0xf0, 0x11, 0xf0, 0x14};
	struct fixture *f = *state;
	unsigned int i;

	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	assert_int_equal(f->irqs, 1);
	for (i = 0; i < sizeof(want); i++) {
		assert_int_equal(status(f) & STS_OBF, STS_OBF);
		assert_int_equal(data_in(f), want[i]);
	}
	assert_int_equal(status(f) & STS_OBF, 0);
	/* One edge per byte: the first from the send, the rest from reads. */
	assert_int_equal(f->irqs, (int)sizeof(want));
}

static void ctrl_alt_del_set1_when_translating(void **state)
{
	static const uint8_t want[] = {0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d};
	struct fixture *f = *state;
	unsigned int i;

	command(f, 0x60);
	data_out(f, 0x45); /* XLATE | SYS | KBDINT */
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	for (i = 0; i < sizeof(want); i++)
		assert_int_equal(data_in(f), want[i]);
	assert_int_equal(status(f) & STS_OBF, 0);
}

static void ctrl_alt_del_needs_room(void **state)
{
	struct fixture *f = *state;
	int i;

	/* 5 bytes queued: 11 more fit exactly. */
	for (i = 0; i < 5; i++) {
		command(f, 0xd2);
		data_out(f, 0x00);
	}
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	assert_int_equal(f->k.out_count, I8042_BUF_SIZE);
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), -ENOSPC);
	/* Drain all but 6: still not enough room for 11. */
	for (i = 0; i < 10; i++)
		data_in(f);
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), -ENOSPC);
	assert_int_equal(f->k.out_count, 6);
	data_in(f);
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
}

static void ctrl_alt_del_without_interrupts(void **state)
{
	struct fixture *f = *state;

	command(f, 0x60);
	data_out(f, 0x04);
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	assert_int_equal(f->irqs, 0);
	assert_int_equal(data_in(f), 0x14);
	assert_int_equal(f->irqs, 0);
}

static void through_the_bus(void **state)
{
	struct fixture *f = *state;
	struct bus pio = {0};
	uint8_t v;

	assert_int_equal(bus_add(&pio, 0x60, 1, &i8042_data_ops, &f->k), 0);
	assert_int_equal(bus_add(&pio, 0x64, 1, &i8042_command_ops, &f->k), 0);
	v = 0xaa;
	assert_true(bus_write(&pio, 0x64, &v, 1));
	assert_true(bus_read(&pio, 0x64, &v, 1));
	assert_int_equal(v, 0x1d);
	assert_true(bus_read(&pio, 0x60, &v, 1));
	assert_int_equal(v, 0x55);
	/* 0x61-0x63 are not the controller's. */
	assert_false(bus_read(&pio, 0x61, &v, 1));
	assert_false(bus_read(&pio, 0x63, &v, 1));
	assert_int_equal(atomic_load(&pio.unknown_reads), 2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(idle_status),
	    T(self_test_and_port_tests),
	    T(command_byte_read_write),
	    T(linux_probe_without_waits),
	    T(aux_write_answers_resend),
	    T(keyboard_reset_reply),
	    T(keyboard_commands),
	    T(no_interrupt_while_disabled),
	    T(output_buffer_bounded),
	    T(reset_command_calls_reset),
	    cmocka_unit_test(reset_without_callback),
	    T(ctrl_alt_del_set2),
	    T(ctrl_alt_del_set1_when_translating),
	    T(ctrl_alt_del_needs_room),
	    T(ctrl_alt_del_without_interrupts),
	    T(through_the_bus),
	};
#undef T

	return cmocka_run_group_tests_name("i8042", tests, NULL, NULL);
}
