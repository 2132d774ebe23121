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

#endif
