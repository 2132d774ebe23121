/* Unit tests for ember-jailer's command line (jailer/args.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "jailer.h"

#define ARGV(...)	 ((char *const[]){"ember-jailer", __VA_ARGS__})
#define ARGC(...)	 ((int)(sizeof((char *const[]){"ember-jailer", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, e, ...) jail_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (e))
/* The four required flags, then more. */
#define REQ "--id", "vm-1", "--exec-file", "/usr/bin/ember", "--uid", "123", "--gid", "456"

/* expect_err - parsing fails with -EINVAL (or @code) and a message holding @needle. */
static void expect_err(int argc, char *const argv[], int code, const char *needle)
{
	struct jail_opts o;
	struct errbuf e = {""};

	assert_int_equal(jail_args_parse(argc, argv, &o, &e), code);
	if (!strstr(e.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

#define BAD(needle, ...)     expect_err(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), -EINVAL, needle)
#define BAD_REQ(needle, ...) BAD(needle, REQ, __VA_ARGS__)

static void defaults(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	assert_int_equal(PARSE(&o, &e, REQ), 0);
	assert_int_equal(o.action, JAIL_RUN);
	assert_string_equal(o.id, "vm-1");
	assert_string_equal(o.exec_file, "/usr/bin/ember");
	assert_string_equal(o.exec_name, "ember");
	assert_int_equal(o.uid, 123);
	assert_int_equal(o.gid, 456);
	assert_string_equal(o.base_dir, "/srv/jailer");
	assert_null(o.netns);
	assert_false(o.daemonize);
	assert_false(o.new_pid_ns);
	assert_null(o.parent_cgroup);
	assert_int_equal(o.nr_cg, 0);
	assert_false(o.fsize_set);
	assert_int_equal(o.nofile, 2048);
	assert_int_equal(o.ember_argc, 0);
}

static void every_flag(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	assert_int_equal(PARSE(&o, &e, "--id=a-B-9", "--exec-file=ember", "--uid=1", "--gid",
			       "4294967294", "--chroot-base-dir", "/var/jail/", "--netns",
			       "/run/netns/x", "--daemonize", "--new-pid-ns", "--cgroup-version",
			       "2", "--cgroup", "memory.max=256M", "--cgroup=cpu.max=50000 100000",
			       "--cgroup", "hugetlb.2MB.max=0", "--parent-cgroup", "vms/tenant_1.x",
			       "--resource-limit", "fsize=1048576", "--resource-limit=no-file=64",
			       "--", "--no-api", "--config-file", "/vm.json"),
			 0);
	assert_string_equal(o.id, "a-B-9");
	assert_string_equal(o.exec_name, "ember");
	assert_int_equal(o.uid, 1);
	assert_int_equal(o.gid, 4294967294u);
	assert_string_equal(o.base_dir, "/var/jail/");
	assert_string_equal(o.netns, "/run/netns/x");
	assert_true(o.daemonize);
	assert_true(o.new_pid_ns);
	assert_int_equal(o.nr_cg, 3);
	assert_string_equal(o.cg[0].key, "memory.max");
	assert_string_equal(o.cg[0].val, "256M");
	assert_string_equal(o.cg[1].key, "cpu.max");
	assert_string_equal(o.cg[1].val, "50000 100000");
	assert_string_equal(o.cg[2].key, "hugetlb.2MB.max");
	assert_string_equal(o.parent_cgroup, "vms/tenant_1.x");
	assert_true(o.fsize_set);
	assert_int_equal(o.fsize, 1048576);
	assert_int_equal(o.nofile, 64);
	assert_int_equal(o.ember_argc, 3);
	assert_string_equal(o.ember_argv[0], "--no-api");
	assert_string_equal(o.ember_argv[2], "/vm.json");
}

/* Everything after "--" is ember's, even what looks like a jailer flag;
 * before it come --id and the start-time flags Firecracker's jailer passes. */
static void ember_args(void **state)
{
	const struct jail_times t = {.start_us = 123456789, .start_cpu_us = 7, .parent_cpu_us = 0};
	struct jail_opts o;
	struct errbuf e = {""};
	char path[80], nums[3][24];
	char *argv[16];

	assert_int_equal(PARSE(&o, &e, REQ, "--", "--daemonize", "--", "x"), 0);
	assert_false(o.daemonize);
	assert_int_equal(o.ember_argc, 3);
	assert_int_equal(jail_build_argv(&o, &t, path, sizeof(path), nums, argv, 16, &e), 0);
	assert_string_equal(path, "/ember");
	assert_string_equal(argv[0], "ember");
	assert_string_equal(argv[1], "--id");
	assert_string_equal(argv[2], "vm-1");
	assert_string_equal(argv[3], "--start-time-us");
	assert_string_equal(argv[4], "123456789");
	assert_string_equal(argv[5], "--start-time-cpu-us");
	assert_string_equal(argv[6], "7");
	assert_string_equal(argv[7], "--parent-cpu-time-us");
	assert_string_equal(argv[8], "0");
	assert_string_equal(argv[9], "--daemonize");
	assert_string_equal(argv[11], "x");
	assert_null(argv[12]);
	/* argv array too small for them */
	assert_int_equal(jail_build_argv(&o, &t, path, sizeof(path), nums, argv, 12, &e), -E2BIG);
	/* "--" with nothing after it */
	assert_int_equal(PARSE(&o, &e, REQ, "--"), 0);
	assert_int_equal(o.ember_argc, 0);
	assert_int_equal(jail_build_argv(&o, &t, path, sizeof(path), nums, argv, 16, &e), 0);
	assert_null(argv[9]);
}

static void ember_id_refused(void **state)
{
	BAD_REQ("ember's --id", "--", "--no-api", "--id", "x");
	BAD_REQ("ember's --id", "--", "--id=x");
	{
		struct jail_opts o;
		struct errbuf e = {""};

		/* only the exact flag is refused */
		assert_int_equal(PARSE(&o, &e, REQ, "--", "--idle", "--x=--id"), 0);
	}
}

static void too_many_ember_args(void **state)
{
	char *argv[12 + JAIL_MAX_EMBER_ARGS];
	int i, n = 0;

	argv[n++] = "ember-jailer";
	argv[n++] = "--id";
	argv[n++] = "a";
	argv[n++] = "--exec-file";
	argv[n++] = "e";
	argv[n++] = "--uid";
	argv[n++] = "1";
	argv[n++] = "--gid";
	argv[n++] = "1";
	argv[n++] = "--";
	for (i = 0; i <= JAIL_MAX_EMBER_ARGS; i++)
		argv[n++] = "x";
	expect_err(n, argv, -E2BIG, "more than 128 arguments");
	expect_err(n - 1, argv, 0, "");
}

static void missing_required(void **state)
{
	BAD("missing --id", "--exec-file", "/e", "--uid", "1", "--gid", "1");
	BAD("missing --exec-file", "--id", "a", "--uid", "1", "--gid", "1");
	BAD("missing --uid", "--id", "a", "--exec-file", "/e", "--gid", "1");
	BAD("missing --gid", "--id", "a", "--exec-file", "/e", "--uid", "1");
	BAD("missing --id", "--", "--id", "x");
	{
		char *const argv[] = {"ember-jailer"};

		expect_err(1, argv, -EINVAL, "missing --id");
		expect_err(0, argv, -EINVAL, "missing --id");
	}
}

static void help_version(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	assert_int_equal(PARSE(&o, &e, "--help"), 0);
	assert_int_equal(o.action, JAIL_HELP);
	assert_int_equal(PARSE(&o, &e, "--version"), 0);
	assert_int_equal(o.action, JAIL_VERSION);
	assert_int_equal(PARSE(&o, &e, "--version", "--help"), 0);
	assert_int_equal(o.action, JAIL_HELP);
	/* a bad flag still fails */
	BAD("unknown flag", "--help", "--bogus");
	assert_non_null(strstr(jail_usage(), "--resource-limit"));
}

static void bad_id(void **state)
{
	char long_id[JAIL_ID_MAX + 2];
	struct jail_opts o;
	struct errbuf e = {""};

	BAD("must not be empty", "--id", "", "--exec-file", "e", "--uid", "1", "--gid", "1");
	BAD("must not contain '/'", "--id", "a/b", "--exec-file", "e", "--uid", "1", "--gid", "1");
	BAD("only letters", "--id", "..", "--exec-file", "e", "--uid", "1", "--gid", "1");
	BAD("only letters", "--id", "a_b", "--exec-file", "e", "--uid", "1", "--gid", "1");
	BAD("only letters", "--id", "a b", "--exec-file", "e", "--uid", "1", "--gid", "1");
	BAD("only letters", "--id", "a\nb", "--exec-file", "e", "--uid", "1", "--gid", "1");
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	BAD("longer than 64", "--id", long_id, "--exec-file", "e", "--uid", "1", "--gid", "1");
	long_id[JAIL_ID_MAX] = '\0';
	assert_int_equal(
	    PARSE(&o, &e, "--id", long_id, "--exec-file", "e", "--uid", "1", "--gid", "1"), 0);
	assert_int_equal(strlen(o.id), 64);
}

static void bad_exec_file(void **state)
{
	char name[JAIL_EXEC_NAME_MAX + 3] = "/";

	BAD("names no file", "--exec-file", "/usr/bin/");
	BAD("names no file", "--exec-file", "/");
	BAD("names no file", "--exec-file", "/usr/..");
	BAD("names no file", "--exec-file", ".");
	BAD("may only use", "--exec-file", "/bin/em ber");
	BAD("may only use", "--exec-file", "/bin/em:ber");
	BAD("must not be empty", "--exec-file", "", "--id", "a");
	memset(name + 1, 'e', JAIL_EXEC_NAME_MAX + 1);
	BAD("longer than 64", "--exec-file", name);
}

/* Kata Containers' jailed launch: --uid 0 --gid 0 (main.c warns). */
static void uid_gid_zero(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	assert_int_equal(
	    PARSE(&o, &e, "--id", "a", "--exec-file", "/e", "--uid", "0", "--gid", "0"), 0);
	assert_int_equal(o.uid, 0);
	assert_int_equal(o.gid, 0);
}

static void bad_uid_gid(void **state)
{
	BAD("must be a number", "--uid", "-1");
	BAD("must be a number", "--uid", "+5");
	BAD("must be a number", "--uid", " 5");
	BAD("must be a number", "--uid", "5x");
	BAD("must be a number", "--uid", "0x10");
	BAD("must be a number", "--gid", "4294967295");
	BAD("must be a number", "--gid", "99999999999999999999999");
	BAD("must be a number", "--uid=");
	BAD("must be a number", "--gid", "abc");
}

static void bad_base_dir(void **state)
{
	char big[JAIL_BASE_MAX + 3];
	struct jail_opts o;
	struct errbuf e = {""};

	BAD_REQ("absolute path", "--chroot-base-dir", "srv/jailer");
	BAD_REQ("absolute path", "--chroot-base-dir=");
	BAD_REQ("no \".\" or \"..\"", "--chroot-base-dir", "/srv/../etc");
	BAD_REQ("no \".\" or \"..\"", "--chroot-base-dir", "/srv/.");
	BAD_REQ("no \".\" or \"..\"", "--chroot-base-dir", "/srv/./x");
	BAD_REQ("no \".\" or \"..\"", "--chroot-base-dir", "/..");
	big[0] = '/';
	memset(big + 1, 'a', JAIL_BASE_MAX + 1);
	big[JAIL_BASE_MAX + 2] = '\0';
	BAD_REQ("longer than 1024", "--chroot-base-dir", big);
	/* dot-files are fine */
	assert_int_equal(PARSE(&o, &e, REQ, "--chroot-base-dir", "/srv/.jails/..x/"), 0);
}

static void bad_cgroup(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	BAD_REQ("expected FILE=VALUE", "--cgroup", "memory.max");
	BAD_REQ("expected FILE=VALUE", "--cgroup", "=5");
	BAD_REQ("unknown cgroup file \"memory.maxx\"", "--cgroup", "memory.maxx=5");
	BAD_REQ("unknown cgroup file", "--cgroup", "memory.current=5");
	BAD_REQ("unknown cgroup file", "--cgroup", "cgroup.procs=1");
	BAD_REQ("unknown cgroup file", "--cgroup", "../../etc/passwd=x");
	BAD_REQ("unknown cgroup file", "--cgroup", "memory.max/x=1");
	BAD_REQ("unknown cgroup file", "--cgroup", "hugetlb..max=1");
	BAD_REQ("unknown cgroup file", "--cgroup", "hugetlb.2MB.x.max=1");
	BAD_REQ("unknown cgroup file", "--cgroup",
		"a_very_long_key_that_is_longer_than_sixty_three_characters_for_sure=1");
	BAD_REQ("the value must be 1 to 255", "--cgroup", "pids.max=");
	BAD_REQ("control characters", "--cgroup", "pids.max=1\n2");
	BAD_REQ("control characters", "--cgroup", "pids.max=\t");
	BAD_REQ("pids.max given twice", "--cgroup", "pids.max=1", "--cgroup", "pids.max=2");
	{
		char big[300] = "pids.max=";

		memset(big + 9, '1', 256);
		BAD_REQ("the value must be 1 to 255", "--cgroup", big);
		big[9 + 255] = '\0';
		assert_int_equal(PARSE(&o, &e, REQ, "--cgroup", big), 0);
	}
	assert_int_equal(PARSE(&o, &e, REQ, "--cgroup", "hugetlb.1GB.rsvd.max=0", "--cgroup",
			       "cgroup.max.depth=2", "--cgroup", "cpuset.cpus=0-1", "--cgroup",
			       "memory.swap.max=0", "--cgroup", "io.max=8:0 rbps=1000"),
			 0);
	assert_int_equal(o.nr_cg, 5);
	assert_string_equal(o.cg[4].val, "8:0 rbps=1000");
}

static void too_many_cgroups(void **state)
{
	static const char *const keys[] = {
	    "cpu.weight",  "cpu.max",	      "cpu.max.burst", "cpu.idle",	  "cpuset.cpus",
	    "cpuset.mems", "memory.min",      "memory.low",    "memory.high",	  "memory.max",
	    "pids.max",	   "io.weight",	      "io.max",	       "memory.swap.max", "rdma.max",
	    "misc.max",	   "cgroup.max.depth"};
	char vals[17][32];
	char *argv[9 + 2 * 17];
	int i, n = 0;

	argv[n++] = "ember-jailer";
	argv[n++] = "--id";
	argv[n++] = "a";
	argv[n++] = "--exec-file";
	argv[n++] = "e";
	argv[n++] = "--uid";
	argv[n++] = "1";
	argv[n++] = "--gid";
	argv[n++] = "1";
	for (i = 0; i < 17; i++) {
		snprintf(vals[i], sizeof(vals[i]), "%s=1", keys[i]);
		argv[n++] = "--cgroup";
		argv[n++] = vals[i];
	}
	expect_err(n, argv, -EINVAL, "at most 16 settings");
	expect_err(n - 2, argv, 0, "");
}

static void bad_cgroup_version(void **state)
{
	BAD_REQ("cgroup v1 is not supported", "--cgroup-version", "1");
	BAD_REQ("must be 2", "--cgroup-version", "3");
	BAD_REQ("must be 2", "--cgroup-version", "v2");
	BAD_REQ("given more than once", "--cgroup-version", "2", "--cgroup-version", "2");
}

static void bad_parent_cgroup(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	BAD_REQ("without a leading '/'", "--parent-cgroup", "/ember");
	BAD_REQ("empty, \".\" or \"..\"", "--parent-cgroup", "a//b");
	BAD_REQ("empty, \".\" or \"..\"", "--parent-cgroup", "a/");
	BAD_REQ("empty, \".\" or \"..\"", "--parent-cgroup", "..");
	BAD_REQ("empty, \".\" or \"..\"", "--parent-cgroup", "a/../b");
	BAD_REQ("empty, \".\" or \"..\"", "--parent-cgroup", "a/.");
	BAD_REQ("only [A-Za-z0-9._-]", "--parent-cgroup", "a b");
	BAD_REQ("only [A-Za-z0-9._-]", "--parent-cgroup", "a\\b");
	BAD_REQ("must be 1 to 255", "--parent-cgroup=");
	assert_int_equal(PARSE(&o, &e, REQ, "--parent-cgroup", "a/.b/c..d/...-_"), 0);
}

static void bad_resource_limit(void **state)
{
	struct jail_opts o;
	struct errbuf e = {""};

	BAD_REQ("expected RESOURCE=VALUE", "--resource-limit", "fsize");
	BAD_REQ("unknown resource", "--resource-limit", "nproc=5");
	BAD_REQ("unknown resource", "--resource-limit", "=5");
	BAD_REQ("needs a decimal number", "--resource-limit", "fsize=");
	BAD_REQ("needs a decimal number", "--resource-limit", "fsize=1k");
	BAD_REQ("needs a decimal number", "--resource-limit", "no-file=-1");
	BAD_REQ("needs a decimal number", "--resource-limit", "fsize=18446744073709551615");
	BAD_REQ("needs a decimal number", "--resource-limit", "fsize=99999999999999999999");
	BAD_REQ("no-file=0", "--resource-limit", "no-file=0");
	BAD_REQ("fsize given twice", "--resource-limit", "fsize=1", "--resource-limit", "fsize=2");
	BAD_REQ("no-file given twice", "--resource-limit", "no-file=9", "--resource-limit",
		"no-file=9");
	assert_int_equal(PARSE(&o, &e, REQ, "--resource-limit", "fsize=0"), 0);
	assert_true(o.fsize_set);
	assert_int_equal(o.fsize, 0);
}

static void bad_syntax(void **state)
{
	BAD("unknown flag \"--bogus\"", "--bogus");
	BAD("unknown flag \"---\"", "---");
	BAD("unexpected argument \"vm.json\"", "vm.json");
	BAD("unexpected argument \"-d\"", "-d");
	BAD("--id: needs a value", "--id");
	BAD("--id: needs a value", "--id", "--uid", "5");
	BAD("--daemonize: takes no value", "--daemonize=yes");
	BAD("--id: given more than once", "--id", "a", "--id", "b");
	BAD("--daemonize: given more than once", "--daemonize", "--daemonize");
	BAD("--uid: given more than once", "--uid", "5", "--uid=5");
	BAD("--netns: the path must not be empty", "--netns=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(every_flag),
	    cmocka_unit_test(ember_args),
	    cmocka_unit_test(ember_id_refused),
	    cmocka_unit_test(too_many_ember_args),
	    cmocka_unit_test(missing_required),
	    cmocka_unit_test(help_version),
	    cmocka_unit_test(bad_id),
	    cmocka_unit_test(bad_exec_file),
	    cmocka_unit_test(bad_uid_gid),
	    cmocka_unit_test(uid_gid_zero),
	    cmocka_unit_test(bad_base_dir),
	    cmocka_unit_test(bad_cgroup),
	    cmocka_unit_test(too_many_cgroups),
	    cmocka_unit_test(bad_cgroup_version),
	    cmocka_unit_test(bad_parent_cgroup),
	    cmocka_unit_test(bad_resource_limit),
	    cmocka_unit_test(bad_syntax),
	};

	return cmocka_run_group_tests_name("jailer_args", tests, NULL, NULL);
}
