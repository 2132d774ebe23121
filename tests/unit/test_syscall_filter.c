/*
 * test_syscall_filter.c - the seccomp filters, installed for real in forked
 * children: what each thread kind may call, the argument checks (ioctl
 * pinned to fds, no PROT_EXEC, openat flags, tgkill), death by SIGSYS and
 * the log line that names the refused call.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "sc_file.h"
#include "syscall_filter.h"
#include "syscall_rules.h"

/* Per child: which filter, what to do after installing it. */
struct child {
	enum sc_kind kind;
	struct sc_targets t;
	int (*act)(const struct child *c);
	int fd_a, fd_b; /* eventfds, one pinned in t, one not */
	int log_fd;	/* >= 0: install the SIGSYS reporter logging here */
	pid_t tid;
};

/* child_exit - straight to exit_group: the sanitizers' _exit() makes calls
 * (sigaltstack) that ember's filters rightly refuse. */
static void child_exit(int status)
{
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

/* run_child - fork, install @c's filter, run its action, _exit with the
 * action's result. Returns the wait status. */
static int run_child(struct child *c)
{
	struct errbuf e = {""};
	struct sc_prog p;
	struct logger log;
	int status;
	pid_t pid;

	assert_int_equal(sc_build(c->kind, &c->t, &p, &e), 0);
	assert_true(p.len > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (c->log_fd >= 0) {
			log_init(&log, "unit-test");
			log.fd = c->log_fd;
			if (sc_sigsys_setup(&log))
				_exit(90);
		}
		c->tid = (pid_t)syscall(SYS_gettid);
		if (sc_install(&p))
			_exit(91);
		child_exit(c->act(c));
	}
	sc_prog_free(&p);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void child_init(struct child *c, enum sc_kind kind, int (*act)(const struct child *))
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->act = act;
	c->log_fd = -1;
	c->fd_a = eventfd(0, EFD_CLOEXEC);
	c->fd_b = eventfd(0, EFD_CLOEXEC);
	assert_true(c->fd_a >= 0 && c->fd_b >= 0);
	c->t = (struct sc_targets){.pid = getpid(), .vm_fd = -1};
	c->t.vcpu_fds = &c->fd_a;
	c->t.nr_vcpu_fds = 1;
}

static void child_done(struct child *c)
{
	close(c->fd_a);
	close(c->fd_b);
}

static void expect_ok(int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		print_message("child status 0x%x (signal %d, exit %d)\n", status,
			      WIFSIGNALED(status) ? WTERMSIG(status) : 0,
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void expect_sigsys(int status)
{
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* --- actions (run in the filtered child; return its exit status) ------ */

static int do_write(const struct child *c)
{
	uint64_t one = 1;

	return write(c->fd_a, &one, sizeof(one)) == sizeof(one) ? 0 : 1;
}

static int do_getppid(const struct child *c)
{
	return getppid() > 0 ? 0 : 1;
}

static int do_socket_inet(const struct child *c)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int do_mmap_rw(const struct child *c)
{
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p != MAP_FAILED && munmap(p, 8192) == 0 ? 0 : 1;
}

static int do_mmap_exec(const struct child *c)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p != MAP_FAILED ? 0 : 1;
}

static int do_mprotect_exec(const struct child *c)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p != MAP_FAILED && mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0 ? 0 : 1;
}

/* The fds are eventfds: an allowed KVM ioctl reaches the kernel and fails
 * with ENOTTY; a refused one never returns. */
static int do_run_pinned(const struct child *c)
{
	return ioctl(c->fd_a, KVM_RUN, 0) < 0 && errno == ENOTTY ? 0 : 1;
}

static int do_run_other_fd(const struct child *c)
{
	return ioctl(c->fd_b, KVM_RUN, 0) < 0 ? 0 : 1;
}

static int do_get_regs(const struct child *c)
{
	struct kvm_regs r;

	return ioctl(c->fd_a, KVM_GET_REGS, &r) < 0 ? 0 : 1;
}

static int do_open_existing(const struct child *c)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	return fd >= 0 && close(fd) == 0 ? 0 : 1;
}

static int do_open_create(const struct child *c)
{
	return open("/tmp/ember-unit-never-created", O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0;
}

/* The fstat system call itself (what virtio_blk.c uses when filtered). */
static int do_fstat(const struct child *c)
{
	struct stat st;

	return syscall(SYS_fstat, c->fd_a, &st) == 0 ? 0 : 1;
}

/* glibc's fstat(): newfstatat(fd, "", AT_EMPTY_PATH). */
static int do_glibc_fstat(const struct child *c)
{
	struct stat st;

	return fstat(c->fd_a, &st) == 0 ? 0 : 1;
}

/* AT_EMPTY_PATH with a path: the kernel looks the path up. */
static int do_stat_path_empty_flag(const struct child *c)
{
	struct stat st;

	return fstatat(AT_FDCWD, "/", &st, AT_EMPTY_PATH) == 0 ? 0 : 1;
}

static int do_unlinkat(const struct child *c)
{
	return unlinkat(AT_FDCWD, "/tmp/ember-unit-no-such-file", 0) < 0 ? 0 : 1;
}

static int do_open_nonblock(const struct child *c)
{
	int fd = open("/dev/null", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	return fd >= 0 && close(fd) == 0 ? 0 : 1;
}

static int do_clear_flags(const struct child *c)
{
	return fcntl(c->fd_a, F_SETFL, 0) == 0 ? 0 : 1;
}

static int do_set_append(const struct child *c)
{
	return fcntl(c->fd_a, F_SETFL, O_APPEND) == 0 ? 0 : 1;
}

static int do_mremap_move(const struct child *c)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p != MAP_FAILED && mremap(p, 4096, 65536, MREMAP_MAYMOVE) != MAP_FAILED ? 0 : 1;
}

static int do_mremap_fixed(const struct child *c)
{
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p != MAP_FAILED && mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
					 (char *)p + 4096) != MAP_FAILED
		   ? 0
		   : 1;
}

/* A blocking-engine read on a bad fd: allowed, it fails with EBADF. */
static int do_preadv(const struct child *c)
{
	char b;
	struct iovec iov = {.iov_base = &b, .iov_len = 1};

	return preadv(-1, &iov, 1, 0) < 0 ? 0 : 1;
}

static int do_uring_enter(const struct child *c)
{
	return syscall(__NR_io_uring_enter, -1, 0, 0, 0, NULL, 0) < 0 ? 0 : 1;
}

static int do_kick_self(const struct child *c)
{
	sigset_t s;

	/* Blocked, so the kick stays pending and the child lives on. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &s, NULL))
		return 1;
	return syscall(SYS_tgkill, c->t.pid, c->tid, SIGUSR1) == 0 ? 0 : 1;
}

static int do_tgkill_other_signal(const struct child *c)
{
	return syscall(SYS_tgkill, c->t.pid, c->tid, SIGTERM) == 0 ? 0 : 1;
}

/* A class without an fd (no VM fd, no terminal, no tap): its requests
 * stay refused on the fds there are. */
static int do_tcgets_vcpu_fd(const struct child *c)
{
	char buf[64];

	return ioctl(c->fd_a, TCGETS, buf) < 0 ? 0 : 1;
}

static int do_get_clock_vcpu_fd(const struct child *c)
{
	struct kvm_clock_data d;

	return ioctl(c->fd_a, KVM_GET_CLOCK, &d) < 0 ? 0 : 1;
}

static int do_tunsetoffload_vcpu_fd(const struct child *c)
{
	return ioctl(c->fd_a, TUNSETOFFLOAD, 0) < 0 ? 0 : 1;
}

/* --- tests ------------------------------------------------------------- */

static void check_with(enum sc_kind kind, unsigned int features, int (*act)(const struct child *),
		       bool allowed)
{
	struct child c;
	int status;

	child_init(&c, kind, act);
	c.t.features = features;
	status = run_child(&c);
	if (allowed)
		expect_ok(status);
	else
		expect_sigsys(status);
	child_done(&c);
}

static void check(enum sc_kind kind, int (*act)(const struct child *), bool allowed)
{
	check_with(kind, 0, act, allowed);
}

static void test_every_kind_builds(void **state)
{
	int fds[2] = {7, 8};
	struct sc_targets t = {.pid = 1,
			       .vm_fd = 5,
			       .vcpu_fds = fds,
			       .nr_vcpu_fds = 2,
			       .tap_fds = fds,
			       .nr_tap_fds = 1,
			       .features = ~0u};
	struct errbuf e = {""};
	struct sc_prog p;
	int k;

	for (k = 0; k < SC_NR_KINDS; k++) {
		assert_int_equal(sc_build((enum sc_kind)k, &t, &p, &e), 0);
		assert_non_null(p.insns);
		assert_true(p.len > 10 && p.len <= BPF_MAXINSNS);
		sc_prog_free(&p);
		assert_null(p.insns);
	}
	assert_int_equal(sc_build(SC_NR_KINDS, &t, &p, &e), -EINVAL);
	assert_int_equal(sc_install(&p), -EINVAL);
}

static void test_common_calls_allowed(void **state)
{
	check(SC_API, do_write, true);
	check(SC_VMM, do_write, true);
	check(SC_VCPU, do_write, true);
	check(SC_VCPU, do_mmap_rw, true);
}

static void test_calls_on_no_list_kill(void **state)
{
	check(SC_API, do_getppid, false);
	check(SC_VMM, do_getppid, false);
	check(SC_VCPU, do_getppid, false);
	check(SC_API, do_socket_inet, false);
	check(SC_VMM, do_socket_inet, false);
}

static void test_no_exec_mappings(void **state)
{
	check(SC_VMM, do_mmap_exec, false);
	check(SC_API, do_mmap_exec, false);
	check(SC_VCPU, do_mprotect_exec, false);
}

static void test_ioctl_pinned_to_fd_and_request(void **state)
{
	check(SC_VCPU, do_run_pinned, true);
	check(SC_VCPU, do_run_other_fd, false);
	check(SC_VCPU, do_get_regs, false);
	check(SC_API, do_run_pinned, false);
	/* The VMM may not run a vCPU, only pause it. */
	check(SC_VMM, do_run_pinned, false);
}

static void test_open_only_existing_files(void **state)
{
	check_with(SC_VMM, SC_F_DRIVE_SWAP, do_open_existing, true);
	check_with(SC_VMM, SC_F_DRIVE_SWAP, do_open_nonblock, true);
	check_with(SC_VMM, SC_F_DRIVE_SWAP, do_open_create, false);
	check_with(SC_VMM, SC_F_DRIVE_SWAP, do_fstat, true);
	check_with(SC_VMM, SC_F_DRIVE_SWAP, do_clear_flags, true);
	check_with(SC_VMM, SC_F_DRIVE_SWAP, do_set_append, false);
	check(SC_VMM, do_open_existing, false); /* no PATCH /drives possible */
	check_with(SC_API, ~0u, do_open_existing, false);
}

static void test_no_path_calls(void **state)
{
	/* The path-taking stat and unlink calls are on no list, whatever the
	 * configuration: AT_EMPTY_PATH or a directory fd do not confine the
	 * path the kernel looks up. */
	check_with(SC_VMM, ~0u, do_glibc_fstat, false);
	check_with(SC_VMM, ~0u, do_stat_path_empty_flag, false);
	check_with(SC_VMM, ~0u, do_unlinkat, false);
	check_with(SC_API, ~0u, do_unlinkat, false);
}

static void test_realloc_moves_but_never_to_a_fixed_address(void **state)
{
	check(SC_API, do_mremap_move, true);
	check(SC_API, do_mremap_fixed, false);
}

static void test_rules_follow_the_features(void **state)
{
	/* Both engines finish a short transfer with preadv/pwritev. */
	check_with(SC_VMM, SC_F_BLK, do_preadv, true);
	check_with(SC_VMM, SC_F_NET, do_preadv, false);
	check_with(SC_VMM, SC_F_BLK_ASYNC, do_uring_enter, true);
	check_with(SC_VMM, SC_F_BLK_SYNC, do_uring_enter, false);
	check_with(SC_VCPU, SC_F_BLK_ASYNC, do_uring_enter, true);
	check_with(SC_VCPU, 0, do_uring_enter, false);
}

static void test_empty_classes_allow_nothing(void **state)
{
	check(SC_VMM, do_tcgets_vcpu_fd, false);
	check(SC_VMM, do_get_clock_vcpu_fd, false);
	check_with(SC_VCPU, SC_F_NET, do_tunsetoffload_vcpu_fd, false);
	check(SC_VCPU, do_run_pinned, true);
}

/* Targets whose values sort like the placeholders (libseccomp orders an
 * argument's values), every slot distinct and every feature on. */
static void full_targets(struct sc_targets *t, int *vcpu, int *tap)
{
	unsigned int i;

	for (i = 0; i < MAX_VCPUS; i++)
		vcpu[i] = 300 - (int)i;
	for (i = 0; i < CFG_MAX_NETS; i++)
		tap[i] = 200 - (int)i;
	*t = (struct sc_targets){.pid = getpid(),
				 .vm_fd = 100,
				 .vcpu_fds = vcpu,
				 .nr_vcpu_fds = MAX_VCPUS,
				 .tap_fds = tap,
				 .nr_tap_fds = CFG_MAX_NETS,
				 .features = ~0u};
}

static void test_build_time_programs_equal_libseccomp(void **state)
{
	int vcpu[MAX_VCPUS], tap[CFG_MAX_NETS];
	struct errbuf e = {""};
	struct sc_prog built, compiled;
	struct sc_targets t;
	int k;

	full_targets(&t, vcpu, tap);
	for (k = 0; k < SC_NR_KINDS; k++) {
		assert_int_equal(sc_build((enum sc_kind)k, &t, &built, &e), 0);
		assert_int_equal(sc_rules_compile((enum sc_kind)k, &t, STDIN_FILENO, &compiled), 0);
		assert_int_equal(built.len, compiled.len);
		assert_memory_equal(built.insns, compiled.insns, built.len * sizeof(*built.insns));
		sc_prog_free(&built);
		sc_prog_free(&compiled);
	}
}

/* A feature off: its calls' rules never match. */
static void test_gated_calls_switched_off(void **state)
{
	int vcpu[MAX_VCPUS], tap[CFG_MAX_NETS];
	struct sc_gate_rule g[32];
	struct errbuf e = {""};
	struct sc_targets t;
	struct sc_prog p;
	unsigned int i, j, hits;
	int n;

	full_targets(&t, vcpu, tap);
	t.features = 0;
	n = sc_rules_gated(SC_VMM, g, 32);
	assert_true(n >= 8);
	assert_int_equal(sc_build(SC_VMM, &t, &p, &e), 0);
	for (j = 0; j < (unsigned)n; j++) {
		for (i = 0, hits = 0; i < p.len; i++)
			hits += p.insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
				p.insns[i].k == (unsigned)g[j].nr;
		/* A gated call's number may still be an argument value elsewhere
		 * (a request, a flag), never the call's own comparison: the
		 * behaviour tests above show the calls refused. */
		assert_true(hits <= 1);
	}
	for (i = 0, hits = 0; i < p.len; i++)
		hits += p.insns[i].k == SC_NR_NEVER;
	assert_int_equal(hits, (unsigned)n);
	sc_prog_free(&p);
}

/* --- --seccomp-filter files ------------------------------------------- */

struct fbuf {
	uint8_t b[1024];
	size_t len;
};

static void put_u64(struct fbuf *f, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		f->b[f->len++] = (uint8_t)(v >> (8 * i));
}

static void put_prog(struct fbuf *f, const char *name, const struct sock_filter *p, unsigned int n)
{
	unsigned int i;

	put_u64(f, strlen(name));
	memcpy(f->b + f->len, name, strlen(name));
	f->len += strlen(name);
	put_u64(f, n);
	for (i = 0; i < n; i++)
		put_u64(f, (uint64_t)p[i].code | (uint64_t)p[i].jt << 16 | (uint64_t)p[i].jf << 24 |
			       (uint64_t)p[i].k << 32);
}

/* Refuses getppid with SIGSYS, allows the rest. */
static const struct sock_filter no_getppid[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* A file with api and vcpu set to no_getppid and an empty vmm program. */
static void good_file(struct fbuf *f, const char *api_name)
{
	f->len = 0;
	put_u64(f, 3);
	put_prog(f, api_name, no_getppid, 4);
	put_prog(f, "vmm", NULL, 0);
	put_prog(f, "vcpu", no_getppid, 4);
}

static void expect_bad(const struct fbuf *f, const char *msg)
{
	struct sc_prog p[SC_NR_KINDS];
	struct errbuf e = {""};

	assert_true(sc_file_parse(f->b, f->len, p, &e) < 0);
	if (!strstr(e.msg, msg))
		print_message("message: %s\n", e.msg);
	assert_non_null(strstr(e.msg, msg));
	assert_null(p[SC_API].insns);
	assert_null(p[SC_VCPU].insns);
}

static void test_filter_file_parsed(void **state)
{
	struct sc_prog p[SC_NR_KINDS];
	struct errbuf e = {""};
	struct fbuf f;

	good_file(&f, "API");
	assert_int_equal(sc_file_parse(f.b, f.len, p, &e), 0);
	assert_int_equal(p[SC_API].len, 4);
	assert_int_equal(p[SC_VCPU].len, 4);
	assert_int_equal(p[SC_VMM].len, 0);
	assert_memory_equal(p[SC_API].insns, no_getppid, sizeof(no_getppid));
	sc_file_free(p);
	assert_null(p[SC_API].insns);
}

static void test_filter_file_refused(void **state)
{
	static const struct sock_filter jump_out[] = {
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	static const struct sock_filter no_ret[] = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
	struct fbuf f;

	good_file(&f, "api");
	f.len--;
	expect_bad(&f, "the vcpu filter: truncated");
	good_file(&f, "api");
	f.b[f.len++] = 0;
	expect_bad(&f, "1 bytes after the last filter");
	good_file(&f, "apx");
	expect_bad(&f, "filter 0: unknown thread category");
	good_file(&f, "vmm");
	expect_bad(&f, "filter 1: a second vmm filter");
	f.len = 0;
	put_u64(&f, 2);
	put_prog(&f, "api", no_getppid, 4);
	put_prog(&f, "vmm", no_getppid, 4);
	expect_bad(&f, "2 filters, expected one each for api, vmm and vcpu");
	f.len = 0;
	put_u64(&f, 3);
	put_prog(&f, "api", jump_out, 2);
	expect_bad(&f, "the api filter: a jump leaves the program");
	f.len = 0;
	put_u64(&f, 3);
	put_prog(&f, "vcpu", no_ret, 1);
	expect_bad(&f, "does not end in a return");
	f.len = 0;
	put_u64(&f, 3);
	put_u64(&f, 3);
	memcpy(f.b + f.len, "api", 3);
	f.len += 3;
	put_u64(&f, BPF_MAXINSNS + 1);
	expect_bad(&f, "the api filter: more than 4096 instructions");
	f.len = 0;
	put_u64(&f, 3);
	put_u64(&f, UINT64_MAX);
	expect_bad(&f, "filter 0: truncated name");
	f.len = 4;
	expect_bad(&f, "truncated before the number of filters");
}

/* The user's program is installed as it is; an empty one allows all. */
static void test_filter_file_installed(void **state)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	struct sc_prog p[SC_NR_KINDS];
	struct errbuf e = {""};
	struct child c;
	struct fbuf f;
	int status;

	/* cmocka catches SIGSYS; a child that survives its handler would run
	 * the rest of the suite under this permissive filter. */
	assert_int_equal(sigaction(SIGSYS, &dfl, &old), 0);
	good_file(&f, "api");
	assert_int_equal(sc_file_parse(f.b, f.len, p, &e), 0);
	child_init(&c, SC_VCPU, do_getppid);
	c.t.user = p;
	expect_sigsys(run_child(&c));
	c.act = do_socket_inet; /* on no list of ember's */
	expect_ok(run_child(&c));
	c.kind = SC_VMM;
	c.act = do_getppid;
	status = run_child(&c);
	sigaction(SIGSYS, &old, NULL);
	expect_ok(status);
	child_done(&c);
	sc_file_free(p);
}

static int kick_child(int (*act)(const struct child *))
{
	struct errbuf e = {""};
	struct sc_prog p;
	struct child c;
	int status;
	pid_t pid;

	child_init(&c, SC_VMM, act);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Built in the child: the filter pins the child's own pid. */
		c.t.pid = getpid();
		c.tid = (pid_t)syscall(SYS_gettid);
		if (sc_build(SC_VMM, &c.t, &p, &e) || sc_install(&p))
			_exit(91);
		child_exit(act(&c));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	child_done(&c);
	return status;
}

static void test_tgkill_only_kicks(void **state)
{
	expect_ok(kick_child(do_kick_self));
	expect_sigsys(kick_child(do_tgkill_other_signal));
}

static void test_sigsys_log_names_the_call(void **state)
{
	char buf[512] = "";
	struct child c;
	int pipefd[2], status;
	ssize_t n;

	assert_int_equal(pipe(pipefd), 0);
	child_init(&c, SC_VCPU, do_getppid);
	c.log_fd = pipefd[1];
	status = run_child(&c);
	close(pipefd[1]);
	expect_sigsys(status);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "[unit-test:"));
	assert_non_null(strstr(buf, "forbidden system call getppid (110)"));
	assert_non_null(strstr(buf, "killing the process with SIGSYS"));
	child_done(&c);
}

static void test_syscall_names(void **state)
{
	assert_string_equal(sc_syscall_name(0), "read");
	assert_string_equal(sc_syscall_name(16), "ioctl");
	assert_string_equal(sc_syscall_name(110), "getppid");
	assert_null(sc_syscall_name(-1));
	assert_null(sc_syscall_name(100000));
	assert_string_equal(sc_kind_name(SC_VCPU), "vcpu");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_kind_builds),
	    cmocka_unit_test(test_common_calls_allowed),
	    cmocka_unit_test(test_calls_on_no_list_kill),
	    cmocka_unit_test(test_no_exec_mappings),
	    cmocka_unit_test(test_ioctl_pinned_to_fd_and_request),
	    cmocka_unit_test(test_open_only_existing_files),
	    cmocka_unit_test(test_no_path_calls),
	    cmocka_unit_test(test_realloc_moves_but_never_to_a_fixed_address),
	    cmocka_unit_test(test_rules_follow_the_features),
	    cmocka_unit_test(test_tgkill_only_kicks),
	    cmocka_unit_test(test_sigsys_log_names_the_call),
	    cmocka_unit_test(test_syscall_names),
	    cmocka_unit_test(test_empty_classes_allow_nothing),
	    cmocka_unit_test(test_build_time_programs_equal_libseccomp),
	    cmocka_unit_test(test_gated_calls_switched_off),
	    cmocka_unit_test(test_filter_file_parsed),
	    cmocka_unit_test(test_filter_file_refused),
	    cmocka_unit_test(test_filter_file_installed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
