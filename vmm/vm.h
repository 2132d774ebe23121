/*
 * vm.h - struct vm, which owns everything one ember process knows about its
 * microVM, and the VM's life cycle: vm_init, vm_loop_setup, vm_start
 * (InstanceStart: vm_build, then the confined vCPU threads), vm_loop,
 * vm_destroy. vm.c builds and tears down; vm_run.c starts and runs.
 * Components get narrow contexts (dev_ctx, vcpu_env), never struct vm.
 */
#ifndef EMBER_VM_H
#define EMBER_VM_H

#include <stdbool.h>

#include "acpi_sleep.h"
#include "boot_timer.h"
#include "bus.h"
#include "cli.h"
#include "config.h"
#include "dirty_log.h"
#include "console.h"
#include "guest_mem.h"
#include "i8042.h"
#include "kvm.h"
#include "layout.h"
#include "legacy.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "syscall_filter.h"
#include "uart.h"
#include "vcpu.h"
#include "vm_exit.h"
#include "vmgenid.h"

struct devices;
struct mmds_store;

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
	/* ACPI (vm_acpi_setup in vm.c): power-off registers, VMGenID and its GED irqfd. */
	struct acpi_sleep acpi_sleep;
	struct vmgenid vmgenid;
	int vmgenid_irqfd;

	struct vcpu vcpu[MAX_VCPUS];
	unsigned int nr_vcpus; /* configured */
	unsigned int nr_vcpus_created;
	struct vcpu_env vcpu_env; /* what every vCPU sees */
	struct cpuid_table cpuid; /* scratch for per-vCPU normalization */

	bool started; /* vm_start succeeded (InstanceStart) */
	struct loop loop;
	struct vm_exit exit; /* any thread -> event loop: stop the VM */
	struct loop_handler exit_handler;
	struct console console; /* stdin -> UART */

	/* Confinement (syscall_filter.h): one compiled filter per thread kind, built
	 * on this thread; all empty with --no-seccomp. */
	bool seccomp_on;
	struct sc_prog seccomp[SC_NR_KINDS];
	/* --seccomp-filter: the user's programs, seccomp_user_on once loaded. */
	bool seccomp_user_on;
	struct sc_prog seccomp_user[SC_NR_KINDS];
	bool loop_filtered; /* the event loop (this thread) is filtered */

	/* The metadata store (mmds_store.h), made by the controller on first
	 * use (controller_mmds.c); NULL until then. */
	struct mmds_store *mmds;
	/* Snapshot restore (controller_snapshot.c): with restore_mem_fd >= 0,
	 * vm_build maps guest RAM MAP_PRIVATE from that file and writes no
	 * boot state into it (no kernel, cmdline, MP or ACPI tables); the
	 * vCPUs get boot registers that the saved state then replaces. */
	int restore_mem_fd;
	const char *restore_uffd_path; /* or the Uffd backend: RAM served by that handler */
	int uffd_fd;		       /* its userfaultfd, kept for the VM's life (uffd.h) */
	/* machine-config track_dirty_pages: what changed since the last
	 * snapshot (Diff snapshots); started in vm_build. */
	struct dirty_log dirty;
};

/* vm_init - zero @vm, set fds to -1, init the logger and config defaults. */
void vm_init(struct vm *vm, const struct cli_opts *opts);

/* vm_build - create everything described by vm->cfg. Returns 0 or -errno,
 * after logging one error line that says what failed. */
int vm_build(struct vm *vm);

/* vm_loop_setup - create the event loop and the exit notifier and wire
 * serial input. Must precede vm_start and any loop_add on vm->loop. */
int vm_loop_setup(struct vm *vm);

/* vm_start - InstanceStart: build the VM, compile the VMM and vCPU seccomp
 * filters, start the vCPU threads (each installs its filter first), install
 * the event loop's filter on the calling thread, then let the vCPUs run.
 * Returns 0 or -errno (logged); -EALREADY if it was started before. */
int vm_start(struct vm *vm);

/* vm_start_built - the second half of vm_start for a VM vm_build made
 * and the caller filled (snapshot restore): filters, confined vCPU
 * threads; they run at once with @run, else stay parked until resumed. */
int vm_start_built(struct vm *vm, bool run);

/* vm_loop - run the event loop until the VM ends; returns the process exit
 * status. */
int vm_loop(struct vm *vm);

/* vm_request_exit - stop the VM with @status; callable from any thread.
 * Only the first call's status counts. */
void vm_request_exit(struct vm *vm, int status);

/* vm_destroy - undo vm_init/vm_build, whatever stage was reached. */
void vm_destroy(struct vm *vm);

#endif
