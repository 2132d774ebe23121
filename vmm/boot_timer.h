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
#include <stddef.h>
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

/* For snapshots: whether the guest already signalled, and what was
 * measured then. The start timestamps belong to the process that booted. */
struct boot_timer_state {
	uint8_t fired; /* 0 or 1 */
	uint8_t pad[7];
	uint64_t boot_wall_us, boot_cpu_us; /* 0 unless fired */
};

#define BOOT_TIMER_MAX_US (1ULL << 40) /* ~12 days: no boot takes longer */

void boot_timer_save(const struct boot_timer *t, struct boot_timer_state *s);

/* boot_timer_state_check - 0, or -EINVAL with the reason in @why. */
int boot_timer_state_check(const struct boot_timer_state *s, char *why, size_t n);

/* boot_timer_restore - re-arm @t (as boot_timer_start: timestamps now,
 * logging to @log), then take @s: a guest that had signalled is not timed
 * again. */
void boot_timer_restore(struct boot_timer *t, const struct boot_timer_state *s, struct logger *log);

#endif
