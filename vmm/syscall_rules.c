/*
 * syscall_rules.c - the seccomp allow-lists, one table; see syscall_rules.h.
 *
 * Every entry in the tables below is there because a code path named in
 * its comment makes that call after the filter is in place; the
 * integration suite (boot, both block engines, net, the whole API,
 * pause/resume, PATCH /drives, shutdown, the jailer) runs with the filters
 * on, so a missing entry fails a test and a superfluous one is a review
 * finding. glibc wrappers are listed by the call they really make: open()
 * is openat, send/recv are sendto/recvfrom, pthread_kill() is getpid +
 * tgkill, tcsetattr() is TCGETS + TCSETS + TCGETS. glibc's fstat() is
 * newfstatat(fd, "", AT_EMPTY_PATH), which looks up any path it is given:
 * not allowed; code that runs filtered calls the fstat system call itself.
 *
 * This file is compiled into the build-time generator (tools/seccomp_gen.c)
 * and the unit tests, never into ember: ember carries the programs the
 * generator made from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/kvm.h>
#include <linux/if_tun.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <asm/ioctls.h>
#include <unistd.h>

#include "syscall_rules.h"
#include "vcpu.h"

/* How an allowed call's arguments are checked. */
enum sc_check {
	ANY,
	NO_EXEC,       /* mmap/mprotect: A2 (prot) without PROT_EXEC */
	MAYMOVE_ONLY,  /* mremap: A3 (flags) == MREMAP_MAYMOVE, never MREMAP_FIXED */
	OPEN_EXISTING, /* openat: A2 (flags) only an access mode, O_NONBLOCK, O_NOCTTY, O_CLOEXEC */
	CLEAR_FLAGS,   /* fcntl: F_SETFL to 0 only */
	PRCTL_GET_NAME,	 /* prctl: A0 == PR_GET_NAME */
	KICK_OWN_THREAD, /* tgkill: A0 == our pid, A2 == the kick signal */
	FILES_UPDATE,	 /* io_uring_register: A1 == IORING_REGISTER_FILES_UPDATE */
	UNIX_STREAM, /* socket: A0 == AF_UNIX, A1 == SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC */
};

/* A call, its argument check, and the features (SC_F_*) that need it: the
 * rule is added only when every one of them is in sc_targets.features. */
struct sc_rule {
	int nr;
	enum sc_check check;
	unsigned int need;
};

/* Every thread: memory, locks, time, logging, its own end. */
static const struct sc_rule common_rules[] = {
    {__NR_read, ANY, 0},	     /* eventfd counters, tap frames, serial input */
    {__NR_write, ANY, 0},	     /* eventfds, irqfds, log lines, serial output */
    {__NR_futex, ANY, 0},	     /* mutexes, condition variables, pthread_join */
    {__NR_clock_gettime, ANY, 0},    /* log time stamps when the vDSO falls back */
    {__NR_mmap, NO_EXEC, 0},	     /* malloc of large blocks */
    {__NR_mprotect, NO_EXEC, 0},     /* malloc (glibc arena set-up) */
    {__NR_mremap, MAYMOVE_ONLY, 0},  /* realloc of a large block (API output) */
    {__NR_munmap, ANY, 0},	     /* free of large blocks, teardown */
    {__NR_madvise, ANY, 0},	     /* free, a thread's stack at its exit */
    {__NR_brk, ANY, 0},		     /* malloc/free on the (only) heap */
    {__NR_prctl, PRCTL_GET_NAME, 0}, /* the thread name in log lines */
    {__NR_rt_sigreturn, ANY, 0},     /* return from the kick and SIGSYS handlers */
    {__NR_rt_sigprocmask, ANY, 0},   /* glibc blocks signals while a thread exits */
    {__NR_exit, ANY, 0},	     /* thread end */
    {__NR_exit_group, ANY, 0},	     /* process end */
};

/* The API thread (api/server.c, api/conn.c). */
static const struct sc_rule api_rules[] = {
    {__NR_epoll_wait, ANY, 0}, /* the thread's loop */
    {__NR_epoll_ctl, ANY, 0},  /* connections come and go, read/write interest */
    {__NR_accept4, ANY, 0},    /* new clients on the listening socket */
    {__NR_recvfrom, ANY, 0},   /* recv() of requests */
    {__NR_sendto, ANY, 0},     /* send() of replies */
    {__NR_shutdown, ANY, 0},   /* Connection: close after the reply */
    {__NR_close, ANY, 0},      /* closed connections */
};

/* The event loop (vmm/loop.c, vm_run.c and everything it calls). */
static const struct sc_rule vmm_rules[] = {
    {__NR_epoll_wait, ANY, 0},	       /* the loop */
    {__NR_epoll_ctl, ANY, 0},	       /* tap back-pressure, serial input throttling */
    {__NR_close, ANY, 0},	       /* teardown; an image PATCH /drives replaced */
    {__NR_timerfd_settime, ANY, 0},    /* serial input back-pressure timer */
    {__NR_getpid, ANY, 0},	       /* pthread_kill of a vCPU (kick) */
    {__NR_tgkill, KICK_OWN_THREAD, 0}, /* pthread_kill of a vCPU (kick) */
    {__NR_writev, ANY, SC_F_NET},      /* virtio-net TX frames to the tap */
    {__NR_preadv, ANY, SC_F_BLK},      /* virtio-blk Sync reads; the rest of a short Async read */
    {__NR_pwritev, ANY, SC_F_BLK},     /* the same for writes */
    {__NR_fdatasync, ANY, SC_F_BLK_SYNC},	   /* virtio-blk Sync flush */
    {__NR_io_uring_enter, ANY, SC_F_BLK_ASYNC},	   /* virtio-blk Async submit/reap */
    {__NR_openat, OPEN_EXISTING, SC_F_DRIVE_SWAP}, /* PATCH /drives: the new image */
    {__NR_fstat, ANY, SC_F_DRIVE_SWAP},		   /* ... its type (fd only) */
    {__NR_lseek, ANY, SC_F_DRIVE_SWAP},		   /* ... its size */
    {__NR_fcntl, CLEAR_FLAGS, SC_F_DRIVE_SWAP},	   /* ... O_NONBLOCK off again */
    {__NR_io_uring_register, FILES_UPDATE, SC_F_DRIVE_SWAP | SC_F_BLK_ASYNC}, /* ... on a ring */
    {__NR_getrandom, ANY, 0}, /* virtio-rng's buffers, MMDS V2 tokens, a new VMGenID */
    /* vsock (vmm/vsock_mux.c): host clients on uds_path, guest connections
     * to <uds_path>_<port>; Unix stream sockets only (the path itself
     * cannot be checked: see SECURITY.md). */
    {__NR_accept4, ANY, SC_F_VSOCK},	    /* a host client connects to uds_path */
    {__NR_socket, UNIX_STREAM, SC_F_VSOCK}, /* a guest connects to the host */
    {__NR_connect, ANY, SC_F_VSOCK},	    /* ... to <uds_path>_<port> */
    {__NR_sendmsg, ANY, SC_F_VSOCK},	    /* guest bytes to a host socket */
    {__NR_recvmsg, ANY, SC_F_VSOCK},	    /* host bytes into guest buffers */
    {__NR_shutdown, ANY, SC_F_VSOCK},	    /* the guest will send no more */
    /* PUT /snapshot/create (snapshot_mem.c): creat() is its own call number,
     * so openat stays limited to existing files. */
    {__NR_creat, ANY, SC_F_SNAPSHOT},	  /* the state and memory files */
    {__NR_ftruncate, ANY, SC_F_SNAPSHOT}, /* the memory file's size (sparse) */
    {__NR_pwrite64, ANY, SC_F_SNAPSHOT},  /* guest pages at their offsets */
    {__NR_fsync, ANY, SC_F_SNAPSHOT},	  /* both files on disk before the reply */
};

/* vCPU threads (vmm/vcpu.c and the device registers they emulate). */
static const struct sc_rule vcpu_rules[] = {
    {__NR_poll, ANY, SC_F_UART_POLL},		/* UART: may the console output block? */
    {__NR_epoll_ctl, ANY, SC_F_NET},		/* virtio-net DRIVER_OK/reset arms the tap */
    {__NR_io_uring_enter, ANY, SC_F_BLK_ASYNC}, /* virtio-blk reset waits for requests */
};

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, const struct sc_targets *t)
{
	struct scmp_arg_cmp a[2];
	unsigned int n = 0;

	switch (r->check) {
	case ANY:
		break;
	case NO_EXEC:
		a[n++] = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
		break;
	case MAYMOVE_ONLY:
		a[n++] = SCMP_A3(SCMP_CMP_EQ, MREMAP_MAYMOVE);
		break;
	case OPEN_EXISTING:
		/* Only the low 32 bits: the flags are an int. */
		a[n++] = SCMP_A2(
		    SCMP_CMP_MASKED_EQ,
		    0xffffffffu & ~(unsigned)(O_ACCMODE | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), 0);
		break;
	case CLEAR_FLAGS:
		a[n++] = SCMP_A1(SCMP_CMP_EQ, F_SETFL);
		a[n++] = SCMP_A2(SCMP_CMP_EQ, 0);
		break;
	case PRCTL_GET_NAME:
		a[n++] = SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME);
		break;
	case KICK_OWN_THREAD:
		a[n++] = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)t->pid);
		a[n++] = SCMP_A2(SCMP_CMP_EQ, VCPU_KICK_SIGNAL);
		break;
	case FILES_UPDATE:
		a[n++] = SCMP_A1(SCMP_CMP_EQ, IORING_REGISTER_FILES_UPDATE);
		break;
	case UNIX_STREAM:
		a[n++] = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
		a[n++] = SCMP_A1(SCMP_CMP_EQ, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
		break;
	}
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, n, a);
}

static int add_table(scmp_filter_ctx ctx, const struct sc_rule *r, size_t n,
		     const struct sc_targets *t)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if ((t->features & r[i].need) != r[i].need)
			continue;
		ret = add_rule(ctx, &r[i], t);
		if (ret)
			return ret;
	}
	return 0;
}

static int allow_ioctls(scmp_filter_ctx ctx, const int *fds, unsigned int nr_fds,
			const unsigned long *req, size_t nr_req)
{
	unsigned int i;
	size_t j;
	int ret;

	for (i = 0; i < nr_fds; i++)
		for (j = 0; j < nr_req; j++) {
			ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, __NR_ioctl, 2,
					       SCMP_A0(SCMP_CMP_EQ, fds[i]),
					       SCMP_A1(SCMP_CMP_EQ, req[j]));
			if (ret)
				return ret;
		}
	return 0;
}

/* vCPU threads: the run loop, and tap offloads set when a driver starts. */
static int vcpu_fd_rules(scmp_filter_ctx ctx, const struct sc_targets *t)
{
	static const unsigned long run[] = {KVM_RUN};
	static const unsigned long tap[] = {TUNSETOFFLOAD};
	int ret = allow_ioctls(ctx, t->vcpu_fds, t->nr_vcpu_fds, run, 1);

	return ret ? ret : allow_ioctls(ctx, t->tap_fds, t->nr_tap_fds, tap, 1);
}

/* The event loop, snapshots: vCPU and VM state saved and restored with every
 * vCPU paused (vmm/vcpu_state.c, vmm/vm_state.c), dirty pages fetched
 * (vmm/dirty_log.c). */
static int vmm_snapshot_fd_rules(scmp_filter_ctx ctx, const struct sc_targets *t)
{
	static const unsigned long vm_req[] = {KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, KVM_GET_PIT2,
					       KVM_SET_PIT2, KVM_GET_DIRTY_LOG};
	static const unsigned long vcpu_req[] = {
	    KVM_GET_MP_STATE,	 KVM_SET_MP_STATE,    KVM_GET_REGS,	 KVM_SET_REGS,
	    KVM_GET_SREGS,	 KVM_SET_SREGS,	      KVM_GET_XSAVE,	 KVM_SET_XSAVE,
	    KVM_GET_XCRS,	 KVM_SET_XCRS,	      KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
	    KVM_GET_LAPIC,	 KVM_SET_LAPIC,	      KVM_GET_TSC_KHZ,	 KVM_SET_TSC_KHZ,
	    KVM_GET_CPUID2,	 KVM_SET_CPUID2,      KVM_GET_MSRS,	 KVM_SET_MSRS,
	    KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	};
	int ret = 0;

	if (t->vm_fd >= 0)
		ret = allow_ioctls(ctx, &t->vm_fd, 1, vm_req, sizeof(vm_req) / sizeof(vm_req[0]));
	if (!ret)
		ret = allow_ioctls(ctx, t->vcpu_fds, t->nr_vcpu_fds, vcpu_req,
				   sizeof(vcpu_req) / sizeof(vcpu_req[0]));
	return ret;
}

/* The event loop: pause/resume (vmm/pause.c), the terminal at exit. */
static int vmm_fd_rules(scmp_filter_ctx ctx, const struct sc_targets *t, int tty_fd)
{
	static const unsigned long vm_req[] = {KVM_GET_CLOCK, KVM_SET_CLOCK};
	static const unsigned long vcpu_req[] = {KVM_KVMCLOCK_CTRL, KVM_GET_DEVICE_ATTR,
						 KVM_SET_DEVICE_ATTR};
	/* glibc's tcsetattr reads the settings back around the write. */
	static const unsigned long tty_req[] = {TCGETS, TCSETS};
	int ret = 0;

	if (t->vm_fd >= 0)
		ret = allow_ioctls(ctx, &t->vm_fd, 1, vm_req, 2);
	if (!ret)
		ret = allow_ioctls(ctx, t->vcpu_fds, t->nr_vcpu_fds, vcpu_req, 3);
	if (!ret && (t->features & SC_F_TTY))
		ret = allow_ioctls(ctx, &tty_fd, 1, tty_req, 2);
	if (!ret)
		ret = vmm_snapshot_fd_rules(ctx, t);
	return ret;
}

static int add_kind_rules(scmp_filter_ctx ctx, enum sc_kind kind, const struct sc_targets *t,
			  int tty_fd)
{
	int ret = add_table(ctx, common_rules, sizeof(common_rules) / sizeof(common_rules[0]), t);

	if (ret)
		return ret;
	switch (kind) {
	case SC_API:
		return add_table(ctx, api_rules, sizeof(api_rules) / sizeof(api_rules[0]), t);
	case SC_VMM:
		ret = add_table(ctx, vmm_rules, sizeof(vmm_rules) / sizeof(vmm_rules[0]), t);
		return ret ? ret : vmm_fd_rules(ctx, t, tty_fd);
	case SC_VCPU:
		ret = add_table(ctx, vcpu_rules, sizeof(vcpu_rules) / sizeof(vcpu_rules[0]), t);
		return ret ? ret : vcpu_fd_rules(ctx, t);
	default:
		return -EINVAL;
	}
}

/* export_prog - libseccomp 2.5 exports BPF only to an fd: use a memfd. */
static int export_prog(scmp_filter_ctx ctx, struct sc_prog *out)
{
	struct stat st;
	int fd, ret;

	fd = memfd_create("ember-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = seccomp_export_bpf(ctx, fd);
	if (!ret && fstat(fd, &st) < 0)
		ret = -errno;
	if (!ret && (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
		     st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS))
		ret = -E2BIG;
	if (!ret) {
		out->insns = malloc(st.st_size);
		if (!out->insns)
			ret = -ENOMEM;
	}
	if (!ret && pread(fd, out->insns, st.st_size, 0) != st.st_size)
		ret = -EIO;
	if (!ret)
		out->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	else {
		free(out->insns);
		out->insns = NULL;
	}
	close(fd);
	return ret;
}

/* The table of @kind (after the common one), its length in @n. */
static const struct sc_rule *kind_table(enum sc_kind kind, size_t *n)
{
	switch (kind) {
	case SC_API:
		*n = sizeof(api_rules) / sizeof(api_rules[0]);
		return api_rules;
	case SC_VMM:
		*n = sizeof(vmm_rules) / sizeof(vmm_rules[0]);
		return vmm_rules;
	default:
		*n = sizeof(vcpu_rules) / sizeof(vcpu_rules[0]);
		return vcpu_rules;
	}
}

static unsigned int nr_in(const struct sc_rule *r, size_t n, int nr)
{
	unsigned int c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += r[i].nr == nr;
	return c;
}

int sc_rules_gated(enum sc_kind kind, struct sc_gate_rule *g, unsigned int max)
{
	const struct sc_rule *r;
	unsigned int nr = 0;
	size_t i, n;

	if ((unsigned)kind >= SC_NR_KINDS)
		return -EINVAL;
	r = kind_table(kind, &n);
	for (i = 0; i < n; i++) {
		if (!r[i].need)
			continue;
		/* Gating is by call number: the call must be on no other rule. */
		if (nr_in(common_rules, sizeof(common_rules) / sizeof(common_rules[0]), r[i].nr) ||
		    nr_in(r, n, r[i].nr) != 1)
			return -EINVAL;
		if (nr == max)
			return -E2BIG;
		g[nr++] = (struct sc_gate_rule){.nr = r[i].nr, .need = r[i].need};
	}
	return (int)nr;
}

int sc_rules_compile(enum sc_kind kind, const struct sc_targets *t, int tty_fd, struct sc_prog *out)
{
	scmp_filter_ctx ctx;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((unsigned)kind >= SC_NR_KINDS)
		return -EINVAL;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	/* 32-bit (int 0x80) and x32 entry points: no handler, just die. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!ret)
		ret = add_kind_rules(ctx, kind, t, tty_fd);
	if (!ret)
		ret = export_prog(ctx, out);
	seccomp_release(ctx);
	return ret;
}
