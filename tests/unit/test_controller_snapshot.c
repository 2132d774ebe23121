/*
 * Unit tests for PUT /snapshot/create and /snapshot/load in the controller
 * (controller_snapshot.c), without KVM: the phase rules, Firecracker's
 * refusals, and state files that must be refused before anything is built
 * (missing, not a snapshot, a configuration that disagrees with the rest),
 * each leaving the instance "Not started" and able to take the next one.
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
#include "router.h"
#include "snapshot_file.h"

struct fixture {
	char dir[64], snap[96], mem[96], body[512];
	struct vm *vm;
	struct controller ctl;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ember-test-snapctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->snap, sizeof(f->snap), "%s/snap", f->dir);
	snprintf(f->mem, sizeof(f->mem), "%s/mem", f->dir);
	snprintf(f->body, sizeof(f->body),
		 "{\"snapshot_path\":\"%s\",\"mem_backend\":{\"backend_type\":\"File\","
		 "\"backend_path\":\"%s\"}}",
		 f->snap, f->mem);
	f->vm = malloc(sizeof(*f->vm));
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

	controller_shutdown(&f->ctl);
	f->vm->started = false;
	vm_destroy(f->vm);
	free(f->vm);
	unlink(f->snap);
	unlink(f->mem);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* expect - route and apply one request; the status, and @text in the reply. */
static void expect(struct fixture *f, int status, const char *text, const char *method,
		   const char *path, const char *body)
{
	struct api_request req;
	struct api_reply r;
	struct errbuf e = {""};

	assert_int_equal(api_route(method, path, body, strlen(body), &req, &e), 0);
	controller_handle(&f->ctl, &req, &r);
	api_request_free(&req);
	if (r.status != status || (text && (!r.body || !strstr(r.body, text))))
		fail_msg("%s %s: %d %s, expected %d with \"%s\"", method, path, r.status,
			 r.body ? r.body : "", status, text ? text : "");
	controller_reply_free(&r);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void phase_rules(void **state)
{
	struct fixture *f = *state;

	expect(f, 400, "not supported before starting", "PUT", "/snapshot/create",
	       "{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\"}");
	f->vm->started = true; /* running, not paused */
	expect(f, 400, "dirty page tracking disabled", "PUT", "/snapshot/create",
	       "{\"snapshot_type\":\"Diff\",\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\"}");
	expect(f, 400, "save/restore unavailable while running", "PUT", "/snapshot/create",
	       "{\"snapshot_path\":\"/s\",\"mem_file_path\":\"/m\"}");
	expect(f, 400, "not supported after starting", "PUT", "/snapshot/load", f->body);
}

static void bad_files_refused(void **state)
{
	struct fixture *f = *state;
	struct snap_meta m = {.nr_vcpus = 1, .mem_size = 128ULL << 20};
	struct snap_mem_layout l = {.nr_regions = 1, .region = {{0, 128ULL << 20, 0}}};
	static const char cfg[] = "{\"boot-source\":{\"kernel_image_path\":\"/k\"},"
				  "\"machine-config\":{\"vcpu_count\":2,\"mem_size_mib\":128}}";
	struct snap_writer w;
	uint8_t vcpu[8] = {0};

	expect(f, 400, "Load snapshot error: Cannot open the snapshot file", "PUT",
	       "/snapshot/load", f->body);
	write_bytes(f->snap, "not a snapshot at all: some bytes, more than its header holds", 61);
	expect(f, 400, "bad magic", "PUT", "/snapshot/load", f->body);
	/* Framing fine, but the configuration asks for 2 vCPUs and holds 1. */
	snap_writer_init(&w);
	snap_writer_add_meta(&w, &m);
	snap_writer_add(&w, SNAP_SEC_CONFIG, 0, cfg, sizeof(cfg) - 1);
	snap_writer_add_mem(&w, &l);
	snap_writer_add(&w, SNAP_SEC_VCPU, 0, vcpu, sizeof(vcpu));
	assert_int_equal(snap_writer_finish(&w), 0);
	write_bytes(f->snap, w.buf, w.len);
	snap_writer_free(&w);
	expect(f, 400, "configures 2 vCPUs but holds 1", "PUT", "/snapshot/load", f->body);
	assert_string_equal(controller_state(&f->ctl), "Not started");
	assert_false(f->vm->started);
	/* Nothing was taken from the refused files. */
	assert_false(f->vm->cfg.has_boot_source);
}

static void load_after_config_refused(void **state)
{
	struct fixture *f = *state;

	expect(f, 204, NULL, "PUT", "/logger", "{\"level\":\"Off\"}");
	expect(f, 400, "Cannot open the snapshot file", "PUT", "/snapshot/load", f->body);
	/* Even the default machine config counts as configured. */
	expect(f, 204, NULL, "PUT", "/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":128}");
	expect(f, 400,
	       "Loading a microVM snapshot not allowed after configuring boot-specific "
	       "resources.",
	       "PUT", "/snapshot/load", f->body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(phase_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_files_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(load_after_config_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
