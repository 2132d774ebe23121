/*
 * virtio_balloon_ctl.c - creating the balloon and what the host asks of it
 * (the API's target, polling interval, statistics and hinting); see
 * virtio_balloon.h. Each call takes the device lock; changes the driver
 * must see go through the config space and a configuration interrupt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "virtio_balloon_int.h"

static uint64_t balloon_features(const struct cfg_balloon *cfg)
{
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	if (cfg->deflate_on_oom)
		f |= VIRTIO_BIT(VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
	if (cfg->stats_polling_interval_s)
		f |= VIRTIO_BIT(VIRTIO_BALLOON_F_STATS_VQ);
	if (cfg->free_page_hinting)
		f |= VIRTIO_BIT(VIRTIO_BALLOON_F_FREE_PAGE_HINT);
	if (cfg->free_page_reporting)
		f |= VIRTIO_BIT(VIRTIO_BALLOON_F_REPORTING);
	return f;
}

static void on_timer(void *ctx, uint32_t events)
{
	struct virtio_balloon *b = ctx;
	uint64_t v;

	(void)events;
	if (read(b->timer_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	virtio_balloon_stats_tick(b);
}

int virtio_balloon_create(struct virtio_balloon **out, const struct cfg_balloon *cfg,
			  const struct dev_ctx *ctx, struct errbuf *e)
{
	struct virtio_balloon *b;
	int ret;

	if ((uint64_t)cfg->amount_mib * BALLOON_PAGES_PER_MIB > UINT32_MAX)
		return errf(e, -ERANGE, "balloon: amount_mib %u is too large", cfg->amount_mib);
	b = calloc(1, sizeof(*b));
	if (!b)
		return errf(e, -ENOMEM, "balloon: out of memory");
	b->timer_fd = -1;
	b->stats_head = -1;
	b->stats_q = -1;
	b->loop = ctx->loop;
	b->cfg.num_pages = cfg->amount_mib * BALLOON_PAGES_PER_MIB;
	b->stats_interval = cfg->stats_polling_interval_s;
	b->hinting = cfg->free_page_hinting;
	b->reporting = cfg->free_page_reporting;
	b->ack_on_stop = true;
	/* Room for every optional queue: see assign_roles. */
	ret = virtio_dev_init(&b->vd, &virtio_balloon_ops, VIRTIO_ID_BALLOON, balloon_features(cfg),
			      sizeof(b->cfg), VIRTIO_MAX_QUEUES, ctx->mem, ctx->log);
	if (ret) {
		free(b);
		return errf(e, ret, "balloon: cannot initialise the device");
	}
	snprintf(b->vd.name, sizeof(b->vd.name), "balloon");
	if (b->loop) {
		b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		ret = b->timer_fd < 0 ? -errno : 0;
		b->timer_h = (struct loop_handler){.fn = on_timer, .ctx = b};
		if (!ret)
			ret = loop_add(b->loop, b->timer_fd, EPOLLIN, &b->timer_h);
		if (ret) {
			virtio_balloon_destroy(b);
			return errf(e, ret, "balloon: statistics timer: %s", strerror(-ret));
		}
		/* Runs from now on: activation and reset happen on vCPU threads,
		 * whose seccomp filter has no timer calls; a tick finds nothing
		 * to do while no driver is running. */
		virtio_balloon_arm(b, true);
	}
	*out = b;
	return 0;
}

struct virtio_dev *virtio_balloon_dev(struct virtio_balloon *b)
{
	return &b->vd;
}

void virtio_balloon_destroy(struct virtio_balloon *b)
{
	if (!b)
		return;
	if (b->timer_fd >= 0)
		close(b->timer_fd);
	virtio_dev_destroy(&b->vd);
	free(b);
}

/* running - the driver started the device and it has not failed. */
static bool running(const struct virtio_balloon *b)
{
	return b->vd.active && !(b->vd.status & VIRTIO_STATUS_NEEDS_RESET);
}

int virtio_balloon_set_target(struct virtio_balloon *b, uint32_t amount_mib)
{
	int ret = 0;

	if ((uint64_t)amount_mib * BALLOON_PAGES_PER_MIB > UINT32_MAX)
		return -ERANGE;
	pthread_mutex_lock(&b->vd.lock);
	if (!running(b)) {
		ret = -EAGAIN;
	} else {
		b->cfg.num_pages = amount_mib * BALLOON_PAGES_PER_MIB;
		virtio_config_changed(&b->vd);
	}
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

int virtio_balloon_set_stats_interval(struct virtio_balloon *b, uint32_t seconds)
{
	int ret = 0;

	pthread_mutex_lock(&b->vd.lock);
	if (!seconds != !b->stats_interval) {
		ret = -EPERM;
	} else {
		b->stats_interval = seconds;
		virtio_balloon_arm(b, true);
	}
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

int virtio_balloon_get_stats(struct virtio_balloon *b, struct balloon_stats *out)
{
	int ret = 0;

	pthread_mutex_lock(&b->vd.lock);
	if (!b->stats_interval) {
		ret = -ENOENT;
	} else {
		*out = b->stats;
		out->target_pages = b->cfg.num_pages;
		out->actual_pages = b->cfg.actual;
	}
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

uint32_t virtio_balloon_actual_pages(struct virtio_balloon *b)
{
	uint32_t v;

	pthread_mutex_lock(&b->vd.lock);
	v = b->cfg.actual;
	pthread_mutex_unlock(&b->vd.lock);
	return v;
}

/* hint_check - hinting configured and the device running. */
static int hint_check(const struct virtio_balloon *b)
{
	if (!b->hinting)
		return -ENOENT;
	return running(b) ? 0 : -EAGAIN;
}

int virtio_balloon_hint_start(struct virtio_balloon *b, bool ack_on_stop)
{
	int ret;

	pthread_mutex_lock(&b->vd.lock);
	ret = hint_check(b);
	if (!ret) {
		/* A fresh id: never STOP or DONE, never the previous one. */
		b->hint.host_cmd =
		    b->hint.host_cmd < BALLOON_CMD_ID_DONE + 1 || b->hint.host_cmd == UINT32_MAX
			? BALLOON_CMD_ID_DONE + 1
			: b->hint.host_cmd + 1;
		b->hint.has_guest_cmd = false;
		b->ack_on_stop = ack_on_stop;
		b->cfg.free_page_hint_cmd_id = b->hint.host_cmd;
		virtio_config_changed(&b->vd);
	}
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

int virtio_balloon_hint_stop(struct virtio_balloon *b)
{
	int ret;

	pthread_mutex_lock(&b->vd.lock);
	ret = hint_check(b);
	if (!ret) {
		b->cfg.free_page_hint_cmd_id = BALLOON_CMD_ID_DONE;
		virtio_config_changed(&b->vd);
	}
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

int virtio_balloon_hint_status(struct virtio_balloon *b, struct balloon_hint_status *out)
{
	int ret;

	pthread_mutex_lock(&b->vd.lock);
	ret = hint_check(b);
	if (!ret)
		*out = b->hint;
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

void virtio_balloon_counters(struct virtio_balloon *b, struct balloon_counters *out)
{
	pthread_mutex_lock(&b->vd.lock);
	*out = b->cnt;
	pthread_mutex_unlock(&b->vd.lock);
}
