/* Unit tests for the snapshot request bodies (snapshot_req.c) and their
 * routes (api/router.c): Firecracker's fields, defaults, the deprecated
 * mem_file_path, and the refusals (missing, conflicting, unknown, wrong
 * type, bad variants and overrides). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "router.h"
#include "snapshot_req.h"

static int route(const char *path, const char *body, struct api_request *req, struct errbuf *e)
{
	return api_route("PUT", path, body, strlen(body), req, e);
}

static void create_ok(void **state)
{
	struct api_request req;
	struct errbuf e = {""};

	assert_int_equal(route("/snapshot/create",
			       "{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\"}", &req, &e),
			 0);
	assert_int_equal(req.op, API_PUT_SNAPSHOT_CREATE);
	assert_int_equal(req.u.snap_create.type, SNAPSHOT_FULL);
	assert_string_equal(req.u.snap_create.snapshot_path, "/s");
	assert_string_equal(req.u.snap_create.mem_file_path, "/m");
	api_request_free(&req);
	assert_int_equal(route("/snapshot/create",
			       "{\"snapshot_type\":\"Diff\",\"snapshot_path\":\"/s\","
			       "\"mem_file_path\":\"/m\"}",
			       &req, &e),
			 0);
	assert_int_equal(req.u.snap_create.type, SNAPSHOT_DIFF);
	api_request_free(&req);
}

static void create_refused(void **state)
{
	static const char *const bad[] = {
	    "{\"snapshot_path\":\"/s\"}",
	    "{\"mem_file_path\":\"/m\"}",
	    "{\"snapshot_type\":\"Half\",\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\"}",
	    "{\"snapshot_path\":\"\",\"mem_file_path\":\"/m\"}",
	    "{\"snapshot_path\":1,\"mem_file_path\":\"/m\"}",
	    "{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"extra\":1}",
	    "[]",
	};
	struct api_request req;
	struct errbuf e;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(route("/snapshot/create", bad[i], &req, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "deserializing"));
	}
}

static void load_ok(void **state)
{
	struct api_request req;
	struct errbuf e = {""};
	const struct snapshot_load_req *l = &req.u.snap_load;

	assert_int_equal(
	    route("/snapshot/load",
		  "{\"snapshot_path\":\"/s\",\"mem_backend\":{\"backend_type\":\"Uffd\","
		  "\"backend_path\":\"/u.sock\"},\"resume_vm\":true,\"track_dirty_pages\":true,"
		  "\"network_overrides\":[{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap7\"}],"
		  "\"vsock_override\":{\"uds_path\":\"/v.sock\"},\"clock_realtime\":true}",
		  &req, &e),
	    0);
	assert_int_equal(req.op, API_PUT_SNAPSHOT_LOAD);
	assert_false(req.deprecated);
	assert_int_equal(l->backend, SNAPSHOT_BACKEND_UFFD);
	assert_string_equal(l->backend_path, "/u.sock");
	assert_true(l->resume_vm && l->track_dirty_pages && l->clock_realtime);
	assert_int_equal(l->nr_net_overrides, 1);
	assert_string_equal(l->net_override[0].host_dev_name, "tap7");
	assert_string_equal(l->vsock_uds_path, "/v.sock");
	api_request_free(&req);
	/* The deprecated spelling: answered with Deprecation: true. */
	assert_int_equal(route("/snapshot/load",
			       "{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\","
			       "\"enable_diff_snapshots\":true}",
			       &req, &e),
			 0);
	assert_true(req.deprecated);
	assert_int_equal(req.u.snap_load.backend, SNAPSHOT_BACKEND_FILE);
	assert_string_equal(req.u.snap_load.backend_path, "/m");
	assert_true(req.u.snap_load.track_dirty_pages);
	assert_false(req.u.snap_load.resume_vm);
	api_request_free(&req);
}

static void load_refused(void **state)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
	    {"{\"snapshot_path\":\"/s\"}", "either `mem_backend` or `mem_file_path` is required"},
	    {"{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"mem_backend\":"
	     "{\"backend_type\":\"File\",\"backend_path\":\"/m\"}}",
	     "too many fields"},
	    {"{\"mem_file_path\":\"/m\"}", "missing field `snapshot_path`"},
	    {"{\"snapshot_path\":\"/s\",\"mem_backend\":{\"backend_path\":\"/m\"}}",
	     "missing field `backend_type`"},
	    {"{\"snapshot_path\":\"/s\",\"mem_backend\":{\"backend_type\":\"File\"}}",
	     "missing field `backend_path`"},
	    {"{\"snapshot_path\":\"/s\",\"mem_backend\":{\"backend_type\":\"foo\","
	     "\"backend_path\":\"/m\"}}",
	     "unknown variant `foo`"},
	    {"{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"resume_vm\":\"yes\"}",
	     "boolean"},
	    {"{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"network_overrides\":"
	     "[{\"iface_id\":\"eth0\",\"host_dev_name\":\"a-name-that-is-too-long\"}]}",
	     "host_dev_name"},
	    {"{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"network_overrides\":"
	     "[{\"iface_id\":\"eth0\"}]}",
	     "missing field `host_dev_name`"},
	    {"{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"vsock_override\":{}}",
	     "missing field `uds_path`"},
	    {"{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\",\"huge\":1}", "unknown field"},
	};
	struct api_request req;
	struct errbuf e;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(route("/snapshot/load", bad[i].body, &req, &e), -EINVAL);
		if (!strstr(e.msg, bad[i].why))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].body, e.msg, bad[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_ok),
	    cmocka_unit_test(create_refused),
	    cmocka_unit_test(load_ok),
	    cmocka_unit_test(load_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
