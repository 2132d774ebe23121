/*
 * startprobe.c - how fast does a program start serving a Unix socket?
 *
 *   startprobe [-n RUNS] [-q] -s SOCKET -- PROGRAM [ARGS...]
 *
 * Each run launches PROGRAM twice (fork + exec, stdin, stdout and stderr
 * on /dev/null), killing it after each:
 *
 * 1. Timed, untouched: startprobe connect()s to SOCKET in a loop until one
 *    succeeds (ENOENT until the program's bind(), refused until its
 *    listen()), yielding the CPU between tries: a sleeping prober would add
 *    its wake-up latency (~1 ms in a VM), a spinning one would steal the
 *    CPU from the program on a single-CPU machine.
 *      wall_us   CLOCK_MONOTONIC from just before fork() to that connect
 *    With -q, "GET / HTTP/1.1" is then sent and its reply awaited (an ember
 *    API): ready_us, from fork() to the reply.
 * 2. Sampled, stopped the instant its listen() returns: before the exec the
 *    child installs a seccomp filter that hands listen() to its tracer
 *    (SECCOMP_RET_TRACE; every other system call runs untraced), and
 *    startprobe, the tracer, lets the call complete (PTRACE_SYSCALL) and
 *    samples the stopped program at the syscall exit (the tracing adds
 *    wall time, hence the separate timed launch, but no CPU time to speak of):
 *      cpu_us    CPU time of all its threads so far, from
 *                /proc/PID/task/TID/schedstat (ns resolution; the exec counts)
 *      priv_kib  Private_Clean + Private_Dirty + Private_Hugetlb (smaps_rollup)
 *      rss_kib   Rss (smaps_rollup)
 *      minflt    minor page faults so far (/proc/PID/stat)
 *    A connect() must then succeed. With -q the program is released, sent
 *    GET / and stopped (SIGSTOP) once it answered: idle_cpu_us and
 *    idle_priv_kib, the start-up until it has served a request.
 *
 * One line per run on stdout:
 *   run=N wall_us=.. cpu_us=.. priv_kib=.. rss_kib=.. minflt=.. [ready_us=.. idle_cpu_us=.. idle_priv_kib=..]
 * Exit status 1 if a run failed (program died, no listen() within 5 s).
 *
 * The filter stays in the program after it is released; it only matters
 * for a second listen(), which the measured programs do not make.
 * Static, no dependencies: it runs in the nested test host as well.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	uint64_t cpu_us;
	uint64_t priv_kib, rss_kib;
	uint64_t minflt;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* task_cpu_ns - sum of the first schedstat field over the process's tasks. */
static uint64_t task_cpu_ns(pid_t pid)
{
	char path[96];
	DIR *d;
	struct dirent *de;
	uint64_t sum = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char p[300];
		unsigned long long ns;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", (int)pid, de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* minflt - minor page faults of the process (field 10 of /proc/PID/stat). */
static uint64_t minflt(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name in parentheses: state ppid pgrp session tty
	 * tpgid flags minflt. */
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %llu", &v) != 1)
		v = 0;
	return v;
}

static void sample(pid_t pid, struct sample *s)
{
	char path[64], line[256];
	unsigned long long v;
	FILE *f;

	s->cpu_us = task_cpu_ns(pid) / 1000;
	s->minflt = minflt(pid);
	s->priv_kib = s->rss_kib = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Rss: %llu", &v) == 1)
			s->rss_kib = v;
		else if (sscanf(line, "Private_Clean: %llu", &v) == 1 ||
			 sscanf(line, "Private_Dirty: %llu", &v) == 1 ||
			 sscanf(line, "Private_Hugetlb: %llu", &v) == 1)
			s->priv_kib += v;
	}
	fclose(f);
}

/* trace_listen - in the child: listen() stops for the tracer, nothing else. */
static int trace_listen(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_listen, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static pid_t launch(char **argv, int traced)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (traced && (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP) || trace_listen()))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

/*
 * until_listened - run the traced child until its listen() has returned;
 * it is then stopped. 0, or -1 if it exited or the deadline passed.
 */
static int until_listened(pid_t pid, uint64_t deadline)
{
	int status, sig, in_listen = 0;

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	/* The child's own SIGSTOP: set the options, let it exec. */
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC)))
		return -1;
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	while (mono_us() < deadline) {
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
			return -1;
		sig = WSTOPSIG(status);
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
			/* At the entry of listen(): stop again at its exit. */
			in_listen = 1;
			ptrace(PTRACE_SYSCALL, pid, NULL, NULL);
			continue;
		}
		if (in_listen && sig == SIGTRAP)
			return 0;
		/* exec events and anything else: go on (signals delivered). */
		ptrace(PTRACE_CONT, pid, NULL,
		       (void *)(long)(sig == SIGTRAP || sig == SIGSTOP ? 0 : sig));
	}
	return -1;
}

/* get_root - one GET / on @fd, until the end of the reply (a JSON object). */
static int get_root(int fd)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	char buf[1024];
	size_t len = 0;
	ssize_t n;

	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		return -1;
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") && buf[len - 1] == '}')
			return 0;
	}
	return -1;
}

static void end(pid_t pid, int fd, const char *sock)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(fd);
	unlink(sock);
}

/* timed - launch 1: wall time to an accepted connect (and to a reply). */
static int timed(const struct sockaddr_un *sa, char **argv, int query, uint64_t *wall,
		 uint64_t *ready)
{
	int fd, ok = 0, status;
	uint64_t t0, deadline;
	pid_t pid;

	unlink(sa->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	t0 = mono_us();
	deadline = t0 + 5000000;
	pid = launch(argv, 0);
	if (pid < 0)
		return -1;
	while (!ok && mono_us() < deadline && waitpid(pid, &status, WNOHANG) == 0) {
		ok = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
		if (!ok)
			sched_yield();
	}
	*wall = mono_us() - t0;
	if (ok && query) {
		ok = get_root(fd) == 0;
		*ready = mono_us() - t0;
	}
	end(pid, fd, sa->sun_path);
	return ok ? 0 : -1;
}

/* sampled - launch 2: CPU and memory when listen() returned (and after a reply). */
static int sampled(const struct sockaddr_un *sa, char **argv, int query, struct sample *s,
		   struct sample *idle)
{
	int fd, ok, status;
	pid_t pid;

	unlink(sa->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	pid = launch(argv, 1);
	if (pid < 0)
		return -1;
	ok = until_listened(pid, mono_us() + 5000000) == 0;
	if (ok) {
		sample(pid, s);
		ok = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	}
	if (ok && query) {
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		ok = get_root(fd) == 0;
		kill(pid, SIGSTOP);
		waitpid(pid, &status, WUNTRACED);
		if (ok)
			sample(pid, idle);
	}
	end(pid, fd, sa->sun_path);
	return ok ? 0 : -1;
}

static int one_run(int run, const char *sock, char **argv, int query)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sample s = {0}, idle = {0};
	uint64_t wall = 0, ready = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (timed(&sa, argv, query, &wall, &ready) || sampled(&sa, argv, query, &s, &idle)) {
		fprintf(stderr, "startprobe: run %d failed (no listen, connect or answer)\n", run);
		return -1;
	}
	printf("run=%d wall_us=%llu cpu_us=%llu priv_kib=%llu rss_kib=%llu minflt=%llu", run,
	       (unsigned long long)wall, (unsigned long long)s.cpu_us,
	       (unsigned long long)s.priv_kib, (unsigned long long)s.rss_kib,
	       (unsigned long long)s.minflt);
	if (query)
		printf(" ready_us=%llu idle_cpu_us=%llu idle_priv_kib=%llu",
		       (unsigned long long)ready, (unsigned long long)idle.cpu_us,
		       (unsigned long long)idle.priv_kib);
	printf("\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sock = NULL;
	int runs = 20, query = 0, i, r, failed = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "-q"))
			query = 1;
		else
			break;
	}
	if (!sock || i >= argc - 1 || strcmp(argv[i], "--") || runs < 1) {
		fprintf(stderr,
			"usage: startprobe [-n RUNS] [-q] -s SOCKET -- PROGRAM [ARGS...]\n");
		return 2;
	}
	for (r = 1; r <= runs; r++)
		failed |= one_run(r, sock, argv + i + 1, query) != 0;
	return failed;
}
