/*
 * ptyrun.c - run a command on a pseudo-terminal, as an interactive user
 * would run ember (busybox in the test host has no script(1)).
 *
 *   test-ptyrun OUTFILE MARKER INPUT -- COMMAND [ARGS...]
 *
 * COMMAND gets the pty's slave as its controlling terminal, stdin and
 * stdout (stderr stays ours). Everything it writes is copied to OUTFILE;
 * once MARKER has appeared there, INPUT and a carriage return are typed in.
 * Exit status: the command's, or 128 + the signal that killed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t start(int master, char **argv)
{
	pid_t pid = fork();
	int slave;

	if (pid != 0)
		return pid;
	setsid();
	slave = open(ptsname(master), O_RDWR);
	if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		_exit(126);
	dup2(slave, 0);
	dup2(slave, 1);
	close(slave);
	close(master);
	execvp(argv[0], argv);
	_exit(127);
}

/* pump - copy the pty's output to @out, type @input once @marker showed. */
static void pump(int master, FILE *out, const char *marker, const char *input)
{
	size_t mlen = strlen(marker), kept = 0, total;
	char buf[4096], tail[4096 + 256];
	int typed = 0;
	ssize_t n;

	for (;;) {
		n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* EIO: the last slave fd closed */
		fwrite(buf, 1, (size_t)n, out);
		fflush(out);
		if (typed || mlen > 256)
			continue;
		/* The last mlen bytes of before, then this read: a marker
		 * split across two reads is still found. */
		memcpy(tail + kept, buf, (size_t)n);
		total = kept + (size_t)n;
		if (memmem(tail, total, marker, mlen)) {
			if (write(master, input, strlen(input)) < 0 || write(master, "\r", 1) < 0)
				return;
			typed = 1;
		}
		kept = total < mlen ? total : mlen;
		memmove(tail, tail + total - kept, kept);
	}
}

int main(int argc, char **argv)
{
	int master, status;
	FILE *out;
	pid_t pid;

	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: test-ptyrun OUTFILE MARKER INPUT -- COMMAND [ARGS...]\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (!out || master < 0 || grantpt(master) || unlockpt(master)) {
		perror("test-ptyrun");
		return 2;
	}
	pid = start(master, argv + 5);
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	pump(master, out, argv[2], argv[3]);
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
