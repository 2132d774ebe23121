/*
 * test_mmds_store.c - the metadata store: PUT/PATCH/GET, the size limit,
 * merge-patch semantics, path lookup and rendering, V2 tokens and expiry.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmds_store.h"

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);

	assert_non_null(j);
	return j;
}

/* dump - the store's data as sorted compact JSON (caller frees). */
static char *dump(struct mmds_store *s)
{
	json_t *j = mmds_store_get(s);
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	assert_non_null(t);
	return t;
}

static void expect_data(struct mmds_store *s, const char *want)
{
	char *t = dump(s);

	assert_string_equal(t, want);
	free(t);
}

static int put(struct mmds_store *s, const char *text)
{
	json_t *j = parse(text);
	int ret = mmds_store_put(s, j);

	json_decref(j);
	return ret;
}

static int patch(struct mmds_store *s, const char *text)
{
	json_t *j = parse(text);
	int ret = mmds_store_patch(s, j);

	json_decref(j);
	return ret;
}

static void test_empty_and_put(void **state)
{
	struct mmds_store *s = mmds_store_new(0);

	(void)state;
	assert_int_equal(mmds_store_limit(s), MMDS_DEFAULT_LIMIT);
	expect_data(s, "{}");
	assert_int_equal(patch(s, "{\"a\":1}"), -ENODATA);
	assert_int_equal(put(s, "[1,2]"), -EINVAL);
	assert_int_equal(put(s, "\"x\""), -EINVAL);
	assert_int_equal(put(s, "{\"b\":{\"c\":\"d\"},\"a\":1}"), 0);
	expect_data(s, "{\"a\":1,\"b\":{\"c\":\"d\"}}");
	assert_int_equal(put(s, "{\"z\":true}"), 0);
	expect_data(s, "{\"z\":true}");
	assert_int_equal(mmds_store_version(s), MMDS_V1);
	assert_int_equal(mmds_store_ipv4(s), 0xa9fea9fe);
	assert_false(mmds_store_imds_compat(s));
	mmds_store_free(s);
}

/* RFC 7396's own examples, plus deletion and object replacement. */
static void test_merge_patch(void **state)
{
	struct mmds_store *s = mmds_store_new(0);

	(void)state;
	assert_int_equal(put(s, "{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"}}"), 0);
	assert_int_equal(patch(s, "{\"a\":\"z\",\"c\":{\"f\":null}}"), 0);
	expect_data(s, "{\"a\":\"z\",\"c\":{\"d\":\"e\"}}");
	assert_int_equal(patch(s, "{\"a\":{\"x\":{\"y\":1}}}"), 0);
	expect_data(s, "{\"a\":{\"x\":{\"y\":1}},\"c\":{\"d\":\"e\"}}");
	assert_int_equal(patch(s, "{\"c\":[1,{\"k\":null}],\"missing\":null}"), 0);
	expect_data(s, "{\"a\":{\"x\":{\"y\":1}},\"c\":[1,{\"k\":null}]}");
	assert_int_equal(patch(s, "{}"), 0);
	expect_data(s, "{\"a\":{\"x\":{\"y\":1}},\"c\":[1,{\"k\":null}]}");
	assert_int_equal(patch(s, "[1]"), -EINVAL);
	mmds_store_free(s);
}

static void test_limit(void **state)
{
	struct mmds_store *s = mmds_store_new(20);

	(void)state;
	/* {"a":"0123456789"} is 18 bytes: two more characters fit, three do not. */
	assert_int_equal(put(s, "{\"a\":\"0123456789ab\"}"), 0);
	assert_int_equal(put(s, "{\"a\":\"0123456789\"}"), 0);
	assert_int_equal(put(s, "{\"a\":\"0123456789abc\"}"), -EFBIG);
	expect_data(s, "{\"a\":\"0123456789\"}");
	assert_int_equal(patch(s, "{\"a\":\"0123456789a\"}"), 0);
	assert_int_equal(patch(s, "{\"b\":1}"), -EFBIG);
	expect_data(s, "{\"a\":\"0123456789a\"}");
	mmds_store_set_limit(s, 1000);
	assert_int_equal(patch(s, "{\"b\":1}"), 0);
	mmds_store_free(s);
}

static void expect_render(struct mmds_store *s, const char *path, bool json, int ret,
			  const char *want)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(mmds_store_render(s, path, json, &out, &len), ret);
	if (!ret) {
		assert_string_equal(out, want);
		assert_int_equal(len, strlen(want));
	}
	free(out);
}

static void test_render(void **state)
{
	struct mmds_store *s = mmds_store_new(0);

	(void)state;
	expect_render(s, "/", false, 0, "");
	expect_render(s, "/", true, 0, "{}");
	expect_render(s, "/x", false, -ENOENT, NULL);
	assert_int_equal(put(s, "{\"name\":{\"second\":\"Doe\",\"first\":\"John\"},\"age\":43,"
				"\"phones\":[\"+40\",\"+44\"],\"a/b\":{\"c~d\":\"e\"},"
				"\"latest\":{\"meta-data\":{\"ami-id\":\"ami-1\"}}}"),
			 0);
	expect_render(s, "/", false, 0, "a/b/\nage\nlatest/\nname/\nphones");
	expect_render(s, "", false, 0, "a/b/\nage\nlatest/\nname/\nphones");
	expect_render(s, "/name", false, 0, "first\nsecond");
	expect_render(s, "/name/", false, 0, "first\nsecond");
	expect_render(s, "/name", true, 0, "{\"first\":\"John\",\"second\":\"Doe\"}");
	expect_render(s, "/name/first", false, 0, "John");
	expect_render(s, "/name/first", true, 0, "\"John\"");
	expect_render(s, "/age", false, -ENOTSUP, NULL);
	expect_render(s, "/age", true, 0, "43");
	expect_render(s, "/phones", false, -ENOTSUP, NULL);
	expect_render(s, "/phones/1", false, 0, "+44");
	expect_render(s, "/phones/01", false, -ENOENT, NULL);
	expect_render(s, "/phones/2", false, -ENOENT, NULL);
	expect_render(s, "/a~1b/c~0d", false, 0, "e");
	expect_render(s, "/a~2b", false, -ENOENT, NULL);
	expect_render(s, "/latest/meta-data/", false, 0, "ami-id");
	expect_render(s, "/latest/meta-data/ami-id", false, 0, "ami-1");
	expect_render(s, "/name/first/x", false, -ENOENT, NULL);
	mmds_store_free(s);
}

static void test_tokens(void **state)
{
	struct mmds_store *s = mmds_store_new(0);
	char a[MMDS_TOKEN_LEN + 1], b[MMDS_TOKEN_LEN + 1];
	struct mmds_stats st;
	unsigned int i;

	(void)state;
	assert_int_equal(mmds_store_token_new(s, 0, 1000, a), -ERANGE);
	assert_int_equal(mmds_store_token_new(s, 21601, 1000, a), -ERANGE);
	assert_int_equal(mmds_store_token_new(s, 1, 1000, a), 0);
	assert_int_equal(strlen(a), MMDS_TOKEN_LEN);
	assert_true(mmds_store_token_valid(s, a, strlen(a), 1999));
	assert_false(mmds_store_token_valid(s, a, strlen(a), 2000));
	assert_false(mmds_store_token_valid(s, a, strlen(a) - 1, 1500));
	assert_int_equal(mmds_store_token_new(s, 21600, 5000, b), 0);
	assert_string_not_equal(a, b);
	assert_true(mmds_store_token_valid(s, b, strlen(b), 5000 + 21600ULL * 1000 - 1));
	b[0] ^= 1;
	assert_false(mmds_store_token_valid(s, b, strlen(b), 6000));
	b[0] ^= 1;
	/* A full table drops the token that expires soonest, never a longer one. */
	for (i = 0; i < MMDS_MAX_TOKENS + 5; i++)
		assert_int_equal(mmds_store_token_new(s, 10, 6000, a), 0);
	assert_true(mmds_store_token_valid(s, b, strlen(b), 7000));
	assert_true(mmds_store_token_valid(s, a, strlen(a), 7000));
	/* Back to V1 forgets every token. */
	mmds_store_configure(s, MMDS_V2, 0xa9fe0001, true);
	assert_true(mmds_store_token_valid(s, b, strlen(b), 7000));
	mmds_store_configure(s, MMDS_V1, 0xa9fe0001, false);
	assert_false(mmds_store_token_valid(s, b, strlen(b), 7000));
	assert_int_equal(mmds_store_ipv4(s), 0xa9fe0001);
	mmds_store_count(s, MMDS_RX_NO_TOKEN, 1);
	mmds_store_count(s, MMDS_TX_BYTES, 1500);
	mmds_store_count(s, MMDS_TX_BYTES, 20);
	mmds_store_count(s, MMDS_NR_COUNTERS, 5); /* ignored */
	mmds_store_stats(s, &st);
	assert_int_equal(st.v[MMDS_RX_NO_TOKEN], 1);
	assert_int_equal(st.v[MMDS_TX_BYTES], 1520);
	assert_int_equal(st.v[MMDS_RX_INVALID_TOKEN], 0);
	assert_string_equal(mmds_counter_name(MMDS_CONNECTIONS_DESTROYED), "connections_destroyed");
	assert_string_equal(mmds_counter_name(MMDS_NR_COUNTERS), "?");
	mmds_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_and_put), cmocka_unit_test(test_merge_patch),
	    cmocka_unit_test(test_limit),	  cmocka_unit_test(test_render),
	    cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
