/*
 * eventloop.c - the VMM thread: epoll over everything that is not a vCPU.
 *
 * Every watched fd carries a struct loop_handler in its epoll data. ember's
 * own sources are the exit eventfd (a vCPU or device asks the VM to stop)
 * and the serial console input (stdin, when it is a terminal, pipe or
 * socket); devices and the API add theirs with vm_loop_add(). While the
 * UART's receive FIFO is full, stdin is not read (back-pressure) and a
 * timerfd polls for room instead.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "devices.h"
#include "trim.h"
#include "vm.h"

#define INPUT_RETRY_NS (10 * 1000 * 1000)
#define LOOP_BATCH     16

void vm_request_exit(struct vm *vm, int status)
{
	int expected = -1;
	uint64_t one = 1;

	atomic_compare_exchange_strong(&vm->exit_status, &expected, status);
	atomic_store(&vm->exiting, true);
	if (vm->exit_efd >= 0 && write(vm->exit_efd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the loop will wake anyway. */
	}
}

int vm_loop_add(struct vm *vm, int fd, uint32_t events, struct loop_handler *h)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int vm_loop_mod(struct vm *vm, int fd, uint32_t events, struct loop_handler *h)
{
	struct epoll_event ev = {.events = events, .data.ptr = h};

	return epoll_ctl(vm->epoll_fd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

int vm_loop_del(struct vm *vm, int fd)
{
	return epoll_ctl(vm->epoll_fd, EPOLL_CTL_DEL, fd, NULL) ? -errno : 0;
}

static void throttle_input(struct vm *vm, bool on)
{
	struct itimerspec its = {.it_interval = {0, on ? INPUT_RETRY_NS : 0},
				 .it_value = {0, on ? INPUT_RETRY_NS : 0}};

	vm_loop_mod(vm, vm->serial_in_fd, on ? 0 : EPOLLIN, &vm->input_handler);
	timerfd_settime(vm->input_timer_fd, 0, &its, NULL);
}

static void on_serial_input(struct vm *vm, void *ctx, uint32_t events)
{
	uint8_t buf[UART_FIFO_SIZE];
	size_t room;
	ssize_t n;

	if (!vm->started)
		room = sizeof(buf); /* no guest yet: consume and discard */
	else
		room = uart_rx_space(&vm->uart);
	if (room == 0) {
		throttle_input(vm, true);
		return;
	}
	n = read(vm->serial_in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n > 0) {
		if (vm->started)
			uart_input(&vm->uart, buf, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* EOF or a dead input: the guest keeps running without it. */
		vm_loop_del(vm, vm->serial_in_fd);
		vm->serial_in_fd = -1;
	}
}

static void on_input_timer(struct vm *vm, void *ctx, uint32_t events)
{
	uint64_t ticks;

	if (read(vm->input_timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (vm->serial_in_fd >= 0 && uart_rx_space(&vm->uart) > 0)
		throttle_input(vm, false);
}

static void on_exit_request(struct vm *vm, void *ctx, uint32_t events)
{
	uint64_t n;

	/* The loop condition does the work; just drain the counter. */
	if (read(vm->exit_efd, &n, sizeof(n)) < 0) {
	}
}

/* Serial input is wired when stdin can be polled: a tty, pipe or socket. */
static void setup_serial_input(struct vm *vm)
{
	struct stat st;
	struct termios raw;

	if (fstat(STDIN_FILENO, &st) < 0 ||
	    !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	if (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO))
		return; /* /dev/null and friends: nothing will ever arrive */
	vm->input_handler = (struct loop_handler){.fn = on_serial_input};
	if (vm_loop_add(vm, STDIN_FILENO, EPOLLIN, &vm->input_handler))
		return;
	vm->serial_in_fd = STDIN_FILENO;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &vm->term_saved) == 0) {
		raw = vm->term_saved;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR; /* host-side output stays readable */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			vm->term_raw = true;
	}
}

int vm_loop_setup(struct vm *vm)
{
	int ret;

	vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	vm->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->input_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->epoll_fd < 0 || vm->exit_efd < 0 || vm->input_timer_fd < 0)
		return -errno;
	vm->exit_handler = (struct loop_handler){.fn = on_exit_request};
	vm->input_timer_handler = (struct loop_handler){.fn = on_input_timer};
	ret = vm_loop_add(vm, vm->exit_efd, EPOLLIN, &vm->exit_handler);
	if (!ret)
		ret = vm_loop_add(vm, vm->input_timer_fd, EPOLLIN, &vm->input_timer_handler);
	if (ret)
		return ret;
	setup_serial_input(vm);
	return 0;
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
	if (vm->term_raw)
		f |= SC_F_TTY;
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
	    .nr_tap_fds = devices_tap_fds(vm, tap_fds, CFG_MAX_NETS),
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
	unsigned long trimmed;
	unsigned int i;
	int ret;

	if (vm->started)
		return -EALREADY;
	ret = vm_build(vm);
	if (!ret && vm->seccomp_on)
		ret = build_filters(vm);
	if (!ret)
		ret = start_confined(vm);
	if (ret)
		return ret;
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_resume(&vm->vcpu[i]);
	vm->started = true;
	/* Start-up is over: its code and freed heap need not stay mapped. */
	trimmed = trim_startup();
	log_debug(&vm->log, "start-up trimmed: %lu KiB of the binary unmapped", trimmed);
	return 0;
}

int vm_loop(struct vm *vm)
{
	struct epoll_event ev[LOOP_BATCH];
	struct loop_handler *h;
	int i, n, status;

	while (!atomic_load(&vm->exiting)) {
		n = epoll_wait(vm->epoll_fd, ev, LOOP_BATCH, -1);
		if (n < 0 && errno != EINTR) {
			log_error(&vm->log, "epoll_wait: %s", strerror(errno));
			vm_request_exit(vm, EMBER_EXIT_UNEXPECTED);
			break;
		}
		for (i = 0; i < n && !atomic_load(&vm->exiting); i++) {
			h = ev[i].data.ptr;
			h->fn(vm, h->ctx, ev[i].events);
		}
	}
	status = atomic_load(&vm->exit_status);
	return status < 0 ? EMBER_EXIT_OK : status;
}
