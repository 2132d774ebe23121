/*
 * virtio_balloon.c - the memory balloon; see virtio_balloon.h.
 *
 * Queues. Inflate (0) and deflate (1) always; then, in this order and only
 * for the features the driver acked, statistics, free page hinting and
 * free page reporting. Drivers number the optional queues either densely
 * (Linux's virtio-mmio) or by feature slot, so activation assigns their
 * roles to the ready queues past 1 in order instead of fixing indices.
 *
 * Inflate: each buffer is an array of little-endian u32 PFNs (4 KiB
 * frames). Each PFN is checked with gm_ptr(); runs of adjacent frames are
 * given back with one madvise(MADV_DONTNEED) (guest RAM is a private
 * anonymous mapping, so the host frees the pages and a later guest access
 * faults in a zero page). Deflate needs no work: the pages come back on
 * first touch. A buffer of more than BALLOON_MAX_PFNS frames, of an odd
 * length or with device-writable parts is returned untouched and counted.
 *
 * Statistics: the driver keeps one buffer of {le16 tag, le64 val} entries
 * posted. The device parses it (at most BALLOON_STATS_MAX entries, whole
 * entries only) and holds it; every polling interval the timerfd hands it
 * back, which makes the driver refill and post it again.
 *
 * Reporting and hinting: the driver posts device-writable buffers that
 * cover free guest pages; the virtqueue already mapped them through
 * gm_ptr(), and the page-aligned part of each is given back. Hinting
 * follows the command-id protocol (spec 5.5.6.4): the host publishes a new
 * id in the config space, the guest echoes it on the queue before its
 * hints and sends STOP after them; DONE tells the guest it may reuse them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "virtio_balloon_int.h"

static const char *const stat_names[BALLOON_S_NR] = {
    "swap_in",	      "swap_out",	  "major_faults", "minor_faults",	 "free_memory",
    "total_memory",   "available_memory", "disk_caches",  "hugetlb_allocations", "hugetlb_failures",
    "oom_kill",	      "alloc_stall",	  "async_scan",	  "direct_scan",	 "async_reclaim",
    "direct_reclaim",
};

const char *virtio_balloon_stat_name(enum balloon_stat_tag t)
{
	return (unsigned int)t < BALLOON_S_NR ? stat_names[t] : "?";
}

static struct virtio_balloon *to_balloon(struct virtio_dev *vd)
{
	return (struct virtio_balloon *)vd;
}

/* discard - give the whole 4 KiB pages inside [hva, hva+len) back to the
 * host. Returns the bytes given back, or -errno. */
static int64_t discard(uint8_t *hva, uint64_t len)
{
	uintptr_t start = ((uintptr_t)hva + BALLOON_PAGE - 1) & ~(uintptr_t)(BALLOON_PAGE - 1);
	uintptr_t end = ((uintptr_t)hva + len) & ~(uintptr_t)(BALLOON_PAGE - 1);

	if (end <= start)
		return 0;
	if (madvise((void *)start, end - start, MADV_DONTNEED))
		return -errno;
	return (int64_t)(end - start);
}

/* flush_run - give back guest frames [gpa, gpa+len), already checked. */
static void flush_run(struct virtio_balloon *b, uint64_t gpa, uint64_t len)
{
	uint8_t *hva;

	if (!len)
		return;
	hva = gm_ptr(b->vd.mem, gpa, len);
	if (!hva || discard(hva, len) < 0)
		b->cnt.event_fails++;
}

static void inflate_one(struct virtio_balloon *b, const struct vq_chain *c)
{
	uint64_t run_gpa = 0, run_len = 0, gpa;
	uint32_t i, n, bad = 0;

	if (c->nr_in || c->out_len % 4 || c->out_len > sizeof(b->pfn)) {
		b->cnt.event_fails++;
		if (b->vd.log)
			log_warn(b->vd.log, "%s: inflate buffer of %u bytes ignored", b->vd.name,
				 c->out_len + c->in_len);
		return;
	}
	n = vq_copy_from_out(c, 0, b->pfn, c->out_len) / 4;
	for (i = 0; i < n; i++) {
		gpa = (uint64_t)b->pfn[i] << BALLOON_PAGE_SHIFT;
		if (run_len && gpa == run_gpa + run_len &&
		    gm_ptr(b->vd.mem, run_gpa, run_len + BALLOON_PAGE)) {
			run_len += BALLOON_PAGE;
			continue;
		}
		flush_run(b, run_gpa, run_len);
		run_len = 0;
		if (!gm_ptr(b->vd.mem, gpa, BALLOON_PAGE)) {
			bad++;
			continue;
		}
		run_gpa = gpa;
		run_len = BALLOON_PAGE;
	}
	flush_run(b, run_gpa, run_len);
	if (bad) {
		b->cnt.event_fails++;
		if (b->vd.log)
			log_warn(b->vd.log,
				 "%s: %u page frame numbers outside guest memory ignored",
				 b->vd.name, bad);
	}
}

/* The device-writable parts of @c cover free guest pages: give them back.
 * Returns the bytes given back, or -1 if something failed. */
static int64_t discard_in(const struct vq_chain *c)
{
	int64_t total = 0, r;
	unsigned int i;

	for (i = c->nr_out; i < (unsigned int)c->nr_out + c->nr_in; i++) {
		r = discard(c->iov[i].iov_base, c->iov[i].iov_len);
		if (r < 0)
			return -1;
		total += r;
	}
	return total;
}

static void report_one(struct virtio_balloon *b, const struct vq_chain *c)
{
	int64_t r = c->nr_out ? -1 : discard_in(c);

	b->cnt.free_page_report_count++;
	if (r < 0)
		b->cnt.free_page_report_fails++;
	else
		b->cnt.free_page_report_freed += (uint64_t)r;
}

static bool hint_running(const struct virtio_balloon *b)
{
	return b->hint.host_cmd > BALLOON_CMD_ID_DONE &&
	       b->cfg.free_page_hint_cmd_id == b->hint.host_cmd && b->hint.has_guest_cmd &&
	       b->hint.guest_cmd == b->hint.host_cmd;
}

static void hint_one(struct virtio_balloon *b, const struct vq_chain *c)
{
	uint32_t cmd;
	int64_t r;

	if (c->nr_out) {
		/* A command id: the run the guest hints for, or STOP. */
		if (c->out_len != sizeof(cmd) || c->nr_in) {
			b->cnt.free_page_hint_fails++;
			return;
		}
		vq_copy_from_out(c, 0, &cmd, sizeof(cmd));
		b->hint.guest_cmd = cmd;
		b->hint.has_guest_cmd = true;
		if (cmd == BALLOON_CMD_ID_STOP && b->ack_on_stop &&
		    b->cfg.free_page_hint_cmd_id == b->hint.host_cmd) {
			b->cfg.free_page_hint_cmd_id = BALLOON_CMD_ID_DONE;
			virtio_config_changed(&b->vd);
		}
		return;
	}
	if (!hint_running(b))
		return; /* a stale hint: the pages are not ours to drop */
	b->cnt.free_page_hint_count++;
	r = discard_in(c);
	if (r < 0)
		b->cnt.free_page_hint_fails++;
	else
		b->cnt.free_page_hint_freed += (uint64_t)r;
}

/* parse_stats - whole entries of the readable part, bounded; the buffer is
 * refused (counted) if it has any other shape. */
static void parse_stats(struct virtio_balloon *b, const struct vq_chain *c)
{
	uint8_t buf[BALLOON_STATS_MAX * BALLOON_STAT_SIZE];
	uint32_t len = c->out_len < sizeof(buf) ? c->out_len : sizeof(buf);
	uint32_t got, i;
	uint16_t tag;
	uint64_t val;

	if (c->nr_in || c->out_len % BALLOON_STAT_SIZE || c->out_len > sizeof(buf)) {
		b->cnt.stats_update_fails++;
		return;
	}
	got = vq_copy_from_out(c, 0, buf, len);
	for (i = 0; i + BALLOON_STAT_SIZE <= got; i += BALLOON_STAT_SIZE) {
		memcpy(&tag, buf + i, sizeof(tag));
		memcpy(&val, buf + i + 2, sizeof(val));
		if (tag >= BALLOON_S_NR)
			continue; /* a tag newer than ember: skipped, as the spec allows */
		b->stats.val[tag] = val;
		b->stats.present |= 1u << tag;
	}
	b->cnt.stats_updates_count++;
}

static void stats_process(struct virtio_balloon *b, struct virtqueue *vq)
{
	int ret;

	while ((ret = vq_pop(vq, &b->chain)) == 1) {
		if (b->stats_head >= 0) {
			/* The driver posted a second buffer: hand the first back. */
			vq_push(vq, (uint16_t)b->stats_head, 0);
			b->cnt.stats_update_fails++;
		}
		parse_stats(b, &b->chain);
		b->stats_head = b->chain.head;
	}
	if (ret < 0) {
		b->cnt.event_fails++;
		virtio_fail(&b->vd, "the statistics queue is corrupt");
		return;
	}
	virtio_signal_used(&b->vd, vq);
}

static void handle_one(struct virtio_balloon *b, enum bq_role role, const struct vq_chain *c)
{
	switch (role) {
	case BQ_INFLATE:
		inflate_one(b, c);
		break;
	case BQ_REPORT:
		report_one(b, c);
		break;
	case BQ_HINT:
		hint_one(b, c);
		break;
	default: /* deflate: the pages fault back in on their own */
		break;
	}
}

static void balloon_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_balloon *b = to_balloon(vd);
	struct virtqueue *vq = &vd->vq[q];
	enum bq_role role = q < VIRTIO_MAX_QUEUES ? b->role[q] : BQ_NONE;
	unsigned int budget = BALLOON_BATCH;
	int ret;

	if (role == BQ_NONE)
		return;
	if (role == BQ_STATS) {
		stats_process(b, vq);
		return;
	}
	if (role == BQ_INFLATE)
		b->cnt.inflate_count++;
	else if (role == BQ_DEFLATE)
		b->cnt.deflate_count++;
	do {
		vq_disable_notify(vq);
		for (; budget; budget--) {
			ret = vq_pop(vq, &b->chain);
			if (ret < 0) {
				b->cnt.event_fails++;
				virtio_fail(vd, "a queue is corrupt");
				return;
			}
			if (ret == 0)
				break;
			handle_one(b, role, &b->chain);
			vq_push(vq, b->chain.head, 0);
		}
		if (!budget) {
			if (vd->transport.kick)
				vd->transport.kick(vd->transport.ctx, q);
			break;
		}
	} while (vq_enable_notify(vq));
	virtio_signal_used(vd, vq);
}

void virtio_balloon_stats_tick(struct virtio_balloon *b)
{
	struct virtqueue *vq;

	pthread_mutex_lock(&b->vd.lock);
	if (b->vd.active && !(b->vd.status & VIRTIO_STATUS_NEEDS_RESET) && b->stats_q >= 0 &&
	    b->stats_head >= 0) {
		vq = &b->vd.vq[b->stats_q];
		vq_push(vq, (uint16_t)b->stats_head, 0);
		b->stats_head = -1;
		virtio_signal_used(&b->vd, vq);
	}
	pthread_mutex_unlock(&b->vd.lock);
}

/* virtio_balloon_arm - see virtio_balloon_int.h. */
void virtio_balloon_arm(struct virtio_balloon *b, bool on)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (b->timer_fd < 0)
		return;
	if (on && b->stats_interval) {
		its.it_interval.tv_sec = b->stats_interval;
		its.it_value.tv_sec = b->stats_interval;
	}
	timerfd_settime(b->timer_fd, 0, &its, NULL);
}

/* assign_roles - inflate, deflate, then the acked optional queues in order
 * onto the ready queues past 1. */
static void assign_roles(struct virtio_balloon *b)
{
	enum bq_role opt[3];
	unsigned int n = 0, k = 0, q;

	if (virtio_has(&b->vd, VIRTIO_BALLOON_F_STATS_VQ))
		opt[n++] = BQ_STATS;
	if (virtio_has(&b->vd, VIRTIO_BALLOON_F_FREE_PAGE_HINT))
		opt[n++] = BQ_HINT;
	if (virtio_has(&b->vd, VIRTIO_BALLOON_F_REPORTING))
		opt[n++] = BQ_REPORT;
	memset(b->role, 0, sizeof(b->role));
	b->role[0] = BQ_INFLATE;
	b->role[1] = BQ_DEFLATE;
	b->stats_q = -1;
	for (q = 2; q < b->vd.nr_queues && k < n; q++) {
		if (!b->vd.vq[q].active)
			continue;
		b->role[q] = opt[k++];
		if (b->role[q] == BQ_STATS)
			b->stats_q = (int)q;
	}
}

static int balloon_activate(struct virtio_dev *vd)
{
	struct virtio_balloon *b = to_balloon(vd);

	if (!vd->vq[0].active || !vd->vq[1].active) {
		b->cnt.activate_fails++;
		if (vd->log)
			log_warn(vd->log,
				 "%s: driver did not set up the inflate and deflate queues",
				 vd->name);
		return -EINVAL;
	}
	assign_roles(b);
	return 0;
}

static void balloon_reset(struct virtio_dev *vd)
{
	struct virtio_balloon *b = to_balloon(vd);

	b->stats_head = -1;
	b->stats_q = -1;
	memset(b->role, 0, sizeof(b->role));
	b->cfg.actual = 0;
}

static void balloon_config_read(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_balloon *b = to_balloon(vd);

	virtio_config_copy(&b->cfg, sizeof(b->cfg), off, data, len);
}

/* The driver may write "actual" and "poison_val"; the rest is the host's. */
static void balloon_config_write(struct virtio_dev *vd, uint32_t off, const uint8_t *data,
				 uint32_t len)
{
	struct virtio_balloon *b = to_balloon(vd);
	uint8_t *raw = (uint8_t *)&b->cfg;
	uint32_t i, at;

	for (i = 0; i < len; i++) {
		at = off + i;
		if ((at >= offsetof(struct balloon_config, actual) &&
		     at < offsetof(struct balloon_config, free_page_hint_cmd_id)) ||
		    (at >= offsetof(struct balloon_config, poison_val) && at < sizeof(b->cfg)))
			raw[at] = data[i];
	}
}

/* Snapshot: nothing is ever in flight; only the polling stops. */
static int balloon_quiesce(struct virtio_dev *vd)
{
	virtio_balloon_arm(to_balloon(vd), false);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The device's part: config space, the held statistics buffer, hinting. */
static int balloon_save(const struct virtio_dev *vd, uint8_t *buf, size_t len)
{
	const struct virtio_balloon *b = (const struct virtio_balloon *)vd;

	if (len < BALLOON_STATE_SIZE)
		return -ENOSPC;
	memcpy(buf, &b->cfg, sizeof(b->cfg));
	put32(buf + 16, (uint32_t)b->stats_head);
	put32(buf + 20, b->hint.host_cmd);
	put32(buf + 24, b->hint.guest_cmd);
	put32(buf + 28, (b->hint.has_guest_cmd ? 1u : 0u) | (b->ack_on_stop ? 2u : 0u));
	return BALLOON_STATE_SIZE;
}

static int balloon_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct virtio_balloon *b = to_balloon(vd);
	uint32_t head, flags;

	if (len != BALLOON_STATE_SIZE)
		return -EINVAL;
	head = get32(buf + 16);
	flags = get32(buf + 28);
	if ((head != UINT32_MAX && head >= VIRTIO_QUEUE_MAX) || flags > 3)
		return -EINVAL;
	memcpy(&b->cfg, buf, sizeof(b->cfg));
	b->stats_head = head == UINT32_MAX ? -1 : (int)head;
	b->hint.host_cmd = get32(buf + 20);
	b->hint.guest_cmd = get32(buf + 24);
	b->hint.has_guest_cmd = flags & 1;
	b->ack_on_stop = flags & 2;
	virtio_balloon_arm(b, true);
	return 0;
}

const struct virtio_dev_ops virtio_balloon_ops = {
    .config_read = balloon_config_read,
    .config_write = balloon_config_write,
    .activate = balloon_activate,
    .reset = balloon_reset,
    .notify = balloon_notify,
    .quiesce = balloon_quiesce,
    .save = balloon_save,
    .restore = balloon_restore,
};
