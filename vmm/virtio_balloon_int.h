/*
 * virtio_balloon_int.h - the balloon's state, shared by its two files only:
 * virtio_balloon.c (the queues, the config space, the virtio ops) and
 * virtio_balloon_ctl.c (creation and what the host asks: target, polling
 * interval, statistics, hinting). Nothing else includes it.
 */
#ifndef EMBER_VIRTIO_BALLOON_INT_H
#define EMBER_VIRTIO_BALLOON_INT_H

#include "virtio_balloon.h"

#define BALLOON_MAX_PFNS   1024 /* per inflate buffer; Linux sends 256 */
#define BALLOON_STATS_MAX  64	/* entries parsed per statistics buffer */
#define BALLOON_STAT_SIZE  10	/* le16 tag + le64 value, packed */
#define BALLOON_BATCH	   256	/* buffers per notification before yielding */
#define BALLOON_PAGE	   (1ULL << BALLOON_PAGE_SHIFT)
#define BALLOON_STATE_SIZE 32

enum bq_role { BQ_NONE, BQ_INFLATE, BQ_DEFLATE, BQ_STATS, BQ_HINT, BQ_REPORT };

/* struct virtio_balloon_config (spec 5.5.4), little-endian like the host. */
struct balloon_config {
	uint32_t num_pages;
	uint32_t actual;
	uint32_t free_page_hint_cmd_id;
	uint32_t poison_val;
} __attribute__((packed));

_Static_assert(sizeof(struct balloon_config) == 16, "virtio_balloon_config layout");

struct virtio_balloon {
	struct virtio_dev vd;
	struct balloon_config cfg;
	enum bq_role role[VIRTIO_MAX_QUEUES];
	int stats_q; /* queue index of the statistics queue, or -1 */
	struct loop *loop;
	int timer_fd;
	struct loop_handler timer_h;
	uint32_t stats_interval; /* seconds; 0: no statistics */
	int stats_head;		 /* the statistics buffer the device holds, or -1 */
	struct balloon_stats stats;
	bool hinting, reporting;
	bool ack_on_stop;
	struct balloon_hint_status hint;
	struct balloon_counters cnt;
	uint32_t pfn[BALLOON_MAX_PFNS];
	struct vq_chain chain;
};

/* virtio_balloon_ops - the device's virtio ops (virtio_balloon.c). */
extern const struct virtio_dev_ops virtio_balloon_ops;

/* virtio_balloon_arm - the polling timer on (every stats_interval s) or off. */
void virtio_balloon_arm(struct virtio_balloon *b, bool on);

#endif
