/*
 * metrics.c - see metrics.h.
 *
 * The line is built by hand from a constant table: every name is a literal,
 * every value a number, so nothing needs escaping. Groups appear in table
 * order; rows of one group must be adjacent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices.h"
#include "metrics.h"
#include "virtio_balloon.h"
#include "virtio_rng.h"
#include "mmds_store.h"
#include "vm.h"
#include "vsock_mux.h"

enum metric_kind { COUNTER, GAUGE };

struct metric_def {
	const char *group;
	const char *name;
	enum metric_kind kind;
};

static const struct metric_def defs[MET_COUNT] = {
    [MET_PROCESS_STARTUP_US] = {"api_server", "process_startup_time_us", GAUGE},
    [MET_PROCESS_STARTUP_CPU_US] = {"api_server", "process_startup_time_cpu_us", GAUGE},
    [MET_GET_INSTANCE_INFO] = {"get_api_requests", "instance_info_count", COUNTER},
    [MET_GET_VERSION] = {"get_api_requests", "vmm_version_count", COUNTER},
    [MET_GET_MACHINE] = {"get_api_requests", "machine_cfg_count", COUNTER},
    [MET_GET_VM_CONFIG] = {"get_api_requests", "vm_config_count", COUNTER},
    [MET_GET_BALLOON] = {"get_api_requests", "balloon_count", COUNTER},
    [MET_GET_MMDS] = {"get_api_requests", "mmds_count", COUNTER},
    [MET_PUT_ACTIONS] = {"put_api_requests", "actions_count", COUNTER},
    [MET_PUT_ACTIONS_FAILS] = {"put_api_requests", "actions_fails", COUNTER},
    [MET_PUT_BALLOON] = {"put_api_requests", "balloon_count", COUNTER},
    [MET_PUT_BALLOON_FAILS] = {"put_api_requests", "balloon_fails", COUNTER},
    [MET_PUT_BOOT_SOURCE] = {"put_api_requests", "boot_source_count", COUNTER},
    [MET_PUT_BOOT_SOURCE_FAILS] = {"put_api_requests", "boot_source_fails", COUNTER},
    [MET_PUT_DRIVE] = {"put_api_requests", "drive_count", COUNTER},
    [MET_PUT_DRIVE_FAILS] = {"put_api_requests", "drive_fails", COUNTER},
    [MET_PUT_LOGGER] = {"put_api_requests", "logger_count", COUNTER},
    [MET_PUT_LOGGER_FAILS] = {"put_api_requests", "logger_fails", COUNTER},
    [MET_PUT_MACHINE] = {"put_api_requests", "machine_cfg_count", COUNTER},
    [MET_PUT_MACHINE_FAILS] = {"put_api_requests", "machine_cfg_fails", COUNTER},
    [MET_PUT_METRICS] = {"put_api_requests", "metrics_count", COUNTER},
    [MET_PUT_METRICS_FAILS] = {"put_api_requests", "metrics_fails", COUNTER},
    [MET_PUT_NET] = {"put_api_requests", "network_count", COUNTER},
    [MET_PUT_NET_FAILS] = {"put_api_requests", "network_fails", COUNTER},
    [MET_PUT_VM] = {"put_api_requests", "vm_count", COUNTER},
    [MET_PUT_VM_FAILS] = {"put_api_requests", "vm_fails", COUNTER},
    [MET_PATCH_BALLOON] = {"patch_api_requests", "balloon_count", COUNTER},
    [MET_PATCH_BALLOON_FAILS] = {"patch_api_requests", "balloon_fails", COUNTER},
    [MET_PUT_ENTROPY] = {"put_api_requests", "entropy_count", COUNTER},
    [MET_PUT_ENTROPY_FAILS] = {"put_api_requests", "entropy_fails", COUNTER},
    [MET_PUT_MMDS] = {"put_api_requests", "mmds_count", COUNTER},
    [MET_PUT_MMDS_FAILS] = {"put_api_requests", "mmds_fails", COUNTER},
    [MET_PUT_VSOCK] = {"put_api_requests", "vsock_count", COUNTER},
    [MET_PUT_VSOCK_FAILS] = {"put_api_requests", "vsock_fails", COUNTER},
    [MET_PUT_CPU_CONFIG] = {"put_api_requests", "cpu_cfg_count", COUNTER},
    [MET_PUT_CPU_CONFIG_FAILS] = {"put_api_requests", "cpu_cfg_fails", COUNTER},
    [MET_PATCH_DRIVE] = {"patch_api_requests", "drive_count", COUNTER},
    [MET_PATCH_DRIVE_FAILS] = {"patch_api_requests", "drive_fails", COUNTER},
    [MET_PATCH_MACHINE] = {"patch_api_requests", "machine_cfg_count", COUNTER},
    [MET_PATCH_MACHINE_FAILS] = {"patch_api_requests", "machine_cfg_fails", COUNTER},
    [MET_PATCH_NET] = {"patch_api_requests", "network_count", COUNTER},
    [MET_PATCH_NET_FAILS] = {"patch_api_requests", "network_fails", COUNTER},
    [MET_PATCH_VM] = {"patch_api_requests", "vm_count", COUNTER},
    [MET_PATCH_VM_FAILS] = {"patch_api_requests", "vm_fails", COUNTER},
    [MET_PATCH_MMDS] = {"patch_api_requests", "mmds_count", COUNTER},
    [MET_PATCH_MMDS_FAILS] = {"patch_api_requests", "mmds_fails", COUNTER},
    [MET_VCPU_EXIT_IO_IN] = {"vcpu", "exit_io_in", COUNTER},
    [MET_VCPU_EXIT_IO_OUT] = {"vcpu", "exit_io_out", COUNTER},
    [MET_VCPU_EXIT_MMIO_READ] = {"vcpu", "exit_mmio_read", COUNTER},
    [MET_VCPU_EXIT_MMIO_WRITE] = {"vcpu", "exit_mmio_write", COUNTER},
    [MET_VCPU_EXIT_OTHER] = {"vcpu", "exit_other", COUNTER},
    [MET_VCPU_FAILURES] = {"vcpu", "failures", COUNTER},
    [MET_BOOT_TIME_US] = {"vmm", "boot_time_us", GAUGE},
    [MET_BOOT_CPU_TIME_US] = {"vmm", "boot_cpu_time_us", GAUGE},
    [MET_UNCLAIMED_PIO] = {"vmm", "unclaimed_pio_accesses", COUNTER},
    [MET_UNCLAIMED_MMIO] = {"vmm", "unclaimed_mmio_accesses", COUNTER},
    [MET_LOGGER_MISSED_METRICS] = {"logger", "missed_metrics_count", COUNTER},
    [MET_LOGGER_MISSED_LOG] = {"logger", "missed_log_count", COUNTER},
    [MET_PAUSE_VM_US] = {"latencies_us", "pause_vm", GAUGE},
    [MET_RESUME_VM_US] = {"latencies_us", "resume_vm", GAUGE},
    [MET_BLOCK_RL_THROTTLED] = {"block", "rate_limiter_throttled_events", COUNTER},
    [MET_NET_RX_RL_THROTTLED] = {"net", "rx_rate_limiter_throttled", COUNTER},
    [MET_NET_TX_RL_THROTTLED] = {"net", "tx_rate_limiter_throttled", COUNTER},
    [MET_BALLOON_ACTIVATE_FAILS] = {"balloon", "activate_fails", COUNTER},
    [MET_BALLOON_INFLATE_COUNT] = {"balloon", "inflate_count", COUNTER},
    [MET_BALLOON_STATS_UPDATES] = {"balloon", "stats_updates_count", COUNTER},
    [MET_BALLOON_STATS_UPDATE_FAILS] = {"balloon", "stats_update_fails", COUNTER},
    [MET_BALLOON_DEFLATE_COUNT] = {"balloon", "deflate_count", COUNTER},
    [MET_BALLOON_EVENT_FAILS] = {"balloon", "event_fails", COUNTER},
    [MET_BALLOON_REPORT_COUNT] = {"balloon", "free_page_report_count", COUNTER},
    [MET_BALLOON_REPORT_FREED] = {"balloon", "free_page_report_freed", COUNTER},
    [MET_BALLOON_REPORT_FAILS] = {"balloon", "free_page_report_fails", COUNTER},
    [MET_BALLOON_HINT_COUNT] = {"balloon", "free_page_hint_count", COUNTER},
    [MET_BALLOON_HINT_FREED] = {"balloon", "free_page_hint_freed", COUNTER},
    [MET_BALLOON_HINT_FAILS] = {"balloon", "free_page_hint_fails", COUNTER},
    [MET_ENTROPY_EVENT_FAILS] = {"entropy", "entropy_event_fails", COUNTER},
    [MET_ENTROPY_EVENT_COUNT] = {"entropy", "entropy_event_count", COUNTER},
    [MET_ENTROPY_BYTES] = {"entropy", "entropy_bytes", COUNTER},
    [MET_ENTROPY_HOST_RNG_FAILS] = {"entropy", "host_rng_fails", COUNTER},
    [MET_ENTROPY_THROTTLED] = {"entropy", "entropy_rate_limiter_throttled", COUNTER},
    [MET_ENTROPY_RL_EVENTS] = {"entropy", "rate_limiter_event_count", COUNTER},
    /* Names from mmds_counter_name(), filled in by def(). */
    [MET_MMDS_FIRST... MET_MMDS_LAST] = {"mmds", NULL, COUNTER},
    [MET_VSOCK_RX_BYTES] = {"vsock", "rx_bytes_count", COUNTER},
    [MET_VSOCK_TX_BYTES] = {"vsock", "tx_bytes_count", COUNTER},
    [MET_VSOCK_RX_PACKETS] = {"vsock", "rx_packets_count", COUNTER},
    [MET_VSOCK_TX_PACKETS] = {"vsock", "tx_packets_count", COUNTER},
    [MET_VSOCK_CONNS_ADDED] = {"vsock", "conns_added", COUNTER},
    [MET_VSOCK_CONNS_KILLED] = {"vsock", "conns_killed", COUNTER},
    [MET_VSOCK_CONNS_REMOVED] = {"vsock", "conns_removed", COUNTER},
    [MET_VSOCK_RX_READ_FAILS] = {"vsock", "rx_read_fails", COUNTER},
    [MET_VSOCK_TX_WRITE_FAILS] = {"vsock", "tx_write_fails", COUNTER},
    [MET_VSOCK_MUXER_EVENT_FAILS] = {"vsock", "muxer_event_fails", COUNTER},
    [MET_SNAPSHOT_CREATE] = {"snapshot", "create_count", COUNTER},
    [MET_SNAPSHOT_CREATE_FAILS] = {"snapshot", "create_fails", COUNTER},
    [MET_SNAPSHOT_LOAD] = {"snapshot", "load_count", COUNTER},
    [MET_SNAPSHOT_LOAD_FAILS] = {"snapshot", "load_fails", COUNTER},
    [MET_FULL_CREATE_SNAPSHOT_US] = {"snapshot", "full_create_us", GAUGE},
    [MET_DIFF_CREATE_SNAPSHOT_US] = {"snapshot", "diff_create_us", GAUGE},
    [MET_LOAD_SNAPSHOT_US] = {"snapshot", "load_us", GAUGE},
};

_Static_assert(MET_MMDS_LAST - MET_MMDS_FIRST + 1 == MMDS_NR_COUNTERS, "one row per MMDS counter");

/* name_of - @i's name: the table's, or the store's for the mmds rows. */
static const char *name_of(unsigned int i)
{
	if (i >= MET_MMDS_FIRST && i <= MET_MMDS_LAST)
		return mmds_counter_name((enum mmds_counter)(i - MET_MMDS_FIRST));
	return defs[i].name;
}

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

int metrics_open(struct metrics *m, const char *path)
{
	int fd;

	if (m->fd >= 0)
		return -EALREADY;
	/* O_RDWR, as Firecracker: a FIFO nobody reads yet opens (O_WRONLY
	 * with O_NONBLOCK would fail with ENXIO), and O_NONBLOCK makes a full
	 * one drop a line instead of stalling the event loop. */
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return -errno;
	m->fd = fd;
	return 0;
}

/* Rate limiter stops, summed over the drives and interfaces. */
static void gather_throttled(struct metrics *m, struct devices *d)
{
	struct devices_throttled t = {0};

	devices_throttled(d, &t);
	metrics_set(m, MET_BLOCK_RL_THROTTLED, t.blk);
	metrics_set(m, MET_NET_RX_RL_THROTTLED, t.net_rx);
	metrics_set(m, MET_NET_TX_RL_THROTTLED, t.net_tx);
}

/* The balloon's running totals (all 0 without one). */
static void gather_balloon(struct metrics *m, struct devices *d)
{
	struct virtio_balloon *b = devices_balloon(d);
	struct balloon_counters k = {0};

	if (b)
		virtio_balloon_counters(b, &k);
	metrics_set(m, MET_BALLOON_ACTIVATE_FAILS, k.activate_fails);
	metrics_set(m, MET_BALLOON_INFLATE_COUNT, k.inflate_count);
	metrics_set(m, MET_BALLOON_STATS_UPDATES, k.stats_updates_count);
	metrics_set(m, MET_BALLOON_STATS_UPDATE_FAILS, k.stats_update_fails);
	metrics_set(m, MET_BALLOON_DEFLATE_COUNT, k.deflate_count);
	metrics_set(m, MET_BALLOON_EVENT_FAILS, k.event_fails);
	metrics_set(m, MET_BALLOON_REPORT_COUNT, k.free_page_report_count);
	metrics_set(m, MET_BALLOON_REPORT_FREED, k.free_page_report_freed);
	metrics_set(m, MET_BALLOON_REPORT_FAILS, k.free_page_report_fails);
	metrics_set(m, MET_BALLOON_HINT_COUNT, k.free_page_hint_count);
	metrics_set(m, MET_BALLOON_HINT_FREED, k.free_page_hint_freed);
	metrics_set(m, MET_BALLOON_HINT_FAILS, k.free_page_hint_fails);
}

/* The entropy device's totals (it lives as long as the VM). */
static void gather_entropy(struct metrics *m, struct devices *d)
{
	struct virtio_rng_stats s;

	if (!devices_entropy_stats(d, &s))
		return;
	metrics_set(m, MET_ENTROPY_EVENT_FAILS, s.event_fails);
	metrics_set(m, MET_ENTROPY_EVENT_COUNT, s.event_count);
	metrics_set(m, MET_ENTROPY_BYTES, s.bytes);
	metrics_set(m, MET_ENTROPY_HOST_RNG_FAILS, s.host_rng_fails);
	metrics_set(m, MET_ENTROPY_THROTTLED, s.throttled);
	metrics_set(m, MET_ENTROPY_RL_EVENTS, s.rl_events);
}

/* The metadata service's counters, kept in its store (none without one). */
static void gather_mmds(struct metrics *m, struct mmds_store *s)
{
	struct mmds_stats st;
	unsigned int i;

	if (!s)
		return;
	mmds_store_stats(s, &st);
	for (i = 0; i < MMDS_NR_COUNTERS; i++)
		metrics_set(m, MET_MMDS_FIRST + i, st.v[i]);
}

/* The vsock device's totals (they never shrink: the device lives as long
 * as the VM). */
static void gather_vsock(struct metrics *m, struct vm *vm)
{
	struct vsock_stats s;

	if (!devices_vsock_stats(vm->devices, &s))
		return;
	metrics_set(m, MET_VSOCK_RX_BYTES, s.rx_bytes);
	metrics_set(m, MET_VSOCK_TX_BYTES, s.tx_bytes);
	metrics_set(m, MET_VSOCK_RX_PACKETS, s.rx_packets);
	metrics_set(m, MET_VSOCK_TX_PACKETS, s.tx_packets);
	metrics_set(m, MET_VSOCK_CONNS_ADDED, s.conns_added);
	metrics_set(m, MET_VSOCK_CONNS_KILLED, s.conns_killed);
	metrics_set(m, MET_VSOCK_CONNS_REMOVED, s.conns_removed);
	metrics_set(m, MET_VSOCK_RX_READ_FAILS, s.rx_read_fails);
	metrics_set(m, MET_VSOCK_TX_WRITE_FAILS, s.tx_write_fails);
	metrics_set(m, MET_VSOCK_MUXER_EVENT_FAILS, s.muxer_event_fails);
}

void metrics_gather(struct metrics *m, struct vm *vm)
{
	uint64_t in = 0, out = 0, rd = 0, wr = 0, other = 0, fail = 0;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus_created; i++) {
		const struct vcpu_stats *s = &vm->vcpu[i].stats;

		in += atomic_load(&s->io_in);
		out += atomic_load(&s->io_out);
		rd += atomic_load(&s->mmio_read);
		wr += atomic_load(&s->mmio_write);
		other += atomic_load(&s->other_exits);
		fail += atomic_load(&s->failures);
	}
	/* vCPUs are freed only at teardown, after the last flush: the totals
	 * never shrink. */
	metrics_set(m, MET_VCPU_EXIT_IO_IN, in);
	metrics_set(m, MET_VCPU_EXIT_IO_OUT, out);
	metrics_set(m, MET_VCPU_EXIT_MMIO_READ, rd);
	metrics_set(m, MET_VCPU_EXIT_MMIO_WRITE, wr);
	metrics_set(m, MET_VCPU_EXIT_OTHER, other);
	metrics_set(m, MET_VCPU_FAILURES, fail);
	metrics_set(m, MET_UNCLAIMED_PIO,
		    atomic_load(&vm->pio.unknown_reads) + atomic_load(&vm->pio.unknown_writes));
	metrics_set(m, MET_UNCLAIMED_MMIO,
		    atomic_load(&vm->mmio.unknown_reads) + atomic_load(&vm->mmio.unknown_writes));
	metrics_set(m, MET_BOOT_TIME_US, atomic_load(&vm->boot_timer.boot_wall_us));
	metrics_set(m, MET_BOOT_CPU_TIME_US, atomic_load(&vm->boot_timer.boot_cpu_us));
	metrics_set(m, MET_LOGGER_MISSED_LOG, log_lost(&vm->log));
	gather_throttled(m, vm->devices);
	gather_balloon(m, vm->devices);
	gather_entropy(m, vm->devices);
	gather_mmds(m, vm->mmds);
	gather_vsock(m, vm);
}

static uint64_t value_now(const struct metrics *m, unsigned int i)
{
	if (defs[i].kind == GAUGE || m->val[i] < m->flushed[i])
		return m->val[i];
	return m->val[i] - m->flushed[i];
}

int metrics_format(const struct metrics *m, uint64_t utc_ms, char *buf, size_t cap)
{
	const char *group = NULL;
	size_t n = 0;
	unsigned int i;
	int w;

	w = snprintf(buf, cap, "{\"utc_timestamp_ms\":%llu", (unsigned long long)utc_ms);
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	n = (size_t)w;
	for (i = 0; i < MET_COUNT; i++) {
		bool first = !group || strcmp(group, defs[i].group);

		w = snprintf(buf + n, cap - n, "%s%s%s%s\"%s\":%llu", first && group ? "}" : "",
			     first ? ",\"" : ",", first ? defs[i].group : "", first ? "\":{" : "",
			     name_of(i), (unsigned long long)value_now(m, i));
		if (w < 0 || (size_t)w >= cap - n)
			return -ENOSPC;
		n += (size_t)w;
		group = defs[i].group;
	}
	w = snprintf(buf + n, cap - n, "}}\n");
	if (w < 0 || (size_t)w >= cap - n)
		return -ENOSPC;
	return (int)(n + (size_t)w);
}

static uint64_t utc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int metrics_flush(struct metrics *m, struct vm *vm)
{
	char buf[4096];
	ssize_t w;
	int len;
	unsigned int i;

	if (m->fd < 0)
		return 0;
	if (vm)
		metrics_gather(m, vm);
	metrics_set(m, MET_LOGGER_MISSED_METRICS, m->lost);
	len = metrics_format(m, utc_now_ms(), buf, sizeof(buf));
	if (len < 0)
		return len;
	/* One write: the line reaches a pipe reader whole or not at all
	 * (non-blocking writes up to PIPE_BUF are atomic; the line is
	 * shorter): a full FIFO answers EAGAIN and the line is lost. */
	w = write(m->fd, buf, (size_t)len);
	if (w != len) {
		/* The counters keep running: the next line that gets through
		 * carries this one's deltas too. */
		m->lost++;
		return w < 0 ? -errno : -EIO;
	}
	m->lines++;
	for (i = 0; i < MET_COUNT; i++)
		m->flushed[i] = m->val[i];
	return 0;
}

const char *metrics_name(enum metric_id id, char *buf, size_t cap)
{
	if ((unsigned int)id >= MET_COUNT)
		snprintf(buf, cap, "?");
	else
		snprintf(buf, cap, "%s.%s", defs[id].group, name_of(id));
	return buf;
}

void metrics_close(struct metrics *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
