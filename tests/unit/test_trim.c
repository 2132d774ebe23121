/*
 * test_trim.c - trim_startup() unmaps the executable's read-only segments
 * (their resident size drops, the code still runs) and leaves written
 * memory alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trim.h"

static int written = 42;

/* rx_rss_kib - Rss of this executable's r-x mappings, from smaps. */
static unsigned long rx_rss_kib(void)
{
	char exe[4096], line[4352];
	unsigned long sum = 0, kib;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool in = false;
	FILE *f;

	assert_true(n > 0);
	exe[n] = '\0';
	f = fopen("/proc/self/smaps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char perms[8];

		if (sscanf(line, "%*x-%*x %7s", perms) == 1 && strchr(line, '/'))
			in = !strcmp(perms, "r-xp") && strstr(line, exe);
		else if (sscanf(line, "%*x-%*x %7s", perms) == 1)
			in = false;
		else if (in && sscanf(line, "Rss: %lu kB", &kib) == 1)
			sum += kib;
	}
	fclose(f);
	return sum;
}

static void test_text_unmapped_data_kept(void **state)
{
	unsigned long before = rx_rss_kib(), after, kib;

	written++;
	assert_true(before > 0);
	kib = trim_startup();
	after = rx_rss_kib();
	assert_true(kib > 0);
	assert_true(after < before);
	assert_int_equal(written, 43);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_unmapped_data_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
