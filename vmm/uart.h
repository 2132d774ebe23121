/*
 * uart.h - 8250/16550A UART (COM1, ports 0x3f8-0x3ff, IRQ 4).
 *
 * Enough of the chip for Linux's 8250 driver: autoconfig (scratch register,
 * MCR loopback reflected in MSR, IER probing, divisor latch via LCR.DLAB),
 * a 64-byte receive FIFO fed from the host, transmit written straight to the
 * output fd (the transmitter is always empty: LSR THRE|TEMT), and interrupt
 * identification (IIR) with priorities line status (loopback overrun) >
 * RX data > THR empty. The interrupt is raised as an edge when a condition
 * becomes pending and enabled.
 */
#ifndef EMBER_UART_H
#define EMBER_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "bus.h"
#include "irq.h"

#define UART_FIFO_SIZE 64

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, fcr; /* IIR, LSR and MSR are derived */
	uint8_t dll, dlm;
	uint8_t lsr_err; /* sticky LSR error bits (overrun); reading LSR clears */
	uint8_t rx_fifo[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	bool thre_pending; /* THR-empty interrupt owed to the guest */
	int out_fd;	   /* guest output goes here; -1 drops it; not owned */
	bool out_poll;	   /* out_fd may block: poll it before each write */
	struct irq_line irq;
	uint64_t tx_bytes;   /* bytes written to out_fd */
	uint64_t tx_dropped; /* bytes the output fd refused */
};

/* The guest-visible state for snapshots: registers and the receive FIFO
 * (oldest byte first); not the output fd, the interrupt line or counters. */
struct uart_state {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t lsr_err;
	uint8_t thre_pending; /* 0 or 1 */
	uint8_t pad[3];
	uint32_t rx_count; /* bytes in @rx_fifo, at most UART_FIFO_SIZE */
	uint8_t rx_fifo[UART_FIFO_SIZE];
};

extern const struct bus_dev_ops uart_bus_ops; /* 8 ports at SERIAL_PORT_BASE */

/* uart_init - reset state, guest output to @out_fd (not owned: the caller
 * closes it after uart_destroy). A blocking @out_fd is polled before each
 * byte so a stalled reader drops output instead of stalling the vCPU. */
void uart_init(struct uart *u, int out_fd, struct irq_line irq);
void uart_destroy(struct uart *u);

/* uart_input - queue host input for the guest; returns bytes accepted
 * (fewer than @len when the FIFO is full). */
size_t uart_input(struct uart *u, const uint8_t *buf, size_t len);

/* uart_rx_space - free bytes in the receive FIFO (the event loop stops
 * reading stdin while it is 0). */
size_t uart_rx_space(struct uart *u);

/* uart_save - @u's state into @s (under its lock; any thread). */
void uart_save(struct uart *u, struct uart_state *s);

/* uart_state_check - @s from an untrusted file: reserved bits, counts.
 * 0, or -EINVAL with the reason in @why. */
int uart_state_check(const struct uart_state *s, char *why, size_t n);

/* uart_restore - load @s (uart_state_check()ed) into an initialised @u;
 * the output fd and interrupt line stay. No interrupt is raised: one the
 * guest was owed is in the restored interrupt controllers. */
void uart_restore(struct uart *u, const struct uart_state *s);

#endif
