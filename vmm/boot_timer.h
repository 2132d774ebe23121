/*
 * boot_timer.h - the boot-timer pseudo device at BOOT_TIMER_ADDR (MMIO).
 *
 * A guest's init writes the byte 123 at offset 0 once it reaches userspace;
 * ember then logs the wall and CPU time since the boot started, in
 * Firecracker's format:
 *   "Guest-boot-time = <us> us <ms> ms, <cpu us> CPU us <cpu ms> CPU ms"
 */
#ifndef EMBER_BOOT_TIMER_H
#define EMBER_BOOT_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "log.h"

#define BOOT_TIMER_MAGIC 123
#define BOOT_TIMER_SIZE	 0x1000

struct boot_timer {
	uint64_t start_wall_ns; /* CLOCK_MONOTONIC at InstanceStart */
	uint64_t start_cpu_ns;	/* CLOCK_PROCESS_CPUTIME_ID at InstanceStart */
	struct logger *log;
	atomic_bool fired;	       /* the magic write was seen */
	_Atomic uint64_t boot_wall_us; /* set at the first magic write, else 0 */
	_Atomic uint64_t boot_cpu_us;
};

extern const struct bus_dev_ops boot_timer_ops;

/* boot_timer_start - take the start timestamps (now) and re-arm the
 * device. Call before the vCPUs run; the first magic write after it is
 * logged and recorded, later ones are ignored. Reads return 0. */
void boot_timer_start(struct boot_timer *t, struct logger *log);

#endif
