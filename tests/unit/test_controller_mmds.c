/*
 * test_controller_mmds.c - the MMDS endpoints through the router and the
 * controller, as from the API thread: PUT/PATCH/GET /mmds before and after
 * "boot" (vm->started set on a VM without vCPUs), 413 over the limit,
 * PUT /mmds/config's rules and texts, --metadata and the size-limit flags,
 * GET /vm/config, the API metrics.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "controller.h"
#include "mmds_store.h"
#include "router.h"
#include "vm.h"

#define AFTER	  "The requested operation is not supported after starting the microVM."
#define TOO_LARGE "MMDS limit exceeded error: The MMDS patch request doesn't fit."
#define DESER	  "An error occurred when deserializing the json body of a request: "
#define BAD_IFACES                                                                                 \
	"MMMDS config error: The list of network interface IDs provided contains "                 \
	"at least one ID that does not correspond to any existing network interface."

struct fixture {
	struct vm vm;
	struct controller ctl;
	struct cli_opts opts;
};

static struct fixture *fixture_new(const struct cli_opts *o)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	if (o)
		f->opts = *o;
	vm_init(&f->vm, o ? &f->opts : NULL);
	f->vm.log.level = LOG_OFF;
	assert_int_equal(vm_loop_setup(&f->vm), 0);
	controller_init(&f->ctl, &f->vm);
	return f;
}

static void fixture_free(struct fixture *f)
{
	controller_shutdown(&f->ctl);
	f->vm.started = false;
	vm_destroy(&f->vm);
	free(f);
}

/* call - route and apply one request (' stands for " in @body); the status,
 * the body in *@out (caller frees) when @out. */
static int call(struct fixture *f, const char *method, const char *path, const char *body,
		char **out)
{
	struct api_request req;
	struct api_reply r = {0};
	struct errbuf e = {""};
	char *b = body ? strdup(body) : NULL, *p;
	int status;

	for (p = b; p && *p; p++)
		if (*p == '\'')
			*p = '"';
	if (api_route(method, path, b, b ? strlen(b) : 0, &req, &e)) {
		controller_reply_fault(&r, e.msg);
	} else {
		controller_handle(&f->ctl, &req, &r);
		api_request_free(&req);
	}
	free(b);
	status = r.status;
	if (out)
		*out = r.body ? strdup(r.body) : NULL;
	controller_reply_free(&r);
	return status;
}

/* expect - @status and, for errors, exactly @msg as fault_message; for 200, @msg as body. */
static void expect(struct fixture *f, int status, const char *msg, const char *method,
		   const char *path, const char *body)
{
	char *out = NULL, want[1024];
	int got = call(f, method, path, body, &out);

	if (got != status)
		fail_msg("%s %s: status %d, expected %d (%s)", method, path, got, status,
			 out ? out : "");
	if (status >= 400)
		snprintf(want, sizeof(want), "{\"fault_message\":\"%s\"}", msg);
	else
		snprintf(want, sizeof(want), "%s", msg ? msg : "");
	if (status != 204 && strcmp(out, want))
		fail_msg("%s %s:\n got      %s\n expected %s", method, path, out, want);
	free(out);
}

static void data_before_and_after_boot(void **state)
{
	struct fixture *f = fixture_new(NULL);

	(void)state;
	expect(f, 200, "{}", "GET", "/mmds", NULL);
	assert_null(f->vm.mmds); /* nothing made for a GET */
	expect(f, 400, "MMDS error: The MMDS data store is not initialized.", "PATCH", "/mmds",
	       "{'a':1}");
	expect(f, 204, NULL, "PUT", "/mmds",
	       "{'latest':{'meta-data':{'ami-id':'ami-1','hostname':'h'}},'z':[1,2]}");
	expect(f, 200,
	       "{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-1\",\"hostname\":\"h\"}},\"z\":[1,2]}",
	       "GET", "/mmds", NULL);
	expect(f, 204, NULL, "PATCH", "/mmds",
	       "{'latest':{'meta-data':{'hostname':null,'local-ipv4':'169.254.0.2'}},'z':null}");
	expect(f, 200,
	       "{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-1\",\"local-ipv4\":\"169.254.0.2\"}}}",
	       "GET", "/mmds", NULL);
	expect(f, 400, DESER "mmds: the body must be a JSON object, got an array.", "PUT", "/mmds",
	       "[1]");
	expect(f, 400, DESER "mmds: the body must be a JSON object, got a string.", "PATCH",
	       "/mmds", "'x'");
	expect(f, 400, "Empty PUT request.", "PUT", "/mmds", NULL);
	expect(f, 400, "GET request cannot have a body.", "GET", "/mmds", "{}");
	/* After InstanceStart the data still changes; the config does not. */
	f->vm.started = true;
	expect(f, 204, NULL, "PUT", "/mmds", "{'after':'boot'}");
	expect(f, 204, NULL, "PATCH", "/mmds", "{'more':{'k':'v'}}");
	expect(f, 200, "{\"after\":\"boot\",\"more\":{\"k\":\"v\"}}", "GET", "/mmds", NULL);
	expect(f, 400, AFTER, "PUT", "/mmds/config", "{'network_interfaces':['eth0']}");
	fixture_free(f);
}

static void size_limit(void **state)
{
	struct cli_opts o = {.max_payload = 51200, .mmds_size_limit = 30};
	struct fixture *f = fixture_new(&o);
	char *out = NULL;

	(void)state;
	/* {"k":"0123456789012345678901"} is 30 bytes. */
	expect(f, 204, NULL, "PUT", "/mmds", "{'k':'0123456789012345678901'}");
	expect(f, 413, TOO_LARGE, "PUT", "/mmds", "{'k':'01234567890123456789012'}");
	expect(f, 413, TOO_LARGE, "PATCH", "/mmds", "{'j':1}");
	expect(f, 200, "{\"k\":\"0123456789012345678901\"}", "GET", "/mmds", NULL);
	fixture_free(f);
	/* Without --mmds-size-limit: the API payload limit. */
	o.mmds_size_limit = 0;
	o.max_payload = 12;
	f = fixture_new(&o);
	expect(f, 204, NULL, "PUT", "/mmds", "{'k':'abcd'}");
	expect(f, 413, TOO_LARGE, "PUT", "/mmds", "{'k':'abcde'}");
	assert_int_equal(call(f, "GET", "/mmds", NULL, &out), 200);
	free(out);
	fixture_free(f);
}

static void config_rules(void **state)
{
	struct fixture *f = fixture_new(NULL);
	char *out = NULL;
	json_t *j;

	(void)state;
	/* No interface yet, then one. */
	expect(f, 400, BAD_IFACES, "PUT", "/mmds/config", "{'network_interfaces':['eth0']}");
	expect(f, 204, NULL, "PUT", "/network-interfaces/eth0",
	       "{'iface_id':'eth0','host_dev_name':'tap0'}");
	expect(f, 400,
	       "MMMDS config error: The list of network interface IDs that allow forwarding MMDS "
	       "requests is empty.",
	       "PUT", "/mmds/config", "{'network_interfaces':[]}");
	expect(f, 400, BAD_IFACES, "PUT", "/mmds/config", "{'network_interfaces':['eth0','eth1']}");
	expect(f, 400, "MMMDS config error: The MMDS IPv4 address is not link local.", "PUT",
	       "/mmds/config", "{'network_interfaces':['eth0'],'ipv4_address':'192.168.0.1'}");
	expect(f, 400, DESER "mmds-config: unknown variant `foo`, expected `V1` or `V2`.", "PUT",
	       "/mmds/config", "{'network_interfaces':['eth0'],'version':'foo'}");
	expect(f, 400, DESER "missing field `network_interfaces` at line 1 column 16.", "PUT",
	       "/mmds/config", "{'version':'V2'}");
	assert_null(f->vm.mmds);
	assert_false(f->vm.cfg.mmds.set);
	expect(f, 204, NULL, "PUT", "/mmds/config",
	       "{'network_interfaces':['eth0'],'version':'V2','ipv4_address':'169.254.170.2',"
	       "'imds_compat':true}");
	assert_non_null(f->vm.mmds);
	assert_int_equal(mmds_store_version(f->vm.mmds), MMDS_V2);
	assert_int_equal(mmds_store_ipv4(f->vm.mmds), 0xa9feaa02);
	assert_true(mmds_store_imds_compat(f->vm.mmds));
	/* A second PUT replaces the first. */
	expect(f, 204, NULL, "PUT", "/mmds/config", "{'network_interfaces':['eth0']}");
	assert_int_equal(mmds_store_version(f->vm.mmds), MMDS_V1);
	assert_int_equal(mmds_store_ipv4(f->vm.mmds), 0xa9fea9fe);
	assert_int_equal(call(f, "GET", "/vm/config", NULL, &out), 200);
	j = json_loads(out, 0, NULL);
	free(out);
	out = json_dumps(json_object_get(j, "mmds-config"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(out, "{\"imds_compat\":false,\"ipv4_address\":\"169.254.169.254\","
				 "\"network_interfaces\":[\"eth0\"],\"version\":\"V1\"}");
	free(out);
	json_decref(j);
	fixture_free(f);
}

static void metadata_flag(void **state)
{
	char path[] = "/tmp/ember-test-mmds.XXXXXX";
	struct cli_opts o = {.max_payload = 51200};
	struct fixture *f;
	struct errbuf e = {""};
	int fd = mkstemp(path);
	const char doc[] = "{\"latest\": {\"meta-data\": {\"instance-id\": \"i-1\"}}}\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	o.metadata = path;
	f = fixture_new(&o);
	assert_int_equal(controller_setup(&f->ctl, &e), 0);
	expect(f, 200, "{\"latest\":{\"meta-data\":{\"instance-id\":\"i-1\"}}}", "GET", "/mmds",
	       NULL);
	fixture_free(f);
	/* Over the limit, not an object, not JSON, missing: set-up fails. */
	o.mmds_size_limit = 10;
	f = fixture_new(&o);
	assert_int_equal(controller_setup(&f->ctl, &e), -EFBIG);
	assert_non_null(strstr(e.msg, TOO_LARGE));
	fixture_free(f);
	o.mmds_size_limit = 0;
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "[1]", 3), 3);
	close(fd);
	f = fixture_new(&o);
	assert_int_equal(controller_setup(&f->ctl, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "must be a JSON object"));
	fixture_free(f);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "{", 1), 1);
	close(fd);
	f = fixture_new(&o);
	assert_int_equal(controller_setup(&f->ctl, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid MMDS content"));
	fixture_free(f);
	unlink(path);
	f = fixture_new(&o);
	assert_int_equal(controller_setup(&f->ctl, &e), -EINVAL);
	fixture_free(f);
}

static void api_metrics(void **state)
{
	struct fixture *f = fixture_new(NULL);
	char buf[8192];

	(void)state;
	expect(f, 200, "{}", "GET", "/mmds", NULL);
	expect(f, 204, NULL, "PUT", "/mmds", "{}");
	expect(f, 400, BAD_IFACES, "PUT", "/mmds/config", "{'network_interfaces':['x']}");
	expect(f, 204, NULL, "PATCH", "/mmds", "{}");
	assert_int_equal(f->ctl.metrics.val[MET_GET_MMDS], 1);
	assert_int_equal(f->ctl.metrics.val[MET_PUT_MMDS], 2);
	assert_int_equal(f->ctl.metrics.val[MET_PUT_MMDS_FAILS], 1);
	assert_int_equal(f->ctl.metrics.val[MET_PATCH_MMDS], 1);
	assert_int_equal(f->ctl.metrics.val[MET_PATCH_MMDS_FAILS], 0);
	/* The store's counters land in the "mmds" section. */
	mmds_store_count(f->vm.mmds, MMDS_RX_NO_TOKEN, 3);
	metrics_gather(&f->ctl.metrics, &f->vm);
	assert_true(metrics_format(&f->ctl.metrics, 1, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"mmds\":{\"rx_accepted\":0,"));
	assert_non_null(strstr(buf, "\"rx_no_token\":3,"));
	assert_non_null(strstr(buf, "\"connections_destroyed\":0}"));
	assert_non_null(strstr(buf, "\"patch_api_requests\":{"));
	assert_non_null(strstr(buf, "\"mmds_count\":1,\"mmds_fails\":0"));
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(data_before_and_after_boot),
	    cmocka_unit_test(size_limit),
	    cmocka_unit_test(config_rules),
	    cmocka_unit_test(metadata_flag),
	    cmocka_unit_test(api_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
