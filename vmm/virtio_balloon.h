/*
 * virtio_balloon.h - the memory balloon (virtio spec 1.2, 5.5) with
 * Firecracker's API semantics: a target size the host sets (num_pages), the
 * size the guest reports (actual), inflated pages given back to the host
 * with madvise(MADV_DONTNEED), optional statistics polled every
 * stats_polling_interval_s, free page hinting (the cmd_id protocol) and
 * free page reporting. Every page frame number and range the guest sends
 * is checked against guest RAM; a malformed buffer costs only itself.
 * All device work runs under the device lock.
 */
#ifndef EMBER_VIRTIO_BALLOON_H
#define EMBER_VIRTIO_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "device.h"
#include "virtio.h"

#define VIRTIO_ID_BALLOON 5

/* Device feature bits (spec 5.5.3). */
#define VIRTIO_BALLOON_F_STATS_VQ	1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT 3
#define VIRTIO_BALLOON_F_REPORTING	5

/* free_page_hint_cmd_id values with a fixed meaning (spec 5.5.6.4.1). */
#define BALLOON_CMD_ID_STOP 0
#define BALLOON_CMD_ID_DONE 1

#define BALLOON_PAGE_SHIFT    12 /* PFNs count 4 KiB pages whatever the guest's page size */
#define BALLOON_PAGES_PER_MIB 256

/* Statistics tags the device understands (spec 5.5.6.3, plus Linux's
 * later additions); anything else is skipped. */
enum balloon_stat_tag {
	BALLOON_S_SWAP_IN,
	BALLOON_S_SWAP_OUT,
	BALLOON_S_MAJFLT,
	BALLOON_S_MINFLT,
	BALLOON_S_MEMFREE,
	BALLOON_S_MEMTOT,
	BALLOON_S_AVAIL,
	BALLOON_S_CACHES,
	BALLOON_S_HTLB_PGALLOC,
	BALLOON_S_HTLB_PGFAIL,
	BALLOON_S_OOM_KILL,
	BALLOON_S_ALLOC_STALL,
	BALLOON_S_ASYNC_SCAN,
	BALLOON_S_DIRECT_SCAN,
	BALLOON_S_ASYNC_RECLAIM,
	BALLOON_S_DIRECT_RECLAIM,
	BALLOON_S_NR
};

/* GET /balloon/statistics: sizes, then the tags the guest reported. */
struct balloon_stats {
	uint32_t target_pages, actual_pages;
	uint32_t present; /* bit t: val[t] was reported */
	uint64_t val[BALLOON_S_NR];
};

/* Firecracker's "balloon" metrics section (running totals). */
struct balloon_counters {
	uint64_t activate_fails, inflate_count, deflate_count, stats_updates_count,
	    stats_update_fails, event_fails, free_page_report_count, free_page_report_freed,
	    free_page_report_fails, free_page_hint_count, free_page_hint_freed,
	    free_page_hint_fails;
};

/* GET /balloon/hinting/status. */
struct balloon_hint_status {
	uint32_t host_cmd;
	bool has_guest_cmd; /* the guest has sent a command id since the last start */
	uint32_t guest_cmd;
};

struct virtio_balloon;

/*
 * virtio_balloon_create - the device for @cfg (features follow the
 * options: DEFLATE_ON_OOM, STATS_VQ when the interval is non-zero,
 * FREE_PAGE_HINT, REPORTING) with its statistics timerfd on @ctx->loop
 * (running from creation on: activation happens on a vCPU thread).
 * Returns 0 or -errno with @e filled.
 */
int virtio_balloon_create(struct virtio_balloon **out, const struct cfg_balloon *cfg,
			  const struct dev_ctx *ctx, struct errbuf *e);
struct virtio_dev *virtio_balloon_dev(struct virtio_balloon *b);
void virtio_balloon_destroy(struct virtio_balloon *b);

/* virtio_balloon_stat_name - Firecracker's JSON name of tag @t. */
const char *virtio_balloon_stat_name(enum balloon_stat_tag t);

/* virtio_balloon_set_target - PATCH /balloon: a new num_pages, announced
 * with a configuration-change interrupt. -ERANGE if it does not fit u32,
 * -EAGAIN while the driver has not started the device. */
int virtio_balloon_set_target(struct virtio_balloon *b, uint32_t amount_mib);

/* virtio_balloon_set_stats_interval - PATCH /balloon/statistics: a new
 * interval; -EPERM when it would switch statistics on or off. */
int virtio_balloon_set_stats_interval(struct virtio_balloon *b, uint32_t seconds);

/* virtio_balloon_get_stats - the sizes and the tags reported so far;
 * -ENOENT without statistics. */
int virtio_balloon_get_stats(struct virtio_balloon *b, struct balloon_stats *out);

/* virtio_balloon_actual_pages - what the driver last wrote to "actual". */
uint32_t virtio_balloon_actual_pages(struct virtio_balloon *b);

/*
 * Free page hinting. start: a new host command id in the config space (the
 * guest then hints its free pages, which are given back); with
 * @ack_on_stop the device answers the guest's STOP with DONE by itself.
 * stop: DONE (the guest takes its pages back). -ENOENT without hinting,
 * -EAGAIN before the driver started the device.
 */
int virtio_balloon_hint_start(struct virtio_balloon *b, bool ack_on_stop);
int virtio_balloon_hint_stop(struct virtio_balloon *b);
int virtio_balloon_hint_status(struct virtio_balloon *b, struct balloon_hint_status *out);

/* virtio_balloon_counters - the metrics totals. */
void virtio_balloon_counters(struct virtio_balloon *b, struct balloon_counters *out);

/* virtio_balloon_stats_tick - what the polling timer does: hand the held
 * statistics buffer back so the guest refills it. Tests call it directly. */
void virtio_balloon_stats_tick(struct virtio_balloon *b);

#endif
