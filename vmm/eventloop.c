/*
 * eventloop.c - the VMM thread: epoll over everything that is not a vCPU.
 *
 * Sources: the exit eventfd (a vCPU or device asks the VM to stop) and the
 * serial console input (stdin, when it is a terminal, pipe or socket).
 * While the UART's receive FIFO is full, stdin is not read (back-pressure)
 * and a timerfd polls for room instead.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vm.h"

#define INPUT_RETRY_NS (10 * 1000 * 1000)

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

static int epoll_add(struct vm *vm, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Serial input is wired when stdin can be polled: a tty, pipe or socket. */
static void setup_serial_input(struct vm *vm)
{
	struct stat st;
	struct termios raw;

	if (fstat(STDIN_FILENO, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ||
					      S_ISSOCK(st.st_mode)))
		return;
	if (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO))
		return; /* /dev/null and friends: nothing will ever arrive */
	if (epoll_add(vm, STDIN_FILENO))
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

static void throttle_input(struct vm *vm, bool on)
{
	struct itimerspec its = {.it_interval = {0, on ? INPUT_RETRY_NS : 0},
				 .it_value = {0, on ? INPUT_RETRY_NS : 0}};
	struct epoll_event ev = {.events = on ? 0 : EPOLLIN, .data.fd = vm->serial_in_fd};

	epoll_ctl(vm->epoll_fd, EPOLL_CTL_MOD, vm->serial_in_fd, &ev);
	timerfd_settime(vm->input_timer_fd, 0, &its, NULL);
}

static void handle_serial_input(struct vm *vm)
{
	uint8_t buf[UART_FIFO_SIZE];
	size_t room = uart_rx_space(&vm->uart);
	ssize_t n;

	if (room == 0) {
		throttle_input(vm, true);
		return;
	}
	n = read(vm->serial_in_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n > 0) {
		uart_input(&vm->uart, buf, (size_t)n);
		return;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* EOF or a dead input: the guest keeps running without it. */
		epoll_ctl(vm->epoll_fd, EPOLL_CTL_DEL, vm->serial_in_fd, NULL);
		vm->serial_in_fd = -1;
	}
}

static void handle_input_timer(struct vm *vm)
{
	uint64_t ticks;

	if (read(vm->input_timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (vm->serial_in_fd >= 0 && uart_rx_space(&vm->uart) > 0)
		throttle_input(vm, false);
}

static int loop_setup(struct vm *vm)
{
	int ret;

	vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	vm->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->input_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->epoll_fd < 0 || vm->exit_efd < 0 || vm->input_timer_fd < 0)
		return -errno;
	ret = epoll_add(vm, vm->exit_efd);
	if (!ret)
		ret = epoll_add(vm, vm->input_timer_fd);
	if (ret)
		return ret;
	setup_serial_input(vm);
	return 0;
}

static void loop(struct vm *vm)
{
	struct epoll_event ev[8];
	int i, n;

	while (!atomic_load(&vm->exiting)) {
		n = epoll_wait(vm->epoll_fd, ev, 8, -1);
		if (n < 0 && errno != EINTR) {
			log_error(&vm->log, "epoll_wait: %s", strerror(errno));
			vm_request_exit(vm, EMBER_EXIT_UNEXPECTED);
			return;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == vm->serial_in_fd)
				handle_serial_input(vm);
			else if (ev[i].data.fd == vm->input_timer_fd)
				handle_input_timer(vm);
		}
	}
}

int vm_run(struct vm *vm)
{
	unsigned int i;
	int ret;

	ret = loop_setup(vm);
	if (ret) {
		log_error(&vm->log, "setting up the event loop: %s", strerror(-ret));
		return EMBER_EXIT_UNEXPECTED;
	}
	for (i = 0; i < vm->nr_vcpus_created; i++) {
		ret = vcpu_start(&vm->vcpu[i]);
		if (ret) {
			log_error(&vm->log, "starting vCPU %u: %s", i, strerror(-ret));
			vm_request_exit(vm, EMBER_EXIT_UNEXPECTED);
			break;
		}
	}
	loop(vm);
	ret = atomic_load(&vm->exit_status);
	return ret < 0 ? EMBER_EXIT_OK : ret;
}
