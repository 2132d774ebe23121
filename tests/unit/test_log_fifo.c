/*
 * Unit tests for the logger and metrics sinks on a FIFO nobody reads, as
 * firecracker-containerd, the Go SDK and Kata leave them: the open works
 * (read+write, non-blocking, as Firecracker), a full FIFO never blocks,
 * and what could not be written is counted (logger.missed_log_count,
 * logger.missed_metrics_count) and shows up once a reader drains it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "metrics.h"

struct fixture {
	char dir[64];
	char fifo[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ember-fifo-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->fifo, sizeof(f->fifo), "%s/sink.fifo", f->dir);
	if (mkfifo(f->fifo, 0600))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->fifo);
	rmdir(f->dir);
	free(f);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* drain - read everything buffered in the FIFO; the last complete line in @last. */
static size_t drain(const char *path, char *last, size_t cap)
{
	char buf[8192], *nl, *start;
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	assert_true(fd >= 0);
	last[0] = '\0';
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		total += (size_t)n;
		/* Lines are written whole (< PIPE_BUF); keep the last one that
		 * ends in this chunk, if any. */
		nl = strrchr(buf, '\n');
		if (!nl)
			continue;
		*nl = '\0';
		start = strrchr(buf, '\n');
		start = start ? start + 1 : buf;
		snprintf(last, cap, "%s", start);
	}
	close(fd);
	return total;
}

static void metrics_fifo_without_reader(void **state)
{
	struct fixture *f = *state;
	struct metrics m;
	char last[4096];
	json_t *j, *lg;
	double t0;
	int i, ret = 0;

	metrics_init(&m);
	assert_int_equal(metrics_open(&m, f->fifo), 0);
	/* Fill the FIFO: each flush returns at once, until the pipe is full. */
	t0 = now_s();
	for (i = 0; i < 10000 && !ret; i++)
		ret = metrics_flush(&m, NULL);
	assert_int_equal(ret, -EAGAIN);
	assert_true(now_s() - t0 < 5.0);
	assert_true(m.lines > 0);
	assert_int_equal(m.lost, 1);
	assert_int_equal(metrics_flush(&m, NULL), -EAGAIN);
	assert_int_equal(m.lost, 2);
	/* A reader attaches late and drains; the next line tells what was lost. */
	assert_true(drain(f->fifo, last, sizeof(last)) > 0);
	assert_int_equal(metrics_flush(&m, NULL), 0);
	drain(f->fifo, last, sizeof(last));
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	lg = json_object_get(j, "logger");
	assert_int_equal(json_integer_value(json_object_get(lg, "missed_metrics_count")), 2);
	json_decref(j);
	/* A counter: the next line reports no new losses. */
	assert_int_equal(metrics_flush(&m, NULL), 0);
	drain(f->fifo, last, sizeof(last));
	j = json_loads(last, 0, NULL);
	assert_non_null(j);
	lg = json_object_get(j, "logger");
	assert_int_equal(json_integer_value(json_object_get(lg, "missed_metrics_count")), 0);
	json_decref(j);
	metrics_close(&m);
}

static void log_fifo_without_reader(void **state)
{
	struct fixture *f = *state;
	struct logger l;
	char last[4096];
	uint64_t lost;
	double t0;
	int i;

	log_init(&l, "fifo-test");
	assert_int_equal(log_open(&l, f->fifo), 0);
	assert_int_equal(log_lost(&l), 0);
	/* 64 KiB of pipe takes some hundred lines; write far more. */
	t0 = now_s();
	for (i = 0; i < 5000; i++)
		log_info(&l,
			 "line %d of a log nobody reads yet, padded to fill the pipe sooner %0200d",
			 i, 0);
	assert_true(now_s() - t0 < 5.0);
	lost = log_lost(&l);
	assert_true(lost > 0 && lost < 5000);
	/* Lines were dropped whole: what is buffered parses line by line. */
	assert_true(drain(f->fifo, last, sizeof(last)) > 0);
	assert_non_null(strstr(last, "[fifo-test:"));
	assert_non_null(strstr(last, "of a log nobody reads yet"));
	/* Once drained, lines go through again and the count stays. */
	log_info(&l, "after the drain");
	assert_int_equal(log_lost(&l), lost);
	drain(f->fifo, last, sizeof(last));
	assert_non_null(strstr(last, "after the drain"));
	log_close(&l);
}

/* A regular file still works and is created 0600 when missing. */
static void regular_files(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct logger l;
	struct metrics m;
	struct stat st;

	snprintf(path, sizeof(path), "%s/log.txt", f->dir);
	log_init(&l, "file-test");
	assert_int_equal(log_open(&l, path), 0);
	log_info(&l, "hello");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(st.st_size > 0);
	assert_int_equal(log_lost(&l), 0);
	log_close(&l);
	unlink(path);
	metrics_init(&m);
	assert_int_equal(metrics_open(&m, path), 0);
	assert_int_equal(metrics_flush(&m, NULL), 0);
	assert_int_equal(m.lines, 1);
	metrics_close(&m);
	unlink(path);
	/* A directory cannot be a sink. */
	assert_int_equal(metrics_open(&m, f->dir), -EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(metrics_fifo_without_reader, setup, teardown),
	    cmocka_unit_test_setup_teardown(log_fifo_without_reader, setup, teardown),
	    cmocka_unit_test_setup_teardown(regular_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
