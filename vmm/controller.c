/*
 * controller.c - see controller.h.
 *
 * Runs on the event-loop thread only, so vm->cfg and the VM's lifecycle
 * need no locks: requests are applied one at a time, in arrival order.
 * Each handler validates everything first and changes the VM last, so a
 * refused request leaves no trace.
 *
 * The one place that knows which request is allowed before and after
 * InstanceStart, and how each changes struct vm: before boot, requests
 * edit vm->cfg (the same struct the config file fills); InstanceStart runs
 * vm_start() once; after boot, requests act on the running VM (pause and
 * resume, Ctrl+Alt+Del, metrics). The API's router has already
 * checked each request's syntax; checks against the current state (file
 * paths, root-device uniqueness, limits) happen here.
 *
 * Replies: 204 and no body on success, 200 with a JSON body for GETs, 400
 * with {"fault_message": "..."} on failure. The controller also owns the
 * metrics (vmm/metrics.h) and their 60 s flush timer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config_dump.h"
#include "controller.h"
#include "controller_devices.h"
#include "controller_mmds.h"
#include "controller_snapshot.h"
#include "controller_cpu.h"
#include "cpu_template.h"
#include "devices.h"

#ifndef EMBER_VERSION
#define EMBER_VERSION "unknown"
#endif

#define PRE_BOOT_ONLY  "The requested operation is not supported after starting the microVM."
#define POST_BOOT_ONLY "The requested operation is not supported before starting the microVM."
#define START_ERROR    "Start microvm error: "

enum phase { PRE = 1, POST = 2, ANY = PRE | POST };

/* Per operation: when it is allowed, and its metrics (count, fails). */
static const struct op_rule {
	unsigned int phase;
	enum metric_id count, fails;
	const char *prefix; /* Firecracker's section of a VMM-side error */
} rules[API_OP_COUNT] = {
    [API_GET_INFO] = {ANY, MET_GET_INSTANCE_INFO, MET_GET_INSTANCE_INFO},
    [API_GET_VERSION] = {ANY, MET_GET_VERSION, MET_GET_VERSION},
    [API_GET_VM_CONFIG] = {ANY, MET_GET_VM_CONFIG, MET_GET_VM_CONFIG},
    [API_GET_MACHINE] = {ANY, MET_GET_MACHINE, MET_GET_MACHINE},
    [API_PUT_MACHINE] = {PRE, MET_PUT_MACHINE, MET_PUT_MACHINE_FAILS, "Machine config error: "},
    [API_PATCH_MACHINE] = {PRE, MET_PATCH_MACHINE, MET_PATCH_MACHINE_FAILS,
			   "Machine config error: "},
    [API_PUT_BOOT_SOURCE] = {PRE, MET_PUT_BOOT_SOURCE, MET_PUT_BOOT_SOURCE_FAILS,
			     "Boot source error: "},
    [API_PUT_DRIVE] = {PRE, MET_PUT_DRIVE, MET_PUT_DRIVE_FAILS, "Drive config error: "},
    [API_PATCH_DRIVE] = {POST, MET_PATCH_DRIVE, MET_PATCH_DRIVE_FAILS, "Drive config error: "},
    [API_PUT_NET] = {PRE, MET_PUT_NET, MET_PUT_NET_FAILS, "Network config error: "},
    [API_PATCH_NET] = {POST, MET_PATCH_NET, MET_PATCH_NET_FAILS, "Network config error: "},
    [API_PUT_ACTIONS] = {ANY, MET_PUT_ACTIONS, MET_PUT_ACTIONS_FAILS},
    [API_PATCH_VM] = {POST, MET_PATCH_VM, MET_PATCH_VM_FAILS},
    [API_PUT_LOGGER] = {PRE, MET_PUT_LOGGER, MET_PUT_LOGGER_FAILS, "Logger error: "},
    [API_PUT_METRICS] = {PRE, MET_PUT_METRICS, MET_PUT_METRICS_FAILS, "Metrics error: "},
    [API_PUT_VM] = {PRE, MET_PUT_VM, MET_PUT_VM_FAILS},
    [API_PUT_BALLOON] = {PRE, MET_PUT_BALLOON, MET_PUT_BALLOON_FAILS, BALLOON_ERROR},
    [API_GET_BALLOON] = {ANY, MET_GET_BALLOON, MET_GET_BALLOON, BALLOON_ERROR},
    [API_PATCH_BALLOON] = {POST, MET_PATCH_BALLOON, MET_PATCH_BALLOON_FAILS, BALLOON_ERROR},
    [API_GET_BALLOON_STATS] = {POST, MET_GET_BALLOON, MET_GET_BALLOON, BALLOON_ERROR},
    [API_PATCH_BALLOON_STATS] = {POST, MET_PATCH_BALLOON, MET_PATCH_BALLOON_FAILS, BALLOON_ERROR},
    [API_PATCH_BALLOON_HINT_START] = {POST, MET_PATCH_BALLOON, MET_PATCH_BALLOON_FAILS,
				      BALLOON_ERROR},
    [API_GET_BALLOON_HINT_STATUS] = {POST, MET_GET_BALLOON, MET_GET_BALLOON, BALLOON_ERROR},
    [API_PATCH_BALLOON_HINT_STOP] = {POST, MET_PATCH_BALLOON, MET_PATCH_BALLOON_FAILS,
				     BALLOON_ERROR},
    [API_PUT_ENTROPY] = {PRE, MET_PUT_ENTROPY, MET_PUT_ENTROPY_FAILS},
    [API_GET_MMDS] = {ANY, MET_GET_MMDS, MET_GET_MMDS},
    [API_PUT_MMDS] = {ANY, MET_PUT_MMDS, MET_PUT_MMDS_FAILS},
    [API_PATCH_MMDS] = {ANY, MET_PATCH_MMDS, MET_PATCH_MMDS_FAILS},
    [API_PUT_MMDS_CONFIG] = {PRE, MET_PUT_MMDS, MET_PUT_MMDS_FAILS},
    [API_PUT_VSOCK] = {PRE, MET_PUT_VSOCK, MET_PUT_VSOCK_FAILS},
    [API_PUT_SNAPSHOT_CREATE] = {POST, MET_SNAPSHOT_CREATE, MET_SNAPSHOT_CREATE_FAILS},
    [API_PUT_SNAPSHOT_LOAD] = {PRE, MET_SNAPSHOT_LOAD, MET_SNAPSHOT_LOAD_FAILS},
    [API_PUT_CPU_CONFIG] = {PRE, MET_PUT_CPU_CONFIG, MET_PUT_CPU_CONFIG_FAILS},
};

void controller_init(struct controller *c, struct vm *vm)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	metrics_init(&c->metrics);
	c->metrics_timer_fd = -1;
}

/* --- replies ---------------------------------------------------------------- */

static void reply_json(struct api_reply *r, json_t *o)
{
	r->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	r->status = r->body ? 200 : 400;
	if (!r->body)
		controller_reply_fault(r, "Out of memory while building the response.");
}

void controller_reply_fault(struct api_reply *r, const char *msg)
{
	json_t *o = json_pack("{s:s}", "fault_message", msg);
	char ascii[sizeof(((struct errbuf *)0)->msg)];
	size_t i;

	if (!o) {
		/* Not UTF-8 (a message cut inside a character): ASCII only. */
		for (i = 0; msg[i] && i + 1 < sizeof(ascii); i++)
			ascii[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
		ascii[i] = '\0';
		o = json_pack("{s:s}", "fault_message", ascii);
	}
	free(r->body);
	r->status = 400;
	r->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
}

void controller_reply_free(struct api_reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* prefix_error - @e's message behind Firecracker's section @prefix. */
static void prefix_error(struct errbuf *e, const char *prefix)
{
	struct errbuf inner = *e;

	errf(e, -EINVAL, "%s%s", prefix, inner.msg);
}

/* fault - the common failure: @e holds the message. Returns -EINVAL. */
static int fault(struct api_reply *r, const struct errbuf *e)
{
	controller_reply_fault(r, e->msg);
	return -EINVAL;
}

const char *controller_state(const struct controller *c)
{
	if (!c->vm->started)
		return "Not started";
	return c->pause.paused ? "Paused" : "Running";
}

/* --- metrics ------------------------------------------------------------------ */

static void on_metrics_timer(void *ctx, uint32_t events)
{
	struct controller *c = ctx;
	struct vm *vm = c->vm;
	uint64_t ticks;

	if (read(c->metrics_timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (metrics_flush(&c->metrics, vm))
		log_warn(&vm->log, "metrics: a line could not be written whole (%llu lost so far)",
			 (unsigned long long)c->metrics.lost);
}

/* open_metrics - start writing metrics to @path, a line now and every 60 s. */
static int open_metrics(struct controller *c, const char *path, struct errbuf *e)
{
	struct itimerspec its = {.it_interval = {METRICS_PERIOD_S, 0},
				 .it_value = {METRICS_PERIOD_S, 0}};
	int ret = metrics_open(&c->metrics, path);

	if (ret == -EALREADY)
		return errf(e, ret, "Reinitialization of metrics not allowed.");
	if (ret)
		return errf(e, ret, "Cannot open the metrics file %s: %s.", path, strerror(-ret));
	c->metrics_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->metrics_timer_fd >= 0) {
		c->metrics_timer = (struct loop_handler){.fn = on_metrics_timer, .ctx = c};
		if (timerfd_settime(c->metrics_timer_fd, 0, &its, NULL) ||
		    loop_add(&c->vm->loop, c->metrics_timer_fd, EPOLLIN, &c->metrics_timer))
			log_warn(&c->vm->log, "metrics: no periodic flush: %s", strerror(errno));
	}
	metrics_flush(&c->metrics, c->vm);
	return 0;
}

void controller_shutdown(struct controller *c)
{
	metrics_flush(&c->metrics, c->vm);
	metrics_close(&c->metrics);
	if (c->metrics_timer_fd >= 0) {
		loop_del(&c->vm->loop, c->metrics_timer_fd);
		close(c->metrics_timer_fd);
	}
	c->metrics_timer_fd = -1;
}

/* --- logger -------------------------------------------------------------------- */

/* apply_logger - @l (from the API or the config file) to the logger, then
 * the command-line flags, which win. */
static int apply_logger(struct controller *c, const struct cfg_logger *l, struct errbuf *e)
{
	struct logger *log = &c->vm->log;
	const struct cli_opts *o = c->vm->opts;
	const char *path = o && o->log_path ? o->log_path : (l->set ? l->log_path : NULL);
	int ret;

	if (path) {
		ret = log_open(log, path);
		if (ret)
			return errf(e, ret, "Cannot open the log file %s: %s.", path,
				    strerror(-ret));
	}
	if (l->set) {
		log->level = l->level;
		log->show_level = l->show_level;
		log->show_origin = l->show_log_origin;
	}
	if (o && o->level_set)
		log->level = o->level;
	if (o && o->show_level)
		log->show_level = true;
	if (o && o->show_log_origin)
		log->show_origin = true;
	return 0;
}

int controller_setup(struct controller *c, struct errbuf *e)
{
	const struct cli_opts *o = c->vm->opts;
	const char *mpath = o && o->metrics_path
				? o->metrics_path
				: (c->vm->cfg.metrics.set ? c->vm->cfg.metrics.metrics_path : NULL);
	int ret = apply_logger(c, &c->vm->cfg.logger, e);

	if (!ret && mpath)
		ret = open_metrics(c, mpath, e);
	if (!ret)
		ret = controller_mmds_setup(c->vm, e);
	return ret;
}

/* --- checks against the host -------------------------------------------------- */

/* check_file - @path can be opened read-only and is a regular file. */
static int check_file(const char *what, const char *path, struct errbuf *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), ret = 0; /* FIFOs must not block */

	if (fd < 0)
		return errf(e, -errno, "The %s cannot be opened: %s (os error %d)", what,
			    strerror(errno), errno);
	if (fstat(fd, &st))
		ret = errf(e, -errno, "The %s cannot be opened: %s (os error %d)", what,
			   strerror(errno), errno);
	else if (!S_ISREG(st.st_mode))
		ret = errf(e, -EINVAL, "The %s %s is not a regular file.", what, path);
	close(fd);
	return ret;
}

static int check_boot_source(const struct cfg_boot_source *b, struct errbuf *e)
{
	int ret = check_file("kernel file", b->kernel_image_path, e);

	if (!ret && b->initrd_path)
		ret = check_file("initrd file", b->initrd_path, e);
	return ret;
}

/* check_config_files - every file a whole config names (PUT /vm). */
static int check_config_files(const struct vm_config *cfg, struct errbuf *e)
{
	unsigned int i;
	int ret = check_boot_source(&cfg->boot_source, e);

	for (i = 0; !ret && i < cfg->nr_drives; i++)
		ret = controller_check_drive_file(&cfg->drive[i], e);
	return ret;
}

/* --- pre-boot configuration ---------------------------------------------------- */

static int put_boot_source(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct cfg_boot_source *cur = &c->vm->cfg.boot_source;
	int ret = check_boot_source(&req->u.boot, e);

	if (ret)
		return ret;
	free(cur->kernel_image_path);
	free(cur->initrd_path);
	free(cur->boot_args);
	*cur = req->u.boot;
	memset(&req->u.boot, 0, sizeof(req->u.boot));
	c->vm->cfg.has_boot_source = true;
	return 0;
}

static int patch_machine(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct cfg_machine m = c->vm->cfg.machine;
	int ret = config_parse_machine(req->patch, &m, true, e);

	if (!ret)
		c->vm->cfg.machine = m;
	if (!ret)
		controller_cpu_machine_set(&c->vm->cfg, req);
	return ret;
}

static int put_logger(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct cfg_logger *cur = &c->vm->cfg.logger;
	int ret = apply_logger(c, &req->u.logger, e);

	if (ret)
		return ret;
	free(cur->log_path);
	free(cur->module);
	*cur = req->u.logger;
	memset(&req->u.logger, 0, sizeof(req->u.logger));
	return 0;
}

static int put_metrics(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct cfg_metrics *cur = &c->vm->cfg.metrics;
	int ret = open_metrics(c, req->u.metrics.metrics_path, e);

	if (ret)
		return ret;
	free(cur->metrics_path);
	*cur = req->u.metrics;
	memset(&req->u.metrics, 0, sizeof(req->u.metrics));
	return 0;
}

static int instance_start(struct controller *c, struct errbuf *e);

/* PUT /vm: replace the whole configuration, optionally boot. */
static int put_vm(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct vm_config *doc = req->u.vm.cfg;
	int ret = check_config_files(doc, e);

	if (!ret && doc->metrics.set && c->metrics.fd >= 0)
		ret = errf(e, -EALREADY, "Reinitialization of metrics not allowed.");
	if (!ret)
		ret = apply_logger(c, &doc->logger, e);
	if (!ret && doc->metrics.set)
		ret = open_metrics(c, doc->metrics.metrics_path, e);
	if (ret)
		return ret;
	config_free(&c->vm->cfg);
	c->vm->cfg = *doc;
	config_init(doc);
	return req->u.vm.start ? instance_start(c, e) : 0;
}

/* --- lifecycle ----------------------------------------------------------------- */

static int instance_start(struct controller *c, struct errbuf *e)
{
	struct vm *vm = c->vm;
	int ret;

	if (!vm->cfg.has_boot_source || !vm->cfg.boot_source.kernel_image_path)
		return errf(e, -EINVAL,
			    START_ERROR "Cannot start microvm without kernel configuration.");
	ret = config_check(&vm->cfg, e);
	if (!ret)
		ret = cpu_template_check_host(vm->cfg.machine.cpu_template, e);
	if (!ret)
		ret = controller_cpu_check(&vm->cfg, e);
	if (!ret)
		ret = controller_mmds_prepare(vm, e);
	if (ret) {
		prefix_error(e, START_ERROR);
		return ret;
	}
	log_info(&vm->log, "InstanceStart: building the microVM");
	ret = vm_start(vm);
	if (ret) {
		/* A half-built VM cannot be built again: end this instance. */
		vm_request_exit(vm, EMBER_EXIT_GENERIC);
		return errf(e, ret,
			    START_ERROR "%s (os error %d). ember's log has the details; this "
					"instance exits.",
			    strerror(-ret), -ret);
	}
	return 0;
}

static int set_paused(struct controller *c, bool pause)
{
	if (pause) {
		pause_vm(c->vm, &c->pause);
		metrics_set(&c->metrics, MET_PAUSE_VM_US, c->pause.pause_us);
	} else {
		pause_resume(c->vm, &c->pause);
		metrics_set(&c->metrics, MET_RESUME_VM_US, c->pause.resume_us);
	}
	return 0;
}

static int do_action(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct vm *vm = c->vm;
	int ret;

	switch (req->u.action) {
	case ACTION_INSTANCE_START:
		if (vm->started)
			return errf(e, -EALREADY, PRE_BOOT_ONLY);
		return instance_start(c, e);
	case ACTION_SEND_CTRL_ALT_DEL:
		if (!vm->started)
			return errf(e, -EINVAL, POST_BOOT_ONLY);
		ret = i8042_send_ctrl_alt_del(&vm->i8042);
		if (ret)
			return errf(e, ret, "The keyboard controller's buffer is full; try again.");
		return 0;
	default:
		if (!vm->started)
			return errf(e, -EINVAL, POST_BOOT_ONLY);
		ret = metrics_flush(&c->metrics, vm);
		if (ret)
			return errf(e, ret, "Failed to write the metrics: %s.", strerror(-ret));
		return 0;
	}
}

/* --- dispatch ------------------------------------------------------------------ */

static json_t *instance_info(const struct controller *c)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", c->vm->log.id, "state", controller_state(c),
			 "vmm_version", EMBER_VERSION, "app_name", "ember");
}

/* dispatch - 1 when @r got a JSON body, 0 for 204, -errno with @e set. */
static int dispatch(struct controller *c, struct api_request *req, struct api_reply *r,
		    struct errbuf *e)
{
	switch (req->op) {
	case API_GET_INFO:
		reply_json(r, instance_info(c));
		return 1;
	case API_GET_VERSION:
		reply_json(r, json_pack("{s:s}", "firecracker_version", EMBER_VERSION));
		return 1;
	case API_GET_VM_CONFIG:
		reply_json(r, config_dump(&c->vm->cfg));
		return 1;
	case API_GET_MACHINE:
		reply_json(r, config_dump_machine(&c->vm->cfg.machine));
		return 1;
	case API_PUT_MACHINE:
		c->vm->cfg.machine = req->u.machine;
		controller_cpu_machine_set(&c->vm->cfg, req);
		return 0;
	case API_PATCH_MACHINE:
		return patch_machine(c, req, e);
	case API_PUT_BOOT_SOURCE:
		return put_boot_source(c, req, e);
	case API_PUT_DRIVE:
		return controller_put_drive(c, req, e);
	case API_PUT_NET:
		return controller_put_net(c, req, e);
	case API_PATCH_DRIVE:
	case API_PATCH_NET:
		return controller_patch_device(c, req, e);
	case API_PUT_ACTIONS:
		return do_action(c, req, e);
	case API_PATCH_VM:
		return set_paused(c, req->u.pause);
	case API_PUT_LOGGER:
		return put_logger(c, req, e);
	case API_PUT_METRICS:
		return put_metrics(c, req, e);
	case API_PUT_VM:
		return put_vm(c, req, e);
	case API_PUT_BALLOON:
	case API_GET_BALLOON:
	case API_PATCH_BALLOON:
	case API_GET_BALLOON_STATS:
	case API_PATCH_BALLOON_STATS:
	case API_PATCH_BALLOON_HINT_START:
	case API_GET_BALLOON_HINT_STATUS:
	case API_PATCH_BALLOON_HINT_STOP:
		return controller_balloon(c, req, r, e);
	case API_PUT_ENTROPY:
		c->vm->cfg.entropy = req->u.entropy; /* replaces any earlier one */
		return 0;
	case API_GET_MMDS:
	case API_PUT_MMDS:
	case API_PATCH_MMDS:
	case API_PUT_MMDS_CONFIG:
		return controller_mmds_handle(c->vm, req, r, e);
	case API_PUT_VSOCK:
		/* Replaces any earlier one, as Firecracker does; the strings move. */
		config_vsock_free(&c->vm->cfg.vsock);
		c->vm->cfg.vsock = req->u.vsock;
		memset(&req->u.vsock, 0, sizeof(req->u.vsock));
		return 0;
	case API_PUT_SNAPSHOT_CREATE:
		return controller_snapshot_create(c, &req->u.snap_create, e);
	case API_PUT_SNAPSHOT_LOAD:
		return controller_snapshot_load(c, &req->u.snap_load, e);
	case API_PUT_CPU_CONFIG:
		return controller_put_cpu_config(&c->vm->cfg, req, e);
	default:
		return errf(e, -EINVAL, "Unknown request.");
	}
}

void controller_handle(struct controller *c, struct api_request *req, struct api_reply *r)
{
	const struct op_rule *rule = &rules[req->op < API_OP_COUNT ? req->op : 0];
	struct errbuf e = {""};
	int ret;

	memset(r, 0, sizeof(*r));
	metrics_inc(&c->metrics, rule->count, 1);
	if (!(rule->phase & (c->vm->started ? POST : PRE)))
		ret = errf(&e, -EINVAL, "%s", c->vm->started ? PRE_BOOT_ONLY : POST_BOOT_ONLY);
	else
		ret = dispatch(c, req, r, &e);
	if (ret < 0 && rule->prefix && strcmp(e.msg, PRE_BOOT_ONLY) &&
	    strcmp(e.msg, POST_BOOT_ONLY))
		prefix_error(&e, rule->prefix);
	if (ret < 0) {
		fault(r, &e);
		if (ret == -EFBIG && (req->op == API_PUT_MMDS || req->op == API_PATCH_MMDS))
			r->status = 413; /* MMDS data over its limit: Payload Too Large */
		if (rule->fails != rule->count)
			metrics_inc(&c->metrics, rule->fails, 1);
		log_info(&c->vm->log, "API request %s refused: %s", api_op_name(req->op), e.msg);
		return;
	}
	if (req->op == API_PUT_MACHINE || req->op == API_PATCH_MACHINE ||
	    req->op == API_PUT_BOOT_SOURCE || req->op == API_PUT_DRIVE || req->op == API_PUT_NET ||
	    req->op == API_PUT_VM)
		c->boot_configured = true; /* snapshots (controller_snapshot.c) */
	if (ret == 0)
		r->status = 204;
	r->deprecated = req->deprecated;
	log_debug(&c->vm->log, "API request %s: %d", api_op_name(req->op), r->status);
}
