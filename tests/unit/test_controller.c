/*
 * Unit tests for the controller (pre/post-boot rules, configuration
 * changes, logger and metrics) and for config_dump. Requests go through the
 * router first, as from the API thread. No KVM: "after boot" is simulated
 * by setting vm->started on a VM without vCPUs.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config_dump.h"
#include "controller.h"
#include "router.h"
#include "vm.h"

#define AFTER  "The requested operation is not supported after starting the microVM."
#define BEFORE "The requested operation is not supported before starting the microVM."

struct fixture {
	char dir[64];
	char kernel[128], initrd[128], disk[128], disk2[128];
	struct vm *vm;
	struct controller ctl;
};

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ember-test-ctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->kernel, sizeof(f->kernel), "%s/vmlinux", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd", f->dir);
	snprintf(f->disk, sizeof(f->disk), "%s/disk.img", f->dir);
	snprintf(f->disk2, sizeof(f->disk2), "%s/disk2.img", f->dir);
	write_file(f->kernel, "not really a kernel");
	write_file(f->initrd, "initrd");
	write_file(f->disk, "disk");
	write_file(f->disk2, "disk2");
	f->vm = malloc(sizeof(*f->vm));
	assert_non_null(f->vm);
	vm_init(f->vm, NULL);
	f->vm->log.level = LOG_OFF;
	assert_int_equal(vm_loop_setup(f->vm), 0);
	controller_init(&f->ctl, f->vm);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	controller_shutdown(&f->ctl);
	f->vm->started = false;
	vm_destroy(f->vm);
	free(f->vm);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* call - route and apply one request; returns the status. The body is a
 * printf format with ' for ". */
static int call(struct fixture *f, struct api_reply *r, const char *method, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int call(struct fixture *f, struct api_reply *r, const char *method, const char *path,
		const char *fmt, ...)
{
	struct api_request req;
	struct errbuf e = {""};
	char body[4096], *p;
	va_list ap;

	body[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(body, sizeof(body), fmt, ap);
		va_end(ap);
		for (p = body; *p; p++)
			if (*p == '\'')
				*p = '"';
	}
	memset(r, 0, sizeof(*r));
	if (api_route(method, path, fmt ? body : NULL, strlen(body), &req, &e)) {
		controller_reply_fault(r, e.msg);
		return 400;
	}
	controller_handle(&f->ctl, &req, r);
	api_request_free(&req);
	return r->status;
}

/* expect - the call gives @status and, for 400, exactly @msg. */
static void expect(struct fixture *f, int status, const char *msg, const char *method,
		   const char *path, const char *body)
{
	struct api_reply r;
	int got = call(f, &r, method, path, body ? "%s" : NULL, body);
	json_t *j;

	if (got != status)
		fail_msg("%s %s: status %d, expected %d (%s)", method, path, got, status,
			 r.body ? r.body : "");
	if (status == 400) {
		j = json_loads(r.body, 0, NULL);
		assert_non_null(j);
		if (strcmp(json_string_value(json_object_get(j, "fault_message")), msg))
			fail_msg("%s %s:\n got      %s\n expected \"%s\"", method, path, r.body,
				 msg);
		json_decref(j);
	}
	controller_reply_free(&r);
}

static json_t *get_json(struct fixture *f, const char *path)
{
	struct api_reply r;
	json_t *j;

	assert_int_equal(call(f, &r, "GET", path, NULL), 200);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	controller_reply_free(&r);
	return j;
}

static void boot_source_checks_files(void **state)
{
	struct fixture *f = *state;
	struct api_reply r;

	expect(f, 400,
	       "Boot source error: The kernel file cannot be opened: No such file or directory "
	       "(os error 2)",
	       "PUT", "/boot-source", "{'kernel_image_path':'/nonexistent/vmlinux'}");
	assert_false(f->vm->cfg.has_boot_source);
	assert_int_equal(call(f, &r, "PUT", "/boot-source",
			      "{'kernel_image_path':'%s','initrd_path':'%s/missing'}", f->kernel,
			      f->dir),
			 400);
	assert_non_null(strstr(r.body, "Boot source error: The initrd file cannot be opened: No "
				       "such file or directory (os error 2)"));
	controller_reply_free(&r);
	assert_int_equal(call(f, &r, "PUT", "/boot-source", "{'kernel_image_path':'%s'}", f->dir),
			 400);
	assert_non_null(strstr(r.body, "is not a regular file"));
	controller_reply_free(&r);
	assert_int_equal(call(f, &r, "PUT", "/boot-source",
			      "{'kernel_image_path':'%s','initrd_path':'%s','boot_args':'quiet'}",
			      f->kernel, f->initrd),
			 204);
	assert_true(f->vm->cfg.has_boot_source);
	assert_string_equal(f->vm->cfg.boot_source.boot_args, "quiet");
	/* A second PUT replaces the first. */
	assert_int_equal(
	    call(f, &r, "PUT", "/boot-source", "{'kernel_image_path':'%s'}", f->kernel), 204);
	assert_null(f->vm->cfg.boot_source.initrd_path);
	assert_null(f->vm->cfg.boot_source.boot_args);
}

static void machine_config_rules(void **state)
{
	struct fixture *f = *state;
	json_t *j;

	expect(f, 204, NULL, "PUT", "/machine-config", "{'vcpu_count':3,'mem_size_mib':256}");
	/* The merge is checked against the current values. */
	expect(f, 400,
	       "Machine config error: The number of vCPUs must be greater than 0, less than 32 and "
	       "must be 1 or an even number if SMT is enabled.",
	       "PATCH", "/machine-config", "{'smt':true}");
	expect(f, 204, NULL, "PATCH", "/machine-config", "{'vcpu_count':4,'smt':true}");
	/* Wrong on its own: refused by the router already. */
	expect(f, 400,
	       "Machine config error: The memory size (MiB) is either 0, or not a multiple of the "
	       "configured page size.",
	       "PATCH", "/machine-config", "{'mem_size_mib':257,'huge_pages':'2M'}");
	/* Wrong only with the current values: refused by the controller. */
	expect(f, 204, NULL, "PATCH", "/machine-config", "{'mem_size_mib':255}");
	expect(f, 400,
	       "Machine config error: The memory size (MiB) is either 0, or not a multiple of the "
	       "configured page size.",
	       "PATCH", "/machine-config", "{'huge_pages':'2M'}");
	expect(f, 204, NULL, "PATCH", "/machine-config", "{'mem_size_mib':256}");
	j = get_json(f, "/machine-config");
	assert_int_equal(json_integer_value(json_object_get(j, "vcpu_count")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "mem_size_mib")), 256);
	assert_true(json_is_true(json_object_get(j, "smt")));
	assert_string_equal(json_string_value(json_object_get(j, "huge_pages")), "None");
	json_decref(j);
	/* PUT resets what it does not name. */
	expect(f, 204, NULL, "PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':64}");
	assert_false(f->vm->cfg.machine.smt);
}

static void drives_rules(void **state)
{
	struct fixture *f = *state;
	struct api_reply r;
	int i;

	assert_int_equal(call(f, &r, "PUT", "/drives/rootfs",
			      "{'drive_id':'rootfs','path_on_host':'%s','is_root_device':true}",
			      f->disk),
			 204);
	assert_int_equal(call(f, &r, "PUT", "/drives/other",
			      "{'drive_id':'other','path_on_host':'%s','is_root_device':true}",
			      f->disk2),
			 400);
	assert_non_null(strstr(r.body, "A root block device already exists!"));
	controller_reply_free(&r);
	/* The same id replaces (and may stay root). */
	assert_int_equal(call(f, &r, "PUT", "/drives/rootfs",
			      "{'drive_id':'rootfs','path_on_host':'%s','is_root_device':true,"
			      "'is_read_only':true}",
			      f->disk2),
			 204);
	assert_int_equal(f->vm->cfg.nr_drives, 1);
	assert_string_equal(f->vm->cfg.drive[0].path_on_host, f->disk2);
	assert_true(f->vm->cfg.drive[0].is_read_only);
	assert_int_equal(call(f, &r, "PUT", "/drives/data",
			      "{'drive_id':'data','path_on_host':'%s/none','is_root_device':false}",
			      f->dir),
			 400);
	assert_non_null(strstr(r.body,
			       "Drive config error: Unable to create the virtio block "
			       "device: Virtio backend error: Error manipulating the backing "
			       "file: No such file or directory (os error 2) "));
	controller_reply_free(&r);
	for (i = f->vm->cfg.nr_drives; i < CFG_MAX_DRIVES; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/drives/d%d", i);
		assert_int_equal(
		    call(f, &r, "PUT", path,
			 "{'drive_id':'d%d','path_on_host':'%s','is_root_device':false}", i,
			 f->disk),
		    204);
	}
	assert_int_equal(f->vm->cfg.nr_drives, CFG_MAX_DRIVES);
	expect(f, 400, "Drive config error: ember supports at most 16 drives.", "PUT",
	       "/drives/one_more",
	       "{'drive_id':'one_more','path_on_host':'/x','is_root_device':false}");
	f->vm->cfg.has_boot_source = true;
	f->vm->cfg.boot_source.kernel_image_path = strdup(f->kernel);
	assert_int_equal(config_check(&f->vm->cfg, NULL), 0);
}

static void nets_rules(void **state)
{
	struct fixture *f = *state;
	char path[48], body[160];
	int i;

	expect(f, 204, NULL, "PUT", "/network-interfaces/eth0",
	       "{'iface_id':'eth0','host_dev_name':'tap0','guest_mac':'06:00:00:00:00:01'}");
	expect(f, 400,
	       "Network config error: Could not create the network device: Open tap device "
	       "failed: Resource busy (os error 16). The tap tap0 is already used by network "
	       "interface \"eth0\".",
	       "PUT", "/network-interfaces/eth1", "{'iface_id':'eth1','host_dev_name':'tap0'}");
	expect(f, 400, "Network config error: The MAC address is already in use: 06:00:00:00:00:01",
	       "PUT", "/network-interfaces/eth1",
	       "{'iface_id':'eth1','host_dev_name':'tap1','guest_mac':'06:00:00:00:00:01'}");
	/* Replacing eth0 with its own MAC and tap is fine. */
	expect(f, 204, NULL, "PUT", "/network-interfaces/eth0",
	       "{'iface_id':'eth0','host_dev_name':'tap0','guest_mac':'06:00:00:00:00:01',"
	       "'mtu':1400}");
	assert_int_equal(f->vm->cfg.nr_nets, 1);
	assert_int_equal(f->vm->cfg.net[0].mtu, 1400);
	for (i = 1; i < CFG_MAX_NETS; i++) {
		snprintf(path, sizeof(path), "/network-interfaces/e%d", i);
		snprintf(body, sizeof(body), "{'iface_id':'e%d','host_dev_name':'t%d'}", i, i);
		expect(f, 204, NULL, "PUT", path, body);
	}
	expect(f, 400, "Network config error: ember supports at most 8 network interfaces.", "PUT",
	       "/network-interfaces/e9", "{'iface_id':'e9','host_dev_name':'t9'}");
	f->vm->cfg.has_boot_source = true;
	f->vm->cfg.boot_source.kernel_image_path = strdup(f->kernel);
	assert_int_equal(config_check(&f->vm->cfg, NULL), 0);
}

static void vm_config_round_trip(void **state)
{
	struct fixture *f = *state;
	struct vm_config back;
	struct api_reply r;
	struct errbuf e = {""};

	assert_int_equal(
	    call(f, &r, "PUT", "/boot-source",
		 "{'kernel_image_path':'%s','initrd_path':'%s','boot_args':'a \\'b\\''}", f->kernel,
		 f->initrd),
	    204);
	expect(f, 204, NULL, "PUT", "/machine-config",
	       "{'vcpu_count':2,'mem_size_mib':512,'smt':true,'huge_pages':'Transparent'}");
	assert_int_equal(call(f, &r, "PUT", "/drives/rootfs",
			      "{'drive_id':'rootfs','path_on_host':'%s','is_root_device':true,"
			      "'partuuid':'abcd-01','cache_type':'Writeback','io_engine':'Async',"
			      "'rate_limiter':{'bandwidth':{'size':100,'refill_time':10}}}",
			      f->disk),
			 204);
	expect(f, 204, NULL, "PUT", "/network-interfaces/eth0",
	       "{'iface_id':'eth0','host_dev_name':'tap0','guest_mac':'06:00:ac:10:00:02',"
	       "'rx_rate_limiter':{'ops':{'size':5,'refill_time':1,'one_time_burst':7}}}");
	assert_int_equal(call(f, &r, "GET", "/vm/config", NULL), 200);
	config_init(&back);
	if (config_load_json(&back, r.body, strlen(r.body), &e))
		fail_msg("the dump does not load back: %s\n%s", e.msg, r.body);
	controller_reply_free(&r);
	assert_string_equal(back.boot_source.kernel_image_path, f->kernel);
	assert_string_equal(back.boot_source.boot_args, "a \"b\"");
	assert_int_equal(back.machine.vcpu_count, 2);
	assert_int_equal(back.machine.mem_size_mib, 512);
	assert_true(back.machine.smt);
	assert_int_equal(back.machine.huge_pages, HUGE_PAGES_TRANSPARENT);
	assert_int_equal(back.nr_drives, 1);
	assert_string_equal(back.drive[0].partuuid, "abcd-01");
	assert_int_equal(back.drive[0].cache_type, CACHE_WRITEBACK);
	assert_int_equal(back.drive[0].io_engine, IO_ENGINE_ASYNC);
	assert_true(back.drive[0].rate_limiter.bandwidth.set);
	assert_false(back.drive[0].rate_limiter.ops.set);
	assert_int_equal(back.drive[0].rate_limiter.bandwidth.size, 100);
	assert_int_equal(back.nr_nets, 1);
	assert_memory_equal(back.net[0].guest_mac, "\x06\x00\xac\x10\x00\x02", 6);
	assert_int_equal(back.net[0].rx_rate_limiter.ops.one_time_burst, 7);
	config_free(&back);
}

static void empty_config_dump(void **state)
{
	struct fixture *f = *state;
	json_t *j = get_json(f, "/vm/config");

	assert_true(json_is_null(json_object_get(j, "boot-source")));
	assert_int_equal(json_array_size(json_object_get(j, "drives")), 0);
	assert_true(json_is_null(json_object_get(j, "logger")));
	assert_true(json_is_null(json_object_get(j, "vsock")));
	json_decref(j);
	j = get_json(f, "/");
	assert_string_equal(json_string_value(json_object_get(j, "state")), "Not started");
	json_decref(j);
}

static void logger_and_metrics(void **state)
{
	struct fixture *f = *state;
	struct api_reply r;
	char log[160], met[160], line[4096];
	json_t *j;
	FILE *fp;
	int n = 0;

	snprintf(log, sizeof(log), "%s/ember.log", f->dir);
	snprintf(met, sizeof(met), "%s/metrics.json", f->dir);
	assert_int_equal(call(f, &r, "PUT", "/logger",
			      "{'log_path':'%s','level':'Debug','show_log_origin':true}", log),
			 204);
	assert_int_equal(f->vm->log.level, LOG_DEBUG);
	assert_true(f->vm->log.show_origin);
	assert_int_equal(access(log, F_OK), 0);
	expect(f, 400,
	       "Logger error: Cannot open the log file /nonexistent/l: No such file or directory.",
	       "PUT", "/logger", "{'log_path':'/nonexistent/l'}");
	/* Firecracker flushes metrics on request only once the microVM runs. */
	expect(f, 400, BEFORE, "PUT", "/actions", "{'action_type':'FlushMetrics'}");
	assert_int_equal(call(f, &r, "PUT", "/metrics", "{'metrics_path':'%s'}", met), 204);
	expect(f, 400, "Metrics error: Reinitialization of metrics not allowed.", "PUT", "/metrics",
	       "{'metrics_path':'/tmp/other'}");
	expect(f, 400, BEFORE, "PATCH", "/vm", "{'state':'Paused'}");
	expect(f, 200, NULL, "GET", "/", NULL);
	expect(f, 400, BEFORE, "PUT", "/actions", "{'action_type':'FlushMetrics'}");
	/* Line 1 at PUT /metrics, line 2 at the periodic flush, with the requests since. */
	assert_int_equal(metrics_flush(&f->ctl.metrics, f->vm), 0);
	fp = fopen(met, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		j = json_loads(line, 0, NULL);
		assert_non_null(j);
		n++;
		if (n == 2) {
			json_t *put = json_object_get(j, "put_api_requests");
			json_t *patch = json_object_get(j, "patch_api_requests");

			assert_int_equal(json_integer_value(json_object_get(put, "metrics_count")),
					 1);
			assert_int_equal(json_integer_value(json_object_get(put, "metrics_fails")),
					 1);
			assert_int_equal(json_integer_value(json_object_get(put, "actions_count")),
					 1);
			assert_int_equal(json_integer_value(json_object_get(patch, "vm_fails")), 1);
			assert_int_equal(
			    json_integer_value(json_object_get(
				json_object_get(j, "get_api_requests"), "instance_info_count")),
			    1);
			assert_true(json_integer_value(json_object_get(j, "utc_timestamp_ms")) >
				    1600000000000LL);
		}
		json_decref(j);
	}
	fclose(fp);
	assert_int_equal(n, 2);
	assert_true(f->vm->cfg.metrics.set);
	assert_true(f->vm->cfg.logger.set);
}

static void whole_vm_request(void **state)
{
	struct fixture *f = *state;
	struct api_reply r;
	char log[160];

	snprintf(log, sizeof(log), "%s/vm.log", f->dir);
	expect(f, 204, NULL, "PUT", "/machine-config", "{'vcpu_count':2,'mem_size_mib':64}");
	/* A missing file anywhere refuses the whole document; nothing changes. */
	assert_int_equal(call(f, &r, "PUT", "/vm",
			      "{'boot-source':{'kernel_image_path':'%s'},'machine-config':{"
			      "'vcpu_count':4,'mem_size_mib':32},'drives':[{'drive_id':'r',"
			      "'path_on_host':'%s/nope','is_root_device':true}]}",
			      f->kernel, f->dir),
			 400);
	assert_non_null(strstr(r.body, "Unable to create the virtio block device"));
	controller_reply_free(&r);
	assert_int_equal(f->vm->cfg.machine.vcpu_count, 2);
	assert_false(f->vm->cfg.has_boot_source);
	assert_int_equal(call(f, &r, "PUT", "/vm",
			      "{'boot-source':{'kernel_image_path':'%s'},'machine-config':{"
			      "'vcpu_count':4,'mem_size_mib':32},'logger':{'log_path':'%s',"
			      "'level':'Warning'},'start':false}",
			      f->kernel, log),
			 204);
	assert_int_equal(f->vm->cfg.machine.vcpu_count, 4);
	assert_true(f->vm->cfg.has_boot_source);
	assert_int_equal(f->vm->log.level, LOG_WARN);
	assert_int_equal(access(log, F_OK), 0);
	assert_false(f->vm->started);
}

static void instance_start_needs_kernel(void **state)
{
	struct fixture *f = *state;

	expect(f, 400, "Start microvm error: Cannot start microvm without kernel configuration.",
	       "PUT", "/actions", "{'action_type':'InstanceStart'}");
	expect(f, 400, BEFORE, "PUT", "/actions", "{'action_type':'SendCtrlAltDel'}");
	expect(f, 400, BEFORE, "PATCH", "/drives/rootfs", "{'drive_id':'rootfs'}");
	expect(f, 400, BEFORE, "PATCH", "/network-interfaces/eth0", "{'iface_id':'eth0'}");
	assert_false(f->vm->started);
}

static void noop_irq(void *ctx)
{
	(void)ctx;
}

/* After boot (simulated: vm->started without vCPUs). */
static void post_boot_rules(void **state)
{
	struct fixture *f = *state;
	struct api_reply r;
	json_t *j;

	assert_int_equal(call(f, &r, "PUT", "/drives/rootfs",
			      "{'drive_id':'rootfs','path_on_host':'%s','is_root_device':true}",
			      f->disk),
			 204);
	i8042_init(&f->vm->i8042, (struct irq_line){.raise = noop_irq}, NULL, NULL);
	f->vm->started = true;
	expect(f, 400, AFTER, "PUT", "/boot-source", "{'kernel_image_path':'/k'}");
	expect(f, 400, AFTER, "PUT", "/machine-config", "{'vcpu_count':1,'mem_size_mib':64}");
	expect(f, 400, AFTER, "PATCH", "/machine-config", "{'vcpu_count':2}");
	expect(f, 400, AFTER, "PUT", "/drives/rootfs",
	       "{'drive_id':'rootfs','path_on_host':'/x','is_root_device':true}");
	expect(f, 400, AFTER, "PUT", "/network-interfaces/eth0",
	       "{'iface_id':'eth0','host_dev_name':'tap0'}");
	expect(f, 400, AFTER, "PUT", "/logger", "{'level':'Info'}");
	expect(f, 400, AFTER, "PUT", "/metrics", "{'metrics_path':'/tmp/m'}");
	expect(f, 400, AFTER, "PUT", "/vm", "{'boot-source':{'kernel_image_path':'/k'}}");
	expect(f, 400, AFTER, "PUT", "/actions", "{'action_type':'InstanceStart'}");
	/* Configured but not attached (no devices in this fixture). */
	expect(f, 400, "Drive config error: drive \"rootfs\" is not attached", "PATCH",
	       "/drives/rootfs", "{'drive_id':'rootfs','path_on_host':'/y'}");
	expect(f, 400, "Drive config error: No drive with id \"data\" is configured.", "PATCH",
	       "/drives/data", "{'drive_id':'data'}");
	expect(f, 400, "Network config error: No network interface with id \"eth0\" is configured.",
	       "PATCH", "/network-interfaces/eth0", "{'iface_id':'eth0'}");
	/* Reads still work. */
	expect(f, 200, NULL, "GET", "/machine-config", NULL);
	expect(f, 200, NULL, "GET", "/vm/config", NULL);
	expect(f, 204, NULL, "PUT", "/actions", "{'action_type':'FlushMetrics'}");
	/* Pause and resume (no vCPUs to park here), idempotent. */
	expect(f, 204, NULL, "PATCH", "/vm", "{'state':'Paused'}");
	j = get_json(f, "/");
	assert_string_equal(json_string_value(json_object_get(j, "state")), "Paused");
	json_decref(j);
	expect(f, 204, NULL, "PATCH", "/vm", "{'state':'Paused'}");
	expect(f, 204, NULL, "PATCH", "/vm", "{'state':'Resumed'}");
	expect(f, 204, NULL, "PATCH", "/vm", "{'state':'Resumed'}");
	j = get_json(f, "/");
	assert_string_equal(json_string_value(json_object_get(j, "state")), "Running");
	json_decref(j);
	/* Ctrl+Alt+Del: 11 set-2 scancodes queued; a second one does not fit
	 * in the 16-byte buffer until the guest reads the first. */
	expect(f, 204, NULL, "PUT", "/actions", "{'action_type':'SendCtrlAltDel'}");
	assert_int_equal(f->vm->i8042.out_count, 11);
	assert_int_equal(f->vm->i8042.outbuf[0], 0x14);
	expect(f, 400, "The keyboard controller's buffer is full; try again.", "PUT", "/actions",
	       "{'action_type':'SendCtrlAltDel'}");
	i8042_destroy(&f->vm->i8042);
}

/* A fault message that is not UTF-8 (cut inside a character) still gives
 * a JSON body. */
static void fault_not_utf8(void **state)
{
	struct api_reply r = {0};

	controller_reply_fault(&r, "drive \"caf\xc3\" failed");
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "{\"fault_message\":\"drive \\\"caf?\\\" failed\"}");
	controller_reply_fault(&r, "ok \xc3\xa9");
	assert_string_equal(r.body, "{\"fault_message\":\"ok \xc3\xa9\"}");
	controller_reply_free(&r);
}

static void metrics_lines(void **state)
{
	struct metrics m;
	char buf[4096], name[64];
	json_t *j;
	int n;

	metrics_init(&m);
	metrics_inc(&m, MET_PUT_DRIVE, 3);
	metrics_set(&m, MET_BOOT_TIME_US, 1234);
	n = metrics_format(&m, 42, buf, sizeof(buf));
	assert_true(n > 0 && buf[n - 1] == '\n');
	assert_int_equal(strncmp(buf, "{\"utc_timestamp_ms\":42,\"api_server\":{", 37), 0);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "put_api_requests"),
							    "drive_count")),
			 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "vmm"), "boot_time_us")), 1234);
	json_decref(j);
	/* Counters restart from zero after a line, gauges keep their value. */
	memcpy(m.flushed, m.val, sizeof(m.val));
	metrics_inc(&m, MET_PUT_DRIVE, 1);
	metrics_format(&m, 43, buf, sizeof(buf));
	j = json_loads(buf, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "put_api_requests"),
							    "drive_count")),
			 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "vmm"), "boot_time_us")), 1234);
	json_decref(j);
	assert_int_equal(metrics_format(&m, 43, buf, 100), -ENOSPC);
	assert_string_equal(metrics_name(MET_VCPU_EXIT_IO_IN, name, sizeof(name)),
			    "vcpu.exit_io_in");
	assert_string_equal(metrics_name(MET_COUNT, name, sizeof(name)), "?");
	/* Not configured: flushing is a no-op. */
	assert_int_equal(metrics_flush(&m, NULL), 0);
	/* A FIFO nobody reads opens, as in Firecracker (tests/unit/test_log_fifo.c). */
	unlink("/tmp/ember-test-metrics.fifo");
	assert_int_equal(mkfifo("/tmp/ember-test-metrics.fifo", 0600), 0);
	assert_int_equal(metrics_open(&m, "/tmp/ember-test-metrics.fifo"), 0);
	metrics_close(&m);
	unlink("/tmp/ember-test-metrics.fifo");
	assert_int_equal(metrics_open(&m, "/dev/null"), 0);
	assert_int_equal(metrics_open(&m, "/dev/null"), -EALREADY);
	assert_int_equal(metrics_flush(&m, NULL), 0);
	assert_int_equal(m.lines, 1);
	metrics_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(boot_source_checks_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(machine_config_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(drives_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(nets_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(vm_config_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(empty_config_dump, setup, teardown),
	    cmocka_unit_test_setup_teardown(logger_and_metrics, setup, teardown),
	    cmocka_unit_test_setup_teardown(whole_vm_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(instance_start_needs_kernel, setup, teardown),
	    cmocka_unit_test_setup_teardown(post_boot_rules, setup, teardown),
	    cmocka_unit_test(fault_not_utf8),
	    cmocka_unit_test(metrics_lines),
	};

	if (!freopen("/dev/null", "r", stdin))
		return 1;
	return cmocka_run_group_tests_name("controller", tests, NULL, NULL);
}
