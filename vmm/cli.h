/*
 * cli.h - ember's command line, with Firecracker's flag names.
 *
 *   --api-sock PATH          (default /run/firecracker.socket, as Firecracker's)
 *   --config-file PATH       boot at once from a Firecracker config file
 *   --no-api                 no API server (needs --config-file)
 *   --boot-timer             attach the boot-timer device
 *   --id ID                  1..64 chars of [A-Za-z0-9-] (default anonymous-instance)
 *   --log-path PATH, --level LEVEL, --show-level, --show-log-origin
 *   --metrics-path PATH
 *   --http-api-max-payload-size BYTES   (default 51200)
 *   --serial-out PATH        guest serial output to a file instead of stdout (ember extension)
 *   --no-seccomp
 *   --seccomp-filter FILE    a Firecracker-format BPF file instead of ember's filters
 *   --start-time-us US, --start-time-cpu-us US, --parent-cpu-time-us US
 *                            what Firecracker's jailer passes: the launcher's
 *                            CLOCK_MONOTONIC and CPU time at its start, and the
 *                            CPU time its forked-away parents used; they give
 *                            the api_server.process_startup_time_* metrics
 *   --metadata FILE          JSON object preloaded into the metadata store (MMDS)
 *   --mmds-size-limit BYTES  the MMDS data limit (default: the API payload limit)
 *   --help, --version
 * Both "--flag value" and "--flag=value" are accepted.
 */
#ifndef EMBER_CLI_H
#define EMBER_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "log.h"

#define CLI_DEFAULT_API_SOCK	"/run/firecracker.socket"
#define CLI_DEFAULT_ID		"anonymous-instance"
#define CLI_DEFAULT_MAX_PAYLOAD 51200

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_SNAPSHOT_VERSION, CLI_DESCRIBE_SNAPSHOT };

/* An optional number: set is false when the flag was not given. */
struct cli_u64 {
	bool set;
	uint64_t v;
};

struct cli_opts {
	enum cli_action action;
	const char *api_sock;	 /* points into argv or a default string */
	const char *config_file; /* NULL if none */
	bool no_api;
	bool boot_timer;
	const char *id;
	const char *log_path;
	bool level_set;
	enum log_level level;
	bool show_level;
	bool show_log_origin;
	const char *metrics_path;
	uint64_t max_payload;
	const char *serial_out;
	bool no_seccomp;
	const char *seccomp_filter;	   /* NULL: ember's own filters */
	struct cli_u64 start_time_us;	   /* CLOCK_MONOTONIC, microseconds */
	struct cli_u64 start_time_cpu_us;  /* CLOCK_PROCESS_CPUTIME_ID, microseconds */
	struct cli_u64 parent_cpu_time_us; /* CPU time of the launcher's parents */
	const char *metadata;		   /* --metadata: NULL if none */
	uint64_t mmds_size_limit;	   /* 0: max_payload */
	const char *describe_snapshot;	   /* --describe-snapshot FILE */
};

/*
 * cli_parse - parse argv into @o. Unknown flags, missing values, bad
 * numbers, an invalid --id, --no-api without --config-file, or --no-seccomp
 * with --seccomp-filter give -EINVAL with a message. Does not print anything.
 */
int cli_parse(int argc, char *const argv[], struct cli_opts *o, struct errbuf *e);

/* cli_usage - the --help text. */
const char *cli_usage(void);

#endif
