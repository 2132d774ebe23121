/*
 * i8042.h - the PS/2 keyboard controller, just enough for a microVM.
 *
 * Ports 0x60 (data) and 0x64 (status/command). The guest reboots through
 * command 0xFE (pulse reset line), which with reboot=k is how a Linux guest
 * ends: ember treats it as a clean VM exit. Status reads are chosen so
 * Linux's probe finishes at once instead of polling.
 */
#ifndef EMBER_I8042_H
#define EMBER_I8042_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"

#define I8042_BUF_SIZE 16

struct i8042 {
	pthread_mutex_t lock;
	uint8_t status;	     /* sticky status bits; OBF is derived from out_count */
	uint8_t cmd_byte;    /* controller configuration byte */
	uint8_t pending_cmd; /* command waiting for its data byte, 0 if none */
	uint8_t kbd_pending; /* keyboard command waiting for its parameter, 0 if none */
	uint8_t outp;	     /* output port (0xD0/0xD1); bit 0 low = CPU reset */
	uint8_t outbuf[I8042_BUF_SIZE];
	unsigned int out_head, out_count;
	struct irq_line irq;	  /* IRQ 1 */
	void (*reset)(void *ctx); /* called on command 0xFE, outside the lock */
	void *reset_ctx;
};

/* The guest-visible state for snapshots; the output buffer oldest first. */
struct i8042_state {
	uint8_t status, cmd_byte, pending_cmd, kbd_pending, outp;
	uint8_t pad[3];
	uint32_t out_count; /* bytes in @outbuf, at most I8042_BUF_SIZE */
	uint8_t outbuf[I8042_BUF_SIZE];
};

/* The device covers ports 0x60..0x64; 0x61-0x63 are not ours (the in-kernel
 * PIT handles 0x61), so register it as two ranges: data and command. */
extern const struct bus_dev_ops i8042_data_ops;	   /* port 0x60, length 1 */
extern const struct bus_dev_ops i8042_command_ops; /* port 0x64, length 1 */

void i8042_init(struct i8042 *k, struct irq_line irq, void (*reset)(void *), void *reset_ctx);
void i8042_destroy(struct i8042 *k);

/* i8042_send_ctrl_alt_del - queue Ctrl, Alt and Del presses then releases
 * (scancode set 2, or set 1 if the guest turned on translation) and
 * interrupt the guest. -ENOSPC if the output buffer lacks room for all. */
int i8042_send_ctrl_alt_del(struct i8042 *k);

/* i8042_save - @k's state into @s (under its lock; any thread). */
void i8042_save(struct i8042 *k, struct i8042_state *s);

/* i8042_state_check - @s from an untrusted file: status bits, pending
 * commands that exist, the reset line released, counts. 0, or -EINVAL with
 * the reason in @why. */
int i8042_state_check(const struct i8042_state *s, char *why, size_t n);

/* i8042_restore - load @s (i8042_state_check()ed) into an initialised @k;
 * the interrupt line and reset callback stay, no interrupt is raised. */
void i8042_restore(struct i8042 *k, const struct i8042_state *s);

#endif
