/*
 * console.h - the serial console's input: stdin -> the UART.
 *
 * stdin is watched when it can be polled (tty, pipe, socket); a tty goes
 * raw until console_close. Until console_connect, input is read and
 * dropped (no guest yet). While the UART's receive FIFO is full, stdin is
 * not read (back-pressure) and a timerfd polls for room instead.
 */
#ifndef EMBER_CONSOLE_H
#define EMBER_CONSOLE_H

#include <stdbool.h>
#include <termios.h>

#include "loop.h"
#include "uart.h"

struct console {
	struct loop *loop;
	struct uart *uart; /* NULL until the guest runs */
	int in_fd;	   /* -1: no input wired */
	int timer_fd;	   /* re-polls stdin while the UART FIFO is full */
	bool raw;	   /* stdin was put in raw mode */
	struct termios saved;
	struct loop_handler in_h, timer_h;
};

/* console_init - nothing open yet (console_close is then a no-op). */
void console_init(struct console *c);

/* console_open - the retry timer on @l, and stdin if it can be polled.
 * 0 or -errno (only the timer can fail; stdin is best effort). */
int console_open(struct console *c, struct loop *l);

/* console_connect - from now on input goes to @u. */
void console_connect(struct console *c, struct uart *u);

/* console_close - restore the terminal, close the timer. */
void console_close(struct console *c);

#endif
