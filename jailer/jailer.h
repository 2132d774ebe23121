/*
 * jailer.h - ember-jailer: start ember confined, with Firecracker's jailer
 * arguments where they apply (see jailer/README.md for the full story).
 *
 *   ember-jailer --id ID --exec-file PATH --uid UID --gid GID
 *                [--chroot-base-dir DIR] [--netns PATH] [--daemonize]
 *                [--new-pid-ns] [--cgroup-version 2] [--cgroup FILE=VALUE]...
 *                [--parent-cgroup PATH] [--resource-limit RES=VALUE]...
 *                [-- EMBER ARGS...]
 *
 * The sequence (main.c): sanitize the process (fds, environment), parse and
 * validate everything, create <base>/<exec-name>/<id>/root and copy the exec
 * file in, join the netns, set rlimits, create and join the cgroup, enter a
 * new mount namespace and pivot_root into the jail, create /dev/kvm and
 * /dev/net/tun, daemonize, optionally start a new PID namespace, drop to
 * uid/gid with no capabilities and no_new_privs, exec /<exec-name> with
 * Firecracker's jailer's --start-time-us/--start-time-cpu-us/
 * --parent-cpu-time-us (struct jail_times) after --id.
 * Anything created before a failure is removed again (struct jail records it).
 */
#ifndef EMBER_JAILER_H
#define EMBER_JAILER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

#define JAIL_DEFAULT_BASE   "/srv/jailer"
#define JAIL_ID_MAX	    64	 /* Firecracker's limit for --id */
#define JAIL_EXEC_NAME_MAX  64	 /* basename of --exec-file */
#define JAIL_BASE_MAX	    1024 /* --chroot-base-dir */
#define JAIL_CG_PARENT_MAX  255	 /* --parent-cgroup */
#define JAIL_CG_KEY_MAX	    63	 /* e.g. "memory.swap.max" */
#define JAIL_CG_VALUE_MAX   255	 /* e.g. "max 100000" */
#define JAIL_MAX_CGROUPS    16	 /* --cgroup flags */
#define JAIL_DEFAULT_NOFILE 2048 /* Firecracker's default for no-file */
#define JAIL_MAX_EMBER_ARGS 128	 /* arguments after "--" */

/* Exit statuses of the jailer itself (once ember runs, its status is ember's). */
#define JAIL_EXIT_OK	0
#define JAIL_EXIT_SETUP 1 /* the jail could not be set up; nothing is left behind */
#define JAIL_EXIT_ARGS	2 /* bad arguments or failed validation; nothing was created */

/* Device numbers (Documentation/admin-guide/devices.txt, misc major 10). */
#define JAIL_KVM_MAJOR 10
#define JAIL_KVM_MINOR 232
#define JAIL_TUN_MAJOR 10
#define JAIL_TUN_MINOR 200

enum jail_action { JAIL_RUN, JAIL_HELP, JAIL_VERSION };

struct jail_cg_setting {
	char key[JAIL_CG_KEY_MAX + 1]; /* a cgroup v2 interface file, e.g. "pids.max" */
	const char *val;	       /* points into argv, after the '=' */
};

struct jail_opts {
	enum jail_action action;
	const char *id;
	const char *exec_file;
	char exec_name[JAIL_EXEC_NAME_MAX + 1]; /* basename of exec_file */
	uid_t uid;
	gid_t gid;
	const char *base_dir;
	const char *netns; /* NULL: stay in the caller's network namespace */
	bool daemonize;
	bool new_pid_ns;
	const char *parent_cgroup; /* NULL: exec_name when --cgroup is given */
	struct jail_cg_setting cg[JAIL_MAX_CGROUPS];
	unsigned int nr_cg;
	bool fsize_set;
	rlim_t fsize;
	rlim_t nofile;
	char *const *ember_argv; /* the arguments after "--", passed to ember */
	int ember_argc;
	uint32_t seen; /* bit per flag: duplicates and required flags */
};

/* The jail directory: fds to each level, and what this run created. */
struct jail_fs {
	char jail_dir[PATH_MAX]; /* <base>/<exec-name>/<id> */
	char root_path[PATH_MAX];
	int exec_fd;	     /* --exec-file, opened once: checked and copied from the same inode */
	int base_fd;	     /* -1 until created when --chroot-base-dir is missing */
	int base_anc_fd;     /* then: its deepest existing ancestor, checked */
	size_t base_anc_len; /* length of that ancestor's path in base_dir */
	int exec_dir_fd;     /* <base>/<exec-name> */
	int id_fd;
	int root_fd;
	bool made_exec_dir, made_id_dir, made_root;
	bool made_bin, made_pid, made_dev, made_dev_net, made_kvm, made_tun, made_run;
};

/*
 * What ember's api_server.process_startup_time_* metrics count from, as
 * Firecracker's jailer passes it: CLOCK_MONOTONIC and this process's CPU
 * time when the jailer started, and the CPU time of the processes forked
 * away from since (each one's own clock at its fork; the child's restarts
 * at 0). ember computes its CPU figure as now - start_cpu + parent_cpu.
 */
struct jail_times {
	uint64_t start_us;
	uint64_t start_cpu_us;
	uint64_t parent_cpu_us;
};

/* The cgroup v2 side: <mount>/<parent>/<id>. */
struct jail_cg {
	bool enabled; /* --cgroup or --parent-cgroup given */
	bool create;  /* --cgroup given: a cgroup of its own under the parent */
	char mount[PATH_MAX];
	char parent[JAIL_CG_PARENT_MAX + 1];
	int mount_fd;
	int parent_fd;
	int self_fd;
	int orig_procs_fd;    /* cgroup.procs of the cgroup we came from, to move back */
	int made_parent_from; /* first parent component this run created, -1 none */
	bool made_self;
	bool joined;
};

struct jail {
	struct jail_opts opts;
	struct jail_fs fs;
	struct jail_cg cg;
	struct jail_times times;
	int netns_fd;
	int devnull_fd; /* --daemonize: opened before the jail hides /dev/null */
	/*
	 * Where this process reports a failure: -1 for stderr, else a pipe to
	 * the process that waits for it (the launching process when
	 * daemonized; the PID namespace's parent for the process that execs
	 * ember). Only a process with may_undo removes what was created.
	 */
	int report_fd;
	bool may_undo;
	bool pdeathsig; /* ember dies with its supervising parent */
};

/* jail_init - every fd -1, nothing made; jail_close - close every fd. */
void jail_init(struct jail *j);
void jail_close(struct jail *j);

/* args.c */
int jail_args_parse(int argc, char *const argv[], struct jail_opts *o, struct errbuf *e);
const char *jail_usage(void);
int jail_id_check(const char *id, struct errbuf *e);
int jail_exec_name(const char *path, char *out, size_t len, struct errbuf *e);

/* elf.c - -EINVAL unless @fd is an x86-64 ELF executable without PT_INTERP. */
int jail_elf_check_static(int fd, const char *name, struct errbuf *e);

/* check.c - everything that can be checked before anything is created. */
int jail_check_base(struct jail *j, struct errbuf *e);
int jail_check_exec_file(struct jail *j, struct errbuf *e);
int jail_check_taken(struct jail *j, struct errbuf *e);
int jail_check_netns(struct jail *j, struct errbuf *e);
int jail_check_all(struct jail *j, struct errbuf *e);

/* fs.c */
int jail_fs_create(struct jail *j, struct errbuf *e);
int jail_fs_devices(struct jail *j, struct errbuf *e);
int jail_fs_pidfile(struct jail *j, pid_t pid, struct errbuf *e);
void jail_fs_undo(struct jail *j);
void jail_fs_close(struct jail_fs *fs);

/* cgroup.c */
int jail_cg_key_check(const char *key, struct errbuf *e);
int jail_cg_parent_check(const char *parent, struct errbuf *e);
int jail_cg_find_mount(const char *mountinfo, char *out, size_t len);
int jail_cg_controller_listed(const char *controllers, const char *key);
int jail_cg_check(struct jail *j, const char *mount, struct errbuf *e);
int jail_cg_setup(struct jail *j, struct errbuf *e);
void jail_cg_leave(struct jail *j);
void jail_cg_undo(struct jail *j);

/* enter.c - new mount namespace, pivot_root into the jail root. */
int jail_enter(struct jail *j, struct errbuf *e);

/* proc.c */
int jail_sanitize(struct errbuf *e);
int jail_join_netns(struct jail *j, struct errbuf *e);
int jail_set_rlimits(const struct jail_opts *o, struct errbuf *e);
int jail_daemonize(struct jail *j, int *exit_status, struct errbuf *e);
int jail_pid_ns(struct jail *j, int *exit_status, struct errbuf *e);
int jail_drop_privileges(uid_t uid, gid_t gid, struct errbuf *e);
uint64_t jail_clock_us(clockid_t clk);
pid_t jail_fork(struct jail *j);

/* priv.c - jail_build_argv: @nums holds the three numbers' text (3 x 24). */
#define JAIL_ARGV_EXTRA 10 /* exec name, --id ID, three flags with values, NULL */
int jail_build_argv(const struct jail_opts *o, const struct jail_times *t, char *path,
		    size_t path_len, char (*nums)[24], char **argv, size_t max, struct errbuf *e);
int jail_exec(struct jail *j, struct errbuf *e);

#endif
