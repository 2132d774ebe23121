/*
 * vm.h - struct vm: everything one ember process knows about its microVM.
 *
 * One VM per process, but no hidden globals: all state hangs off struct vm
 * and is passed explicitly. Lifecycle:
 *
 *   vm_init()        defaults, logger                       (main thread)
 *   vm_loop_setup()  epoll, exit eventfd, serial input
 *   vm_start()       = InstanceStart: vm_build() (RAM, KVM VM, kernel and
 *                    initrd, boot data, devices, vCPUs), then the vCPU
 *                    threads; called from the event-loop thread
 *   vm_loop()        run the event loop until the VM ends; returns the
 *                    process exit status
 *   vm_destroy()     stop threads, free everything, in reverse order
 *
 * Threads: the main thread runs the event loop (epoll over the exit
 * eventfd, serial input, and whatever devices register: ioeventfds, taps,
 * timers, the API's request eventfd); one thread per vCPU. vCPU threads
 * never block on the event loop; they ask it to stop the VM via
 * vm_request_exit().
 */
#ifndef EMBER_VM_H
#define EMBER_VM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <termios.h>

#include "acpi_sleep.h"
#include "boot_timer.h"
#include "bus.h"
#include "cli.h"
#include "config.h"
#include "guest_mem.h"
#include "i8042.h"
#include "kvm.h"
#include "layout.h"
#include "legacy.h"
#include "loader.h"
#include "log.h"
#include "syscall_filter.h"
#include "uart.h"
#include "vcpu.h"
#include "vmgenid.h"

/* Exit statuses, Firecracker's numbering where it has one. */
#define EMBER_EXIT_OK	       0
#define EMBER_EXIT_GENERIC     1
#define EMBER_EXIT_UNEXPECTED  2
#define EMBER_EXIT_BAD_CONFIG  152
#define EMBER_EXIT_ARG_PARSING 153

struct vm;
struct devices;

/* Something the event loop watches: @fn runs on the event-loop thread with
 * the epoll @events that fired. The handler must outlive its registration. */
struct loop_handler {
	void (*fn)(struct vm *vm, void *ctx, uint32_t events);
	void *ctx;
};

struct vm {
	struct logger log;
	struct vm_config cfg;
	const struct cli_opts *opts;

	struct kvm kvm;
	struct guest_mem mem;
	struct kernel_info kernel;
	char cmdline[CMDLINE_MAX];

	struct bus pio;
	struct bus mmio;
	struct uart uart;
	struct i8042 i8042;
	struct legacy_ports legacy;
	struct boot_timer boot_timer;
	struct devices *devices; /* virtio devices (devices.h), NULL until built */
	bool legacy_ready;	 /* uart and i8042 initialised */
	int uart_irqfd;
	int i8042_irqfd;
	int serial_out_fd; /* where guest console output goes */
	int serial_in_fd;  /* -1 when input is not wired */
	/* ACPI (vm_acpi_setup in vm.c): power-off registers, VMGenID and its GED irqfd. */
	struct acpi_sleep acpi_sleep;
	struct vmgenid vmgenid;
	int vmgenid_irqfd;

	struct vcpu vcpu[MAX_VCPUS];
	unsigned int nr_vcpus; /* configured */
	unsigned int nr_vcpus_created;
	struct cpuid_table cpuid; /* scratch for per-vCPU normalization */

	bool started; /* vm_start succeeded (InstanceStart) */
	int epoll_fd;
	int exit_efd;		/* any thread -> event loop: stop the VM */
	atomic_bool exiting;	/* set once, before kicking vCPUs */
	atomic_int exit_status; /* first requester wins */
	bool term_raw;		/* stdin was put in raw mode */
	struct termios term_saved;
	int input_timer_fd; /* re-polls stdin while the UART FIFO is full */
	struct loop_handler exit_handler, input_handler, input_timer_handler;

	/* Confinement (syscall_filter.h): one compiled filter per thread kind, built
	 * on this thread; all empty with --no-seccomp. */
	bool seccomp_on;
	struct sc_prog seccomp[SC_NR_KINDS];
	bool loop_filtered; /* the event loop (this thread) is filtered */
};

/* vm_init - zero @vm, set fds to -1, init the logger and config defaults. */
void vm_init(struct vm *vm, const struct cli_opts *opts);

/* vm_build - create everything described by vm->cfg. Returns 0 or -errno,
 * after logging one error line that says what failed. */
int vm_build(struct vm *vm);

/* vm_loop_setup - create the epoll set and the exit eventfd and wire serial
 * input. Must precede vm_start and any vm_loop_add. */
int vm_loop_setup(struct vm *vm);

/* vm_loop_add / vm_loop_mod / vm_loop_del - (un)watch @fd in the event loop.
 * Return 0 or -errno. */
int vm_loop_add(struct vm *vm, int fd, uint32_t events, struct loop_handler *h);
int vm_loop_mod(struct vm *vm, int fd, uint32_t events, struct loop_handler *h);
int vm_loop_del(struct vm *vm, int fd);

/* vm_start - InstanceStart: build the VM, compile the VMM and vCPU seccomp
 * filters, start the vCPU threads (each installs its filter first), install
 * the event loop's filter on the calling thread, then let the vCPUs run.
 * Returns 0 or -errno (logged); -EALREADY if it was started before. */
int vm_start(struct vm *vm);

/* vm_loop - run the event loop until the VM ends; returns the process exit
 * status. */
int vm_loop(struct vm *vm);

/* vm_request_exit - stop the VM with @status; callable from any thread.
 * Only the first call's status counts. */
void vm_request_exit(struct vm *vm, int status);

/* vm_destroy - undo vm_init/vm_build, whatever stage was reached. */
void vm_destroy(struct vm *vm);

#endif
