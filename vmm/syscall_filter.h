/*
 * syscall_filter.h - seccomp: per-thread system call allow-lists.
 *
 * ember has three kinds of threads and each gets its own seccomp filter,
 * built from the tables in syscall_filter.c:
 *   SC_API   the API thread: accept/recv/send on the socket, epoll, eventfds;
 *   SC_VMM   the event loop (the main thread): device I/O, pause/resume,
 *            PATCH /drives, teardown;
 *   SC_VCPU  vCPU threads: KVM_RUN on the VM's vCPU fds, the device
 *            register side effects (tap offloads, epoll re-arming, io_uring
 *            drain).
 * Where it matters the arguments are checked too: ioctl request numbers are
 * allowed only on the KVM VM, vCPU and tap fds they belong to, mmap and
 * mprotect never with PROT_EXEC, mremap never to a fixed address, openat
 * only without O_CREAT and friends, tgkill only to this process with the
 * kick signal, io_uring_register only to swap a drive's file; no call that
 * takes a path besides that openat. At most MAX_VCPUS vCPU and CFG_MAX_NETS
 * tap fds. Rules a configuration does not need
 * (the block engine it does not use, net without a tap...) are left out.
 * Everything else traps: the SIGSYS handler logs which call it was and the
 * process dies with SIGSYS.
 *
 * The rules are one table (syscall_rules.c), compiled with libseccomp
 * when ember is built (tools/seccomp_gen.c); ember itself does not carry
 * libseccomp. sc_build copies a kind's program on the main thread, before
 * the first guest instruction, and writes in the pid, the fds and which
 * features' rules are on; each thread then installs its own with a single
 * seccomp(2) call (sc_install), which allocates nothing, so vCPU threads
 * never touch the heap for it. Installing is per thread, not
 * per process: a thread keeps the filter it installed, and threads it
 * creates afterwards inherit it (ember creates none after the guest runs).
 */
#ifndef EMBER_SYSCALL_FILTER_H
#define EMBER_SYSCALL_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "log.h"

enum sc_kind { SC_API, SC_VMM, SC_VCPU, SC_NR_KINDS };

/* What a configuration uses; rules for anything else are left out. */
#define SC_F_BLK_SYNC	(1u << 0) /* a drive on the Sync engine */
#define SC_F_BLK_ASYNC	(1u << 1) /* a drive on the Async (io_uring) engine */
#define SC_F_NET	(1u << 2) /* a network interface */
#define SC_F_DRIVE_SWAP (1u << 3) /* PATCH /drives possible: an API and a drive */
#define SC_F_UART_POLL	(1u << 4) /* the console output may block: the UART polls it */
#define SC_F_TTY	(1u << 5) /* stdin is a terminal ember restores at exit */
#define SC_F_VSOCK	(1u << 7) /* a vsock device: Unix sockets on the event loop */
#define SC_F_SNAPSHOT	(1u << 8) /* PUT /snapshot/create possible: an API */
#define SC_F_BLK                                                                                   \
	(1u << 6) /* any drive (both engines finish short transfers with preadv/pwritev)           \
		   */

/* A compiled classic BPF program. */
struct sc_prog {
	struct sock_filter *insns;
	unsigned short len;
};

/* What the argument checks pin down, and the features in use. Unused fds
 * are -1, empty lists 0. */
struct sc_targets {
	pid_t pid;	     /* tgkill may signal only this process */
	int vm_fd;	     /* KVM VM fd: pause/resume clock ioctls */
	const int *vcpu_fds; /* KVM_RUN (vCPU threads), pause ioctls (VMM) */
	unsigned int nr_vcpu_fds;
	const int *tap_fds; /* TUNSETOFFLOAD when a driver starts a net device */
	unsigned int nr_tap_fds;
	unsigned int features; /* SC_F_* */
	/* --seccomp-filter: the user's programs by kind, used as they are
	 * instead of ember's (an empty one: allow everything); NULL: ember's. */
	const struct sc_prog *user;
};

/* sc_build - compile the filter of @kind for @t into @out (heap memory,
 * released by sc_prog_free). Returns 0 or -errno with a message in @e. */
int sc_build(enum sc_kind kind, const struct sc_targets *t, struct sc_prog *out, struct errbuf *e);

/* sc_install - set no_new_privs and load @p on the calling thread only.
 * Allocates nothing. Returns 0 or -errno. */
int sc_install(const struct sc_prog *p);

/* sc_prog_free - release @p (safe on a zeroed or freed program). */
void sc_prog_free(struct sc_prog *p);

/* sc_sigsys_setup - install the SIGSYS handler that logs a refused system
 * call through @log (its fd at the time of the call) and then ends the
 * process with SIGSYS. Call once, before any filter is installed. */
int sc_sigsys_setup(const struct logger *log);

/* sc_sigsys_forget - stop using the logger given to sc_sigsys_setup (it is
 * about to be freed); later reports go to stderr. No system call. */
void sc_sigsys_forget(void);

/* sc_kind_name - "api", "vmm" or "vcpu". */
const char *sc_kind_name(enum sc_kind kind);

/* sc_syscall_name - the x86-64 name of system call @nr, or NULL. Safe in a
 * signal handler. */
const char *sc_syscall_name(long nr);

#endif
