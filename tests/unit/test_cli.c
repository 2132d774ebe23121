/* Unit tests for the command line parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

#define ARGV(...)	 ((char *const[]){"ember", __VA_ARGS__})
#define ARGC(...)	 ((int)(sizeof((char *const[]){"ember", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, e, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (e))

static void defaults(void **state)
{
	char *const argv[] = {"ember"};
	struct cli_opts o;
	struct errbuf e;

	assert_int_equal(cli_parse(1, argv, &o, &e), 0);
	assert_int_equal(o.action, CLI_RUN);
	assert_string_equal(o.api_sock, "/run/firecracker.socket");
	assert_null(o.config_file);
	assert_false(o.no_api);
	assert_false(o.boot_timer);
	assert_string_equal(o.id, "anonymous-instance");
	assert_null(o.log_path);
	assert_false(o.level_set);
	assert_false(o.show_level);
	assert_false(o.show_log_origin);
	assert_null(o.metrics_path);
	assert_int_equal(o.max_payload, 51200);
	assert_null(o.serial_out);
	assert_false(o.no_seccomp);
	/* no argv[0] at all (execve with an empty argv) */
	assert_int_equal(cli_parse(0, argv, &o, &e), 0);
}

/* Every flag, in the "--flag value" form. */
static void every_flag_separate(void **state)
{
	struct cli_opts o;
	struct errbuf e;

	assert_int_equal(PARSE(&o, &e, "--api-sock", "/tmp/a.sock", "--config-file", "/c.json",
			       "--no-api", "--boot-timer", "--id", "vm-01", "--log-path", "/l",
			       "--level", "Debug", "--show-level", "--show-log-origin",
			       "--metrics-path", "/m", "--http-api-max-payload-size", "1048576",
			       "--serial-out", "/s", "--no-seccomp"),
			 0);
	assert_int_equal(o.action, CLI_RUN);
	assert_string_equal(o.api_sock, "/tmp/a.sock");
	assert_string_equal(o.config_file, "/c.json");
	assert_true(o.no_api);
	assert_true(o.boot_timer);
	assert_string_equal(o.id, "vm-01");
	assert_string_equal(o.log_path, "/l");
	assert_true(o.level_set);
	assert_int_equal(o.level, LOG_DEBUG);
	assert_true(o.show_level);
	assert_true(o.show_log_origin);
	assert_string_equal(o.metrics_path, "/m");
	assert_int_equal(o.max_payload, 1048576);
	assert_string_equal(o.serial_out, "/s");
	assert_true(o.no_seccomp);
}

/* Every value flag in the "--flag=value" form; '=' inside the value stays. */
static void every_flag_equals(void **state)
{
	struct cli_opts o;
	struct errbuf e;

	assert_int_equal(PARSE(&o, &e, "--api-sock=/a=b", "--config-file=/c", "--id=X",
			       "--log-path=/l", "--level=trace", "--metrics-path=/m",
			       "--http-api-max-payload-size=1", "--serial-out=/s"),
			 0);
	assert_string_equal(o.api_sock, "/a=b");
	assert_string_equal(o.config_file, "/c");
	assert_string_equal(o.id, "X");
	assert_string_equal(o.log_path, "/l");
	assert_int_equal(o.level, LOG_TRACE);
	assert_string_equal(o.metrics_path, "/m");
	assert_int_equal(o.max_payload, 1);
	assert_string_equal(o.serial_out, "/s");
	/* a value that starts with "--" needs the '=' form */
	assert_int_equal(PARSE(&o, &e, "--serial-out=--odd"), 0);
	assert_string_equal(o.serial_out, "--odd");
}

static void last_wins(void **state)
{
	struct cli_opts o;
	struct errbuf e;

	assert_int_equal(PARSE(&o, &e, "--id", "a", "--id=b", "--level", "Error", "--level=Off",
			       "--http-api-max-payload-size", "7", "--http-api-max-payload-size=9",
			       "--no-seccomp", "--no-seccomp"),
			 0);
	assert_string_equal(o.id, "b");
	assert_int_equal(o.level, LOG_OFF);
	assert_int_equal(o.max_payload, 9);
	assert_true(o.no_seccomp);
}

static void levels(void **state)
{
	static const struct {
		char *s;
		enum log_level l;
	} ok[] = {{"Error", LOG_ERROR}, {"Warning", LOG_WARN}, {"warn", LOG_WARN},
		  {"Info", LOG_INFO},	{"DEBUG", LOG_DEBUG},  {"Trace", LOG_TRACE},
		  {"off", LOG_OFF}};
	struct cli_opts o;
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(PARSE(&o, &e, "--level", ok[i].s), 0);
		assert_int_equal(o.level, ok[i].l);
		assert_true(o.level_set);
	}
}

static void help_and_version(void **state)
{
	struct cli_opts o;
	struct errbuf e;

	assert_int_equal(PARSE(&o, &e, "--help"), 0);
	assert_int_equal(o.action, CLI_HELP);
	assert_int_equal(PARSE(&o, &e, "--version"), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(PARSE(&o, &e, "--version", "--help"), 0);
	assert_int_equal(o.action, CLI_HELP);
	/* --help skips the cross-flag check ... */
	assert_int_equal(PARSE(&o, &e, "--no-api", "--help"), 0);
	assert_int_equal(o.action, CLI_HELP);
	/* ... but not bad flags */
	assert_int_equal(PARSE(&o, &e, "--help", "--bogus"), -EINVAL);
	assert_int_equal(PARSE(&o, &e, "--help=1"), -EINVAL);
	assert_string_equal(e.msg, "--help: takes no value");

	assert_non_null(strstr(cli_usage(), "Usage: ember"));
	assert_non_null(strstr(cli_usage(), "--http-api-max-payload-size"));
	assert_non_null(strstr(cli_usage(), "--serial-out"));
	assert_non_null(strstr(cli_usage(), "--no-seccomp"));
	assert_non_null(strstr(cli_usage(), "/run/firecracker.socket"));
}

struct bad {
	int argc;
	char *const *argv;
	const char *msg;
};

#define BAD(msg, ...)                                                                              \
	{                                                                                          \
		ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), msg                                          \
	}

static void bad_values(void **state)
{
	const struct bad cases[] = {
	    BAD("--no-api needs --config-file", "--no-api"),
	    BAD("--no-seccomp and --seccomp-filter cannot be used together", "--no-seccomp",
		"--seccomp-filter", "/f"),
	    BAD("--seccomp-filter: needs a value", "--seccomp-filter"),
	    BAD("unknown flag \"--bogus\"", "--bogus"),
	    BAD("unknown flag \"--api\"", "--api=/x"),
	    BAD("unknown flag \"--api-sockx\"", "--api-sockx", "/x"),
	    BAD("unexpected argument \"run\"", "run"),
	    BAD("unexpected argument \"-h\"", "-h"),
	    BAD("unexpected argument \"--\"", "--"),
	    BAD("unexpected argument \"extra\"", "--id", "a", "extra"),
	    BAD("--api-sock: needs a value", "--api-sock"),
	    BAD("--api-sock: needs a value", "--api-sock", "--no-seccomp"),
	    BAD("--config-file: the value must not be empty", "--config-file="),
	    BAD("--config-file: the value must not be empty", "--config-file", ""),
	    BAD("--no-api: takes no value", "--no-api=yes", "--config-file", "/c"),
	    BAD("--boot-timer: takes no value", "--boot-timer=1"),
	    BAD("--id: must be 1 to 64 characters of [A-Za-z0-9-], got \"a_b\"", "--id", "a_b"),
	    BAD("--id: must be 1 to 64", "--id", "a b"),
	    BAD("--id: must be 1 to 64", "--id",
		"a1234567890123456789012345678901234567890123456789012345678901234"),
	    BAD("--id: the value must not be empty", "--id="),
	    BAD("--level: must be one of Error, Warning, Info, Debug, Trace, Off, got "
		"\"Loud\"",
		"--level", "Loud"),
	    BAD("--level: needs a value", "--level"),
	    BAD("--http-api-max-payload-size: must be a positive integer, got \"0\"",
		"--http-api-max-payload-size", "0"),
	    BAD("got \"-1\"", "--http-api-max-payload-size=-1"),
	    BAD("got \"+5\"", "--http-api-max-payload-size=+5"),
	    BAD("got \"12k\"", "--http-api-max-payload-size", "12k"),
	    BAD("got \" 12\"", "--http-api-max-payload-size", " 12"),
	    BAD("got \"0x10\"", "--http-api-max-payload-size", "0x10"),
	    BAD("got \"18446744073709551616\"", "--http-api-max-payload-size",
		"18446744073709551616"),
	    BAD("--metrics-path: needs a value", "--metrics-path"),
	    BAD("--serial-out: needs a value", "--serial-out"),
	    BAD("--log-path: the value must not be empty", "--log-path="),
	};
	struct cli_opts o;
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(e.msg, 0, sizeof(e.msg));
		if (cli_parse(cases[i].argc, cases[i].argv, &o, &e) != -EINVAL)
			fail_msg("case %zu (%s) was not rejected", i, cases[i].argv[1]);
		if (!strstr(e.msg, cases[i].msg))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, cases[i].msg);
	}
}

static void limits_accepted(void **state)
{
	struct cli_opts o;
	struct errbuf e;

	/* The payload limit is bounded (a client may declare any length up to it). */
	assert_int_equal(PARSE(&o, &e, "--http-api-max-payload-size", "67108864"), 0);
	assert_true(o.max_payload == 67108864);
	assert_int_equal(PARSE(&o, &e, "--http-api-max-payload-size", "67108865"), -EINVAL);
	assert_int_equal(PARSE(&o, &e, "--http-api-max-payload-size", "18446744073709551615"),
			 -EINVAL);
	assert_string_equal(e.msg, "--http-api-max-payload-size: at most 67108864 bytes, got "
				   "18446744073709551615");
	assert_int_equal(PARSE(&o, &e, "--id",
			       "a123456789012345678901234567890123456789012345678901234567890123"),
			 0);
	assert_int_equal(strlen(o.id), 64);
	assert_int_equal(PARSE(&o, &e, "--config-file", "/c", "--no-api"), 0);
	assert_true(o.no_api);
}

/* Firecracker's jailer passes these to the VMM: any u64, 0 included. */
static void start_time_flags(void **state)
{
	struct cli_opts o;
	struct errbuf e = {""};

	assert_int_equal(PARSE(&o, &e, "--id", "x"), 0);
	assert_false(o.start_time_us.set);
	assert_false(o.start_time_cpu_us.set);
	assert_false(o.parent_cpu_time_us.set);
	assert_int_equal(PARSE(&o, &e, "--id", "x", "--start-time-us", "123456789012",
			       "--start-time-cpu-us=0", "--parent-cpu-time-us",
			       "18446744073709551615"),
			 0);
	assert_true(o.start_time_us.set);
	assert_int_equal(o.start_time_us.v, 123456789012ull);
	assert_true(o.start_time_cpu_us.set);
	assert_int_equal(o.start_time_cpu_us.v, 0);
	assert_true(o.parent_cpu_time_us.set);
	assert_int_equal(o.parent_cpu_time_us.v, UINT64_MAX);
	assert_int_equal(PARSE(&o, &e, "--start-time-us", "-1"), -EINVAL);
	assert_string_equal(e.msg, "--start-time-us: must be a number of microseconds, got \"-1\"");
	assert_int_equal(PARSE(&o, &e, "--start-time-cpu-us", "18446744073709551616"), -EINVAL);
	assert_int_equal(PARSE(&o, &e, "--parent-cpu-time-us", "1.5"), -EINVAL);
	assert_int_equal(PARSE(&o, &e, "--parent-cpu-time-us"), -EINVAL);
	assert_string_equal(e.msg, "--parent-cpu-time-us: needs a value");
	assert_non_null(strstr(cli_usage(), "--start-time-cpu-us"));
	/* No prefix matching. */
	assert_int_equal(PARSE(&o, &e, "--start-time", "1"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),
	    cmocka_unit_test(every_flag_separate),
	    cmocka_unit_test(every_flag_equals),
	    cmocka_unit_test(last_wins),
	    cmocka_unit_test(levels),
	    cmocka_unit_test(help_and_version),
	    cmocka_unit_test(bad_values),
	    cmocka_unit_test(limits_accepted),
	    cmocka_unit_test(start_time_flags),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
