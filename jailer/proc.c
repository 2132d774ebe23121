/*
 * proc.c - the process side of the jail: a clean start (fds, signals,
 * environment), the network namespace, resource limits, daemonizing, the
 * PID namespace, dropping every privilege, and the exec of ember.
 *
 * Forks are told apart by return value: 0 means "this process goes on
 * towards exec", > 0 "this process is done, exit with *status", < 0 an
 * error in the errbuf. Failures after a fork travel back over a close-on-
 * exec pipe: end of file without a message means ember was exec'd.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jailer.h"

uint64_t jail_clock_us(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* jail_fork - fork(); the child adds the CPU time the parent used so far
 * to times.parent_cpu_us (its own CPU clock restarts at 0). */
pid_t jail_fork(struct jail *j)
{
	uint64_t used = jail_clock_us(CLOCK_PROCESS_CPUTIME_ID);
	pid_t pid = fork();

	if (!pid)
		j->times.parent_cpu_us += used;
	return pid;
}

/*
 * jail_sanitize - nothing inherited reaches the jail: fds beyond stdio are
 * closed, signal dispositions (SIG_IGN survives exec) and the mask are
 * reset, the environment is emptied, and umask is 0 so that every mode the
 * jailer asks for is the mode it gets.
 */
int jail_sanitize(struct errbuf *e)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	long fd, max;
	int sig;

	if (close_range(3, ~0U, 0)) {
		if (errno != ENOSYS)
			return errf(e, -errno, "close_range: %s", strerror(errno));
		max = sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < max; fd++)
			close((int)fd);
	}
	/* sigaction fails (harmlessly) for SIGKILL, SIGSTOP and libc's own. */
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (clearenv())
		return errf(e, -ENOMEM, "cannot clear the environment");
	umask(0);
	return 0;
}

int jail_join_netns(struct jail *j, struct errbuf *e)
{
	int ret = 0;

	if (j->netns_fd < 0)
		return 0;
	if (setns(j->netns_fd, CLONE_NEWNET))
		ret = errf(e, -errno, "joining the network namespace %s: %s", j->opts.netns,
			   strerror(errno));
	close(j->netns_fd);
	j->netns_fd = -1;
	return ret;
}

/* Soft and hard limit alike: ember cannot raise them again. */
int jail_set_rlimits(const struct jail_opts *o, struct errbuf *e)
{
	struct rlimit rl = {o->nofile, o->nofile};

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return errf(e, -errno,
			    "--resource-limit no-file=%llu: %s (at most /proc/sys/fs/nr_open)",
			    (unsigned long long)o->nofile, strerror(errno));
	if (!o->fsize_set)
		return 0;
	rl.rlim_cur = rl.rlim_max = o->fsize;
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return errf(e, -errno, "--resource-limit fsize=%llu: %s",
			    (unsigned long long)o->fsize, strerror(errno));
	return 0;
}

/*
 * wait_report - read what the other side of a report pipe says until end of
 * file: nothing means it reached exec; a message is its failure.
 */
static int wait_report(int fd, struct errbuf *e)
{
	char msg[sizeof(e->msg)];
	size_t have = 0;
	ssize_t n;

	while (have + 1 < sizeof(msg)) {
		n = read(fd, msg + have, sizeof(msg) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errf(e, -errno, "reading the jail's status: %s", strerror(errno));
		if (!n)
			break;
		have += (size_t)n;
	}
	if (!have)
		return 0;
	msg[have] = '\0';
	return errf(e, -ECHILD, "%s", msg);
}

/*
 * jail_daemonize - fork, setsid, fork: the grandchild has no controlling
 * terminal and cannot get one, stdio on /dev/null. The launching process
 * waits until ember is exec'd (or the setup failed, and reports why), so its
 * exit status means something; it leaves the microVM's cgroup first, so a
 * failing setup can remove it.
 */
int jail_daemonize(struct jail *j, int *status, struct errbuf *e)
{
	int p[2], fd, ret;
	pid_t pid;

	if (!j->opts.daemonize)
		return 0;
	if (pipe2(p, O_CLOEXEC))
		return errf(e, -errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = jail_fork(j);
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(e, -errno, "fork: %s", strerror(errno));
	}
	if (pid) {
		close(p[1]);
		j->may_undo = false; /* the grandchild cleans up after itself */
		jail_cg_leave(j);
		ret = wait_report(p[0], e);
		close(p[0]);
		waitpid(pid, NULL, 0);
		*status = JAIL_EXIT_OK;
		return ret ? ret : 1;
	}
	close(p[0]);
	j->report_fd = p[1];
	if (setsid() < 0)
		return errf(e, -errno, "setsid: %s", strerror(errno));
	pid = jail_fork(j);
	if (pid < 0)
		return errf(e, -errno, "fork: %s", strerror(errno));
	if (pid) {
		j->may_undo = false;
		*status = JAIL_EXIT_OK;
		return 1;
	}
	for (fd = 0; fd < 3; fd++)
		if (dup2(j->devnull_fd, fd) < 0)
			return errf(e, -errno, "dup2 /dev/null: %s", strerror(errno));
	return 0;
}

/* The signals a supervising parent passes on to ember. */
static void forward_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGQUIT);
	sigaddset(s, SIGUSR1);
	sigaddset(s, SIGUSR2);
	sigaddset(s, SIGCHLD);
}

/*
 * supervise - wait for ember (PID 1 of its namespace) and pass signals on.
 * As a namespace's init, ember receives only the signals it has handlers
 * for (SIGKILL aside); that is the kernel's rule, not the jailer's.
 */
static int supervise(pid_t child, const sigset_t *set, int *status, struct errbuf *e)
{
	siginfo_t si;
	pid_t r;
	int sig, ws;

	for (;;) {
		sig = sigwaitinfo(set, &si);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0)
			return errf(e, -errno, "sigwaitinfo: %s", strerror(errno));
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		r = waitpid(child, &ws, WNOHANG);
		if (r == child) {
			*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			return 0;
		}
		if (r < 0)
			return errf(e, -errno, "waitpid: %s", strerror(errno));
	}
}

/* The child: PID 1 of the new namespace; its failures go to the parent. */
static void pid_ns_child(struct jail *j, int report_fd, const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
	if (j->report_fd >= 0)
		close(j->report_fd);
	j->report_fd = report_fd;
	j->may_undo = false;
	j->pdeathsig = !j->opts.daemonize;
}

/* The parent, once ember runs: done when daemonized, else its supervisor. */
static int pid_ns_parent(struct jail *j, pid_t pid, const sigset_t *fwd, int *status,
			 struct errbuf *e)
{
	int ret;

	jail_cg_leave(j);
	j->may_undo = false;
	*status = JAIL_EXIT_OK;
	if (j->opts.daemonize)
		return 1;
	jail_close(j);
	ret = jail_drop_privileges(j->opts.uid, j->opts.gid, e);
	if (!ret)
		ret = supervise(pid, fwd, status, e);
	if (ret) {
		kill(pid, SIGKILL);
		return ret;
	}
	return 1;
}

/*
 * jail_pid_ns - with --new-pid-ns, fork into a new PID namespace; the child
 * (PID 1 there) goes on to exec ember, the parent writes the child's host
 * PID to /<exec-name>.pid and waits for the exec. Without it, the pid file
 * holds this process's PID (ember's, once exec'd).
 */
int jail_pid_ns(struct jail *j, int *status, struct errbuf *e)
{
	sigset_t fwd, old;
	int p[2], ret;
	pid_t pid;

	if (!j->opts.new_pid_ns)
		return jail_fs_pidfile(j, getpid(), e);
	if (unshare(CLONE_NEWPID))
		return errf(e, -errno, "unshare(CLONE_NEWPID): %s", strerror(errno));
	if (pipe2(p, O_CLOEXEC))
		return errf(e, -errno, "pipe: %s", strerror(errno));
	forward_set(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, &old);
	fflush(NULL);
	pid = jail_fork(j);
	if (!pid) {
		close(p[0]);
		pid_ns_child(j, p[1], &old);
		return 0;
	}
	close(p[1]);
	ret = pid < 0 ? errf(e, -errno, "fork into the new PID namespace: %s", strerror(errno))
		      : jail_fs_pidfile(j, pid, e);
	if (!ret)
		ret = wait_report(p[0], e);
	close(p[0]);
	if (!ret)
		return pid_ns_parent(j, pid, &fwd, status, e);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}
