/* Unit tests for the boot-timer pseudo device. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "boot_timer.h"
#include "bus.h"
#include "layout.h"

struct fixture {
	struct logger log;
	struct boot_timer t;
	int pipe[2]; /* the logger writes into [1]; the test reads [0] */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK))
		return -1;
	log_init(&f->log, "bt-test");
	f->log.fd = f->pipe[1];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	log_close(&f->log); /* closes pipe[1] */
	close(f->pipe[0]);
	free(f);
	return 0;
}

/* Everything logged so far, NUL-terminated; "" if nothing. */
static char *logged(struct fixture *f)
{
	static char buf[4096];
	ssize_t n = read(f->pipe[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void poke(struct boot_timer *t, uint64_t off, uint8_t v, uint32_t len)
{
	uint8_t d[8] = {v};

	boot_timer_ops.write(t, off, d, len);
}

static void burn_cpu_ms(long ms)
{
	struct timespec a, b;
	volatile uint64_t x = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	do {
		x += 1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void magic_write_logs_line(void **state)
{
	struct fixture *f = *state;
	unsigned long long us, ms, cpu_us, cpu_ms;
	char want[256];
	const char *line, *msg;
	struct timespec nap = {.tv_nsec = 30 * 1000000};

	boot_timer_start(&f->t, &f->log);
	nanosleep(&nap, NULL);
	burn_cpu_ms(20);
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 1);
	line = logged(f);
	/* "<ts> [bt-test:<thread>] [Info] Guest-boot-time = ..." */
	assert_non_null(strstr(line, "[bt-test:"));
	assert_non_null(strstr(line, "] [Info] Guest-boot-time = "));
	msg = strstr(line, "Guest-boot-time = ");
	assert_int_equal(sscanf(msg, "Guest-boot-time = %llu us %llu ms, %llu CPU us %llu CPU ms",
				&us, &ms, &cpu_us, &cpu_ms),
			 4);
	/* The exact format, no padding, one line. */
	snprintf(want, sizeof(want), "Guest-boot-time = %llu us %llu ms, %llu CPU us %llu CPU ms\n",
		 us, ms, cpu_us, cpu_ms);
	assert_string_equal(msg, want);
	assert_int_equal(ms, us / 1000);
	assert_int_equal(cpu_ms, cpu_us / 1000);
	assert_true(us >= 50000);     /* slept 30 ms + burned 20 ms */
	assert_true(us < 10000000);   /* and not since the epoch */
	assert_true(cpu_us >= 15000); /* burned ~20 ms of CPU */
	assert_true(cpu_us <= us + 5000);
	assert_int_equal(atomic_load(&f->t.boot_wall_us), us);
	assert_int_equal(atomic_load(&f->t.boot_cpu_us), cpu_us);
}

static void other_writes_ignored(void **state)
{
	struct fixture *f = *state;

	boot_timer_start(&f->t, &f->log);
	poke(&f->t, 0, BOOT_TIMER_MAGIC - 1, 1);
	poke(&f->t, 0, 0, 1);
	poke(&f->t, 0, 0xff, 1);
	poke(&f->t, 1, BOOT_TIMER_MAGIC, 1);
	poke(&f->t, 0xfff, BOOT_TIMER_MAGIC, 1);
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 2); /* 16-bit write of 123 */
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 4);
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 8);
	assert_string_equal(logged(f), "");
	assert_false(atomic_load(&f->t.fired));
	assert_int_equal(atomic_load(&f->t.boot_wall_us), 0);
	assert_int_equal(atomic_load(&f->t.boot_cpu_us), 0);
}

static void only_first_recorded(void **state)
{
	struct fixture *f = *state;
	struct timespec nap = {.tv_nsec = 5 * 1000000};
	uint64_t first;

	boot_timer_start(&f->t, &f->log);
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 1);
	first = atomic_load(&f->t.boot_wall_us);
	assert_non_null(strstr(logged(f), "Guest-boot-time"));
	nanosleep(&nap, NULL);
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 1);
	assert_string_equal(logged(f), "");
	assert_int_equal(atomic_load(&f->t.boot_wall_us), first);
	/* A new start re-arms it. */
	boot_timer_start(&f->t, &f->log);
	assert_int_equal(atomic_load(&f->t.boot_wall_us), 0);
	poke(&f->t, 0, BOOT_TIMER_MAGIC, 1);
	assert_non_null(strstr(logged(f), "Guest-boot-time"));
}

static void reads_return_zero(void **state)
{
	struct fixture *f = *state;
	uint8_t d[8];

	boot_timer_start(&f->t, &f->log);
	memset(d, 0xaa, sizeof(d));
	boot_timer_ops.read(&f->t, 0, d, 8);
	assert_memory_equal(d, "\0\0\0\0\0\0\0\0", 8);
	memset(d, 0xaa, sizeof(d));
	boot_timer_ops.read(&f->t, 0xffc, d, 4);
	assert_memory_equal(d, "\0\0\0\0\xaa", 5);
	assert_string_equal(logged(f), "");
}

#define RACERS 4

static void *racer(void *arg)
{
	poke(arg, 0, BOOT_TIMER_MAGIC, 1);
	return NULL;
}

static void racing_vcpus_log_once(void **state)
{
	struct fixture *f = *state;
	pthread_t th[RACERS];
	const char *s;
	int i, lines = 0;

	boot_timer_start(&f->t, &f->log);
	for (i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, racer, &f->t), 0);
	for (i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	for (s = logged(f); (s = strstr(s, "Guest-boot-time")); s++)
		lines++;
	assert_int_equal(lines, 1);
}

static void through_the_mmio_bus(void **state)
{
	struct fixture *f = *state;
	struct bus mmio = {0};
	uint8_t v = BOOT_TIMER_MAGIC;

	assert_int_equal(bus_add(&mmio, BOOT_TIMER_ADDR, BOOT_TIMER_SIZE, &boot_timer_ops, &f->t),
			 0);
	boot_timer_start(&f->t, &f->log);
	assert_true(bus_write(&mmio, BOOT_TIMER_ADDR + 1, &v, 1));
	assert_string_equal(logged(f), "");
	assert_true(bus_write(&mmio, BOOT_TIMER_ADDR, &v, 1));
	assert_non_null(strstr(logged(f), "Guest-boot-time = "));
	assert_false(bus_write(&mmio, BOOT_TIMER_ADDR + BOOT_TIMER_SIZE, &v, 1));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(magic_write_logs_line), T(other_writes_ignored),	T(only_first_recorded),
	    T(reads_return_zero),     T(racing_vcpus_log_once), T(through_the_mmio_bus),
	};
#undef T

	return cmocka_run_group_tests_name("boot_timer", tests, NULL, NULL);
}
