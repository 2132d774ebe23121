/*
 * uart.c - see uart.h.
 *
 * Register map of the 8250/16550A at offsets 0..7 from the base port:
 *   0  RBR (read) / THR (write)         DLL when LCR.DLAB is set
 *   1  IER                              DLM when LCR.DLAB is set
 *   2  IIR (read) / FCR (write)
 *   3  LCR   4  MCR   5  LSR   6  MSR   7  SCR
 *
 * The transmitter is modelled as infinitely fast: a byte written to THR is
 * handed to the output fd at once, so LSR always shows THRE and TEMT. Line
 * parameters (divisor, word length, parity) are stored for the guest to read
 * back and otherwise ignored. Modem-status deltas (MSR bits 0-3) and the
 * modem-status interrupt are not modelled: the lines never change.
 *
 * Interrupts: the line is an edge (an irqfd pulse into an edge-triggered
 * IOAPIC pin), so each condition is announced once, when it becomes pending
 * while enabled. Linux's handler then reads IIR until it reports "no
 * interrupt", which picks up anything that became pending meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uart.h"

#define UART_NR_REGS 8

enum uart_reg {
	REG_RBR_THR = 0,
	REG_IER = 1,
	REG_IIR_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI  0x04 /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK  0x0f /* the 16550A has no bits 4-7: they read as 0 */

#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_RDI	   0x04
#define IIR_RLSI   0x06
#define IIR_ID	   0x0f
#define IIR_FIFO   0xc0 /* "FIFOs enabled": how Linux tells a 16550A */

#define FCR_ENABLE     0x01
#define FCR_CLEAR_RCVR 0x02
#define FCR_CLEAR_XMIT 0x04
#define FCR_TRIGGER    0xc0 /* RX trigger level, stored only */

#define LCR_8N1	 0x03
#define LCR_DLAB 0x80

#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR	 0x01
#define LSR_OE	 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI	0x40
#define MSR_DCD 0x80

/* 115200 / 12 = 9600 baud, what a PC BIOS leaves behind. */
#define DEFAULT_DIVISOR 12

/* Give up on an output byte after this many interrupted writes. */
#define TX_EINTR_RETRIES 3

static bool uart_fd_may_block(int fd)
{
	struct stat st;
	int fl;

	if (fd < 0)
		return false;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		return false;
	/* Regular files never wait for a reader. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return false;
	return true;
}

void uart_init(struct uart *u, int out_fd, struct irq_line irq)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->lcr = LCR_8N1;
	u->mcr = MCR_OUT2;
	u->dll = DEFAULT_DIVISOR;
	u->out_fd = out_fd;
	u->out_poll = uart_fd_may_block(out_fd);
	u->irq = irq;
}

void uart_destroy(struct uart *u)
{
	pthread_mutex_destroy(&u->lock);
}

/* rx_push - append one byte to the receive FIFO; false if it is full. */
static bool rx_push(struct uart *u, uint8_t v)
{
	if (u->rx_count >= UART_FIFO_SIZE || u->rx_head >= UART_FIFO_SIZE)
		return false;
	u->rx_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = v;
	u->rx_count++;
	return true;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t v;

	if (!u->rx_count || u->rx_head >= UART_FIFO_SIZE)
		return 0;
	v = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return v;
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* IIR: the highest-priority pending, enabled source (16550 order). */
static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_ELSI) && u->lsr_err)
		return fifo | IIR_RLSI;
	if ((u->ier & IER_ERBFI) && u->rx_count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/*
 * MSR: outside loopback the modem lines are steady and asserted (carrier,
 * data set ready, clear to send). In loopback the 16550 feeds its own MCR
 * outputs back: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; Linux's autoconfig
 * writes MCR = LOOP|OUT2|RTS and expects MSR & 0xf0 == 0x90.
 */
static uint8_t uart_msr(const struct uart *u)
{
	uint8_t m = u->mcr;

	if (!(m & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	return ((m & MCR_DTR) ? MSR_DSR : 0) | ((m & MCR_RTS) ? MSR_CTS : 0) |
	       ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0);
}

static bool uart_out_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	if (poll(&p, 1, 0) != 1)
		return false;
	return (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/* uart_tx - one byte to the output fd; whatever cannot go now is dropped. */
static void uart_tx(struct uart *u, uint8_t v)
{
	int tries;

	if (u->out_fd < 0)
		return;
	if (u->out_poll && !uart_out_ready(u->out_fd)) {
		u->tx_dropped++;
		return;
	}
	for (tries = 0; tries < TX_EINTR_RETRIES; tries++) {
		ssize_t n = write(u->out_fd, &v, 1);

		if (n == 1) {
			u->tx_bytes++;
			return;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break; /* EAGAIN, EPIPE, a zero-length write: drop */
	}
	u->tx_dropped++;
}

/* Each helper below returns true when the interrupt line must be pulsed. */

static bool uart_thr_write(struct uart *u, uint8_t v)
{
	bool was_pending = u->thre_pending;
	bool raise = false;

	if (u->mcr & MCR_LOOP) {
		/* Loopback: the serializer output is wired to the receiver. */
		if (!rx_push(u, v))
			u->lsr_err |= LSR_OE;
		else if (u->ier & IER_ERBFI)
			raise = true;
		if ((u->lsr_err & LSR_OE) && (u->ier & IER_ELSI))
			raise = true;
	} else {
		uart_tx(u, v);
	}
	/*
	 * Writing THR clears the THRE interrupt; the byte leaves at once, so
	 * THR is empty again and the interrupt is re-armed. Pulse only if it
	 * was not already pending: a pending one has had its edge and the
	 * guest will see it when it next reads IIR.
	 */
	u->thre_pending = true;
	if ((u->ier & IER_ETBEI) && !was_pending)
		raise = true;
	return raise;
}

static bool uart_ier_write(struct uart *u, uint8_t v)
{
	uint8_t old = u->ier;
	uint8_t on;
	bool raise = false;

	u->ier = v & IER_MASK;
	on = u->ier & ~old;
	/*
	 * Enabling the THRE interrupt while THR is empty (always, here) makes
	 * it pending at once; Linux's start_tx relies on this to get the first
	 * interrupt, and its startup test checks it happens again after a
	 * disable/enable cycle.
	 */
	if (on & IER_ETBEI) {
		u->thre_pending = true;
		raise = true;
	}
	if ((on & IER_ERBFI) && u->rx_count)
		raise = true;
	if ((on & IER_ELSI) && u->lsr_err)
		raise = true;
	return raise;
}

static bool uart_fcr_write(struct uart *u, uint8_t v)
{
	bool raise = false;

	/* Switching FIFO mode on or off flushes both FIFOs (16550A). */
	if ((v ^ u->fcr) & FCR_ENABLE)
		v |= FCR_CLEAR_RCVR | FCR_CLEAR_XMIT;
	if (v & FCR_CLEAR_RCVR)
		rx_clear(u);
	if (v & FCR_CLEAR_XMIT) {
		/* An emptied transmit FIFO means THR empty: THRE fires. */
		if ((u->ier & IER_ETBEI) && !u->thre_pending)
			raise = true;
		u->thre_pending = true;
	}
	u->fcr = v & (FCR_ENABLE | FCR_TRIGGER);
	return raise;
}

static bool uart_write_reg(struct uart *u, unsigned int reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR_THR:
		if (dlab) {
			u->dll = v;
			return false;
		}
		return uart_thr_write(u, v);
	case REG_IER:
		if (dlab) {
			u->dlm = v;
			return false;
		}
		return uart_ier_write(u, v);
	case REG_IIR_FCR:
		return uart_fcr_write(u, v);
	case REG_LCR:
		u->lcr = v;
		return false;
	case REG_MCR:
		u->mcr = v & MCR_MASK;
		return false;
	case REG_SCR:
		u->scr = v;
		return false;
	default:
		/* LSR and MSR writes are factory-test only: ignored. */
		return false;
	}
}

static uint8_t uart_read_reg(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case REG_RBR_THR:
		return dlab ? u->dll : rx_pop(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR:
		v = uart_iir(u);
		/* Reading IIR while it reports THRE acknowledges that interrupt. */
		if ((v & IIR_ID) == IIR_THRI)
			u->thre_pending = false;
		return v;
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) | u->lsr_err;
		u->lsr_err = 0;
		return v;
	case REG_MSR:
		return uart_msr(u);
	case REG_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

/*
 * Wider accesses are split into byte accesses at consecutive offsets, the
 * way an ISA bus sizes a 16-bit cycle to an 8-bit device.
 */
static void uart_bus_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	struct uart *u = dev;
	uint32_t i;

	pthread_mutex_lock(&u->lock);
	for (i = 0; i < len; i++)
		data[i] = off + i < UART_NR_REGS ? uart_read_reg(u, (unsigned int)(off + i)) : 0xff;
	pthread_mutex_unlock(&u->lock);
}

static void uart_bus_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct uart *u = dev;
	bool raise = false;
	uint32_t i;

	pthread_mutex_lock(&u->lock);
	for (i = 0; i < len; i++) {
		if (off + i < UART_NR_REGS)
			raise |= uart_write_reg(u, (unsigned int)(off + i), data[i]);
	}
	pthread_mutex_unlock(&u->lock);
	if (raise)
		irq_raise(&u->irq);
}

const struct bus_dev_ops uart_bus_ops = {
    .read = uart_bus_read,
    .write = uart_bus_write,
};

size_t uart_input(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	bool raise;

	pthread_mutex_lock(&u->lock);
	while (n < len && rx_push(u, buf[n]))
		n++;
	raise = n && (u->ier & IER_ERBFI);
	pthread_mutex_unlock(&u->lock);
	if (raise)
		irq_raise(&u->irq);
	return n;
}

size_t uart_rx_space(struct uart *u)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = UART_FIFO_SIZE - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return n;
}

/* ---- snapshot state ---- */

void uart_save(struct uart *u, struct uart_state *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&u->lock);
	s->ier = u->ier;
	s->lcr = u->lcr;
	s->mcr = u->mcr;
	s->scr = u->scr;
	s->fcr = u->fcr;
	s->dll = u->dll;
	s->dlm = u->dlm;
	s->lsr_err = u->lsr_err;
	s->thre_pending = u->thre_pending;
	for (i = 0; i < u->rx_count && i < UART_FIFO_SIZE; i++)
		s->rx_fifo[i] = u->rx_fifo[(u->rx_head + i) % UART_FIFO_SIZE];
	s->rx_count = i;
	pthread_mutex_unlock(&u->lock);
}

int uart_state_check(const struct uart_state *s, char *why, size_t n)
{
	const char *bad = NULL;
	unsigned int i;

	if (s->ier & ~IER_MASK)
		bad = "IER has bits the 16550A lacks";
	else if (s->mcr & ~MCR_MASK)
		bad = "MCR has bits the 16550A lacks";
	else if (s->fcr & ~(FCR_ENABLE | FCR_TRIGGER))
		bad = "FCR holds one-shot or reserved bits";
	else if (s->lsr_err & ~LSR_OE)
		bad = "LSR error bits other than overrun";
	else if (s->thre_pending > 1 || s->pad[0] || s->pad[1] || s->pad[2])
		bad = "THRE flag or reserved bytes";
	else if (s->rx_count > UART_FIFO_SIZE)
		bad = "receive FIFO count over its size";
	for (i = s->rx_count; !bad && i < UART_FIFO_SIZE; i++)
		if (s->rx_fifo[i])
			bad = "receive FIFO bytes past the count";
	if (!bad)
		return 0;
	if (why && n)
		snprintf(why, n, "UART: %s", bad);
	return -EINVAL;
}

void uart_restore(struct uart *u, const struct uart_state *s)
{
	unsigned int count = s->rx_count < UART_FIFO_SIZE ? s->rx_count : UART_FIFO_SIZE;

	pthread_mutex_lock(&u->lock);
	u->ier = s->ier & IER_MASK;
	u->lcr = s->lcr;
	u->mcr = s->mcr & MCR_MASK;
	u->scr = s->scr;
	u->fcr = s->fcr & (FCR_ENABLE | FCR_TRIGGER);
	u->dll = s->dll;
	u->dlm = s->dlm;
	u->lsr_err = s->lsr_err & LSR_OE;
	u->thre_pending = s->thre_pending;
	memcpy(u->rx_fifo, s->rx_fifo, count);
	u->rx_head = 0;
	u->rx_count = count;
	pthread_mutex_unlock(&u->lock);
}
