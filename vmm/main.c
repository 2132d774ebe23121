/*
 * main.c - ember's entry point: flags, config, build, run, exit status.
 *
 * The only place that decides the process exit status; everything below
 * returns -errno and reports through the logger or an errbuf.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

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

static int setup_logger(struct vm *vm, const struct cli_opts *o)
{
	const struct cfg_logger *cl = &vm->cfg.logger;
	const char *path = o->log_path ? o->log_path : (cl->set ? cl->log_path : NULL);
	int ret;

	if (cl->set) {
		vm->log.level = cl->level;
		vm->log.show_level = cl->show_level;
		vm->log.show_origin = cl->show_log_origin;
	}
	if (o->level_set)
		vm->log.level = o->level;
	if (o->show_level)
		vm->log.show_level = true;
	if (o->show_log_origin)
		vm->log.show_origin = true;
	if (!path)
		return 0;
	ret = log_open(&vm->log, path);
	if (ret)
		fprintf(stderr, "ember: cannot open log file %s: %s\n", path, strerror(-ret));
	return ret;
}

static int run_vm(struct vm *vm, const struct cli_opts *o)
{
	struct errbuf e = {""};
	int ret;

	ret = config_load_file(&vm->cfg, o->config_file, &e);
	if (ret) {
		log_error(&vm->log, "Configuration for VMM from one single json failed: %s", e.msg);
		return EMBER_EXIT_BAD_CONFIG;
	}
	if (setup_logger(vm, o))
		return EMBER_EXIT_BAD_CONFIG;
	/* A console reader that went away must not kill the VMM. */
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
	if (vm_start(vm))
		return EMBER_EXIT_GENERIC;
	ret = vm_loop(vm);
	log_exit_stats(vm);
	return ret;
}

int main(int argc, char *argv[])
{
	struct cli_opts opts;
	struct errbuf e = {""};
	struct vm *vm;
	int status;

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
	if (!opts.config_file) {
		fprintf(stderr, "ember: this build has no API server yet; start the microVM with "
				"--no-api --config-file FILE\n");
		return EMBER_EXIT_ARG_PARSING;
	}
	vm = malloc(sizeof(*vm));
	if (!vm) {
		fprintf(stderr, "ember: out of memory\n");
		return EMBER_EXIT_UNEXPECTED;
	}
	vm_init(vm, &opts);
	if (!opts.no_api)
		log_warn(&vm->log, "the API server is not available in this version; running the "
				   "config file without it");
	status = run_vm(vm, &opts);
	log_info(&vm->log, "ember exiting with status %d", status);
	vm_destroy(vm);
	free(vm);
	return status;
}
