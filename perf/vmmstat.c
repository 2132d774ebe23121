/*
 * vmmstat.c - sample a VMM at the instant its guest prints a marker line.
 *
 *   vmmstat [options] -- COMMAND [ARG...]
 *
 * Runs COMMAND (a VMM) with stdin on /dev/null and stdout (the guest
 * console) on a pipe, reads the console until a line containing the marker
 * appears, and at that instant samples the VMM:
 *   wall_ms      CLOCK_MONOTONIC from just before fork() to the marker;
 *   vmm_cpu_ms   sum over /proc/PID/task/<tid>/stat of utime + stime -
 *                guest_time (fields 14, 15, 43): CPU the VMM's own threads
 *                spent in user space and in the host kernel, not in the guest;
 *   proc_cpu_ms  the same from /proc/PID/stat, which also counts threads that
 *                have already exited;
 *   exits        KVM's debugfs exit counter at the marker minus before launch
 *                (x_* fields: the same for a few kinds of exit);
 *   priv_kib     Private_Clean + Private_Dirty over /proc/PID/smaps, without
 *                the guest-RAM mapping(s): anonymous (no file, no inode)
 *                mappings whose size is exactly the configured guest RAM;
 *   rss_kib      Rss summed over every mapping (guest RAM included);
 *   guest_rss_kib, guest_maps  Rss of the mappings taken for guest RAM and
 *                how many there were (0 means priv_kib includes guest RAM).
 * Then it lets the guest finish (copying the console to -o FILE if given),
 * kills the VMM if it outlives the finish timeout, and prints one line:
 *   BENCH vmm=NAME run=I wall_ms=.. vmm_cpu_ms=.. exits=.. priv_kib=..
 *         rss_kib=.. proc_cpu_ms=.. guest_rss_kib=.. guest_maps=.. threads=..
 *         end_ms=.. vmm_rc=.. x_io=.. x_mmio=.. ...
 * A value that could not be read is "NA". Exit status: 0 marker seen, 1 not
 * seen (the line then has status=nomarker or status=timeout), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "vmmsample.h"

#define DEFAULT_MARKER	"EMBER-GUEST-UP"
#define DEFAULT_KVM_DIR "/sys/kernel/debug/kvm"
/* Longest console line scanned for the marker; longer lines are split. */
#define LINE_MAX_BYTES 4096

struct opts {
	const char *name;
	uint64_t run;
	uint64_t mem_bytes;
	const char *marker;
	uint64_t marker_timeout_ms;
	uint64_t finish_timeout_ms;
	const char *console_path;
	const char *stderr_path;
	const char *kvm_dir;
	bool verbose;
	char **argv;
};

struct child {
	pid_t pid;
	int out_fd;	/* read end of the VMM's stdout */
	int console_fd; /* copy of the console, or -1 */
	uint64_t t0_ns;
	uint64_t ctr_before[NR_KVM_COUNTERS];
};

struct line_scan {
	char buf[LINE_MAX_BYTES + 1];
	size_t len;
	bool found;
};
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out, const char *what, struct errbuf *e)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || s[0] < '0' || s[0] > '9' || *end || v > max)
		return errf(e, -EINVAL, "%s must be a number from 0 to %" PRIu64 ", not '%s'", what,
			    max, s);
	*out = v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vmmstat [-n NAME] [-r RUN] -m MEM_MIB [-k MARKER] [-t MARKER_S]\n"
		"               [-w FINISH_S] [-o CONSOLE] [-e STDERR] [-x KVM_DEBUGFS_DIR] [-v]\n"
		"               -- COMMAND [ARG...]\n");
}

static int parse_opts(int argc, char **argv, struct opts *o, struct errbuf *e)
{
	uint64_t v;
	int c, ret = 0;

	*o = (struct opts){.name = "vmm",
			   .marker = DEFAULT_MARKER,
			   .marker_timeout_ms = 120000,
			   .finish_timeout_ms = 60000,
			   .kvm_dir = DEFAULT_KVM_DIR};
	while (!ret && (c = getopt(argc, argv, "+n:r:m:k:t:w:o:e:x:v")) != -1) {
		switch (c) {
		case 'n':
			o->name = optarg;
			break;
		case 'r':
			ret = parse_u64(optarg, UINT32_MAX, &o->run, "-r RUN", e);
			break;
		case 'm':
			/* The guest-RAM mapping is found by its size in bytes. */
			ret = parse_u64(optarg, 1ull << 30, &v, "-m MEM_MIB", e);
			o->mem_bytes = v << 20;
			break;
		case 't':
			ret = parse_u64(optarg, 86400, &v, "-t MARKER_S", e);
			o->marker_timeout_ms = v * 1000;
			break;
		case 'w':
			ret = parse_u64(optarg, 86400, &v, "-w FINISH_S", e);
			o->finish_timeout_ms = v * 1000;
			break;
		case 'k':
			o->marker = optarg;
			break;
		case 'o':
			o->console_path = optarg;
			break;
		case 'e':
			o->stderr_path = optarg;
			break;
		case 'x':
			o->kvm_dir = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			return errf(e, -EINVAL, "unknown option");
		}
	}
	if (ret)
		return ret;
	if (!o->mem_bytes)
		return errf(e, -EINVAL, "-m MEM_MIB (the guest RAM size) is required and non-zero");
	if (!o->marker[0] || strlen(o->marker) > LINE_MAX_BYTES / 2)
		return errf(e, -EINVAL, "the marker must be 1 to %d bytes", LINE_MAX_BYTES / 2);
	if (strpbrk(o->name, " \t\n="))
		return errf(e, -EINVAL, "the VMM name must not contain blanks or '='");
	if (optind >= argc)
		return errf(e, -EINVAL, "no VMM command after the options");
	o->argv = argv + optind;
	return 0;
}

/* start_child - fork and exec the VMM with stdout on a pipe. */
static int start_child(const struct opts *o, struct child *c, struct errbuf *e)
{
	int p[2], null_fd, err_fd = -1, ret;

	read_kvm_counters(o->kvm_dir, c->ctr_before);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0)
		return errf(e, -errno, "cannot open /dev/null: %s", strerror(errno));
	if (o->stderr_path) {
		err_fd = open(o->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (err_fd < 0) {
			ret = errf(e, -errno, "cannot create %s: %s", o->stderr_path,
				   strerror(errno));
			goto out_null;
		}
	}
	if (pipe2(p, O_CLOEXEC)) {
		ret = errf(e, -errno, "pipe2: %s", strerror(errno));
		goto out_err;
	}
	/* Process start: everything from here on is the VMM's launch cost. */
	c->t0_ns = now_ns();
	c->pid = fork();
	if (c->pid < 0) {
		ret = errf(e, -errno, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto out_err;
	}
	if (c->pid == 0) {
		/* Do not outlive vmmstat if it is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(null_fd, 0) < 0 || dup2(p[1], 1) < 0 ||
		    (err_fd >= 0 && dup2(err_fd, 2) < 0))
			_exit(127);
		execvp(o->argv[0], o->argv);
		dprintf(2, "vmmstat: cannot run %s: %s\n", o->argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	c->out_fd = p[0];
	ret = 0;
out_err:
	if (err_fd >= 0)
		close(err_fd);
out_null:
	close(null_fd);
	return ret;
}

/* scan_bytes - feed console bytes to the line scanner; sets s->found. */
static void scan_bytes(struct line_scan *s, const char *marker, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !s->found; i++) {
		/* NUL bytes (line noise) would end the string early: drop them. */
		if (p[i] == '\0')
			continue;
		if (p[i] != '\n' && s->len < LINE_MAX_BYTES) {
			s->buf[s->len++] = p[i];
			continue;
		}
		s->buf[s->len] = '\0';
		/* The console may prefix escape sequences or \r: match anywhere. */
		if (strstr(s->buf, marker))
			s->found = true;
		s->len = 0;
		if (p[i] != '\n')
			s->buf[s->len++] = p[i];
	}
}

/*
 * pump - wait up to @timeout_ms for console output and copy it. Returns the
 * bytes read, 0 at EOF, -ETIMEDOUT, or another -errno.
 */
static ssize_t pump(struct child *c, uint64_t timeout_ms, char *buf, size_t size)
{
	struct pollfd pfd = {.fd = c->out_fd, .events = POLLIN};
	ssize_t n;
	int r;

	r = poll(&pfd, 1, timeout_ms > INT_MAX ? INT_MAX : (int)timeout_ms);
	if (r < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	n = read(c->out_fd, buf, size);
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (n > 0 && c->console_fd >= 0 && write(c->console_fd, buf, (size_t)n) != n) {
		/* A failed console copy must not stop the run. */
		close(c->console_fd);
		c->console_fd = -1;
	}
	return n;
}

/* remaining_ms - milliseconds until @deadline_ns, 0 once it has passed. */
static uint64_t remaining_ms(uint64_t deadline_ns)
{
	uint64_t t = now_ns();

	return t >= deadline_ns ? 0 : (deadline_ns - t + 999999) / 1000000;
}

/* wait_marker - 0 when the marker line arrived, -ENOENT at EOF, -ETIMEDOUT. */
static int wait_marker(const struct opts *o, struct child *c)
{
	uint64_t deadline = c->t0_ns + o->marker_timeout_ms * 1000000ull;
	struct line_scan s = {.len = 0};
	char buf[4096];
	ssize_t n;

	while (!s.found) {
		if (!remaining_ms(deadline))
			return -ETIMEDOUT;
		n = pump(c, remaining_ms(deadline), buf, sizeof(buf));
		if (n == -EAGAIN || n == -ETIMEDOUT)
			continue;
		if (n <= 0)
			return n ? (int)n : -ENOENT;
		scan_bytes(&s, o->marker, buf, (size_t)n);
	}
	return 0;
}

/* take_sample - everything measured at the marker instant. */
static void take_sample(const struct opts *o, const struct child *c, struct sample *s)
{
	size_t i;

	*s = (struct sample){.wall_ms = (now_ns() - c->t0_ns) / 1000000};
	/* Cheapest first: the exit counters move while we read the rest. */
	read_kvm_counters(o->kvm_dir, s->ctr);
	for (i = 0; i < NR_KVM_COUNTERS; i++) {
		if (c->ctr_before[i] == NA || s->ctr[i] == NA || s->ctr[i] < c->ctr_before[i])
			s->ctr[i] = NA;
		else
			s->ctr[i] -= c->ctr_before[i];
	}
	sample_cpu(c->pid, s);
	sample_smaps(c->pid, o->mem_bytes, o->verbose, s);
}

/*
 * finish - let the guest run to its end, copying the console, until the
 * VMM exits or @deadline_ns passes (then kill it). Returns the wait status,
 * or -ETIMEDOUT if it had to be killed.
 */
static int finish(struct child *c, uint64_t deadline_ns)
{
	char buf[4096];
	int status;
	ssize_t n;
	pid_t r;

	for (;;) {
		n = pump(c, remaining_ms(deadline_ns), buf, sizeof(buf));
		if (n == 0 || (n < 0 && n != -EAGAIN) || !remaining_ms(deadline_ns))
			break;
	}
	/* EOF: the VMM closed its stdout, so it is exiting; give it the rest. */
	while ((r = waitpid(c->pid, &status, WNOHANG)) == 0 && remaining_ms(deadline_ns)) {
		struct timespec ts = {0, 10 * 1000000};

		nanosleep(&ts, NULL);
	}
	if (r == c->pid)
		return status;
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	return -ETIMEDOUT;
}

static void put_field(const char *key, uint64_t v)
{
	if (v == NA)
		printf(" %s=NA", key);
	else
		printf(" %s=%" PRIu64, key, v);
}

static void print_result(const struct opts *o, const struct sample *s, uint64_t end_ms, int status)
{
	size_t i;

	printf("BENCH vmm=%s run=%" PRIu64, o->name, o->run);
	put_field("wall_ms", s->wall_ms);
	put_field("vmm_cpu_ms", s->cpu_ms);
	put_field(kvm_counters[0].key, s->ctr[0]);
	put_field("priv_kib", s->priv_kib);
	put_field("rss_kib", s->rss_kib);
	put_field("proc_cpu_ms", s->proc_cpu_ms);
	put_field("guest_rss_kib", s->guest_rss_kib);
	put_field("guest_maps", s->guest_maps);
	put_field("threads", s->threads);
	put_field("end_ms", end_ms);
	if (status == -ETIMEDOUT)
		printf(" vmm_rc=killed");
	else if (WIFEXITED(status))
		printf(" vmm_rc=%d", WEXITSTATUS(status));
	else
		printf(" vmm_rc=sig%d", WTERMSIG(status));
	for (i = 1; i < NR_KVM_COUNTERS; i++)
		put_field(kvm_counters[i].key, s->ctr[i]);
	printf("\n");
	fflush(stdout);
}

/* run - one measured launch; returns the process exit status. */
static int run(const struct opts *o)
{
	struct child c = {.pid = -1, .out_fd = -1, .console_fd = -1};
	struct errbuf e = {""};
	struct sample s;
	int ret, status;

	if (o->console_path) {
		c.console_fd =
		    open(o->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c.console_fd < 0) {
			fprintf(stderr, "vmmstat: cannot create %s: %s\n", o->console_path,
				strerror(errno));
			return 2;
		}
	}
	ret = start_child(o, &c, &e);
	if (ret) {
		fprintf(stderr, "vmmstat: %s\n", e.msg);
		ret = 2;
		goto out_console;
	}
	ret = wait_marker(o, &c);
	if (ret) {
		/* No sample: say why, then reap (or kill) the VMM. */
		finish(&c, now_ns() + 2000000000ull);
		printf("BENCH vmm=%s run=%" PRIu64 " status=%s\n", o->name, o->run,
		       ret == -ETIMEDOUT ? "timeout" : "nomarker");
		ret = 1;
		goto out_pipe;
	}
	take_sample(o, &c, &s);
	status = finish(&c, now_ns() + o->finish_timeout_ms * 1000000ull);
	print_result(o, &s, (now_ns() - c.t0_ns) / 1000000, status);
out_pipe:
	close(c.out_fd);
out_console:
	if (c.console_fd >= 0)
		close(c.console_fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct errbuf e = {""};
	struct opts o;

	if (parse_opts(argc, argv, &o, &e)) {
		fprintf(stderr, "vmmstat: %s\n", e.msg);
		usage();
		return 2;
	}
	return run(&o);
}
