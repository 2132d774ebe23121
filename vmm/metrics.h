/*
 * metrics.h - Firecracker-style metrics: one JSON object per line.
 *
 * Each flush appends a line such as
 *   {"utc_timestamp_ms":1700000000000,"api_server":{...},"get_api_requests":
 *    {"instance_info_count":1,...},"put_api_requests":{...},"vcpu":{...},...}
 * to the metrics file (a regular file or a named pipe, set by
 * --metrics-path, the config file or PUT /metrics). As in Firecracker,
 * counters report what happened since the previous line, gauges their
 * current value. Lines are flushed on the FlushMetrics action, every 60 s,
 * and when ember exits.
 *
 * The metrics live in struct metrics and are only touched from the VMM
 * (event-loop) thread; counters kept elsewhere (vCPU exits, device I/O) are
 * gathered into it by metrics_gather() just before a line is written. To
 * add a metric: a MET_ entry below, a row in metrics.c's table (same
 * order), and a line in metrics_gather() if the value lives elsewhere.
 */
#ifndef EMBER_METRICS_H
#define EMBER_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#define METRICS_PERIOD_S 60

struct vm;

enum metric_id {
	/* api_server (gauges) */
	MET_PROCESS_STARTUP_US,
	MET_PROCESS_STARTUP_CPU_US,
	/* get_api_requests */
	MET_GET_INSTANCE_INFO,
	MET_GET_VERSION,
	MET_GET_MACHINE,
	MET_GET_VM_CONFIG,
	MET_GET_BALLOON, /* GET /balloon, /balloon/statistics, /balloon/hinting/status */
	MET_GET_MMDS,
	/* put_api_requests */
	MET_PUT_ACTIONS,
	MET_PUT_ACTIONS_FAILS,
	MET_PUT_BALLOON,
	MET_PUT_BALLOON_FAILS,
	MET_PUT_BOOT_SOURCE,
	MET_PUT_BOOT_SOURCE_FAILS,
	MET_PUT_DRIVE,
	MET_PUT_DRIVE_FAILS,
	MET_PUT_LOGGER,
	MET_PUT_LOGGER_FAILS,
	MET_PUT_MACHINE,
	MET_PUT_MACHINE_FAILS,
	MET_PUT_METRICS,
	MET_PUT_METRICS_FAILS,
	MET_PUT_NET,
	MET_PUT_NET_FAILS,
	MET_PUT_VM,
	MET_PUT_VM_FAILS,
	/* put_api_requests: PUT /entropy */
	MET_PUT_ENTROPY,
	MET_PUT_ENTROPY_FAILS,
	MET_PUT_MMDS, /* PUT /mmds and PUT /mmds/config, as Firecracker */
	MET_PUT_MMDS_FAILS,
	/* put_api_requests: PUT /vsock */
	MET_PUT_VSOCK,
	MET_PUT_VSOCK_FAILS,
	MET_PUT_CPU_CONFIG, /* PUT /cpu-config */
	MET_PUT_CPU_CONFIG_FAILS,
	/* patch_api_requests */
	MET_PATCH_DRIVE,
	MET_PATCH_DRIVE_FAILS,
	MET_PATCH_MACHINE,
	MET_PATCH_MACHINE_FAILS,
	MET_PATCH_NET,
	MET_PATCH_NET_FAILS,
	MET_PATCH_VM,
	MET_PATCH_VM_FAILS,
	MET_PATCH_BALLOON, /* PATCH /balloon, /balloon/statistics, /balloon/hinting/... */
	MET_PATCH_BALLOON_FAILS,
	MET_PATCH_MMDS,
	MET_PATCH_MMDS_FAILS,
	/* vcpu (counters gathered from every vCPU's stats) */
	MET_VCPU_EXIT_IO_IN,
	MET_VCPU_EXIT_IO_OUT,
	MET_VCPU_EXIT_MMIO_READ,
	MET_VCPU_EXIT_MMIO_WRITE,
	MET_VCPU_EXIT_OTHER,
	MET_VCPU_FAILURES,
	/* vmm */
	MET_BOOT_TIME_US,     /* gauge: InstanceStart -> boot-timer write */
	MET_BOOT_CPU_TIME_US, /* gauge */
	MET_UNCLAIMED_PIO,    /* counter: port accesses no device claimed */
	MET_UNCLAIMED_MMIO,
	/* logger (counters): lines dropped because the log or metrics file
	 * (a FIFO nobody reads, say) could not take them whole */
	MET_LOGGER_MISSED_METRICS,
	MET_LOGGER_MISSED_LOG,
	/* latencies_us (gauges: the last one) */
	MET_PAUSE_VM_US,
	MET_RESUME_VM_US,
	MET_BLOCK_RL_THROTTLED,
	MET_NET_RX_RL_THROTTLED,
	MET_NET_TX_RL_THROTTLED,
	/* balloon (counters gathered from the device) */
	MET_BALLOON_ACTIVATE_FAILS,
	MET_BALLOON_INFLATE_COUNT,
	MET_BALLOON_STATS_UPDATES,
	MET_BALLOON_STATS_UPDATE_FAILS,
	MET_BALLOON_DEFLATE_COUNT,
	MET_BALLOON_EVENT_FAILS,
	MET_BALLOON_REPORT_COUNT,
	MET_BALLOON_REPORT_FREED,
	MET_BALLOON_REPORT_FAILS,
	MET_BALLOON_HINT_COUNT,
	MET_BALLOON_HINT_FREED,
	MET_BALLOON_HINT_FAILS,
	/* entropy (counters gathered from the device) */
	MET_ENTROPY_EVENT_FAILS,
	MET_ENTROPY_EVENT_COUNT,
	MET_ENTROPY_BYTES,
	MET_ENTROPY_HOST_RNG_FAILS,
	MET_ENTROPY_THROTTLED,
	MET_ENTROPY_RL_EVENTS,
	/* mmds (counters kept in the store, in enum mmds_counter's order) */
	MET_MMDS_FIRST,
	MET_MMDS_LAST = MET_MMDS_FIRST + 12,
	/* vsock (counters gathered from the device; rx is toward the guest) */
	MET_VSOCK_RX_BYTES,
	MET_VSOCK_TX_BYTES,
	MET_VSOCK_RX_PACKETS,
	MET_VSOCK_TX_PACKETS,
	MET_VSOCK_CONNS_ADDED,
	MET_VSOCK_CONNS_KILLED,
	MET_VSOCK_CONNS_REMOVED,
	MET_VSOCK_RX_READ_FAILS,
	MET_VSOCK_TX_WRITE_FAILS,
	MET_VSOCK_MUXER_EVENT_FAILS,
	MET_SNAPSHOT_CREATE, /* "snapshot": one group (a group's metrics are contiguous) */
	MET_SNAPSHOT_CREATE_FAILS,
	MET_SNAPSHOT_LOAD,
	MET_SNAPSHOT_LOAD_FAILS,
	MET_FULL_CREATE_SNAPSHOT_US, /* gauges: the last one's duration */
	MET_DIFF_CREATE_SNAPSHOT_US,
	MET_LOAD_SNAPSHOT_US,
	MET_COUNT
};

struct metrics {
	int fd;			     /* -1 until configured */
	uint64_t val[MET_COUNT];     /* counters: running totals; gauges: current value */
	uint64_t flushed[MET_COUNT]; /* counter totals at the previous line */
	uint64_t lines;		     /* lines written */
	uint64_t lost;		     /* lines that could not be written (not even partly) */
};

/* metrics_init - nothing configured, all values 0. */
void metrics_init(struct metrics *m);

/* metrics_open - append lines to @path from now on (created 0600). Opened
 * read+write and non-blocking as Firecracker does, so a FIFO without a
 * reader works: lines that do not fit are dropped and counted
 * (logger.missed_metrics_count). -EALREADY if already open, else -errno. */
int metrics_open(struct metrics *m, const char *path);

/* metrics_inc - add @n to counter @id. */
static inline void metrics_inc(struct metrics *m, enum metric_id id, uint64_t n)
{
	m->val[id] += n;
}

/* metrics_set - set gauge (or counter total) @id. */
static inline void metrics_set(struct metrics *m, enum metric_id id, uint64_t v)
{
	m->val[id] = v;
}

/* metrics_gather - copy the counters kept by vCPUs and devices into @m. */
void metrics_gather(struct metrics *m, struct vm *vm);

/*
 * metrics_format - the JSON line (with its '\n') for the values now, into
 * @buf; counters are given as deltas against the previous line. Returns the
 * length, or -ENOSPC. Does not change @m.
 */
int metrics_format(const struct metrics *m, uint64_t utc_ms, char *buf, size_t cap);

/* metrics_flush - gather (if @vm), format and append a line; 0 when not
 * configured. Returns 0 or -errno; a line that cannot be written whole is
 * counted as lost (logger.missed_metrics_count) and its counter deltas go
 * into the next line that is written. */
int metrics_flush(struct metrics *m, struct vm *vm);

/* metrics_name - "group.name" of @id, for tests and messages. */
const char *metrics_name(enum metric_id id, char *buf, size_t cap);

/* metrics_close - close the file (no final flush). */
void metrics_close(struct metrics *m);

#endif
