/*
 * boot_timer.c - see boot_timer.h.
 *
 * The guest's init signals "userspace reached" with a 1-byte write of 123
 * at offset 0 of the device (Firecracker's boot-timer protocol). The wall
 * time is CLOCK_MONOTONIC since boot_timer_start(); the CPU time is that of
 * the whole ember process (all threads, vCPU guest time included) over the
 * same interval.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "boot_timer.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Microseconds from @start to @now, 0 if the clock went backwards. */
static uint64_t elapsed_us(uint64_t start, uint64_t now)
{
	return now > start ? (now - start) / 1000 : 0;
}

void boot_timer_start(struct boot_timer *t, struct logger *log)
{
	t->start_wall_ns = clock_ns(CLOCK_MONOTONIC);
	t->start_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t->log = log;
	atomic_store(&t->boot_wall_us, 0);
	atomic_store(&t->boot_cpu_us, 0);
	atomic_store(&t->fired, false);
}

static void boot_timer_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	memset(data, 0, len);
}

static void boot_timer_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct boot_timer *t = dev;
	uint64_t wall_us, cpu_us;

	if (off != 0 || len != 1 || data[0] != BOOT_TIMER_MAGIC)
		return;
	/* Take the clocks first so the exchange below costs nothing. */
	wall_us = elapsed_us(t->start_wall_ns, clock_ns(CLOCK_MONOTONIC));
	cpu_us = elapsed_us(t->start_cpu_ns, clock_ns(CLOCK_PROCESS_CPUTIME_ID));
	/* Several vCPUs may race here; only the first write counts. */
	if (atomic_exchange(&t->fired, true))
		return;
	atomic_store(&t->boot_wall_us, wall_us);
	atomic_store(&t->boot_cpu_us, cpu_us);
	log_info(t->log, "Guest-boot-time = %llu us %llu ms, %llu CPU us %llu CPU ms",
		 (unsigned long long)wall_us, (unsigned long long)(wall_us / 1000),
		 (unsigned long long)cpu_us, (unsigned long long)(cpu_us / 1000));
}

const struct bus_dev_ops boot_timer_ops = {
    .read = boot_timer_read,
    .write = boot_timer_write,
};

void boot_timer_save(const struct boot_timer *t, struct boot_timer_state *s)
{
	memset(s, 0, sizeof(*s));
	s->fired = atomic_load(&t->fired);
	if (s->fired) {
		s->boot_wall_us = atomic_load(&t->boot_wall_us);
		s->boot_cpu_us = atomic_load(&t->boot_cpu_us);
	}
}

int boot_timer_state_check(const struct boot_timer_state *s, char *why, size_t n)
{
	const char *bad = NULL;

	if (s->fired > 1 || s->pad[0] || s->pad[1] || s->pad[2] || s->pad[3] || s->pad[4] ||
	    s->pad[5] || s->pad[6])
		bad = "flag or reserved bytes";
	else if (!s->fired && (s->boot_wall_us || s->boot_cpu_us))
		bad = "boot times without the guest's signal";
	else if (s->boot_wall_us > BOOT_TIMER_MAX_US || s->boot_cpu_us > BOOT_TIMER_MAX_US)
		bad = "boot times out of range";
	if (!bad)
		return 0;
	if (why && n)
		snprintf(why, n, "boot timer: %s", bad);
	return -EINVAL;
}

void boot_timer_restore(struct boot_timer *t, const struct boot_timer_state *s, struct logger *log)
{
	boot_timer_start(t, log);
	atomic_store(&t->boot_wall_us, s->boot_wall_us);
	atomic_store(&t->boot_cpu_us, s->boot_cpu_us);
	atomic_store(&t->fired, s->fired != 0);
}
