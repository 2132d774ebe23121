/* Unit tests for the balloon's routes: bodies, required fields, ranges, the
 * hinting endpoints' optional bodies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "router.h"

static int route(const char *method, const char *path, const char *body, struct api_request *req,
		 struct errbuf *e)
{
	return api_route(method, path, body, body ? strlen(body) : 0, req, e);
}

static void ok(const char *method, const char *path, const char *body, enum api_op op,
	       struct api_request *req)
{
	struct errbuf e = {""};

	if (route(method, path, body, req, &e))
		fail_msg("%s %s: unexpected fault \"%s\"", method, path, e.msg);
	assert_int_equal(req->op, op);
}

/* refused - the request fails and the message contains @part. */
static void refused(const char *method, const char *path, const char *body, const char *part)
{
	struct api_request req;
	struct errbuf e = {""};

	assert_int_equal(route(method, path, body, &req, &e), -EINVAL);
	if (!strstr(e.msg, part))
		fail_msg("%s %s: message \"%s\" lacks \"%s\"", method, path, e.msg, part);
}

static void put_balloon(void **state)
{
	struct api_request req;

	ok("PUT", "/balloon",
	   "{\"amount_mib\": 64, \"deflate_on_oom\": true, \"stats_polling_interval_s\": 5, "
	   "\"free_page_hinting\": true, \"free_page_reporting\": true}",
	   API_PUT_BALLOON, &req);
	assert_true(req.u.balloon.set);
	assert_int_equal(req.u.balloon.amount_mib, 64);
	assert_true(req.u.balloon.deflate_on_oom);
	assert_int_equal(req.u.balloon.stats_polling_interval_s, 5);
	assert_true(req.u.balloon.free_page_hinting);
	assert_true(req.u.balloon.free_page_reporting);
	api_request_free(&req);
	ok("PUT", "/balloon", "{\"amount_mib\": 0, \"deflate_on_oom\": false}", API_PUT_BALLOON,
	   &req);
	assert_int_equal(req.u.balloon.stats_polling_interval_s, 0);
	assert_false(req.u.balloon.free_page_reporting);
	api_request_free(&req);
	refused("PUT", "/balloon", "{\"amount_mib\": 1}", "missing field `deflate_on_oom`");
	refused("PUT", "/balloon", "{\"deflate_on_oom\": true}", "missing field `amount_mib`");
	refused("PUT", "/balloon", "{\"amount_mib\": 4294967296, \"deflate_on_oom\": true}",
		"amount_mib");
	refused(
	    "PUT", "/balloon",
	    "{\"amount_mib\": 1, \"deflate_on_oom\": true, \"stats_polling_interval_s\": 65536}",
	    "stats_polling_interval_s");
	refused("PUT", "/balloon", "{\"amount_mib\": 1, \"deflate_on_oom\": true, \"x\": 1}",
		"unknown field");
	refused("PUT", "/balloon", NULL, "Empty PUT request.");
}

static void patch_and_get(void **state)
{
	struct api_request req;

	ok("PATCH", "/balloon", "{\"amount_mib\": 128}", API_PATCH_BALLOON, &req);
	assert_int_equal(req.u.balloon_mib, 128);
	api_request_free(&req);
	refused("PATCH", "/balloon", "{\"amount_mib\": 1, \"deflate_on_oom\": true}",
		"unknown field");
	refused("PATCH", "/balloon", "{}", "missing field `amount_mib`");
	refused("PATCH", "/balloon", NULL, "Empty PATCH request.");
	ok("PATCH", "/balloon/statistics", "{\"stats_polling_interval_s\": 0}",
	   API_PATCH_BALLOON_STATS, &req);
	assert_int_equal(req.u.balloon_stats_s, 0);
	api_request_free(&req);
	refused("PATCH", "/balloon/statistics", "{\"stats_polling_interval_s\": -1}",
		"stats_polling_interval_s");
	ok("GET", "/balloon", NULL, API_GET_BALLOON, &req);
	api_request_free(&req);
	ok("GET", "/balloon/statistics", NULL, API_GET_BALLOON_STATS, &req);
	api_request_free(&req);
	refused("GET", "/balloon/statistics", "{}", "GET request cannot have a body.");
	refused("PUT", "/balloon/statistics", "{}", "Invalid request method and/or path");
}

static void hinting(void **state)
{
	struct api_request req;

	ok("PATCH", "/balloon/hinting/start", NULL, API_PATCH_BALLOON_HINT_START, &req);
	assert_true(req.u.ack_on_stop);
	api_request_free(&req);
	ok("PATCH", "/balloon/hinting/start", "{\"acknowledge_on_stop\": false}",
	   API_PATCH_BALLOON_HINT_START, &req);
	assert_false(req.u.ack_on_stop);
	api_request_free(&req);
	ok("PATCH", "/balloon/hinting/start", "{}", API_PATCH_BALLOON_HINT_START, &req);
	assert_true(req.u.ack_on_stop);
	api_request_free(&req);
	refused("PATCH", "/balloon/hinting/start", "{\"acknowledge_on_stop\": 1}",
		"acknowledge_on_stop");
	ok("PATCH", "/balloon/hinting/stop", NULL, API_PATCH_BALLOON_HINT_STOP, &req);
	api_request_free(&req);
	ok("GET", "/balloon/hinting/status", NULL, API_GET_BALLOON_HINT_STATUS, &req);
	api_request_free(&req);
	refused("PATCH", "/balloon/hinting/status", NULL, "Empty PATCH request.");
	refused("GET", "/balloon/hinting/start", NULL, "Invalid request method and/or path");
	assert_string_equal(api_op_name(API_GET_BALLOON_HINT_STATUS),
			    "GET /balloon/hinting/status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(put_balloon),
	    cmocka_unit_test(patch_and_get),
	    cmocka_unit_test(hinting),
	};

	return cmocka_run_group_tests_name("router_balloon", tests, NULL, NULL);
}
