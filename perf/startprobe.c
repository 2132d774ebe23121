/*
 * startprobe.c - how fast does a program start serving a Unix socket?
 *
 *   startprobe [-n RUNS] [-q] -s SOCKET -- PROGRAM [ARGS...]
 *
 * For each run: remove SOCKET, fork and exec PROGRAM (stdin /dev/null,
 * stdout and stderr /dev/null), wait for SOCKET to appear (inotify: the
 * program's bind()), then connect() to it in a tight loop (refused until the
 * program's listen()). The moment a connect succeeds the program is stopped
 * (SIGSTOP, so what it does afterwards on another CPU does not count) and
 * sampled:
 *   wall_us   CLOCK_MONOTONIC from just before fork() to the connect
 *   cpu_us    CPU time of all its threads so far, from
 *             /proc/PID/task/TID/schedstat (ns resolution; the exec counts)
 *   priv_kib  Private_Clean + Private_Dirty + Private_Hugetlb (smaps_rollup)
 *   rss_kib   Rss (smaps_rollup)
 * With -q, "GET / HTTP/1.1" is then sent on the connection and the reply
 * awaited (an ember API), and the same numbers are taken again (idle_*):
 * the cost of the whole start-up once the server has answered.
 * The program is then killed (SIGKILL). One line per run on stdout:
 *   run=N wall_us=.. cpu_us=.. priv_kib=.. rss_kib=.. [ready_us=.. idle_cpu_us=.. idle_priv_kib=..]
 * Exit status 1 if a run failed (program died, socket never answered in 5 s).
 *
 * Static, no dependencies: it runs in the nested test host as well.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	uint64_t cpu_us;
	uint64_t priv_kib, rss_kib;
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

static void mem_kib(pid_t pid, struct sample *s)
{
	char path[64], line[256];
	unsigned long long v;
	FILE *f;

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

static void sample(pid_t pid, struct sample *s)
{
	s->cpu_us = task_cpu_ns(pid) / 1000;
	mem_kib(pid, s);
}

static pid_t launch(char **argv)
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
	execv(argv[0], argv);
	_exit(127);
}

/* freeze - stop the program now, so that what it does after the sampled
 * moment does not count (it keeps running on another CPU otherwise). */
static void freeze(pid_t pid)
{
	int status;

	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
}

/* get_root - one GET / on @fd, until the end of the reply head (and body). */
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
		/* ember's GET / answer is a small JSON object. */
		if (strstr(buf, "\r\n\r\n") && buf[len - 1] == '}')
			return 0;
	}
	return -1;
}

/* wait_created - block until @name appears in the directory @ino watches. */
static int wait_created(int ino, const char *name, uint64_t deadline)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = {.fd = ino, .events = POLLIN};
	ssize_t n, off;

	while (mono_us() < deadline) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(ino, buf, sizeof(buf));
		for (off = 0; n > 0 && off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if (ev->len && !strcmp(ev->name, name))
				return 0;
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
	return -1;
}

static int one_run(int run, const char *sock, char **argv, int query)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sample s, idle;
	uint64_t t0, t1, t2 = 0, deadline;
	pid_t pid;
	int fd, ok = 0, status;

	char dir[sizeof(sa.sun_path)], base[sizeof(sa.sun_path)];
	int ino;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	snprintf(dir, sizeof(dir), "%s", sock);
	snprintf(base, sizeof(base), "%s", sock);
	unlink(sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ino = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || ino < 0 || inotify_add_watch(ino, dirname(dir), IN_CREATE) < 0)
		return -1;
	t0 = mono_us();
	pid = launch(argv);
	if (pid < 0)
		return -1;
	deadline = t0 + 5000000;
	wait_created(ino, basename(base), deadline);
	close(ino);
	while (mono_us() < deadline) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			ok = 1;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "startprobe: run %d: the program exited\n", run);
			close(fd);
			return -1;
		}
	}
	t1 = mono_us();
	if (ok) {
		freeze(pid);
		sample(pid, &s);
	}
	if (ok && query) {
		kill(pid, SIGCONT);
		ok = get_root(fd) == 0;
		t2 = mono_us();
		if (ok) {
			freeze(pid);
			sample(pid, &idle);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(fd);
	unlink(sock);
	if (!ok) {
		fprintf(stderr, "startprobe: run %d: no %s within 5 s\n", run,
			query ? "answer" : "connection");
		return -1;
	}
	printf("run=%d wall_us=%llu cpu_us=%llu priv_kib=%llu rss_kib=%llu", run,
	       (unsigned long long)(t1 - t0), (unsigned long long)s.cpu_us,
	       (unsigned long long)s.priv_kib, (unsigned long long)s.rss_kib);
	if (query)
		printf(" ready_us=%llu idle_cpu_us=%llu idle_priv_kib=%llu",
		       (unsigned long long)(t2 - t0), (unsigned long long)idle.cpu_us,
		       (unsigned long long)idle.priv_kib);
	printf("\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sock = NULL;
	int runs = 20, query = 0, i, failed = 0;

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
		fprintf(stderr, "usage: startprobe [-n RUNS] [-q] -s SOCKET -- PROGRAM [ARGS...]\n");
		return 2;
	}
	for (int r = 1; r <= runs; r++)
		failed |= one_run(r, sock, argv + i + 1, query) != 0;
	return failed;
}
