/*
 * syscall_trap.c - what happens when a filter refuses a system call.
 *
 * The filters' default action is SECCOMP_RET_TRAP: the call is not made
 * and the thread gets SIGSYS with the call's number in si_syscall. The
 * handler writes one log line naming the call and the thread, then makes
 * the same call again with the same arguments. The filter refuses it
 * again, but now SIGSYS is blocked (we are in its handler) and SA_RESETHAND
 * has restored the default action, so the kernel force-delivers it and the
 * process dies of SIGSYS - even as PID 1 of a PID namespace, where a
 * plain kill() of itself would be ignored.
 *
 * One case goes unlogged: a refused call made while the thread blocks
 * SIGSYS (glibc blocks every signal for a moment inside pthread_kill and
 * while a thread exits). The kernel then kills at once; the death by
 * SIGSYS is still there to see, the log line is not.
 *
 * Only async-signal-safe work here: no stdio, no malloc, no locks.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "syscall_filter.h"

/* x86-64 system call names by number, generated from <sys/syscall.h>. */
static const char *const syscall_names[] = {
#include "syscall_names.h"
};

/*
 * The one piece of process-wide mutable state in ember: a signal handler
 * has no argument to carry it. Written once by sc_sigsys_setup() before
 * any filter exists, read only by the handler.
 */
static const struct logger *volatile sigsys_log;

const char *sc_syscall_name(long nr)
{
	if (nr < 0 || (unsigned long)nr >= sizeof(syscall_names) / sizeof(syscall_names[0]))
		return NULL;
	return syscall_names[nr];
}

/* A tiny line builder: snprintf is not async-signal-safe. */
struct line {
	char buf[256];
	size_t len;
};

static void put_str(struct line *l, const char *s)
{
	while (*s && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = *s++;
}

static void put_num(struct line *l, unsigned long v)
{
	char tmp[24];
	int i = 0;

	do
		tmp[i++] = (char)('0' + v % 10);
	while ((v /= 10) && i < (int)sizeof(tmp));
	while (i > 0 && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = tmp[--i];
}

static void put_num6(struct line *l, unsigned long v)
{
	unsigned long d;

	for (d = 100000; d > 1 && v < d; d /= 10)
		put_str(l, "0");
	put_num(l, v);
}

static void sigsys_handler(int sig, siginfo_t *si, void *uctx)
{
	const greg_t *r = ((ucontext_t *)uctx)->uc_mcontext.gregs;
	const char *name = sc_syscall_name(si->si_syscall);
	char thread[17] = "";
	struct line l = {.len = 0};
	struct timespec ts;
	int fd = sigsys_log ? sigsys_log->fd : STDERR_FILENO;

	(void)sig;
	prctl(PR_GET_NAME, thread, 0, 0, 0); /* allowed in every filter */
	clock_gettime(CLOCK_REALTIME, &ts);  /* vDSO; allowed as a syscall too */
	put_num(&l, (unsigned long)ts.tv_sec);
	put_str(&l, ".");
	put_num6(&l, (unsigned long)ts.tv_nsec / 1000);
	put_str(&l, " [");
	put_str(&l, sigsys_log ? sigsys_log->id : "ember");
	put_str(&l, ":");
	put_str(&l, thread);
	put_str(&l, "] [Error] seccomp: forbidden system call ");
	put_str(&l, name ? name : "unknown");
	put_str(&l, " (");
	put_num(&l, (unsigned long)si->si_syscall);
	put_str(&l, ") by thread ");
	put_str(&l, thread);
	put_str(&l, ": killing the process with SIGSYS\n");
	if (write(fd, l.buf, l.len) < 0) {
		/* Nothing else can report it; the death itself still does. */
	}
	syscall(si->si_syscall, r[REG_RDI], r[REG_RSI], r[REG_RDX], r[REG_R10], r[REG_R8],
		r[REG_R9]);
	_exit(128 + SIGSYS); /* not reached: the repeated call is refused */
}

void sc_sigsys_forget(void)
{
	sigsys_log = NULL;
}

int sc_sigsys_setup(const struct logger *log)
{
	struct sigaction sa;

	sigsys_log = log;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) < 0 ? -errno : 0;
}
