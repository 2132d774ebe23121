/*
 * main.c - ember's entry point: flags, API socket, config, run, exit status.
 *
 * The only place that decides the process exit status; everything below
 * returns -errno and reports through the logger or an errbuf.
 *
 * Start-up order matters for how fast a client can talk to ember: the API
 * socket is bound and listening right after the flags are parsed, before
 * any other work (a client's connect() succeeds from then on and its first
 * request waits in the socket until the API thread reads it).
 *   - without --config-file: wait for the API (InstanceStart or PUT /vm);
 *   - with --config-file: boot at once, the API stays up (unless --no-api).
 */
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller.h"
#include "snapshot_file.h"
#include "sc_file.h"
#include "server.h"
#include "vm.h"

/* Everything one ember process runs, in one allocation. */
struct ember {
	struct vm vm;
	struct controller ctl;
	struct api_server api;
	int listen_fd;		 /* -1 with --no-api */
	uint64_t startup_us;	 /* wall time until the socket listened (0: unknown) */
	uint64_t startup_cpu_us; /* CPU time until the socket listened */
};

static void log_exit_stats(struct vm *vm)
{
	uint64_t total = 0, io = 0, mmio = 0;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus_created; i++) {
		total += atomic_load(&vm->vcpu[i].stats.exits);
		io += atomic_load(&vm->vcpu[i].stats.io_exits);
		mmio += atomic_load(&vm->vcpu[i].stats.mmio_exits);
	}
	log_info(&vm->log,
		 "vCPU exits: %llu (io %llu, mmio %llu); unclaimed pio r/w %llu/%llu, mmio r/w "
		 "%llu/%llu",
		 (unsigned long long)total, (unsigned long long)io, (unsigned long long)mmio,
		 (unsigned long long)atomic_load(&vm->pio.unknown_reads),
		 (unsigned long long)atomic_load(&vm->pio.unknown_writes),
		 (unsigned long long)atomic_load(&vm->mmio.unknown_reads),
		 (unsigned long long)atomic_load(&vm->mmio.unknown_writes));
}

static uint64_t clock_us(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * measure_startup - the api_server.process_startup_time_* gauges, taken
 * once the socket listens, as Firecracker does: with its jailer's
 * --start-time-us, the CLOCK_MONOTONIC time since the launcher started;
 * with --start-time-cpu-us, the CPU time since then plus
 * --parent-cpu-time-us (the launcher's forked-away parents). Without them,
 * the wall time stays 0 and the CPU time is this process's own.
 */
static void measure_startup(struct ember *m, const struct cli_opts *o)
{
	uint64_t cpu = clock_us(CLOCK_PROCESS_CPUTIME_ID);

	if (o->start_time_us.set)
		m->startup_us = sub_sat(clock_us(CLOCK_MONOTONIC), o->start_time_us.v);
	/* Added before subtracting: after the launcher's forks this process's
	 * clock restarted at 0 and may be below start_time_cpu_us. */
	if (__builtin_add_overflow(cpu, o->parent_cpu_time_us.v, &cpu))
		cpu = UINT64_MAX;
	m->startup_cpu_us = sub_sat(cpu, o->start_time_cpu_us.v);
}

/* confine_setup - the SIGSYS reporter and, with an API, the API thread's
 * filter (the thread installs it first thing). The VMM and vCPU filters
 * need the VM's fds and are built by vm_start(). */
static int confine_setup(struct vm *vm, bool api, struct errbuf *e)
{
	struct sc_targets t = {.pid = getpid(), .vm_fd = -1};
	int ret;

	/* jansson seeds its hash tables on first use, from /dev/urandom or the
	 * time and pid: now, not on the API thread once it is filtered. */
	json_object_seed(0);
	if (!vm->seccomp_on) {
		log_warn(&vm->log,
			 "SECCOMP IS DISABLED (--no-seccomp): a guest that breaks out of "
			 "the device emulation can make any system call this process can. "
			 "Never run untrusted guests like this.");
		return 0;
	}
	ret = sc_sigsys_setup(&vm->log);
	if (ret)
		return errf(e, ret, "seccomp: installing the SIGSYS handler: %s", strerror(-ret));
	if (vm->opts->seccomp_filter) {
		ret = sc_file_load(vm->opts->seccomp_filter, vm->seccomp_user, e);
		if (ret)
			return ret;
		vm->seccomp_user_on = true;
		t.user = vm->seccomp_user;
		log_info(&vm->log, "seccomp: the filters of %s instead of ember's",
			 vm->opts->seccomp_filter);
	}
	return api ? sc_build(SC_API, &t, &vm->seccomp[SC_API], e) : 0;
}

/* setup - everything between the socket and the event loop. Returns 0 or
 * the exit status to end with. */
static int setup(struct ember *m, const struct cli_opts *o)
{
	struct vm *vm = &m->vm;
	struct errbuf e = {""};
	int ret;

	if (o->config_file) {
		ret = config_load_file(&vm->cfg, o->config_file, &e);
		if (ret) {
			log_error(&vm->log, "Configuration for VMM from one single json failed: %s",
				  e.msg);
			return EMBER_EXIT_BAD_CONFIG;
		}
	}
	/* A console reader or API client that went away must not kill the VMM. */
	signal(SIGPIPE, SIG_IGN);
	ret = vcpu_signal_setup();
	if (ret) {
		log_error(&vm->log, "installing the vCPU kick signal: %s", strerror(-ret));
		return EMBER_EXIT_UNEXPECTED;
	}
	ret = vm_loop_setup(vm);
	if (ret) {
		log_error(&vm->log, "setting up the event loop: %s", strerror(-ret));
		return EMBER_EXIT_UNEXPECTED;
	}
	/* Set before controller_setup writes the first line. */
	metrics_set(&m->ctl.metrics, MET_PROCESS_STARTUP_US, m->startup_us);
	metrics_set(&m->ctl.metrics, MET_PROCESS_STARTUP_CPU_US, m->startup_cpu_us);
	if (controller_setup(&m->ctl, &e)) {
		log_error(&vm->log, "%s", e.msg);
		return EMBER_EXIT_BAD_CONFIG;
	}
	if (confine_setup(vm, m->listen_fd >= 0, &e)) {
		log_error(&vm->log, "%s", e.msg);
		return EMBER_EXIT_UNEXPECTED;
	}
	if (m->listen_fd >= 0) {
		ret = api_server_start(&m->api, m->listen_fd, o->api_sock, vm, &m->ctl,
				       o->max_payload, &e);
		m->listen_fd = -1; /* the server owns it now */
		if (ret) {
			log_error(&vm->log, "%s", e.msg);
			return EMBER_EXIT_GENERIC;
		}
		log_info(&vm->log, "API server listening on %s", o->api_sock);
	}
	return 0;
}

static int run(struct ember *m, const struct cli_opts *o)
{
	struct vm *vm = &m->vm;
	int status = setup(m, o);

	/* With a config file the VM boots now; else InstanceStart boots it. */
	if (!status && o->config_file && vm_start(vm))
		status = EMBER_EXIT_GENERIC;
	else if (!status)
		status = vm_loop(vm);
	api_server_stop(&m->api);
	controller_shutdown(&m->ctl);
	if (vm->started)
		log_exit_stats(vm);
	return status;
}

int main(int argc, char *argv[])
{
	struct cli_opts opts;
	struct errbuf e = {""};
	struct ember *m;
	int fd = -1, status;

	/* One malloc arena for all threads: a thread arena that shrinks reads
	 * /proc/sys/vm/overcommit_memory, a path no seccomp filter allows. */
	mallopt(M_ARENA_MAX, 1);
	if (cli_parse(argc, argv, &opts, &e)) {
		fprintf(stderr, "ember: %s\nTry 'ember --help'.\n", e.msg);
		return EMBER_EXIT_ARG_PARSING;
	}
	if (opts.action == CLI_HELP) {
		fputs(cli_usage(), stdout);
		return EMBER_EXIT_OK;
	}
	if (opts.action == CLI_VERSION) {
		printf("ember v%s\n", EMBER_VERSION);
		return EMBER_EXIT_OK;
	}
	if (opts.action == CLI_SNAPSHOT_VERSION || opts.action == CLI_DESCRIBE_SNAPSHOT)
		return snapshot_cli(&opts); /* snapshot_file.h */
	if (!opts.no_api) {
		fd = api_listen(opts.api_sock, &e);
		if (fd < 0) {
			fprintf(stderr, "ember: %s\n", e.msg);
			return EMBER_EXIT_GENERIC;
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "ember: out of memory\n");
		status = EMBER_EXIT_UNEXPECTED;
		goto out_socket;
	}
	m->listen_fd = fd;
	if (fd >= 0)
		measure_startup(m, &opts);
	vm_init(&m->vm, &opts);
	controller_init(&m->ctl, &m->vm);
	status = run(m, &opts);
	log_info(&m->vm.log, "ember exiting with status %d", status);
	fd = m->listen_fd; /* still ours if the API server never started */
	vm_destroy(&m->vm);
	free(m);
out_socket:
	if (fd >= 0) {
		close(fd);
		unlink(opts.api_sock);
	}
	return status;
}
