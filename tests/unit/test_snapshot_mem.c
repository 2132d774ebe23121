/* Unit tests for the snapshot memory file (snapshot_mem.c): a Full write
 * keeps zero pages as holes and maps back MAP_PRIVATE to the same bytes
 * (writes stay private), a Diff holds only the dirty pages at their offsets,
 * and a memory file of the wrong size is refused. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dirty_log.h"
#include "snapshot_mem.h"

#define RAM (4ULL << 20)

struct fix {
	char dir[64], path[96];
	struct guest_mem gm;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct errbuf e;

	strcpy(f->dir, "/tmp/ember-snapmem-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/mem", f->dir);
	assert_int_equal(gm_init(&f->gm, RAM, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	gm_destroy(&f->gm);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void full_round_trip(void **state)
{
	struct fix *f = *state;
	struct guest_mem back;
	struct errbuf e = {""};
	struct stat st;
	int fd;

	memset(gm_ptr(&f->gm, 0x1000, 16), 0xab, 16);
	memset(gm_ptr(&f->gm, RAM - 4096, 4096), 0xcd, 4096);
	assert_int_equal(snapshot_mem_write(&f->gm, f->path, &e), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, RAM);
	/* Two pages of data: the rest are holes. */
	assert_true((uint64_t)st.st_blocks * 512 < 64 * 1024);
	fd = snapshot_mem_open(f->path, RAM, &e);
	assert_true(fd >= 0);
	assert_int_equal(gm_init_file(&back, RAM, fd, &e), 0);
	close(fd);
	assert_memory_equal(gm_ptr(&back, 0, RAM), gm_ptr(&f->gm, 0, RAM), RAM);
	/* MAP_PRIVATE: the restored guest's writes never reach the file. */
	memset(gm_ptr(&back, 0x1000, 16), 0x11, 16);
	gm_destroy(&back);
	fd = snapshot_mem_open(f->path, RAM, &e);
	assert_int_equal(gm_init_file(&back, RAM, fd, &e), 0);
	close(fd);
	assert_int_equal(*(uint8_t *)gm_ptr(&back, 0x1000, 1), 0xab);
	gm_destroy(&back);
}

static void wrong_size_refused(void **state)
{
	struct fix *f = *state;
	struct errbuf e = {""};

	assert_int_equal(snapshot_mem_write(&f->gm, f->path, &e), 0);
	assert_int_equal(snapshot_mem_open(f->path, RAM * 2, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "another snapshot"));
	assert_true(snapshot_mem_open("/nonexistent/mem", RAM, &e) < 0);
	assert_int_equal(snapshot_mem_open(f->dir, RAM, &e), -EINVAL);
}

/* A Diff from a hand-made dirty log: only page 3 and pages 10-11. */
static void diff_holds_dirty_pages(void **state)
{
	struct fix *f = *state;
	struct dirty_log dl;
	struct errbuf e = {""};
	uint8_t page[4096];
	struct stat st;
	int fd;

	memset(gm_ptr(&f->gm, 0, RAM), 0x5a, RAM);
	memset(&dl, 0, sizeof(dl));
	dl.nr_slots = 1;
	dl.slot[0].gpa = 0;
	dl.slot[0].size = RAM;
	assert_int_equal(dbm_init(&dl.slot[0].result, RAM / 4096), 0);
	dbm_mark(&dl.slot[0].result, 3 * 4096, 4096);
	dbm_mark(&dl.slot[0].result, 10 * 4096, 2 * 4096);
	assert_int_equal(snapshot_mem_write_diff(&f->gm, &dl, f->path, &e), 0);
	dbm_free(&dl.slot[0].result);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, RAM);
	assert_true((uint64_t)st.st_blocks * 512 < 64 * 1024);
	fd = open(f->path, O_RDONLY);
	assert_int_equal(pread(fd, page, sizeof(page), 3 * 4096), 4096);
	assert_int_equal(page[0], 0x5a);
	assert_int_equal(pread(fd, page, sizeof(page), 11 * 4096), 4096);
	assert_int_equal(page[4095], 0x5a);
	assert_int_equal(pread(fd, page, sizeof(page), 4 * 4096), 4096);
	assert_int_equal(page[0], 0); /* a hole */
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(full_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(wrong_size_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(diff_holds_dirty_pages, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
