/* Unit tests for the API router: paths, methods, ids and body validation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "router.h"

#define DESER API_DESERIALIZE_PREFIX

/* JSON written with ' for " so the tables stay readable. */
static char *q2j(const char *s)
{
	char *j = strdup(s), *p;

	assert_non_null(j);
	for (p = j; *p; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

static int route(const char *method, const char *path, const char *body, struct api_request *req,
		 struct errbuf *e)
{
	char *j = body ? q2j(body) : NULL;
	int ret = api_route(method, path, j, j ? strlen(j) : 0, req, e);

	free(j);
	return ret;
}

/* ok - the request routes to @op; the caller frees @req. */
static void ok(const char *method, const char *path, const char *body, enum api_op op,
	       struct api_request *req)
{
	struct errbuf e = {""};

	if (route(method, path, body, req, &e))
		fail_msg("%s %s %s: unexpected fault \"%s\"", method, path, body ? body : "",
			 e.msg);
	assert_int_equal(req->op, op);
}

/* fault - the request is refused with exactly @msg (or a message starting
 * with it when @msg ends in '*'). */
static void fault(const char *method, const char *path, const char *body, const char *msg)
{
	struct api_request req;
	struct errbuf e = {""};
	size_t n = strlen(msg);
	int ret = route(method, path, body, &req, &e);

	if (!ret)
		fail_msg("%s %s %s: accepted, expected \"%s\"", method, path, body ? body : "",
			 msg);
	assert_int_equal(ret, -EINVAL);
	if (msg[n - 1] == '*' ? strncmp(e.msg, msg, n - 1) : strcmp(e.msg, msg))
		fail_msg("%s %s %s:\n got      \"%s\"\n expected \"%s\"", method, path,
			 body ? body : "", e.msg, msg);
	/* A refused request holds nothing. */
	assert_int_equal(req.op, 0);
	assert_null(req.patch);
}

static void gets(void **state)
{
	struct api_request req;

	ok("GET", "/", NULL, API_GET_INFO, &req);
	ok("GET", "/version", NULL, API_GET_VERSION, &req);
	ok("GET", "/vm/config", NULL, API_GET_VM_CONFIG, &req);
	ok("GET", "/machine-config", NULL, API_GET_MACHINE, &req);
	ok("GET", "/machine-config/", NULL, API_GET_MACHINE, &req);
	api_request_free(&req);
}

static void bad_paths_and_methods(void **state)
{
	fault("PATCH", "/boot-source", "{}",
	      "Invalid request method and/or path: PATCH /boot-source.");
	fault("PATCH", "/logger", "{}", "Invalid request method and/or path: PATCH /logger.");
	fault("GET", "/foo", NULL, "Invalid request method and/or path: GET /foo.");
	fault("GET", "/vm", NULL, "Invalid request method and/or path: GET /vm.");
	fault("GET", "/drives/rootfs", NULL,
	      "Invalid request method and/or path: GET /drives/rootfs.");
	fault("DELETE", "/drives/rootfs", NULL,
	      "Invalid request method and/or path: DELETE /drives/rootfs.");
	fault("POST", "/actions", "{}", "Invalid request method and/or path: POST /actions.");
	fault("PUT", "/drives/a/b", "{}", "Invalid request method and/or path: PUT /drives/a/b.");
	fault("PUT", "/drives//a", "{}", "Invalid request method and/or path: PUT /drives//a.");
	fault("GET", "/machine-config/x", NULL,
	      "Invalid request method and/or path: GET /machine-config/x.");
	fault("GET", "/a/b/c/d/e", NULL, "Invalid request method and/or path: GET /a/b/c/d/e.");
	fault("GET", "/version?x=1", NULL, "Invalid request method and/or path: GET /version?x=1.");
	fault("PUT", "/Boot-Source", "{}", "Invalid request method and/or path: PUT /Boot-Source.");
	fault("put", "/boot-source", "{}", "Invalid request method and/or path: put /boot-source.");
	fault("GET", "x", NULL, "Invalid request method and/or path: GET x.");
}

static void body_presence(void **state)
{
	fault("GET", "/", "{}", "GET request cannot have a body.");
	fault("GET", "/nonexistent", "x", "GET request cannot have a body.");
	fault("PUT", "/boot-source", NULL, "Empty PUT request.");
	fault("PATCH", "/machine-config", NULL, "Empty PATCH request.");
	fault("PUT", "/nonexistent", NULL, "Empty PUT request.");
}

static void ids(void **state)
{
	struct api_request req;

	fault("PUT", "/drives", "{}", "The ID cannot be empty.");
	fault("PUT", "/drives/", "{}", "The ID cannot be empty.");
	fault("PATCH", "/network-interfaces", "{}", "The ID cannot be empty.");
	fault("PUT", "/drives/root-fs", "{}",
	      "API Resource IDs can only contain alphanumeric characters and underscores.");
	fault("PUT", "/network-interfaces/eth.0", "{}",
	      "API Resource IDs can only contain alphanumeric characters and underscores.");
	fault("PUT", "/drives/a%20b", "{}",
	      "API Resource IDs can only contain alphanumeric characters and underscores.");
	fault("PUT", "/drives/a1234567890123456789012345678901234567890123456789012345678901234",
	      "{}", "API Resource IDs can be at most 64 characters long.");
	fault("PUT", "/drives/rootfs",
	      "{'drive_id':'other','path_on_host':'/x','is_root_device':true}",
	      "The id from the path does not match the id from the body!");
	fault("PATCH", "/drives/rootfs", "{'drive_id':'other'}",
	      "The id from the path does not match the id from the body!");
	fault("PUT", "/network-interfaces/eth0", "{'iface_id':'eth1','host_dev_name':'tap0'}",
	      "The id from the path does not match the id from the body!");
	fault("PATCH", "/network-interfaces/eth0", "{'iface_id':'eth1'}",
	      "The id from the path does not match the id from the body!");
	/* The body is checked before the ids are compared. */
	fault("PUT", "/drives/rootfs",
	      "{'drive_id':'bad-id','path_on_host':'/x','is_root_device':true}",
	      DESER "drive: field \"drive_id\" must be 1 to 64 characters of [A-Za-z0-9_], got "
		    "\"bad-id\".");
	ok("PUT", "/drives/root_FS_1/",
	   "{'drive_id':'root_FS_1','path_on_host':'/x','is_root_device':false}", API_PUT_DRIVE,
	   &req);
	api_request_free(&req);
}

static void machine_config(void **state)
{
	struct api_request req;

	ok("PUT", "/machine-config", "{'vcpu_count':2,'mem_size_mib':256,'smt':false}",
	   API_PUT_MACHINE, &req);
	assert_int_equal(req.u.machine.vcpu_count, 2);
	assert_int_equal(req.u.machine.mem_size_mib, 256);
	assert_false(req.deprecated);
	api_request_free(&req);
	ok("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':128,'cpu_template':'None'}",
	   API_PUT_MACHINE, &req);
	assert_true(req.deprecated);
	api_request_free(&req);
	ok("PATCH", "/machine-config", "{'mem_size_mib':512}", API_PATCH_MACHINE, &req);
	assert_non_null(req.patch);
	assert_int_equal(json_integer_value(json_object_get(req.patch, "mem_size_mib")), 512);
	api_request_free(&req);
	assert_null(req.patch);

	/* In range for serde, out of range for Firecracker's VM rules. */
	fault("PUT", "/machine-config", "{'vcpu_count':0,'mem_size_mib':128}",
	      "Machine config error: The number of vCPUs must be greater than 0, less than 32 and "
	      "must be 1 or an even number if SMT is enabled.");
	fault("PUT", "/machine-config", "{'vcpu_count':33,'mem_size_mib':128}",
	      "Machine config error: The number of vCPUs must be greater than 0, less than 32 and "
	      "must be 1 or an even number if SMT is enabled.");
	fault(
	    "PUT", "/machine-config", "{'vcpu_count':256,'mem_size_mib':128}",
	    DESER
	    "machine-config: field \"vcpu_count\" must be an integer between 0 and 255, got 256.");
	fault("PUT", "/machine-config", "{'vcpu_count':'2','mem_size_mib':128}",
	      DESER
	      "machine-config: field \"vcpu_count\" must be an integer between 0 and 255, got a "
	      "string.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':0}",
	      "Machine config error: The memory size (MiB) is either 0, or not a multiple of the "
	      "configured page size.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':-128}",
	      DESER "machine-config: field \"mem_size_mib\" must be an integer between 0 and "
		    "9223372036854775807, got -128.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':4294967296000}",
	      "Machine config error: The memory size (MiB) is larger than ember's limit of "
	      "1048576.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':18446744073709551616}",
	      DESER "invalid JSON at line 1, column *");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':1.5}",
	      DESER "machine-config: field \"mem_size_mib\" must be an integer between 0 and "
		    "9223372036854775807, got a real number.");
	fault("PUT", "/machine-config", "{'mem_size_mib':128}",
	      DESER "missing field `vcpu_count` at line 1 column 20.");
	fault("PUT", "/machine-config", "{'vcpu_count':1}",
	      DESER "missing field `mem_size_mib` at line 1 column 16.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':128,'foo':1}",
	      DESER "machine-config: unknown field \"foo\".");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':128,'smt':'yes'}",
	      DESER "machine-config: field \"smt\" must be a boolean, got a string.");
	fault("PUT", "/machine-config", "{'vcpu_count':3,'mem_size_mib':128,'smt':true}",
	      "Machine config error: The number of vCPUs must be greater than 0, less than 32 and "
	      "must be 1 or an even number if SMT is enabled.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':128,'huge_pages':'1G'}",
	      DESER
	      "machine-config: field \"huge_pages\" must be one of \"None\", \"Transparent\", "
	      "\"2M\", got \"1G\".");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':128,'cpu_template':'V1N1'}",
	      DESER "machine-config: field \"cpu_template\" must be *");
	fault("PATCH", "/machine-config", "{}", "Empty PATCH request.");
	fault("PATCH", "/machine-config", "{'vcpu_count':64}",
	      "Machine config error: The number of vCPUs must be greater than 0, less than 32 and "
	      "must be 1 or an even number if SMT is enabled.");
	fault("PUT", "/machine-config", "[1]",
	      DESER "machine-config: must be a JSON object, got an array.");
	fault("PUT", "/machine-config", "{'vcpu_count':1,'vcpu_count':2,'mem_size_mib':1}",
	      DESER "invalid JSON at line 1, column *");
}

static void boot_source(void **state)
{
	struct api_request req;

	ok("PUT", "/boot-source",
	   "{'kernel_image_path':'/k','initrd_path':'/i','boot_args':'console=ttyS0'}",
	   API_PUT_BOOT_SOURCE, &req);
	assert_string_equal(req.u.boot.kernel_image_path, "/k");
	assert_string_equal(req.u.boot.initrd_path, "/i");
	assert_string_equal(req.u.boot.boot_args, "console=ttyS0");
	api_request_free(&req);
	assert_null(req.u.boot.kernel_image_path);
	fault("PUT", "/boot-source", "{'boot_args':'x'}",
	      DESER "missing field `kernel_image_path` at line 1 column 17.");
	fault("PUT", "/boot-source", "{'kernel_image_path':''}",
	      DESER "boot-source: field \"kernel_image_path\" must not be empty.");
	fault("PUT", "/boot-source", "{'kernel_image_path':7}",
	      DESER "boot-source: field \"kernel_image_path\" must be a string, got 7.");
	fault("PUT", "/boot-source", "{'kernel_image_path':'/k','initrd':'/i'}",
	      DESER "boot-source: unknown field \"initrd\".");
	fault("PUT", "/boot-source", "{'kernel_image_path':'/k\\u0000x'}",
	      DESER "invalid JSON at line 1, column *");
}

static void drives(void **state)
{
	struct api_request req;

	ok("PUT", "/drives/rootfs",
	   "{'drive_id':'rootfs','path_on_host':'/r.ext4','is_root_device':true,"
	   "'is_read_only':true,'cache_type':'Writeback'}",
	   API_PUT_DRIVE, &req);
	assert_string_equal(req.u.drive.drive_id, "rootfs");
	assert_string_equal(req.u.drive.path_on_host, "/r.ext4");
	assert_true(req.u.drive.is_root_device);
	assert_true(req.u.drive.is_read_only);
	assert_int_equal(req.u.drive.cache_type, CACHE_WRITEBACK);
	api_request_free(&req);

	ok("PATCH", "/drives/rootfs", "{'drive_id':'rootfs','path_on_host':'/new.ext4'}",
	   API_PATCH_DRIVE, &req);
	assert_string_equal(req.u.drive_update.drive_id, "rootfs");
	assert_string_equal(req.u.drive_update.path_on_host, "/new.ext4");
	assert_false(req.u.drive_update.has_rate_limiter);
	api_request_free(&req);
	ok("PATCH", "/drives/rootfs",
	   "{'drive_id':'rootfs','path_on_host':null,'rate_limiter':{'ops':{'size':10,"
	   "'refill_time':100}}}",
	   API_PATCH_DRIVE, &req);
	assert_null(req.u.drive_update.path_on_host);
	assert_true(req.u.drive_update.has_rate_limiter);
	assert_true(req.u.drive_update.rate_limiter.ops.set);
	assert_int_equal(req.u.drive_update.rate_limiter.ops.size, 10);
	api_request_free(&req);

	fault("PUT", "/drives/rootfs", "{'drive_id':'rootfs','is_root_device':true}",
	      DESER "missing field `path_on_host` at line 1 column 43.");
	fault("PUT", "/drives/rootfs", "{'drive_id':'rootfs','path_on_host':'/x'}",
	      DESER "missing field `is_root_device` at line 1 column 41.");
	fault("PUT", "/drives/rootfs", "{'drive_id':5,'path_on_host':'/x','is_root_device':true}",
	      DESER "drive: field \"drive_id\" must be a string, got 5.");
	fault("PUT", "/drives/rootfs",
	      "{'drive_id':'rootfs','path_on_host':true,'is_root_device':true}",
	      DESER "drive: field \"path_on_host\" must be a string, got a boolean.");
	fault("PUT", "/drives/rootfs",
	      "{'drive_id':'rootfs','path_on_host':'/x','is_root_device':true,'io_engine':'Fast'}",
	      DESER "drive: field \"io_engine\" must be one of \"Sync\", \"Async\", got \"Fast\".");
	fault("PATCH", "/drives/rootfs", "{'drive_id':'rootfs','is_read_only':true}",
	      DESER "drive: unknown field \"is_read_only\".");
	fault("PATCH", "/drives/rootfs", "{'drive_id':'rootfs','io_engine':'Sync'}",
	      DESER "drive: unknown field \"io_engine\".");
	fault("PATCH", "/drives/rootfs", "{'drive_id':'rootfs','is_root_device':false}",
	      DESER "drive: unknown field \"is_root_device\".");
	fault("PATCH", "/drives/rootfs", "{'path_on_host':'/x'}",
	      DESER "missing field `drive_id` at line 1 column 21.");
	fault("PATCH", "/drives/rootfs", "{'drive_id':'rootfs','path_on_host':''}",
	      DESER "drive: field \"path_on_host\" must not be empty.");
	fault("PATCH", "/drives/rootfs",
	      "{'drive_id':'rootfs','rate_limiter':{'ops':{'size':-1,'refill_time':1}}}",
	      DESER "drive: field \"rate_limiter.ops.size\" must be an integer between 0 and "
		    "9223372036854775807, got -1.");
	fault("PATCH", "/drives/rootfs", "'x'",
	      DESER "drive: must be a JSON object, got a string.");
}

static void nets(void **state)
{
	struct api_request req;

	ok("PUT", "/network-interfaces/eth0",
	   "{'iface_id':'eth0','host_dev_name':'tap0','guest_mac':'06:00:AC:10:00:02'}",
	   API_PUT_NET, &req);
	assert_string_equal(req.u.net.host_dev_name, "tap0");
	assert_true(req.u.net.has_guest_mac);
	assert_int_equal(req.u.net.guest_mac[5], 2);
	api_request_free(&req);
	ok("PATCH", "/network-interfaces/eth0",
	   "{'iface_id':'eth0','tx_rate_limiter':{'bandwidth':{'size':1000,'refill_time':10}}}",
	   API_PATCH_NET, &req);
	assert_false(req.u.net_update.has_rx);
	assert_true(req.u.net_update.has_tx);
	assert_int_equal(req.u.net_update.tx.bandwidth.size, 1000);
	api_request_free(&req);
	fault("PUT", "/network-interfaces/eth0", "{'iface_id':'eth0'}",
	      DESER "missing field `host_dev_name` at line 1 column 19.");
	fault("PUT", "/network-interfaces/eth0",
	      "{'iface_id':'eth0','host_dev_name':'tap0','guest_mac':'06:00:AC'}",
	      DESER "network-interface: field \"guest_mac\" must be *");
	fault("PATCH", "/network-interfaces/eth0", "{'iface_id':'eth0','host_dev_name':'tap1'}",
	      DESER "network-interface: unknown field \"host_dev_name\".");
	fault("PATCH", "/network-interfaces/eth0", "{'iface_id':'eth0','rx_rate_limiter':5}",
	      DESER "network-interface: field \"rx_rate_limiter\" must be an object, got 5.");
}

static void actions_and_vm_state(void **state)
{
	struct api_request req;

	ok("PUT", "/actions", "{'action_type':'InstanceStart'}", API_PUT_ACTIONS, &req);
	assert_int_equal(req.u.action, ACTION_INSTANCE_START);
	ok("PUT", "/actions", "{'action_type':'SendCtrlAltDel'}", API_PUT_ACTIONS, &req);
	assert_int_equal(req.u.action, ACTION_SEND_CTRL_ALT_DEL);
	ok("PUT", "/actions", "{'action_type':'FlushMetrics'}", API_PUT_ACTIONS, &req);
	assert_int_equal(req.u.action, ACTION_FLUSH_METRICS);
	ok("PATCH", "/vm", "{'state':'Paused'}", API_PATCH_VM, &req);
	assert_true(req.u.pause);
	ok("PATCH", "/vm", "{'state':'Resumed'}", API_PATCH_VM, &req);
	assert_false(req.u.pause);

	fault("PUT", "/actions", "{'action_type':'Reboot'}",
	      DESER "actions: field \"action_type\" must be one of \"InstanceStart\", "
		    "\"SendCtrlAltDel\", \"FlushMetrics\", got \"Reboot\".");
	fault("PUT", "/actions", "{'action_type':'InstanceStart\\u0000'}",
	      DESER "invalid JSON at line 1, column *");
	fault("PUT", "/actions", "{}", DESER "missing field `action_type` at line 1 column 2.");
	fault("PUT", "/actions", "{'action_type':1}",
	      DESER "actions: field \"action_type\" must be one of \"InstanceStart\", "
		    "\"SendCtrlAltDel\", \"FlushMetrics\", got an integer.");
	fault("PUT", "/actions", "{'action_type':'InstanceStart','payload':1}",
	      DESER "actions: unknown field \"payload\".");
	fault("PUT", "/actions", "null", DESER "actions: must be a JSON object, got null.");
	fault("PATCH", "/vm", "{'state':'Running'}",
	      DESER "vm: field \"state\" must be one of \"Paused\", \"Resumed\", got \"Running\".");
	fault("PATCH", "/vm", "{'state':'Paused','x':1}", DESER "vm: unknown field \"x\".");
}

static void logger_metrics(void **state)
{
	struct api_request req;

	ok("PUT", "/logger", "{'log_path':'/tmp/l','level':'Debug','show_level':true}",
	   API_PUT_LOGGER, &req);
	assert_string_equal(req.u.logger.log_path, "/tmp/l");
	assert_int_equal(req.u.logger.level, LOG_DEBUG);
	api_request_free(&req);
	ok("PUT", "/metrics", "{'metrics_path':'/tmp/m'}", API_PUT_METRICS, &req);
	assert_string_equal(req.u.metrics.metrics_path, "/tmp/m");
	api_request_free(&req);
	fault("PUT", "/logger", "{'level':'Loud'}", DESER "logger: field \"level\" must be *");
	fault("PUT", "/metrics", "{}", DESER "missing field `metrics_path` at line 1 column 2.");
	/* Firecracker's metrics body takes "properties" (any object) too. */
	ok("PUT", "/metrics", "{'metrics_path':'/tmp/m','properties':{'cluster':'a'}}",
	   API_PUT_METRICS, &req);
	api_request_free(&req);
	/* The exact text Firecracker's API tests read, spaces and all. */
	fault("PUT", "/machine-config", "{\"mem_size_mib\": 128}",
	      DESER "missing field `vcpu_count` at line 1 column 21.");
	fault("PUT", "/machine-config", "{\"vcpu_count\": 2}",
	      DESER "missing field `mem_size_mib` at line 1 column 17.");
	fault("PUT", "/machine-config", "{\n  \"vcpu_count\": 2\n}\n",
	      DESER "missing field `mem_size_mib` at line 3 column 1.");
}

static void whole_vm(void **state)
{
	struct api_request req;

	ok("PUT", "/vm",
	   "{'boot-source':{'kernel_image_path':'/k'},'machine-config':{'vcpu_count':2,"
	   "'mem_size_mib':64},'drives':[{'drive_id':'r','path_on_host':'/r','is_root_device':"
	   "true}],'start':true}",
	   API_PUT_VM, &req);
	assert_true(req.u.vm.start);
	assert_int_equal(req.u.vm.cfg->machine.vcpu_count, 2);
	assert_int_equal(req.u.vm.cfg->nr_drives, 1);
	api_request_free(&req);
	ok("PUT", "/vm", "{'boot-source':{'kernel_image_path':'/k'}}", API_PUT_VM, &req);
	assert_false(req.u.vm.start);
	api_request_free(&req);
	fault("PUT", "/vm", "{'boot-source':{'kernel_image_path':'/k'},'start':'yes'}",
	      DESER "vm: field \"start\" must be a boolean, got a string.");
	fault("PUT", "/vm", "{'machine-config':{'vcpu_count':1,'mem_size_mib':64}}",
	      DESER "boot-source: missing required section \"boot-source\".");
	fault("PUT", "/vm",
	      "{'boot-source':{'kernel_image_path':'/k'},'drives':[{'drive_id':'a','path_on_host':"
	      "'/a','is_root_device':true},{'drive_id':'b','path_on_host':'/b','is_root_device':"
	      "true}]}",
	      DESER "drives: more than one root device (\"a\" and \"b\").");
	fault("PUT", "/vm", "[]", DESER "the top level must be a JSON object, got an array.");
}

/* Bodies that are not JSON at all, including bytes that are not UTF-8. */
static void not_json(void **state)
{
	struct api_request req;
	struct errbuf e = {""};
	const char bad_utf8[] = "{\"kernel_image_path\": \"/k\xff\xfe\"}";
	const char with_nul[] = "{\"action_type\": \"InstanceStart\"}\0";
	const char *ops[][2] = {{"PUT", "/boot-source"},
				{"PUT", "/machine-config"},
				{"PATCH", "/machine-config"},
				{"PUT", "/drives/a"},
				{"PATCH", "/drives/a"},
				{"PUT", "/network-interfaces/a"},
				{"PATCH", "/network-interfaces/a"},
				{"PUT", "/actions"},
				{"PATCH", "/vm"},
				{"PUT", "/logger"},
				{"PUT", "/metrics"},
				{"PUT", "/vm"}};
	unsigned int i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		fault(ops[i][0], ops[i][1], "this is not json", DESER "invalid JSON at line 1, *");
	assert_int_equal(api_route("PUT", "/boot-source", bad_utf8, sizeof(bad_utf8) - 1, &req, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, "invalid JSON"));
	assert_int_equal(api_route("PUT", "/actions", with_nul, sizeof(with_nul) - 1, &req, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, "invalid JSON"));
	/* Deep nesting is refused by the JSON parser without exhausting the stack. */
	{
		size_t n = 40000, k;
		char *deep = malloc(2 * n + 1);

		assert_non_null(deep);
		for (k = 0; k < n; k++) {
			deep[k] = '[';
			deep[n + k] = ']';
		}
		deep[2 * n] = '\0';
		assert_int_equal(api_route("PUT", "/vm", deep, 2 * n, &req, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "invalid JSON"));
		free(deep);
	}
}

static void op_names(void **state)
{
	assert_string_equal(api_op_name(API_PUT_DRIVE), "PUT /drives");
	assert_string_equal(api_op_name(API_PUT_VM), "PUT /vm");
	assert_string_equal(api_op_name(API_OP_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gets),
	    cmocka_unit_test(bad_paths_and_methods),
	    cmocka_unit_test(body_presence),
	    cmocka_unit_test(ids),
	    cmocka_unit_test(machine_config),
	    cmocka_unit_test(boot_source),
	    cmocka_unit_test(drives),
	    cmocka_unit_test(nets),
	    cmocka_unit_test(actions_and_vm_state),
	    cmocka_unit_test(logger_metrics),
	    cmocka_unit_test(whole_vm),
	    cmocka_unit_test(not_json),
	    cmocka_unit_test(op_names),
	};

	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
