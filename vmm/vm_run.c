/*
 * vm_run.c - the VM's life cycle after the build: the event loop and exit
 * notifier, InstanceStart (build, seccomp filters chosen for this VM,
 * confined vCPU start), and running the loop until the VM ends; see vm.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices.h"
#include "trim.h"
#include "vm.h"

void vm_request_exit(struct vm *vm, int status)
{
	vm_exit_request(&vm->exit, status);
}

static void on_exit_request(void *ctx, uint32_t events)
{
	vm_exit_drain(ctx);
}

int vm_loop_setup(struct vm *vm)
{
	int ret;

	ret = loop_open(&vm->loop);
	if (!ret)
		ret = vm_exit_open(&vm->exit);
	if (ret)
		return ret;
	vm->exit_handler = (struct loop_handler){.fn = on_exit_request, .ctx = &vm->exit};
	ret = loop_add(&vm->loop, vm->exit.efd, EPOLLIN, &vm->exit_handler);
	if (!ret)
		ret = console_open(&vm->console, &vm->loop);
	return ret;
}

/* filter_features - what this VM uses, so the filters leave the rest out. */
static unsigned int filter_features(const struct vm *vm, unsigned int nr_taps)
{
	unsigned int i, f = 0;

	for (i = 0; i < vm->cfg.nr_drives; i++)
		f |= vm->cfg.drive[i].io_engine == IO_ENGINE_ASYNC ? SC_F_BLK_ASYNC : SC_F_BLK_SYNC;
	if (vm->cfg.nr_drives)
		f |= SC_F_BLK;
	if (vm->cfg.nr_drives && vm->opts && !vm->opts->no_api)
		f |= SC_F_DRIVE_SWAP;
	if (nr_taps)
		f |= SC_F_NET;
	if (vm->uart.out_poll)
		f |= SC_F_UART_POLL;
	if (vm->console.raw)
		f |= SC_F_TTY;
	if (vm->cfg.vsock.set)
		f |= SC_F_VSOCK;
	if (vm->opts && !vm->opts->no_api)
		f |= SC_F_SNAPSHOT; /* PUT /snapshot/create */
	return f;
}

/* build_filters - the VMM and vCPU filters, pinned to this VM's fds. */
static int build_filters(struct vm *vm)
{
	int vcpu_fds[MAX_VCPUS], tap_fds[CFG_MAX_NETS];
	struct sc_targets t = {
	    .pid = getpid(),
	    .vm_fd = vm->kvm.vm_fd,
	    .vcpu_fds = vcpu_fds,
	    .nr_vcpu_fds = vm->nr_vcpus_created,
	    .tap_fds = tap_fds,
	    .nr_tap_fds = devices_tap_fds(vm->devices, tap_fds, CFG_MAX_NETS),
	    .user = vm->seccomp_user_on ? vm->seccomp_user : NULL,
	};
	struct errbuf e = {""};
	unsigned int i;
	int ret;

	t.features = filter_features(vm, t.nr_tap_fds);
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_fds[i] = vm->vcpu[i].fd;
	ret = sc_build(SC_VCPU, &t, &vm->seccomp[SC_VCPU], &e);
	if (!ret)
		ret = sc_build(SC_VMM, &t, &vm->seccomp[SC_VMM], &e);
	if (ret)
		log_error(&vm->log, "%s", e.msg);
	return ret;
}

/* start_confined - every vCPU thread started and confined (held before the
 * guest), then this thread's filter: after it, nothing runs unfiltered. */
static int start_confined(struct vm *vm)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_vcpus_created; i++) {
		ret = vcpu_start(&vm->vcpu[i], true);
		if (ret) {
			log_error(&vm->log, "starting vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	for (i = 0; i < vm->nr_vcpus_created; i++) {
		ret = vcpu_wait_confined(&vm->vcpu[i]);
		if (ret)
			return ret; /* the thread logged it */
	}
	if (!vm->seccomp_on)
		return 0;
	ret = sc_install(&vm->seccomp[SC_VMM]);
	if (ret) {
		log_error(&vm->log, "installing the event loop's seccomp filter: %s",
			  strerror(-ret));
		return ret;
	}
	vm->loop_filtered = true;
	log_info(&vm->log, "seccomp filters: api %u, vmm %u, vcpu %u BPF instructions",
		 vm->seccomp[SC_API].len, vm->seccomp[SC_VMM].len, vm->seccomp[SC_VCPU].len);
	return 0;
}

int vm_start(struct vm *vm)
{
	int ret;

	if (vm->started)
		return -EALREADY;
	ret = vm_build(vm);
	return ret ? ret : vm_start_built(vm, true);
}

int vm_start_built(struct vm *vm, bool run)
{
	unsigned long trimmed;
	unsigned int i;
	int ret = 0;

	if (vm->seccomp_on)
		ret = build_filters(vm);
	if (!ret)
		ret = start_confined(vm);
	if (ret)
		return ret;
	for (i = 0; run && i < vm->nr_vcpus_created; i++)
		vcpu_resume(&vm->vcpu[i]);
	console_connect(&vm->console, &vm->uart);
	vm->started = true;
	/* Start-up is over: its code and freed heap need not stay mapped. */
	trimmed = trim_startup();
	log_debug(&vm->log, "start-up trimmed: %lu KiB of the binary unmapped", trimmed);
	return 0;
}

int vm_loop(struct vm *vm)
{
	int status, ret;

	ret = loop_run(&vm->loop, &vm->exit.pending);
	if (ret) {
		log_error(&vm->log, "epoll_wait: %s", strerror(-ret));
		vm_exit_request(&vm->exit, EMBER_EXIT_UNEXPECTED);
	}
	status = vm_exit_status(&vm->exit);
	return status < 0 ? EMBER_EXIT_OK : status;
}
