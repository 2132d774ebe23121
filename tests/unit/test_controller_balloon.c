/*
 * Unit tests for the balloon's requests in the controller: before boot
 * they edit the configuration (PUT, GET, PATCH, limits against the memory
 * size, GET /vm/config); the post-boot-only ones are refused before boot.
 * No KVM: the device itself is covered by test_virtio_balloon.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller.h"
#include "router.h"
#include "vm.h"

#define BEFORE "The requested operation is not supported before starting the microVM."
#define AFTER  "The requested operation is not supported after starting the microVM."

struct fixture {
	struct vm *vm;
	struct controller ctl;
	struct api_reply r;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
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

	controller_reply_free(&f->r);
	controller_shutdown(&f->ctl);
	f->vm->started = false;
	vm_destroy(f->vm);
	free(f->vm);
	free(f);
	return 0;
}

/* call - route and apply one request; returns the status, f->r the reply. */
static int call(struct fixture *f, const char *method, const char *path, const char *body)
{
	struct api_request req;
	struct errbuf e = {""};

	controller_reply_free(&f->r);
	memset(&f->r, 0, sizeof(f->r));
	if (api_route(method, path, body, body ? strlen(body) : 0, &req, &e)) {
		controller_reply_fault(&f->r, e.msg);
		return 400;
	}
	controller_handle(&f->ctl, &req, &f->r);
	api_request_free(&req);
	return f->r.status;
}

static void expect_fault(struct fixture *f, const char *method, const char *path, const char *body,
			 const char *msg)
{
	assert_int_equal(call(f, method, path, body), 400);
	if (!f->r.body || !strstr(f->r.body, msg))
		fail_msg("%s %s: reply %s lacks \"%s\"", method, path, f->r.body, msg);
}

static void before_boot(void **state)
{
	struct fixture *f = *state;

	expect_fault(f, "GET", "/balloon", NULL, "Balloon config error: No balloon device found.");
	/* Firecracker changes the target only on a running VM. */
	expect_fault(f, "PATCH", "/balloon", "{\"amount_mib\": 1}", BEFORE);
	/* 128 MiB of guest memory by default. */
	expect_fault(f, "PUT", "/balloon", "{\"amount_mib\": 129, \"deflate_on_oom\": true}",
		     "Amount of pages requested is too large.");
	assert_false(f->vm->cfg.balloon.set);
	assert_int_equal(call(f, "PUT", "/balloon",
			      "{\"amount_mib\": 16, \"deflate_on_oom\": true, "
			      "\"stats_polling_interval_s\": 2, \"free_page_reporting\": true}"),
			 204);
	assert_int_equal(call(f, "GET", "/balloon", NULL), 200);
	assert_string_equal(
	    f->r.body, "{\"amount_mib\":16,\"deflate_on_oom\":true,\"stats_polling_interval_s\":"
		       "2,\"free_page_hinting\":false,\"free_page_reporting\":true}");
	expect_fault(f, "PATCH", "/balloon", "{\"amount_mib\": 32}", BEFORE);
	assert_int_equal(f->vm->cfg.balloon.amount_mib, 16);
	assert_int_equal(call(f, "GET", "/vm/config", NULL), 200);
	assert_non_null(strstr(f->r.body, "\"balloon\":{\"amount_mib\":16,"));
	expect_fault(f, "GET", "/balloon/statistics", NULL, BEFORE);
	expect_fault(f, "PATCH", "/balloon/statistics", "{\"stats_polling_interval_s\": 1}",
		     BEFORE);
	expect_fault(f, "PATCH", "/balloon/hinting/start", NULL, BEFORE);
	expect_fault(f, "GET", "/balloon/hinting/status", NULL, BEFORE);
	expect_fault(f, "PATCH", "/balloon/hinting/stop", NULL, BEFORE);
	/* Metrics: one PUT failed, one succeeded. */
	assert_int_equal(f->ctl.metrics.val[MET_PUT_BALLOON], 2);
	assert_int_equal(f->ctl.metrics.val[MET_PUT_BALLOON_FAILS], 1);
}

static void after_boot_without_device(void **state)
{
	struct fixture *f = *state;

	f->vm->started = true;
	expect_fault(f, "PUT", "/balloon", "{\"amount_mib\": 1, \"deflate_on_oom\": true}", AFTER);
	expect_fault(f, "GET", "/balloon/statistics", NULL, "No balloon device found.");
	expect_fault(f, "PATCH", "/balloon", "{\"amount_mib\": 1}", "No balloon device found.");
	expect_fault(f, "PATCH", "/balloon/hinting/start", NULL, "No balloon device found.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(before_boot, setup, teardown),
	    cmocka_unit_test_setup_teardown(after_boot_without_device, setup, teardown),
	};

	return cmocka_run_group_tests_name("controller_balloon", tests, NULL, NULL);
}
