/* Unit tests for the 16550A UART, driven the way Linux's 8250 driver does. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "layout.h"
#include "uart.h"

#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

struct fixture {
	struct uart u;
	int irqs;
	int pipe[2];
};

static void count_irq(void *ctx)
{
	(*(int *)ctx)++;
}

static uint8_t in(struct fixture *f, unsigned int reg)
{
	uint8_t v = 0xee;

	uart_bus_ops.read(&f->u, reg, &v, 1);
	return v;
}

static void out(struct fixture *f, unsigned int reg, uint8_t v)
{
	uart_bus_ops.write(&f->u, reg, &v, 1);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->pipe, O_CLOEXEC))
		return -1;
	uart_init(&f->u, f->pipe[1], (struct irq_line){.raise = count_irq, .ctx = &f->irqs});
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	uart_destroy(&f->u);
	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
	return 0;
}

/* What the guest wrote so far, read back from the pipe without blocking. */
static size_t drain(struct fixture *f, char *buf, size_t cap)
{
	ssize_t n;
	int fl = fcntl(f->pipe[0], F_GETFL);

	fcntl(f->pipe[0], F_SETFL, fl | O_NONBLOCK);
	n = read(f->pipe[0], buf, cap);
	fcntl(f->pipe[0], F_SETFL, fl);
	return n < 0 ? 0 : (size_t)n;
}

static void reset_state(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, IER), 0);
	assert_int_equal(in(f, IIR), 0x01);
	assert_int_equal(in(f, LCR), 0x03);
	assert_int_equal(in(f, LSR), 0x60); /* THRE | TEMT, no data */
	assert_int_equal(in(f, MSR), 0xb0); /* DCD | DSR | CTS */
	assert_int_equal(in(f, RBR), 0);    /* empty FIFO */
	assert_int_equal(uart_rx_space(&f->u), UART_FIFO_SIZE);
	assert_int_equal(f->irqs, 0);
}

/* drivers/tty/serial/8250/8250_port.c: autoconfig() and autoconfig_16550a(). */
static void linux_autoconfig_finds_16550a(void **state)
{
	struct fixture *f = *state;
	uint8_t scratch, save_mcr, save_lcr, s1, s2, iersave;

	/* IER test: only the low four bits exist. */
	scratch = in(f, IER);
	out(f, IER, 0);
	assert_int_equal(in(f, IER) & 0x0f, 0);
	out(f, IER, 0x0f);
	assert_int_equal(in(f, IER) & 0x0f, 0x0f);
	out(f, IER, 0xff);
	assert_int_equal(in(f, IER), 0x0f);
	out(f, IER, scratch);
	assert_int_equal(in(f, IER), scratch);

	/* Loopback test: MCR = LOOP | OUT2 | RTS must give MSR DCD | CTS. */
	save_mcr = in(f, MCR);
	save_lcr = in(f, LCR);
	out(f, MCR, 0x10 | 0x0a);
	assert_int_equal(in(f, MSR) & 0xf0, 0x90);
	out(f, MCR, 0x1f);
	assert_int_equal(in(f, MSR) & 0xf0, 0xf0);
	out(f, MCR, 0x11); /* DTR -> DSR */
	assert_int_equal(in(f, MSR) & 0xf0, 0x20);
	out(f, MCR, 0x12); /* RTS -> CTS */
	assert_int_equal(in(f, MSR) & 0xf0, 0x10);
	out(f, MCR, 0x14); /* OUT1 -> RI */
	assert_int_equal(in(f, MSR) & 0xf0, 0x40);
	out(f, MCR, 0x18); /* OUT2 -> DCD */
	assert_int_equal(in(f, MSR) & 0xf0, 0x80);
	out(f, MCR, 0x10);
	assert_int_equal(in(f, MSR), 0x00);
	out(f, MCR, save_mcr);
	assert_int_equal(in(f, MCR), save_mcr);
	assert_int_equal(in(f, MSR), 0xb0);

	/* EFR probe at LCR 0xbf lands on FCR; then FIFO enable shows 0xc0. */
	out(f, LCR, 0xbf);
	out(f, 2, 0);
	out(f, LCR, 0);
	assert_int_equal(in(f, IIR) >> 6, 0);
	out(f, FCR, 0x01);
	assert_int_equal(in(f, IIR) >> 6, 3);

	/* autoconfig_16550a: no EFR at LCR 0x80 / 0xbf (offset 2 reads IIR). */
	out(f, LCR, 0x80);
	assert_int_not_equal(in(f, 2), 0);
	out(f, LCR, 0xbf);
	assert_int_not_equal(in(f, 2), 0);
	/* Not a National SuperIO: offset 2 at LCR 0xe0 does not track MCR.LOOP. */
	out(f, LCR, 0);
	s1 = in(f, MCR);
	out(f, LCR, 0xe0);
	s2 = in(f, 2);
	assert_int_equal((s1 ^ s2) & 0x10, 0);
	out(f, LCR, 0);
	out(f, MCR, s1 ^ 0x10);
	out(f, LCR, 0xe0);
	s2 = in(f, 2);
	out(f, LCR, 0);
	out(f, MCR, s1);
	assert_int_equal((s1 ^ s2) & 0x10, 0);
	/* Not a 16750: no 64-byte FIFO bit with or without DLAB. */
	out(f, FCR, 0x21);
	assert_int_equal(in(f, IIR) & 0xe0, 0xc0);
	out(f, FCR, 0);
	out(f, LCR, 0x80);
	out(f, FCR, 0x21);
	assert_int_equal(in(f, IIR) & 0xe0, 0xc0);
	out(f, FCR, 0);
	out(f, LCR, 0);
	/* Not an XScale: IER bit 6 (UUE) does not stick. */
	iersave = in(f, IER);
	out(f, IER, iersave & ~0x40);
	assert_int_equal(in(f, IER) & 0x40, 0);
	out(f, IER, iersave | 0x40);
	assert_int_equal(in(f, IER) & 0x40, 0);
	out(f, IER, iersave);

	/* Epilogue: restore LCR, clear FIFOs, read RX, clear IER. */
	out(f, LCR, save_lcr);
	out(f, FCR, 0x01);
	out(f, FCR, 0x07);
	out(f, FCR, 0);
	assert_int_equal(in(f, IIR), 0x01);
	(void)in(f, RBR);
	out(f, IER, 0);
	assert_int_not_equal(in(f, LSR), 0xff);
	/* The IER probe's 0x0f enabled ETBEI once: one edge, which Linux
	 * (no handler registered yet) ignores. */
	assert_int_equal(f->irqs, 1);
}

static void scratch_register(void **state)
{
	struct fixture *f = *state;

	out(f, SCR, 0x55);
	assert_int_equal(in(f, SCR), 0x55);
	out(f, SCR, 0xaa);
	assert_int_equal(in(f, SCR), 0xaa);
	/* DLAB does not hide it. */
	out(f, LCR, 0x83);
	assert_int_equal(in(f, SCR), 0xaa);
}

static void divisor_latch(void **state)
{
	struct fixture *f = *state;
	char buf[8];

	out(f, IER, 0x05);
	out(f, LCR, 0x83);		  /* DLAB, 8N1 */
	assert_int_equal(in(f, DLL), 12); /* 9600 baud left by "firmware" */
	assert_int_equal(in(f, DLM), 0);
	out(f, DLL, 0x01); /* 115200 */
	out(f, DLM, 0x00);
	assert_int_equal(in(f, DLL), 0x01);
	assert_int_equal(in(f, DLM), 0x00);
	out(f, DLM, 0x04);
	assert_int_equal(in(f, DLM), 0x04);
	assert_int_equal(drain(f, buf, sizeof(buf)), 0); /* DLL write sent nothing */
	out(f, LCR, 0x03);
	/* IER and RBR are back, IER kept its value. */
	assert_int_equal(in(f, IER), 0x05);
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"z", 1), 1);
	assert_int_equal(in(f, RBR), 'z');
	out(f, LCR, 0x83);
	assert_int_equal(in(f, DLL), 0x01);
	assert_int_equal(in(f, DLM), 0x04);
}

static void thre_interrupt_on_ier_enable(void **state)
{
	struct fixture *f = *state;
	uint8_t iir1, iir2;

	/* serial8250_do_startup(): the THRE re-assertion test. */
	out(f, IER, 0x02);
	assert_int_equal(f->irqs, 1);
	iir1 = in(f, IIR);
	out(f, IER, 0);
	out(f, IER, 0x02);
	assert_int_equal(f->irqs, 2);
	iir2 = in(f, IIR);
	out(f, IER, 0);
	assert_int_equal(iir1 & 0x0f, 0x02);
	assert_int_equal(iir2 & 0x0f, 0x02);

	/* Reading IIR acknowledged it. */
	out(f, IER, 0x02);
	assert_int_equal(f->irqs, 3);
	assert_int_equal(in(f, IIR), 0x02);
	assert_int_equal(in(f, IIR), 0x01);
	/* Re-writing IER with ETBEI already set is not an enable. */
	out(f, IER, 0x03);
	assert_int_equal(f->irqs, 3);
	assert_int_equal(in(f, IIR), 0x01);
	/* With FIFOs on, IIR carries 0xc0. */
	out(f, IER, 0);
	out(f, FCR, 0x01);
	out(f, IER, 0x02);
	assert_int_equal(in(f, IIR), 0xc2);
	assert_int_equal(in(f, IIR), 0xc1);
}

static void thre_rearmed_by_thr_write(void **state)
{
	struct fixture *f = *state;
	char buf[8];

	out(f, IER, 0x02);
	assert_int_equal(in(f, IIR), 0x02); /* ack */
	assert_int_equal(f->irqs, 1);
	/* The interrupt handler writes a byte: THRE comes back at once. */
	out(f, THR, 'a');
	assert_int_equal(f->irqs, 2);
	assert_int_equal(in(f, LSR) & 0x60, 0x60);
	/* Another byte before the guest acknowledged: no second edge. */
	out(f, THR, 'b');
	assert_int_equal(f->irqs, 2);
	assert_int_equal(in(f, IIR), 0x02);
	assert_int_equal(in(f, IIR), 0x01);
	out(f, THR, 'c');
	assert_int_equal(f->irqs, 3);
	/* Transmit done: the driver disables ETBEI. */
	out(f, IER, 0);
	assert_int_equal(in(f, IIR), 0x01);
	/* Polled console writes with ETBEI off raise nothing ... */
	out(f, THR, 'd');
	assert_int_equal(f->irqs, 3);
	assert_int_equal(in(f, IIR), 0x01);
	/* ... and re-enabling ETBEI raises at once. */
	out(f, IER, 0x02);
	assert_int_equal(f->irqs, 4);
	assert_int_equal(drain(f, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "abcd", 4);
}

static void fcr_xmit_clear_arms_thre(void **state)
{
	struct fixture *f = *state;

	out(f, IER, 0x02);
	assert_int_equal(in(f, IIR), 0x02);
	assert_int_equal(f->irqs, 1);
	out(f, FCR, 0x05); /* enable + clear XMIT */
	assert_int_equal(f->irqs, 2);
	assert_int_equal(in(f, IIR), 0xc2);
}

static void rx_fifo_and_interrupt(void **state)
{
	struct fixture *f = *state;
	uint8_t big[100];
	unsigned int i;

	/* Input with receive interrupts off: data, no interrupt. */
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"abc", 3), 3);
	assert_int_equal(f->irqs, 0);
	assert_int_equal(in(f, LSR), 0x61);
	assert_int_equal(in(f, IIR), 0x01);
	assert_int_equal(uart_rx_space(&f->u), UART_FIFO_SIZE - 3);
	/* Enabling ERBFI with data waiting raises. */
	out(f, IER, 0x01);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(in(f, IIR), 0x04);
	assert_int_equal(in(f, RBR), 'a');
	assert_int_equal(in(f, RBR), 'b');
	assert_int_equal(in(f, RBR), 'c');
	assert_int_equal(in(f, LSR), 0x60);
	assert_int_equal(in(f, IIR), 0x01);
	assert_int_equal(in(f, RBR), 0);
	/* New input while enabled raises. */
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"x", 1), 1);
	assert_int_equal(f->irqs, 2);
	assert_int_equal(in(f, RBR), 'x');
	/* Nothing accepted, nothing raised. */
	assert_int_equal(uart_input(&f->u, NULL, 0), 0);
	assert_int_equal(f->irqs, 2);

	/* Fill: 64 accepted, the rest refused, the FIFO wraps correctly. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	assert_int_equal(uart_input(&f->u, big, sizeof(big)), UART_FIFO_SIZE);
	assert_int_equal(f->irqs, 3);
	assert_int_equal(uart_rx_space(&f->u), 0);
	assert_int_equal(uart_input(&f->u, big, 1), 0);
	assert_int_equal(f->irqs, 3);
	assert_int_equal(in(f, LSR) & 0x03, 0x01); /* DR, no overrun */
	for (i = 0; i < 10; i++)
		assert_int_equal(in(f, RBR), i);
	assert_int_equal(uart_rx_space(&f->u), 10);
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"0123456789abc", 13), 10);
	for (i = 10; i < UART_FIFO_SIZE; i++)
		assert_int_equal(in(f, RBR), i);
	for (i = 0; i < 10; i++)
		assert_int_equal(in(f, RBR), '0' + i);
	assert_int_equal(in(f, LSR), 0x60);
	assert_int_equal(uart_rx_space(&f->u), UART_FIFO_SIZE);
}

static void rx_has_priority_over_thre(void **state)
{
	struct fixture *f = *state;

	out(f, FCR, 0x01);
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"q", 1), 1);
	out(f, IER, 0x03);
	assert_int_equal(in(f, IIR), 0xc4);
	assert_int_equal(in(f, IIR), 0xc4); /* reading it does not ack RX */
	assert_int_equal(in(f, RBR), 'q');
	assert_int_equal(in(f, IIR), 0xc2); /* THRE still owed */
	assert_int_equal(in(f, IIR), 0xc1);
}

static void fcr_clears_rx(void **state)
{
	struct fixture *f = *state;

	out(f, FCR, 0x01);
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"abc", 3), 3);
	out(f, FCR, 0x03); /* clear RCVR */
	assert_int_equal(in(f, LSR) & 0x01, 0);
	assert_int_equal(uart_rx_space(&f->u), UART_FIFO_SIZE);
	/* Turning the FIFOs off flushes too. */
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"abc", 3), 3);
	out(f, FCR, 0x00);
	assert_int_equal(in(f, LSR) & 0x01, 0);
	assert_int_equal(in(f, IIR), 0x01);
	/* Re-writing the same FIFO mode keeps the data. */
	out(f, FCR, 0x01);
	assert_int_equal(uart_input(&f->u, (const uint8_t *)"d", 1), 1);
	out(f, FCR, 0xc1);
	assert_int_equal(in(f, RBR), 'd');
}

static void loopback_feeds_receiver(void **state)
{
	struct fixture *f = *state;
	char buf[8];
	unsigned int i;

	out(f, MCR, 0x10);
	out(f, IER, 0x01);
	out(f, THR, 'L');
	assert_int_equal(f->irqs, 1);
	assert_int_equal(drain(f, buf, sizeof(buf)), 0); /* not transmitted */
	assert_int_equal(in(f, LSR), 0x61);
	assert_int_equal(in(f, IIR), 0x04);
	assert_int_equal(in(f, RBR), 'L');
	assert_int_equal(f->u.tx_bytes, 0);

	/* Overrunning the receiver sets LSR.OE and, with ELSI, IIR 0x06. */
	out(f, IER, 0x05);
	for (i = 0; i < UART_FIFO_SIZE; i++)
		out(f, THR, (uint8_t)i);
	assert_int_equal(in(f, IIR), 0x04);
	out(f, THR, 0xaa);
	assert_int_equal(in(f, IIR), 0x06);
	assert_int_equal(in(f, LSR), 0x63);
	assert_int_equal(in(f, LSR), 0x61); /* OE clears on read */
	assert_int_equal(in(f, IIR), 0x04);
	assert_int_equal(in(f, RBR), 0);

	/* Leaving loopback transmits again. */
	out(f, MCR, 0x0b);
	out(f, THR, 'T');
	assert_int_equal(drain(f, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'T');
}

static void output_reaches_pipe(void **state)
{
	struct fixture *f = *state;
	const char *msg = "Linux version 6.1\r\n";
	char buf[64];
	size_t i, n = strlen(msg);
	struct bus pio = {0};

	/* Through the bus, as the vCPU does. */
	assert_int_equal(bus_add(&pio, SERIAL_PORT_BASE, 8, &uart_bus_ops, &f->u), 0);
	for (i = 0; i < n; i++)
		assert_true(bus_write(&pio, SERIAL_PORT_BASE, (const uint8_t *)&msg[i], 1));
	assert_int_equal(drain(f, buf, sizeof(buf)), n);
	assert_memory_equal(buf, msg, n);
	assert_int_equal(f->u.tx_bytes, n);
	assert_int_equal(f->u.tx_dropped, 0);
	assert_true(f->u.out_poll); /* a blocking pipe is polled */
}

static void wide_access_splits_into_bytes(void **state)
{
	struct fixture *f = *state;
	struct bus pio = {0};
	uint8_t d[4];
	char buf[4];

	assert_int_equal(bus_add(&pio, SERIAL_PORT_BASE, 8, &uart_bus_ops, &f->u), 0);
	assert_true(bus_read(&pio, SERIAL_PORT_BASE + 5, d, 2)); /* LSR, MSR */
	assert_int_equal(d[0], 0x60);
	assert_int_equal(d[1], 0xb0);
	assert_true(bus_read(&pio, SERIAL_PORT_BASE + 4, d, 4)); /* MCR..SCR */
	assert_memory_equal(d, "\x08\x60\xb0\x00", 4);
	/* outw THR: byte 0 to THR, byte 1 to IER. */
	d[0] = 'w';
	d[1] = 0x01;
	assert_true(bus_write(&pio, SERIAL_PORT_BASE, d, 2));
	assert_int_equal(drain(f, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'w');
	assert_int_equal(in(f, IER), 0x01);
	/* Past the last register: not ours. */
	assert_false(bus_read(&pio, SERIAL_PORT_BASE + 7, d, 2));
	/* Handler called directly with bytes past offset 7: floating bus. */
	uart_bus_ops.read(&f->u, 7, d, 2);
	assert_int_equal(d[1], 0xff);
	/* LSR and MSR are read-only. */
	out(f, LSR, 0x00);
	out(f, MSR, 0x00);
	assert_int_equal(in(f, LSR), 0x60);
	assert_int_equal(in(f, MSR), 0xb0);
}

static void fill_pipe(int fd)
{
	static const char junk[4096];
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (write(fd, junk, sizeof(junk)) > 0)
		;
	while (write(fd, junk, 1) > 0)
		;
	fcntl(fd, F_SETFL, fl);
}

static void full_nonblocking_pipe_drops(void **state)
{
	struct fixture *f = *state;
	int i;

	fcntl(f->pipe[1], F_SETFL, fcntl(f->pipe[1], F_GETFL) | O_NONBLOCK);
	uart_destroy(&f->u);
	uart_init(&f->u, f->pipe[1], (struct irq_line){.raise = count_irq, .ctx = &f->irqs});
	assert_false(f->u.out_poll);
	fill_pipe(f->pipe[1]);
	for (i = 0; i < 5; i++)
		out(f, THR, 'x');
	assert_int_equal(f->u.tx_dropped, 5);
	assert_int_equal(f->u.tx_bytes, 0);
	/* THRE behaves as if the byte went out. */
	assert_int_equal(in(f, LSR), 0x60);
}

static void full_blocking_pipe_drops_without_blocking(void **state)
{
	struct fixture *f = *state;
	char buf[4096];
	int i;

	assert_true(f->u.out_poll);
	fill_pipe(f->pipe[1]);
	for (i = 0; i < 3; i++)
		out(f, THR, 'y'); /* would hang forever if it wrote blindly */
	assert_int_equal(f->u.tx_dropped, 3);
	/* Once the reader catches up, output flows again. */
	while (drain(f, buf, sizeof(buf)) > 0)
		;
	out(f, THR, 'z');
	assert_int_equal(f->u.tx_bytes, 1);
	assert_int_equal(drain(f, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'z');
}

static void closed_reader_and_no_fd_drop(void **state)
{
	struct fixture *f = *state;
	struct uart u;
	int irqs = 0;

	/* Reader gone: poll reports an error, the byte is dropped (no SIGPIPE). */
	close(f->pipe[0]);
	f->pipe[0] = open("/dev/null", O_RDONLY);
	out(f, THR, 'x');
	assert_int_equal(f->u.tx_dropped, 1);
	/* No output fd at all. */
	uart_init(&u, -1, (struct irq_line){.raise = count_irq, .ctx = &irqs});
	uart_bus_ops.write(&u, THR, (const uint8_t *)"q", 1);
	assert_int_equal(u.tx_bytes, 0);
	assert_int_equal(u.tx_dropped, 0);
	uart_destroy(&u);
}

static void regular_file_is_not_polled(void **state)
{
	char path[] = "/tmp/ember-uart-XXXXXX";
	int fd = mkstemp(path);
	struct uart u;
	char buf[4];

	assert_true(fd >= 0);
	unlink(path);
	uart_init(&u, fd, (struct irq_line){0});
	assert_false(u.out_poll);
	uart_bus_ops.write(&u, THR, (const uint8_t *)"ok", 2); /* THR 'o', IER 'k' */
	assert_int_equal(u.tx_bytes, 1);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 1);
	assert_int_equal(buf[0], 'o');
	uart_destroy(&u);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(reset_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(linux_autoconfig_finds_16550a, setup, teardown),
	    cmocka_unit_test_setup_teardown(scratch_register, setup, teardown),
	    cmocka_unit_test_setup_teardown(divisor_latch, setup, teardown),
	    cmocka_unit_test_setup_teardown(thre_interrupt_on_ier_enable, setup, teardown),
	    cmocka_unit_test_setup_teardown(thre_rearmed_by_thr_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(fcr_xmit_clear_arms_thre, setup, teardown),
	    cmocka_unit_test_setup_teardown(rx_fifo_and_interrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(rx_has_priority_over_thre, setup, teardown),
	    cmocka_unit_test_setup_teardown(fcr_clears_rx, setup, teardown),
	    cmocka_unit_test_setup_teardown(loopback_feeds_receiver, setup, teardown),
	    cmocka_unit_test_setup_teardown(output_reaches_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(wide_access_splits_into_bytes, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_nonblocking_pipe_drops, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_blocking_pipe_drops_without_blocking, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(closed_reader_and_no_fd_drop, setup, teardown),
	    cmocka_unit_test(regular_file_is_not_polled),
	};

	return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
