/*
 * main.c - ember-jailer's entry point: the sequence, and the only place that
 * picks an exit status. See jailer.h for the steps and jailer/README.md for
 * how to use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jailer.h"

/*
 * setup - everything from the first thing created to the exec. Returns < 0
 * on failure, > 0 when this process is done (a parent left behind by a
 * fork) with *status, and does not return on success (ember runs).
 */
static int setup(struct jail *j, int *status, struct errbuf *e)
{
	char why[sizeof(e->msg)];
	int ret;

	ret = jail_fs_create(j, e);
	if (!ret)
		ret = jail_join_netns(j, e);
	if (!ret)
		ret = jail_set_rlimits(&j->opts, e);
	if (!ret)
		ret = jail_cg_setup(j, e);
	if (ret)
		return ret;
	/* Opened now: /dev/null does not exist in the jail. */
	if (j->opts.daemonize) {
		j->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (j->devnull_fd < 0)
			return errf(e, -errno, "/dev/null: %s", strerror(errno));
	}
	ret = jail_enter(j, e);
	if (!ret)
		ret = jail_fs_devices(j, e);
	if (!ret)
		ret = jail_daemonize(j, status, e);
	if (!ret)
		ret = jail_pid_ns(j, status, e);
	if (ret)
		return ret;
	ret = jail_drop_privileges(j->opts.uid, j->opts.gid, e);
	if (ret)
		return ret;
	if (!j->may_undo)
		return jail_exec(j, e);
	/* Root-owned jail files can no longer be removed from here on. */
	j->may_undo = false;
	ret = jail_exec(j, e);
	snprintf(why, sizeof(why), "%s", e->msg);
	return errf(e, ret, "%s (the jail %s is left behind)", why, j->fs.jail_dir);
}

/* fail - undo what this process may undo, and say why it failed. */
static void fail(struct jail *j, const struct errbuf *e)
{
	ssize_t n;

	if (j->may_undo) {
		jail_cg_undo(j);
		jail_fs_undo(j);
	}
	if (j->report_fd >= 0) {
		n = write(j->report_fd, e->msg, strlen(e->msg));
		(void)n;
		return;
	}
	fprintf(stderr, "ember-jailer: %s\n", e->msg);
}

int main(int argc, char *argv[])
{
	struct errbuf e = {""};
	struct jail j;
	int ret, status = JAIL_EXIT_SETUP;

	jail_init(&j);
	j.times.start_us = jail_clock_us(CLOCK_MONOTONIC);
	j.times.start_cpu_us = jail_clock_us(CLOCK_PROCESS_CPUTIME_ID);
	if (jail_sanitize(&e)) {
		fprintf(stderr, "ember-jailer: %s\n", e.msg);
		return JAIL_EXIT_SETUP;
	}
	if (jail_args_parse(argc, argv, &j.opts, &e)) {
		fprintf(stderr, "ember-jailer: %s\nTry 'ember-jailer --help'.\n", e.msg);
		return JAIL_EXIT_ARGS;
	}
	if (j.opts.action == JAIL_HELP) {
		fputs(jail_usage(), stdout);
		return JAIL_EXIT_OK;
	}
	if (j.opts.action == JAIL_VERSION) {
		printf("ember-jailer v%s\n", EMBER_VERSION);
		return JAIL_EXIT_OK;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ember-jailer: must run as root (it creates device nodes, "
				"namespaces and cgroups, then drops to --uid/--gid)\n");
		return JAIL_EXIT_ARGS;
	}
	if (!j.opts.uid || !j.opts.gid)
		fprintf(stderr,
			"ember-jailer: warning: --uid %u --gid %u: ember keeps root's %s in the "
			"jail (no capabilities, but file access as root: a weaker setting, see "
			"SECURITY.md)\n",
			(unsigned int)j.opts.uid, (unsigned int)j.opts.gid,
			!j.opts.uid && !j.opts.gid ? "user and group"
			: !j.opts.uid		   ? "user"
						   : "group");
	if (jail_check_all(&j, &e)) {
		fprintf(stderr, "ember-jailer: %s\n", e.msg);
		jail_close(&j);
		return JAIL_EXIT_ARGS;
	}
	j.may_undo = true;
	ret = setup(&j, &status, &e);
	if (ret > 0) {
		jail_close(&j);
		return status;
	}
	fail(&j, &e);
	jail_close(&j);
	return JAIL_EXIT_SETUP;
}
