/*
 * uart.h - 8250/16550A UART (COM1, ports 0x3f8-0x3ff, IRQ 4).
 *
 * Enough of the chip for Linux's 8250 driver: autoconfig (scratch register,
 * MCR loopback reflected in MSR, IER probing, divisor latch via LCR.DLAB),
 * a 64-byte receive FIFO fed from the host, transmit written straight to the
 * output fd (the transmitter is always empty: LSR THRE|TEMT), and interrupt
 * identification (IIR) with priorities RX data > THR empty. The interrupt is
 * raised as an edge when a condition becomes pending and enabled.
 */
#ifndef EMBER_UART_H
#define EMBER_UART_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

#include "bus.h"
#include "irq.h"

#define UART_FIFO_SIZE 64

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, iir, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t dll, dlm;
	uint8_t rx_fifo[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	int thre_pending; /* THR-empty interrupt owed to the guest */
	int out_fd;	  /* guest output goes here; -1 drops it */
	struct irq_line irq;
	uint64_t tx_bytes;
	uint64_t tx_dropped; /* bytes the output fd refused */
};

extern const struct bus_dev_ops uart_bus_ops; /* 8 ports at SERIAL_PORT_BASE */

void uart_init(struct uart *u, int out_fd, struct irq_line irq);
void uart_destroy(struct uart *u);

/* uart_input - queue host input for the guest; returns bytes accepted
 * (fewer than @len when the FIFO is full). */
size_t uart_input(struct uart *u, const uint8_t *buf, size_t len);

/* uart_rx_space - free bytes in the receive FIFO (the event loop stops
 * reading stdin while it is 0). */
size_t uart_rx_space(struct uart *u);

#endif
