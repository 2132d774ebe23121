/*
 * virtio_rng.c - virtio entropy device; see virtio_rng.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "rate_limiter.h"
#include "virtio_rng.h"

struct virtio_rng {
	struct virtio_dev vd; /* first member */
	struct rate_limiter rl;
	int rl_fd;		  /* timerfd: resume a throttled queue; -1 without a loop */
	struct loop_handler rl_h; /* its handler */
	bool throttled;		  /* waiting for rl_fd; the queue is left alone */
	struct virtio_rng_stats st;
};

static uint64_t rng_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t fill_iov(const struct iovec *v, uint32_t budget)
{
	uint32_t done = 0;

	while (done < budget && done < v->iov_len) {
		uint32_t want = (uint32_t)v->iov_len - done;
		ssize_t n;

		if (want > budget - done)
			want = budget - done;
		n = getrandom((uint8_t *)v->iov_base + done, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (uint32_t)n;
	}
	return done;
}

uint64_t virtio_rng_writable(const struct vq_chain *c)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = c->nr_out; i < (unsigned int)c->nr_out + c->nr_in; i++)
		total += c->iov[i].iov_len;
	return total;
}

uint32_t virtio_rng_fill(const struct vq_chain *c, uint32_t max)
{
	uint32_t total = 0;
	unsigned int i;

	if (max > VIRTIO_RNG_MAX_REQUEST)
		max = VIRTIO_RNG_MAX_REQUEST;
	for (i = c->nr_out; i < (unsigned int)c->nr_out + c->nr_in; i++) {
		uint32_t got, want = (uint32_t)c->iov[i].iov_len;

		if (total >= max)
			break;
		got = fill_iov(&c->iov[i], max - total);
		total += got;
		if (got < want)
			break;
	}
	return total;
}

/* The limiter refused a chain: arm the timer; the queue resumes when it fires. */
static void throttle(struct virtio_rng *r)
{
	uint64_t ns = rate_limiter_wait_ns(&r->rl);
	struct itimerspec its = {
	    .it_value = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)}};

	if (!r->throttled)
		r->st.throttled++;
	r->throttled = true;
	if (timerfd_settime(r->rl_fd, 0, &its, NULL))
		r->throttled = false; /* cannot wait: run unthrottled */
}

/* True if the chain may be served now (its capped writable bytes, one op). */
static bool admit(struct virtio_rng *r, uint32_t bytes)
{
	if (r->rl_fd < 0 || rate_limiter_unlimited(&r->rl))
		return true;
	return rate_limiter_consume(&r->rl, bytes, 1, rng_now_ns());
}

/* Serve one popped chain; false if the limiter gave it back to the ring. */
static bool serve(struct virtio_rng *r, struct virtqueue *vq, const struct vq_chain *c,
		  uint64_t bad)
{
	uint64_t room = virtio_rng_writable(c);
	uint32_t want = room > VIRTIO_RNG_MAX_REQUEST ? VIRTIO_RNG_MAX_REQUEST : (uint32_t)room;
	uint32_t n;

	if (want && !admit(r, want) && vq_unpop(vq, 1, bad)) {
		throttle(r);
		return false;
	}
	n = virtio_rng_fill(c, want);
	if (n < want)
		r->st.host_rng_fails++;
	r->st.bytes += n;
	vq_push(vq, c->head, n);
	return true;
}

static void process_queue(struct virtio_rng *r)
{
	struct virtqueue *vq = &r->vd.vq[0];
	struct vq_chain c;
	unsigned int budget = VIRTIO_QUEUE_MAX; /* bounded work per event */
	uint64_t bad;
	int rc = 0;

	if (r->throttled)
		return;
	do {
		vq_disable_notify(vq);
		while (budget) {
			bad = vq->bad_chains;
			rc = vq_pop(vq, &c);
			if (rc <= 0)
				break;
			budget--;
			if (!serve(r, vq, &c, bad))
				goto out;
		}
		if (rc < 0) {
			r->st.event_fails++;
			virtio_fail(&r->vd, "the request queue is corrupt");
			return;
		}
	} while (budget && vq_enable_notify(vq));
	if (!budget && r->vd.transport.kick) /* more is waiting: come back soon */
		r->vd.transport.kick(r->vd.transport.ctx, 0);
out:
	virtio_signal_used(&r->vd, vq);
}

static void rng_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_rng *r = (struct virtio_rng *)vd;

	(void)q;
	r->st.event_count++;
	process_queue(r);
}

static void on_rl_timer(void *ctx, uint32_t events)
{
	struct virtio_rng *r = ctx;
	uint64_t n;

	(void)events;
	if (read(r->rl_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&r->vd.lock);
	r->throttled = false;
	r->st.rl_events++;
	if (r->vd.active && !(r->vd.status & VIRTIO_STATUS_NEEDS_RESET))
		process_queue(r);
	pthread_mutex_unlock(&r->vd.lock);
}

static int rng_activate(struct virtio_dev *vd)
{
	(void)vd;
	return 0; /* no state beyond the queue */
}

/* Runs on a vCPU thread (the driver's status write), whose seccomp list has
 * no timerfd calls: an armed timer is left to fire; its handler finds the
 * queue idle or restarted and does no harm. */
static void rng_reset(struct virtio_dev *vd)
{
	((struct virtio_rng *)vd)->throttled = false;
}

static const struct virtio_dev_ops rng_ops = {
    .activate = rng_activate,
    .reset = rng_reset,
    .notify = rng_notify,
};

static int watch_rl(struct virtio_rng *r, const struct dev_ctx *ctx, struct errbuf *e)
{
	int ret;

	if (!ctx->loop)
		return 0;
	r->rl_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->rl_fd < 0)
		return errf(e, -errno, "entropy: rate limiter timer: %s", strerror(errno));
	r->rl_h = (struct loop_handler){.fn = on_rl_timer, .ctx = r};
	ret = loop_add(ctx->loop, r->rl_fd, EPOLLIN, &r->rl_h);
	if (ret)
		return errf(e, ret, "entropy: watching the rate limiter timer: %s", strerror(-ret));
	return 0;
}

int virtio_rng_create(struct virtio_rng **out, const struct cfg_entropy *cfg,
		      const struct dev_ctx *ctx, struct errbuf *e)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return errf(e, -ENOMEM, "entropy: out of memory");
	r->rl_fd = -1;
	rate_limiter_init(&r->rl, &cfg->rate_limiter, rng_now_ns());
	ret = virtio_dev_init(&r->vd, &rng_ops, VIRTIO_ID_RNG,
			      VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX), 0, 1,
			      ctx->mem, ctx->log);
	if (ret) {
		free(r);
		return errf(e, ret, "entropy: cannot initialise the device");
	}
	snprintf(r->vd.name, sizeof(r->vd.name), "entropy");
	ret = watch_rl(r, ctx, e);
	if (ret) {
		virtio_rng_destroy(r);
		return ret;
	}
	*out = r;
	return 0;
}

struct virtio_dev *virtio_rng_dev(struct virtio_rng *r)
{
	return &r->vd;
}

void virtio_rng_stats(struct virtio_rng *r, struct virtio_rng_stats *s)
{
	pthread_mutex_lock(&r->vd.lock);
	*s = r->st;
	pthread_mutex_unlock(&r->vd.lock);
}

void virtio_rng_destroy(struct virtio_rng *r)
{
	if (!r)
		return;
	if (r->rl_fd >= 0)
		close(r->rl_fd);
	virtio_dev_destroy(&r->vd);
	free(r);
}
