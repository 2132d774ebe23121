/*
 * Unit tests for ember-jailer's cgroup v2 side (jailer/cgroup.c): the known
 * interface files, --parent-cgroup paths, finding the cgroup2 mount in
 * mountinfo text, controller lists, and the checks, setup and undo against
 * a fake cgroup tree in a scratch directory (plain files stand in for the
 * kernel's, so writes to files that a real cgroup would have fail with
 * ENOENT: exactly the failures whose undo needs testing).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "jailer.h"

#define expect(ret, code, e, needle)                                                               \
	do {                                                                                       \
		assert_int_equal((ret), (code));                                                   \
		if (!strstr((e)->msg, (needle)))                                                   \
			fail_msg("message \"%s\" lacks \"%s\"", (e)->msg, (needle));               \
	} while (0)

struct fixture {
	char dir[64];	    /* the fake cgroup2 mount */
	char own[PATH_MAX]; /* this process's cgroup, relative ("" for the root) */
	struct jail j;
};

static void write_file(const char *dir, const char *rel, const char *s)
{
	char p[PATH_MAX + 128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static void read_file(const char *dir, const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX + 128];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static bool exists(const char *dir, const char *rel)
{
	char p[PATH_MAX + 128];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return !lstat(p, &st);
}

static void mkdir_in(const char *dir, const char *rel)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* own_cgroup - the "0::/PATH" of /proc/self/cgroup, without the '/'. */
static void own_cgroup(char *out, size_t len)
{
	char buf[4096], *p;
	int fd = open("/proc/self/cgroup", O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	p = strstr(buf, "0::/");
	assert_non_null(p);
	p += 4;
	p[strcspn(p, "\n")] = '\0';
	snprintf(out, len, "%s", p);
}

/* mkdir_p - each component of @rel below @dir. */
static void mkdir_p(const char *dir, const char *rel)
{
	char p[PATH_MAX + 128];
	size_t i, n = strlen(dir) + 1;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (i = n; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		mkdir(p, 0755);
		p[i] = '/';
	}
	mkdir(p, 0755);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char procs[PATH_MAX + 16];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/jailer-cg.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	write_file(f->dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
	write_file(f->dir, "cgroup.subtree_control", "");
	own_cgroup(f->own, sizeof(f->own));
	if (f->own[0])
		mkdir_p(f->dir, f->own);
	snprintf(procs, sizeof(procs), "%s%scgroup.procs", f->own, f->own[0] ? "/" : "");
	write_file(f->dir, procs, "");
	jail_init(&f->j);
	f->j.opts.id = "vm1";
	snprintf(f->j.opts.exec_name, sizeof(f->j.opts.exec_name), "ember");
	*state = f;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	jail_close(&f->j);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void add(struct jail *j, const char *key, const char *val)
{
	snprintf(j->opts.cg[j->opts.nr_cg].key, sizeof(j->opts.cg[0].key), "%s", key);
	j->opts.cg[j->opts.nr_cg++].val = val;
}

static void known_files(void **state)
{
	static const char *const good[] = {"memory.max",
					   "memory.high",
					   "memory.swap.max",
					   "memory.oom.group",
					   "cpu.max",
					   "cpu.weight",
					   "cpu.weight.nice",
					   "cpuset.cpus",
					   "cpuset.mems",
					   "pids.max",
					   "io.max",
					   "io.weight",
					   "hugetlb.2MB.max",
					   "hugetlb.1GB.rsvd.max",
					   "cgroup.max.descendants",
					   "misc.max"};
	static const char *const bad[] = {"",
					  "memory",
					  "memory.",
					  ".max",
					  "memory.current",
					  "memory.stat",
					  "cgroup.procs",
					  "cgroup.subtree_control",
					  "cgroup.type",
					  "pids.max ",
					  "pids.max\n",
					  "hugetlb.max",
					  "hugetlb.2-MB.max",
					  "hugetlb.*.max",
					  "../pids.max",
					  "pids.max/../x",
					  "MEMORY.MAX",
					  "cpu.maxx"};
	struct errbuf e = {""};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (jail_cg_key_check(good[i], &e))
			fail_msg("%s rejected: %s", good[i], e.msg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!jail_cg_key_check(bad[i], &e))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(strstr(e.msg, "unknown cgroup file"));
	}
}

static void parent_paths(void **state)
{
	struct errbuf e = {""};

	assert_int_equal(jail_cg_parent_check("ember", &e), 0);
	assert_int_equal(jail_cg_parent_check("a/b/c", &e), 0);
	assert_int_equal(jail_cg_parent_check("a.b/...", &e), 0);
	expect(jail_cg_parent_check("", &e), -EINVAL, &e, "1 to 255");
	expect(jail_cg_parent_check("/a", &e), -EINVAL, &e, "leading '/'");
	expect(jail_cg_parent_check("a/", &e), -EINVAL, &e, "component");
	expect(jail_cg_parent_check("a//b", &e), -EINVAL, &e, "component");
	expect(jail_cg_parent_check(".", &e), -EINVAL, &e, "component");
	expect(jail_cg_parent_check("a/..", &e), -EINVAL, &e, "component");
	expect(jail_cg_parent_check("a/*", &e), -EINVAL, &e, "only [A-Za-z0-9._-]");
}

static void find_mount(void **state)
{
	static const char hybrid[] =
	    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
	    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
	    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:4 master:1 - cgroup2 cgroup2 "
	    "rw\n";
	static const char two[] = "50 1 0:40 / /mnt/a\\040b rw - cgroup2 none rw\n"
				  "51 1 0:40 / /sys/fs/cgroup rw - cgroup2 none rw";
	static const char escaped[] = "50 1 0:40 / /mnt/a\\040b\\134c rw - cgroup2 none rw";
	static const char none[] = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw\n"
				   "36 31 0:33 / /x rw - cgroup2x none rw\n"
				   "garbage line without separator cgroup2\n"
				   "37 1 0:34 / - cgroup2\n"
				   "\n";
	char out[PATH_MAX];

	assert_int_equal(jail_cg_find_mount(hybrid, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(jail_cg_find_mount(two, out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
	assert_int_equal(jail_cg_find_mount(escaped, out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/a b\\c");
	assert_int_equal(jail_cg_find_mount(none, out, sizeof(out)), -ENOENT);
	assert_int_equal(jail_cg_find_mount("", out, sizeof(out)), -ENOENT);
	/* a small output buffer truncates, never overflows */
	assert_int_equal(jail_cg_find_mount(hybrid, out, 8), 0);
	assert_string_equal(out, "/sys/fs");
}

static void controller_lists(void **state)
{
	assert_true(jail_cg_controller_listed("cpu memory pids", "memory.max"));
	assert_true(jail_cg_controller_listed("cpu memory pids\n", "pids.max"));
	assert_true(jail_cg_controller_listed("cpuset cpu", "cpu.max"));
	assert_false(jail_cg_controller_listed("cpuset", "cpu.max"));
	assert_false(jail_cg_controller_listed("memory", "mem.max"));
	assert_false(jail_cg_controller_listed("", "pids.max"));
	assert_true(jail_cg_controller_listed("", "cgroup.max.depth"));
	assert_true(jail_cg_controller_listed("+memory +pids", "+pids"));
}

static void checks(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};

	add(&f->j, "memory.max", "64M");
	add(&f->j, "pids.max", "8");
	assert_int_equal(jail_cg_check(&f->j, f->dir, &e), 0);
	assert_true(f->j.cg.enabled);
	assert_true(f->j.cg.create);
	assert_string_equal(f->j.cg.parent, "ember");
	assert_false(exists(f->dir, "ember")); /* checks create nothing */
	jail_close(&f->j);

	add(&f->j, "rdma.max", "x");
	expect(jail_cg_check(&f->j, f->dir, &e), -EOPNOTSUPP, &e, "rdma.max: its controller");
	jail_close(&f->j);
	f->j.opts.nr_cg = 1;

	mkdir_in(f->dir, "ember");
	mkdir_in(f->dir, "ember/vm1");
	expect(jail_cg_check(&f->j, f->dir, &e), -EEXIST, &e, "ember/vm1 already exists");
	jail_close(&f->j);

	f->j.opts.parent_cgroup = "file";
	write_file(f->dir, "file", "");
	expect(jail_cg_check(&f->j, f->dir, &e), -ENOTDIR, &e, "not a directory");
	jail_close(&f->j);

	/* without settings, the parent must exist */
	f->j.opts.nr_cg = 0;
	f->j.opts.parent_cgroup = "missing";
	expect(jail_cg_check(&f->j, f->dir, &e), -ENOENT, &e, "no such cgroup");
	jail_close(&f->j);
	f->j.opts.parent_cgroup = "ember";
	assert_int_equal(jail_cg_check(&f->j, f->dir, &e), 0);
	assert_false(f->j.cg.create);
	jail_close(&f->j);

	expect(jail_cg_check(&f->j, "/nonexistent-cgroup-mount", &e), -ENOENT, &e, "cgroup2 mount");
}

/* New parents whose controllers cannot be enabled: all of them removed. */
static void undo_new_parents(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char buf[64];

	f->j.opts.parent_cgroup = "tenants/t1";
	add(&f->j, "memory.max", "64M");
	add(&f->j, "pids.max", "8");
	add(&f->j, "memory.high", "60M");
	assert_int_equal(jail_cg_check(&f->j, f->dir, &e), 0);
	expect(jail_cg_setup(&f->j, &e), -ENOENT, &e, "tenants/cgroup.subtree_control");
	assert_true(exists(f->dir, "tenants/t1"));
	read_file(f->dir, "cgroup.subtree_control", buf, sizeof(buf));
	assert_string_equal(buf, "+memory +pids"); /* each controller once */
	jail_cg_undo(&f->j);
	assert_false(exists(f->dir, "tenants"));
	assert_false(f->j.cg.joined);
}

/* An existing parent stays; the id cgroup goes when a setting fails. */
static void undo_failed_setting(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char buf[64];

	mkdir_in(f->dir, "ember");
	write_file(f->dir, "ember/cgroup.subtree_control", "");
	add(&f->j, "pids.max", "8");
	assert_int_equal(jail_cg_check(&f->j, f->dir, &e), 0);
	expect(jail_cg_setup(&f->j, &e), -ENOENT, &e, "cgroup file pids.max does not exist");
	assert_true(exists(f->dir, "ember/vm1"));
	read_file(f->dir, "ember/cgroup.subtree_control", buf, sizeof(buf));
	assert_string_equal(buf, "+pids");
	jail_cg_undo(&f->j);
	assert_false(exists(f->dir, "ember/vm1"));
	assert_true(exists(f->dir, "ember"));
}

/* Joining an existing parent, and moving back on undo. */
static void join_and_leave(void **state)
{
	struct fixture *f = *state;
	struct errbuf e = {""};
	char buf[64], pid[24], procs[PATH_MAX + 16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	mkdir_in(f->dir, "pool");
	write_file(f->dir, "pool/cgroup.procs", "");
	f->j.opts.parent_cgroup = "pool";
	assert_int_equal(jail_cg_check(&f->j, f->dir, &e), 0);
	assert_int_equal(jail_cg_setup(&f->j, &e), 0);
	assert_true(f->j.cg.joined);
	read_file(f->dir, "pool/cgroup.procs", buf, sizeof(buf));
	assert_string_equal(buf, pid);
	jail_cg_undo(&f->j);
	snprintf(procs, sizeof(procs), "%s%scgroup.procs", f->own, f->own[0] ? "/" : "");
	read_file(f->dir, procs, buf, sizeof(buf));
	assert_string_equal(buf, pid);
	assert_true(exists(f->dir, "pool")); /* not ours to remove */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_files),
	    cmocka_unit_test(parent_paths),
	    cmocka_unit_test(find_mount),
	    cmocka_unit_test(controller_lists),
	    cmocka_unit_test_setup_teardown(checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(undo_new_parents, setup, teardown),
	    cmocka_unit_test_setup_teardown(undo_failed_setting, setup, teardown),
	    cmocka_unit_test_setup_teardown(join_and_leave, setup, teardown),
	};

	return cmocka_run_group_tests_name("jailer_cgroup", tests, NULL, NULL);
}
