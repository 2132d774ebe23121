/*
 * apisoak.c - the API under abuse, against a running ember (no guest needed).
 *
 *   test-apisoak SOCKET EMBER_PID SECONDS
 *
 * For SECONDS, child processes abuse the socket at once: clients that
 * pipeline requests and never read, slow-loris clients sending a byte at a
 * time, clients closing mid-request (head, body, or waiting for the reply),
 * a client pipelining thousands of requests and reading them, clients
 * declaring huge or over-limit Content-Lengths, and bursts of many
 * connections. Meanwhile a well-behaved client opens a connection every
 * 50 ms and asks GET /machine-config: every answer must be a 200 within a
 * second. Then, with stalled and half-sent connections still open, the API
 * thread (the task named fc_api) must stay nearly idle, its CPU share
 * over the whole run must be bounded, ember must be alive and its RSS
 * bounded. Prints one summary line; exit status 0 when every check held.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NFDS	      8
#define GOOD_EVERY_MS 50
#define GOOD_LIMIT_MS 1000
#define IDLE_CPU_MAX  5	   /* % of one CPU while only stalled connections remain */
#define RUN_CPU_MAX   60   /* % of one CPU over the abuse, averaged */
#define RSS_GROWTH_KB 8192 /* RSS growth allowed over the run */

static const char get_req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
static struct sockaddr_un sa = {.sun_family = AF_UNIX};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* dial - a non-blocking connection, or -1 (backlog full, ...). */
static int dial(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* put - send what the socket takes now; false once the connection is gone. */
static bool put(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	return n >= 0 || errno == EAGAIN || errno == EINTR;
}

/* gone - the server closed @fd (EOF, reset or hang-up); reads what came. */
static bool gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, 0) != 1)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static void refresh(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = dial();
}

/* Clients that pipeline GETs and never read a response. */
static void never_read(uint64_t end)
{
	char burst[64 * (sizeof(get_req) - 1)];
	int fd[NFDS], i;

	for (i = 0; i < 64; i++)
		memcpy(burst + i * (sizeof(get_req) - 1), get_req, sizeof(get_req) - 1);
	for (i = 0; i < NFDS; i++)
		fd[i] = dial();
	while (now_ms() < end) {
		for (i = 0; i < NFDS; i++) {
			struct pollfd p = {.fd = fd[i], .events = POLLOUT};

			if (fd[i] < 0 ||
			    (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) ||
			    !put(fd[i], burst, sizeof(burst)))
				refresh(&fd[i]);
		}
		sleep_ms(50);
	}
}

/* Slow-loris clients: one byte of a long request per 100 ms each. */
static void slow_loris(uint64_t end)
{
	static const char req[] =
	    "PUT /machine-config HTTP/1.1\r\nHost: localhost\r\n"
	    "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	    "Content-Length: 38\r\n\r\n{\"vcpu_count\": 1, \"mem_size_mib\": 128}";
	size_t at[NFDS] = {0};
	int fd[NFDS], i;

	for (i = 0; i < NFDS; i++)
		fd[i] = dial();
	while (now_ms() < end) {
		for (i = 0; i < NFDS; i++) {
			if (fd[i] < 0 || gone(fd[i]) || !put(fd[i], req + at[i], 1)) {
				refresh(&fd[i]);
				at[i] = 0;
				continue;
			}
			at[i] = (at[i] + 1) % (sizeof(req) - 1);
		}
		sleep_ms(100);
	}
}

/* Clients that leave mid-request: in the head, in the body, or with a
 * whole request sent and its reply not read. */
static void close_mid(uint64_t end)
{
	static const char *const reqs[] = {
	    "GET /machine-con",
	    "PUT /machine-config HTTP/1.1\r\nContent-Length: 38\r\n\r\n{\"vcpu_",
	    "GET /vm/config HTTP/1.1\r\n\r\n",
	    "PATCH /machine-config HTTP/1.1\r\nContent-Length: 17\r\n\r\n{\"vcpu_count\": 1}",
	};
	unsigned int k = 0;
	int fd;

	while (now_ms() < end) {
		fd = dial();
		if (fd >= 0) {
			put(fd, reqs[k % 4], strlen(reqs[k % 4]));
			if (k % 3 == 0)
				shutdown(fd, SHUT_WR);
			close(fd);
		}
		k++;
		sleep_ms(3);
	}
}

/* One client pipelining 2000 requests at a time and reading every answer. */
static void pipeline_read(uint64_t end)
{
	static char batch[2000 * (sizeof(get_req) - 1)];
	char buf[65536];
	size_t off, got;
	ssize_t n;
	int fd, i;

	for (i = 0; i < 2000; i++)
		memcpy(batch + i * (sizeof(get_req) - 1), get_req, sizeof(get_req) - 1);
	while (now_ms() < end) {
		fd = dial();
		if (fd < 0) {
			sleep_ms(10);
			continue;
		}
		off = got = 0;
		while (now_ms() < end) {
			struct pollfd p = {.fd = fd,
					   .events = POLLIN | (off < sizeof(batch) ? POLLOUT : 0)};

			if (poll(&p, 1, 1000) != 1)
				break;
			if ((p.revents & POLLOUT) && off < sizeof(batch)) {
				n = send(fd, batch + off, sizeof(batch) - off, MSG_NOSIGNAL);
				if (n > 0)
					off += (size_t)n;
			}
			if (p.revents & (POLLIN | POLLHUP)) {
				n = recv(fd, buf, sizeof(buf), 0);
				if (n <= 0)
					break;
				for (i = 0; i + 12 <= n; i++)
					got += !memcmp(buf + i, "HTTP/1.1 200", 12);
			}
			if (off == sizeof(batch) && got >= 1990)
				break;
		}
		close(fd);
		sleep_ms(200);
	}
}

/* Clients declaring huge lengths, or bodies just over the limit. */
static void huge_lengths(uint64_t end)
{
	static const char *const heads[] = {
	    "PUT /mmds HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
	    "PUT /mmds HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
	    "PUT /machine-config HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n",
	    "PUT /machine-config HTTP/1.1\r\nContent-Length: 51201\r\n\r\n",
	    "PUT /machine-config HTTP/1.1\r\nContent-Length: 51200\r\nExpect: 100-continue\r\n\r\n",
	};
	static char junk[60000];
	unsigned int k = 0;
	uint64_t until;
	int fd;

	memset(junk, 'z', sizeof(junk));
	while (now_ms() < end) {
		fd = dial();
		if (fd >= 0) {
			put(fd, heads[k % 5], strlen(heads[k % 5]));
			put(fd, junk, sizeof(junk));
			until = now_ms() + 300;
			while (now_ms() < until && !gone(fd))
				sleep_ms(5);
			close(fd);
		}
		k++;
		sleep_ms(10);
	}
}

/* Bursts of 64 connections at once, closed again. */
static void bursts(uint64_t end)
{
	int fd[64], i;

	while (now_ms() < end) {
		for (i = 0; i < 64; i++)
			fd[i] = dial();
		sleep_ms(100);
		for (i = 0; i < 64; i++)
			if (fd[i] >= 0)
				close(fd[i]);
		sleep_ms(400);
	}
}

/* good_request - the well-behaved client: a fresh connection, one GET;
 * returns the status (-1: no answer) and the latency in *@ms. */
static int good_request(uint64_t *ms)
{
	static const char req[] = "GET /machine-config HTTP/1.1\r\nHost: localhost\r\n\r\n";
	uint64_t t0 = now_ms(), deadline = t0 + 5000;
	char buf[4096], *end, *cl;
	size_t len = 0, need = SIZE_MAX;
	struct timeval tv = {.tv_sec = 1};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
	struct pollfd p;
	ssize_t n;

	/* A blocking connect: with the backlog full it waits for room (at most
	 * a second), as a real client does. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	p = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, 5000) != 1 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != sizeof(req) - 1)
		goto out;
	p.events = POLLIN;
	while (len < need && len < sizeof(buf) - 1 && now_ms() < deadline) {
		if (poll(&p, 1, (int)(deadline - now_ms())) != 1)
			break;
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0) {
			fprintf(stderr,
				"apisoak: the server closed a well-behaved client (%s) after %zu "
				"bytes\n",
				n ? strerror(errno) : "EOF", len);
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && need == SIZE_MAX) {
			cl = strcasestr(buf, "\r\nContent-Length: ");
			need = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 18, NULL, 10) : 0);
		}
	}
	if (len >= need && sscanf(buf, "HTTP/1.1 %d ", &status) != 1)
		status = -1;
out:
	if (fd >= 0)
		close(fd);
	*ms = now_ms() - t0;
	return status;
}

/* api_cpu_ticks - utime + stime of ember's thread named fc_api. */
static long api_cpu_ticks(pid_t pid)
{
	char path[128], buf[1024], *p;
	unsigned long ut, st;
	struct dirent *d;
	long ticks = -1;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while (ticks < 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", (int)pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "(fc_api)")) {
			/* Fields after "(comm) ": state is 3rd, utime 14th, stime 15th. */
			p = strrchr(buf, ')');
			if (p &&
			    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				   &ut, &st) == 2)
				ticks = (long)(ut + st);
		}
		fclose(f);
	}
	closedir(dir);
	return ticks;
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static bool alive(pid_t pid)
{
	char path[64], buf[512], *p;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		ok = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return ok;
}

/* stalled_leftovers - never-reading and half-sent connections that stay
 * open while the idle CPU is measured. */
static void stalled_leftovers(int *fd, int n)
{
	char burst[256 * (sizeof(get_req) - 1)];
	int i, k;

	for (i = 0; i < 256; i++)
		memcpy(burst + i * (sizeof(get_req) - 1), get_req, sizeof(get_req) - 1);
	for (i = 0; i < n; i++) {
		fd[i] = dial();
		if (fd[i] < 0)
			continue;
		if (i % 2)
			put(fd[i], "PUT /machine-config HTTP/1.1\r\nContent-Len", 42);
		else
			for (k = 0; k < 16; k++)
				put(fd[i], burst, sizeof(burst));
	}
}

int main(int argc, char **argv)
{
	static void (*const abusers[])(uint64_t) = {never_read,	   slow_loris,	 close_mid,
						    pipeline_read, huge_lengths, bursts};
	enum { NAB = sizeof(abusers) / sizeof(abusers[0]) };
	uint64_t t_start, end, ms, worst = 0, next;
	long hz = sysconf(_SC_CLK_TCK), cpu0, cpu1, cpu2, rss0, rss1;
	int i, st, bad = 0, good = 0, leftovers[12];
	pid_t ember, kids[NAB];
	unsigned int secs;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: test-apisoak SOCKET EMBER_PID SECONDS\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	ember = (pid_t)atoi(argv[2]);
	secs = (unsigned int)atoi(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	if (good_request(&ms) != 200) {
		fprintf(stderr, "apisoak: ember does not answer before the abuse\n");
		return 1;
	}
	rss0 = rss_kb(ember);
	cpu0 = api_cpu_ticks(ember);
	if (rss0 < 0 || cpu0 < 0) {
		fprintf(stderr, "apisoak: cannot read ember's /proc entries (pid %d)\n",
			(int)ember);
		return 1;
	}
	t_start = now_ms();
	end = t_start + secs * 1000ULL;
	for (i = 0; i < NAB; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			abusers[i](end);
			_exit(0);
		}
	}
	sleep_ms(300); /* let the abuse build up */
	for (next = now_ms(); now_ms() < end; next += GOOD_EVERY_MS) {
		st = good_request(&ms);
		good++;
		worst = ms > worst ? ms : worst;
		if (st != 200 || ms >= GOOD_LIMIT_MS) {
			bad++;
			fprintf(stderr, "apisoak: at %llu ms: status %d after %llu ms\n",
				(unsigned long long)(now_ms() - t_start), st,
				(unsigned long long)ms);
		}
		if (next > now_ms())
			sleep_ms((unsigned int)(next - now_ms()));
	}
	for (i = 0; i < NAB; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	cpu1 = api_cpu_ticks(ember);
	/* Idle phase: only stalled and half-sent connections are left. */
	stalled_leftovers(leftovers, 12);
	sleep_ms(500);
	cpu2 = api_cpu_ticks(ember);
	sleep_ms(2000);
	cpu2 = api_cpu_ticks(ember) - cpu2;
	st = good_request(&ms);
	for (i = 0; i < 12; i++)
		if (leftovers[i] >= 0)
			close(leftovers[i]);
	rss1 = rss_kb(ember);
	printf("apisoak: %d good requests, %d late or failed, worst %llu ms; fc_api CPU %ld%% "
	       "under abuse, %ld%% idle with stalled clients; RSS %ld -> %ld kB\n",
	       good, bad, (unsigned long long)worst,
	       (cpu1 - cpu0) * 100000 / hz / (long)(secs * 1000), cpu2 * 100000 / hz / 2000, rss0,
	       rss1);
	if (!alive(ember) || st != 200) {
		fprintf(stderr, "apisoak: ember is gone or does not answer after the abuse\n");
		return 1;
	}
	if (bad) {
		fprintf(stderr, "apisoak: %d of %d well-behaved requests were late or failed\n",
			bad, good);
		return 1;
	}
	if ((cpu1 - cpu0) * 100000 / hz / (long)(secs * 1000) > RUN_CPU_MAX ||
	    cpu2 * 100000 / hz / 2000 > IDLE_CPU_MAX) {
		fprintf(stderr, "apisoak: the API thread's CPU is too high\n");
		return 1;
	}
	if (rss1 < 0 || rss1 - rss0 > RSS_GROWTH_KB) {
		fprintf(stderr, "apisoak: ember's RSS grew from %ld to %ld kB\n", rss0, rss1);
		return 1;
	}
	return 0;
}
