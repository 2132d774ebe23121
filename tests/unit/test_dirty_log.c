/* Unit tests for dirty page tracking: the atomic page bitmap (marking at
 * page and word boundaries, clipping, runs, merging, concurrent marking),
 * and dirty_log over real guest memory: the VMM's writes through gm_ptr()
 * and, when /dev/kvm can run a few real-mode instructions, the guest's own
 * writes through KVM's dirty log. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "dirty_log.h"
#include "kvm_fixture.h"

#define PG DBM_PAGE_SIZE

static void test_mark_boundaries(void **state)
{
	struct dirty_bitmap b;

	assert_int_equal(dbm_init(&b, 130), 0);
	dbm_mark(&b, 0, 0); /* nothing */
	assert_int_equal(dbm_count(&b), 0);
	dbm_mark(&b, 0, 1);
	assert_true(dbm_test(&b, 0));
	dbm_mark(&b, 2 * PG - 1, 2); /* straddles pages 1 and 2 */
	assert_true(dbm_test(&b, 1) && dbm_test(&b, 2));
	dbm_mark(&b, 64 * PG - 1, 2); /* straddles words */
	assert_true(dbm_test(&b, 63) && dbm_test(&b, 64));
	assert_false(dbm_test(&b, 3) || dbm_test(&b, 62) || dbm_test(&b, 65));
	assert_int_equal(dbm_count(&b), 5);
	dbm_clear(&b);
	dbm_mark(&b, 100 * PG, UINT64_MAX); /* clipped at the end, no overflow */
	assert_int_equal(dbm_count(&b), 30);
	assert_true(dbm_test(&b, 129));
	assert_false(dbm_test(&b, 130)); /* outside: false, no read past */
	dbm_clear(&b);
	dbm_mark(&b, 130 * PG, PG); /* starts outside: ignored */
	dbm_mark(&b, UINT64_MAX, 2);
	assert_int_equal(dbm_count(&b), 0);
	dbm_mark(&b, 0, 130 * PG); /* all of it */
	assert_int_equal(dbm_count(&b), 130);
	dbm_free(&b);
	dbm_free(&b); /* twice is safe */
	assert_int_equal(dbm_init(&b, 0), -EINVAL);
}

static void test_runs(void **state)
{
	struct dirty_bitmap b;
	uint64_t page = 0, nr = 0;

	assert_int_equal(dbm_init(&b, 200), 0);
	assert_false(dbm_next_run(&b, &page, &nr));
	dbm_mark(&b, 5 * PG, 3 * PG);	/* 5..7 */
	dbm_mark(&b, 60 * PG, 10 * PG); /* 60..69, across a word */
	dbm_mark(&b, 199 * PG, PG);	/* the last page */
	page = 0;
	assert_true(dbm_next_run(&b, &page, &nr));
	assert_int_equal(page, 5);
	assert_int_equal(nr, 3);
	page += nr;
	assert_true(dbm_next_run(&b, &page, &nr));
	assert_int_equal(page, 60);
	assert_int_equal(nr, 10);
	page += nr;
	assert_true(dbm_next_run(&b, &page, &nr));
	assert_int_equal(page, 199);
	assert_int_equal(nr, 1);
	page += nr;
	assert_false(dbm_next_run(&b, &page, &nr));
	dbm_free(&b);
}

static void test_or_and_move(void **state)
{
	struct dirty_bitmap a, b, c;
	uint64_t words[2] = {0x5, ~0ULL}; /* pages 0, 2; 64.. (only 64..69 exist) */

	assert_int_equal(dbm_init(&a, 70), 0);
	assert_int_equal(dbm_init(&b, 70), 0);
	assert_int_equal(dbm_init(&c, 71), 0);
	dbm_or_words(&a, words, 2);
	assert_int_equal(dbm_count(&a), 2 + 6);
	dbm_mark(&b, 1 * PG, PG);
	dbm_mark(&b, 2 * PG, PG);
	assert_int_equal(dbm_move(&a, &b), 0);
	assert_int_equal(dbm_count(&a), 9); /* page 1 added, page 2 already there */
	assert_int_equal(dbm_count(&b), 0);
	assert_int_equal(dbm_move(&a, &c), -EINVAL);
	dbm_free(&a);
	dbm_free(&b);
	dbm_free(&c);
}

struct marker {
	struct dirty_bitmap *b;
	unsigned int id;
};

static void *mark_thread(void *arg)
{
	struct marker *m = arg;
	uint64_t p;

	/* Interleaved pages: every word is hit by every thread. */
	for (p = m->id; p < 4096; p += 4)
		dbm_mark(m->b, p * PG, 1);
	return NULL;
}

static void test_concurrent_marks(void **state)
{
	struct dirty_bitmap b;
	struct marker m[4];
	pthread_t t[4];
	unsigned int i;

	assert_int_equal(dbm_init(&b, 4096), 0);
	for (i = 0; i < 4; i++) {
		m[i] = (struct marker){&b, i};
		assert_int_equal(pthread_create(&t[i], NULL, mark_thread, &m[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(dbm_count(&b), 4096);
	dbm_free(&b);
}

/* ---- dirty_log over guest memory ---- */

struct dl_fix {
	struct kvm_fixture k;
	struct guest_mem gm;
	struct dirty_log dl;
};

static int dl_setup(void **state)
{
	struct dl_fix *f = calloc(1, sizeof(*f));
	struct errbuf e = {""};
	struct kvm_userspace_memory_region r = {0};

	if (!f)
		return -1;
	*state = NULL;
	if (kfix_open(&f->k)) {
		free(f);
		return 0; /* the tests skip */
	}
	if (gm_init(&f->gm, 2 << 20, &e))
		return -1;
	r.slot = 0;
	r.memory_size = f->gm.region[0].size;
	r.userspace_addr = (uint64_t)(uintptr_t)f->gm.region[0].hva;
	if (ioctl(f->k.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -1;
	*state = f;
	return 0;
}

static int dl_teardown(void **state)
{
	struct dl_fix *f = *state;

	if (f) {
		dirty_log_stop(&f->dl);
		kfix_close(&f->k);
		gm_destroy(&f->gm);
		free(f);
	}
	return 0;
}

static void test_vmm_writes_tracked(void **state)
{
	struct dl_fix *f = *state;
	struct dirty_log_iter it = {0};
	uint64_t gpa, len;
	uint8_t buf[3 * 4096] = {0};

	if (!f)
		skip();
	assert_non_null(gm_ptr(&f->gm, 0x3000, 8)); /* before: not tracked */
	assert_int_equal(dirty_log_start(&f->dl, f->k.vm_fd, &f->gm), 0);
	assert_ptr_equal(f->gm.vmm_dirty[0], &f->dl.slot[0].vmm);
	assert_non_null(gm_ptr(&f->gm, 0x7ff0, 0x20));			  /* pages 7 and 8 */
	assert_int_equal(gm_write(&f->gm, 0x10000, buf, sizeof(buf)), 0); /* 16..18 */
	assert_null(gm_ptr(&f->gm, 0x1ff000, 0x2000));			  /* outside RAM: no mark */
	assert_int_equal(dirty_log_fetch(&f->dl), 0);
	assert_int_equal(dirty_log_count(&f->dl), 5);
	assert_true(dirty_log_next_run(&f->dl, &it, &gpa, &len));
	assert_int_equal(gpa, 0x7000);
	assert_int_equal(len, 0x2000);
	assert_true(dirty_log_next_run(&f->dl, &it, &gpa, &len));
	assert_int_equal(gpa, 0x10000);
	assert_int_equal(len, 0x3000);
	assert_false(dirty_log_next_run(&f->dl, &it, &gpa, &len));
	memset(&it, 0, sizeof(it));
	assert_true(dirty_log_next_page(&f->dl, &it, &gpa));
	assert_int_equal(gpa, 0x7000);
	assert_true(dirty_log_next_page(&f->dl, &it, &gpa));
	assert_int_equal(gpa, 0x8000);
	/* A second fetch starts afresh. */
	assert_int_equal(dirty_log_fetch(&f->dl), 0);
	assert_int_equal(dirty_log_count(&f->dl), 0);
	dirty_log_stop(&f->dl);
	assert_null(f->gm.vmm_dirty[0]);
	assert_int_equal(dirty_log_fetch(&f->dl), -EINVAL);
}

/* KVM refusing the slot leaves nothing hooked or allocated. */
static void test_start_failure_unwinds(void **state)
{
	struct guest_mem gm;
	struct dirty_log dl;
	struct errbuf e = {""};

	assert_int_equal(gm_init(&gm, 2 << 20, &e), 0);
	assert_int_equal(dirty_log_start(&dl, -1, &gm), -EBADF);
	assert_null(gm.vmm_dirty[0]);
	assert_int_equal(dl.nr_slots, 0);
	assert_int_equal(dirty_log_fetch(&dl), -EINVAL);
	assert_non_null(gm_ptr(&gm, 0x1000, 0)); /* still a plain accessor */
	dirty_log_stop(&dl);
	gm_destroy(&gm);
}

/* Real mode at 0x1000: mov byte [0x5000], 0x42; mov byte [0x9000], 0x43;
 * out 0x10, al (an exit to us). */
static const uint8_t guest_code[] = {0xc6, 0x06, 0x00, 0x50, 0x42, 0xc6,
				     0x06, 0x00, 0x90, 0x43, 0xe6, 0x10};

static void test_guest_writes_tracked(void **state)
{
	struct dl_fix *f = *state;
	struct kvm_sregs sr;
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 2};
	struct kvm_run *run;
	int fd, run_size;
	uint64_t gpa;
	struct dirty_log_iter it = {0};

	if (!f)
		skip();
	fd = f->k.vcpu_fd[0];
	assert_int_equal(gm_write(&f->gm, 0x1000, guest_code, sizeof(guest_code)), 0);
	assert_int_equal(dirty_log_start(&f->dl, f->k.vm_fd, &f->gm), 0);
	run_size = ioctl(f->k.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	assert_true(run_size > 0);
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(run != MAP_FAILED);
	assert_int_equal(ioctl(fd, KVM_GET_SREGS, &sr), 0);
	sr.cs.base = 0;
	sr.cs.selector = 0;
	sr.ds.base = 0;
	sr.ds.selector = 0;
	assert_int_equal(ioctl(fd, KVM_SET_SREGS, &sr), 0);
	assert_int_equal(ioctl(fd, KVM_SET_REGS, &regs), 0);
	if (ioctl(fd, KVM_RUN, 0) < 0 || run->exit_reason != KVM_EXIT_IO) {
		munmap(run, (size_t)run_size);
		skip(); /* this KVM cannot run even that */
	}
	munmap(run, (size_t)run_size);
	assert_int_equal(*(uint8_t *)gm_ptr(&f->gm, 0x5000, 1), 0x42);
	/* That gm_ptr just marked page 5 on the VMM side; the guest's write to
	 * page 9 can only have come from KVM's log. */
	assert_int_equal(dirty_log_fetch(&f->dl), 0);
	assert_true(dirty_log_next_page(&f->dl, &it, &gpa));
	assert_int_equal(gpa, 0x5000);
	assert_true(dirty_log_next_page(&f->dl, &it, &gpa));
	assert_int_equal(gpa, 0x9000);
	assert_false(dirty_log_next_page(&f->dl, &it, &gpa));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mark_boundaries),
	    cmocka_unit_test(test_runs),
	    cmocka_unit_test(test_or_and_move),
	    cmocka_unit_test(test_concurrent_marks),
	    cmocka_unit_test(test_start_failure_unwinds),
	    cmocka_unit_test_setup_teardown(test_vmm_writes_tracked, dl_setup, dl_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_writes_tracked, dl_setup, dl_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
