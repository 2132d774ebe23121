/* Unit tests for the legacy devices' snapshot state: UART, i8042 and boot
 * timer saved from a device the "guest" drove through its ports, checked,
 * restored into a fresh device that then answers the same; and the checks
 * refusing impossible states. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot_timer.h"
#include "i8042.h"
#include "uart.h"

static void count_irq(void *ctx)
{
	(*(int *)ctx)++;
}

static uint8_t uart_in(struct uart *u, unsigned int reg)
{
	uint8_t v = 0;

	uart_bus_ops.read(u, reg, &v, 1);
	return v;
}

static void uart_out(struct uart *u, unsigned int reg, uint8_t v)
{
	uart_bus_ops.write(u, reg, &v, 1);
}

static void expect_reason(int ret, const char *why, const char *reason)
{
	assert_int_equal(ret, -EINVAL);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", why, reason);
}

static void test_uart_round_trip(void **state)
{
	struct uart a, b;
	struct uart_state s, s2;
	int irqs_a = 0, irqs_b = 0;
	char why[96] = "";
	unsigned int i;

	uart_init(&a, -1, (struct irq_line){.raise = count_irq, .ctx = &irqs_a});
	uart_init(&b, -1, (struct irq_line){.raise = count_irq, .ctx = &irqs_b});
	uart_out(&a, 3, 0x83); /* DLAB on: divisor 0x0201 */
	uart_out(&a, 0, 0x01);
	uart_out(&a, 1, 0x02);
	uart_out(&a, 3, 0x1b); /* 8E1, DLAB off */
	uart_out(&a, 2, 0xc1); /* FIFO on, trigger 14 */
	uart_out(&a, 4, 0x0b);
	uart_out(&a, 7, 0x5a);
	uart_out(&a, 1, 0x05); /* RX data and line status interrupts */
	/* Wrap the ring: 60 bytes in, 50 read, 20 more in. */
	for (i = 0; i < 60; i++)
		assert_int_equal(uart_input(&a, (const uint8_t *)"x", 1), 1);
	for (i = 0; i < 50; i++)
		uart_in(&a, 0);
	assert_int_equal(uart_input(&a, (const uint8_t *)"0123456789abcdefghij", 20), 20);

	uart_save(&a, &s);
	assert_int_equal(s.rx_count, 30);
	assert_int_equal(uart_state_check(&s, why, sizeof(why)), 0);
	uart_restore(&b, &s);
	assert_int_equal(irqs_b, 0); /* the controllers hold what was owed */
	uart_save(&b, &s2);
	assert_memory_equal(&s, &s2, sizeof(s));
	for (i = 1; i < 8; i++)
		assert_int_equal(uart_in(&b, i), uart_in(&a, i));
	for (i = 0; i < 30; i++)
		assert_int_equal(uart_in(&b, 0), uart_in(&a, 0));
	assert_int_equal(uart_in(&b, 5) & 1, 0); /* drained */
	uart_out(&b, 3, 0x9b);
	assert_int_equal(uart_in(&b, 0), 0x01);
	assert_int_equal(uart_in(&b, 1), 0x02);
	uart_destroy(&a);
	uart_destroy(&b);
}

static void test_uart_check(void **state)
{
	struct uart u;
	struct uart_state s, bad;
	char why[96] = "";

	uart_init(&u, -1, (struct irq_line){0});
	uart_save(&u, &s);
	assert_int_equal(uart_state_check(&s, why, sizeof(why)), 0);
	bad = s;
	bad.rx_count = UART_FIFO_SIZE + 1;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "count over");
	bad = s;
	bad.rx_count = 0xffffffff;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "count over");
	bad = s;
	bad.rx_fifo[3] = 'x'; /* past rx_count 0 */
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "past the count");
	bad = s;
	bad.ier = 0x10;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "IER");
	bad = s;
	bad.mcr = 0x20;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "MCR");
	bad = s;
	bad.fcr = 0x02;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "FCR");
	bad = s;
	bad.thre_pending = 2;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "THRE");
	bad = s;
	bad.lsr_err = 0x80;
	expect_reason(uart_state_check(&bad, why, sizeof(why)), why, "LSR");
	uart_destroy(&u);
}

static void no_reset(void *ctx)
{
	(*(int *)ctx)++;
}

static void test_i8042_round_trip(void **state)
{
	struct i8042 a, b;
	struct i8042_state s, s2;
	int irqs = 0, resets = 0;
	uint8_t v;
	char why[96] = "";

	i8042_init(&a, (struct irq_line){.raise = count_irq, .ctx = &irqs}, no_reset, &resets);
	i8042_init(&b, (struct irq_line){.raise = count_irq, .ctx = &irqs}, no_reset, &resets);
	v = 0x60; /* write the command byte: translation on */
	i8042_command_ops.write(&a, 0, &v, 1);
	v = 0x45;
	i8042_data_ops.write(&a, 0, &v, 1);
	v = 0xd1; /* write output port: data byte pending */
	i8042_command_ops.write(&a, 0, &v, 1);
	assert_int_equal(i8042_send_ctrl_alt_del(&a), 0);

	i8042_save(&a, &s);
	assert_int_equal(s.cmd_byte, 0x45);
	assert_int_equal(s.pending_cmd, 0xd1);
	assert_true(s.out_count > 0);
	assert_int_equal(i8042_state_check(&s, why, sizeof(why)), 0);
	i8042_restore(&b, &s);
	i8042_save(&b, &s2);
	assert_memory_equal(&s, &s2, sizeof(s));
	/* Both deliver the same bytes, and the pending 0xd1 takes the data byte. */
	while (s.out_count--) {
		uint8_t x, y;

		i8042_data_ops.read(&a, 0, &x, 1);
		i8042_data_ops.read(&b, 0, &y, 1);
		assert_int_equal(x, y);
	}
	v = 0x03;
	i8042_data_ops.write(&b, 0, &v, 1);
	i8042_save(&b, &s2);
	assert_int_equal(s2.outp, 0x03);
	assert_int_equal(s2.pending_cmd, 0);
	assert_int_equal(resets, 0);
	i8042_destroy(&a);
	i8042_destroy(&b);
}

static void test_i8042_check(void **state)
{
	struct i8042 k;
	struct i8042_state s, bad;
	char why[96] = "";

	i8042_init(&k, (struct irq_line){0}, no_reset, NULL);
	i8042_save(&k, &s);
	assert_int_equal(i8042_state_check(&s, why, sizeof(why)), 0);
	bad = s;
	bad.out_count = I8042_BUF_SIZE + 1;
	expect_reason(i8042_state_check(&bad, why, sizeof(why)), why, "count over");
	bad = s;
	bad.outbuf[I8042_BUF_SIZE - 1] = 1;
	expect_reason(i8042_state_check(&bad, why, sizeof(why)), why, "past the count");
	bad = s;
	bad.pending_cmd = 0xaa; /* self test takes no data */
	expect_reason(i8042_state_check(&bad, why, sizeof(why)), why, "pending command");
	bad = s;
	bad.kbd_pending = 0xff;
	expect_reason(i8042_state_check(&bad, why, sizeof(why)), why, "keyboard command");
	bad = s;
	bad.outp = 0x02;
	expect_reason(i8042_state_check(&bad, why, sizeof(why)), why, "reset line");
	bad = s;
	bad.status |= 0x01; /* OBF is derived */
	expect_reason(i8042_state_check(&bad, why, sizeof(why)), why, "status");
	i8042_destroy(&k);
}

static void test_boot_timer_state(void **state)
{
	struct logger log;
	struct boot_timer a, b;
	struct boot_timer_state s, bad;
	uint8_t magic = BOOT_TIMER_MAGIC;
	char why[96] = "";

	log_init(&log, NULL);
	log.level = LOG_OFF;
	boot_timer_start(&a, &log);
	boot_timer_save(&a, &s);
	assert_int_equal(s.fired, 0);
	assert_int_equal(boot_timer_state_check(&s, why, sizeof(why)), 0);
	boot_timer_ops.write(&a, 0, &magic, 1);
	boot_timer_save(&a, &s);
	assert_int_equal(s.fired, 1);
	assert_int_equal(boot_timer_state_check(&s, why, sizeof(why)), 0);
	boot_timer_restore(&b, &s, &log);
	assert_true(atomic_load(&b.fired));
	assert_int_equal(atomic_load(&b.boot_wall_us), s.boot_wall_us);
	/* A restored guest that had signalled is not timed again. */
	boot_timer_ops.write(&b, 0, &magic, 1);
	assert_int_equal(atomic_load(&b.boot_wall_us), s.boot_wall_us);

	bad = s;
	bad.fired = 2;
	expect_reason(boot_timer_state_check(&bad, why, sizeof(why)), why, "flag");
	bad = s;
	bad.fired = 0;
	bad.boot_wall_us = 5;
	expect_reason(boot_timer_state_check(&bad, why, sizeof(why)), why, "without");
	bad = s;
	bad.boot_cpu_us = BOOT_TIMER_MAX_US + 1;
	expect_reason(boot_timer_state_check(&bad, why, sizeof(why)), why, "out of range");
	bad = s;
	bad.pad[6] = 1;
	expect_reason(boot_timer_state_check(&bad, why, sizeof(why)), why, "reserved");
	log_close(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uart_round_trip),  cmocka_unit_test(test_uart_check),
	    cmocka_unit_test(test_i8042_round_trip), cmocka_unit_test(test_i8042_check),
	    cmocka_unit_test(test_boot_timer_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
