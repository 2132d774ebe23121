/*
 * virtio_net.c - virtio-net device; see virtio_net.h.
 *
 * Everything here runs with the device lock held: queue notifications and
 * tap readiness on the event-loop thread, activation and reset on the vCPU
 * thread that wrote the status register.
 *
 * Queues: 0 receive, 1 transmit, 256 entries each; no control queue, no
 * multiqueue. Features offered: VERSION_1, RING_EVENT_IDX,
 * RING_INDIRECT_DESC, CSUM and GUEST_CSUM, HOST_TSO4/6 and GUEST_TSO4/6,
 * MRG_RXBUF, and MAC / MTU when the interface configures them. What the
 * guest acks of GUEST_CSUM / GUEST_TSO4 / GUEST_TSO6 is mirrored to the tap
 * with TUNSETOFFLOAD, so the host only hands ember frames the guest accepts.
 *
 * Transmit: chains are written to the tap with writev straight from guest
 * memory (the guest's virtio_net_hdr_v1 is the tap's vnet header), all
 * available chains per notification, then one interrupt decision.
 * Receive: one frame at a time is read from the tap into a bounce buffer and
 * copied into as many receive buffers as it needs (mergeable buffers) or
 * one. When the guest has no buffers left the frame is kept and the tap is
 * no longer polled (back-pressure: the host queues or drops, ember does
 * not) until the guest posts more.
 *
 * Rate limiters (rate_limiter.h), one per direction, a frame's bytes and
 * one op each: a refused TX chain goes back to the avail ring; a refused RX
 * frame stays pending and the tap is not read. Each direction's timerfd
 * resumes it. Nothing is dropped for being over the limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "tap.h"
#include "virtio_net.h"

/* Largest frame the guest may transmit: the vnet header plus a 64 KiB GSO
 * frame (Firecracker's MAX_BUFFER_SIZE). The receive bounce buffer also
 * holds the largest GSO frame the host can build. */
#define NET_TX_MAX   (TAP_VNET_HDR_LEN + 65550)
#define NET_RX_BUF   (TAP_VNET_HDR_LEN + 65536 + 512)
#define NET_RX_BATCH 64	 /* frames per tap wake-up, then back to the loop */
#define NET_TX_BATCH 256 /* frames per notification before yielding */
/* Offset of num_buffers in struct virtio_net_hdr_v1. */
#define NET_HDR_NUM_BUFFERS 10

/* struct virtio_net_config (spec 5.1.4) up to mtu. */
struct net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __attribute__((packed));

_Static_assert(sizeof(struct net_config) == 12, "virtio_net_config layout");

/* One direction's rate limiter and the timer that resumes it. */
struct net_rl {
	struct rate_limiter rl;
	int fd; /* timerfd, -1 without a loop */
	struct loop_handler h;
	bool throttled;
	uint64_t events; /* times this direction was stopped */
	struct virtio_net *n;
};

struct virtio_net {
	struct virtio_dev vd;
	struct net_rl rx_rl, tx_rl;
	bool frame_charged; /* the pending frame went through rx_rl */
	struct loop *loop;  /* NULL: the tap is not watched (tests) */
	int tap;
	char host_dev[16];
	struct net_config cfg;
	struct loop_handler tap_handler;
	uint32_t tap_events; /* what epoll watches the tap for */
	bool tap_dead;
	uint8_t *frame; /* received frame waiting for guest buffers */
	uint32_t frame_len;
	bool frame_pending;
	struct vq_chain chain;
	uint16_t rx_head[VIRTIO_QUEUE_MAX];
	uint32_t rx_len[VIRTIO_QUEUE_MAX];
	uint64_t rx_frames, rx_dropped, tx_frames, tx_dropped, tx_errors;
};

static struct virtio_net *to_net(struct virtio_dev *vd)
{
	return (struct virtio_net *)vd; /* vd is the first member */
}

static uint64_t net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* True if a frame of @len bytes may pass; otherwise the timer is armed. */
static bool net_rl_admit(struct net_rl *r, uint64_t len)
{
	struct itimerspec its = {{0, 0}, {0, 0}};
	uint64_t ns;

	if (r->fd < 0 || rate_limiter_unlimited(&r->rl) ||
	    rate_limiter_consume(&r->rl, len, 1, net_now_ns()))
		return true;
	ns = rate_limiter_wait_ns(&r->rl);
	its.it_value.tv_sec = (time_t)(ns / 1000000000ULL);
	its.it_value.tv_nsec = (long)(ns % 1000000000ULL);
	if (timerfd_settime(r->fd, 0, &its, NULL))
		return true; /* cannot wait: run unthrottled */
	if (!r->throttled)
		r->events++;
	r->throttled = true;
	return false;
}

/* Poll the tap for input, or stop polling it (back-pressure). */
static void tap_arm(struct virtio_net *n, bool on)
{
	uint32_t ev = on ? EPOLLIN : 0;

	if (n->tap_dead || n->tap_events == ev || !n->loop)
		return;
	if (loop_mod(n->loop, n->tap, ev, &n->tap_handler) == 0)
		n->tap_events = ev;
}

/* Return @k gathered receive chains unused, with length 0. */
static void rx_return(struct virtqueue *vq, struct virtio_net *n, uint16_t k)
{
	uint16_t i;

	for (i = 0; i < k; i++)
		vq_push(vq, n->rx_head[i], 0);
}

/*
 * Copy the pending frame into receive buffers. Returns 1 when the frame is
 * gone (delivered, or dropped because it cannot fit or a receive chain is
 * malformed), 0 when there are not enough buffers yet (frame kept), -EIO
 * when the queue is corrupt.
 */
static int rx_deliver(struct virtio_net *n)
{
	struct virtqueue *vq = &n->vd.vq[NET_RXQ];
	bool mrg = n->vd.acked & VIRTIO_NET_F_MRG_RXBUF;
	uint64_t bad = vq->bad_chains;
	uint8_t *nb[2] = {NULL, NULL};
	uint32_t got = 0, take;
	uint16_t k = 0, i, num;
	int ret;

	while (got < n->frame_len) {
		if (k == VIRTIO_QUEUE_MAX || (k && !mrg))
			goto drop; /* larger than every buffer the guest offers */
		ret = vq_pop(vq, &n->chain);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			if (vq_unpop(vq, k, bad))
				return 0;
			goto drop_return;
		}
		n->rx_head[k] = n->chain.head;
		n->rx_len[k++] = 0;
		/* Receive buffers are device-writable, the first holds the header. */
		if (n->chain.nr_out || (k == 1 && n->chain.in_len < TAP_VNET_HDR_LEN))
			goto drop_return;
		if (k == 1) {
			nb[0] = vq_in_byte(&n->chain, NET_HDR_NUM_BUFFERS);
			nb[1] = vq_in_byte(&n->chain, NET_HDR_NUM_BUFFERS + 1);
		}
		take = n->chain.in_len < n->frame_len - got ? n->chain.in_len : n->frame_len - got;
		vq_copy_to_in(&n->chain, 0, n->frame + got, take);
		n->rx_len[k - 1] = take;
		got += take;
	}
	/* num_buffers, little-endian; 1 without mergeable buffers. */
	num = mrg ? k : 1;
	*nb[0] = (uint8_t)num;
	*nb[1] = (uint8_t)(num >> 8);
	for (i = 0; i < k; i++)
		vq_push(vq, n->rx_head[i], n->rx_len[i]);
	n->rx_frames++;
	return 1;

drop:
	n->rx_dropped++;
	if (!vq_unpop(vq, k, bad))
		rx_return(vq, n, k);
	return 1;
drop_return:
	n->rx_dropped++;
	rx_return(vq, n, k);
	return 1;
}

static void rx_process(struct virtio_net *n)
{
	struct virtqueue *vq = &n->vd.vq[NET_RXQ];
	unsigned int i;
	ssize_t len;
	int ret;

	for (i = 0; i < NET_RX_BATCH; i++) {
		if (!n->frame_pending) {
			len = read(n->tap, n->frame, NET_RX_BUF);
			if (len < 0 && errno == EINTR)
				continue;
			if (len < 0)
				break; /* EAGAIN: drained (or the tap is down) */
			if (len < TAP_VNET_HDR_LEN) {
				n->rx_dropped++;
				continue;
			}
			n->frame_len = (uint32_t)len;
			n->frame_pending = true;
			n->frame_charged = false;
		}
		if (!n->frame_charged) {
			if (!net_rl_admit(&n->rx_rl, n->frame_len)) {
				tap_arm(n, false); /* the timer resumes receive */
				break;
			}
			n->frame_charged = true;
		}
		ret = rx_deliver(n);
		if (ret < 0) {
			virtio_fail(&n->vd, "the receive queue is corrupt");
			tap_arm(n, false);
			break;
		}
		if (ret == 0) {
			if (vq_enable_notify(vq))
				continue; /* buffers arrived meanwhile */
			tap_arm(n, false);
			break;
		}
		n->frame_pending = false;
	}
	virtio_signal_used(&n->vd, vq);
}

static void tx_one(struct virtio_net *n, struct virtqueue *vq)
{
	const struct vq_chain *c = &n->chain;
	ssize_t w;

	if (c->nr_in || c->out_len < TAP_VNET_HDR_LEN || c->out_len > NET_TX_MAX) {
		n->tx_dropped++;
	} else {
		do
			w = writev(n->tap, c->iov, c->nr_out);
		while (w < 0 && errno == EINTR);
		/* A full or downed tap drops the frame, as a wire would. */
		if (w < 0)
			n->tx_errors++;
		else
			n->tx_frames++;
	}
	vq_push(vq, c->head, 0);
}

static void tx_process(struct virtio_net *n)
{
	struct virtqueue *vq = &n->vd.vq[NET_TXQ];
	unsigned int budget = NET_TX_BATCH;
	uint64_t bad;
	int ret;

	if (n->tx_rl.throttled) /* the timer resumes transmit */
		return;
	do {
		vq_disable_notify(vq);
		for (; budget; budget--) {
			bad = vq->bad_chains;
			ret = vq_pop(vq, &n->chain);
			if (ret < 0) {
				virtio_fail(&n->vd, "the transmit queue is corrupt");
				return;
			}
			if (ret == 0)
				break;
			if (!net_rl_admit(&n->tx_rl, n->chain.out_len) && vq_unpop(vq, 1, bad))
				goto out;
			tx_one(n, vq);
		}
		if (!budget) {
			/* Let receive and other devices run; come back soon. */
			if (n->vd.transport.kick)
				n->vd.transport.kick(n->vd.transport.ctx, NET_TXQ);
			break;
		}
	} while (vq_enable_notify(vq));
out:
	virtio_signal_used(&n->vd, vq);
}

static void on_rl_timer(void *ctx, uint32_t events)
{
	struct net_rl *r = ctx;
	struct virtio_net *n = r->n;
	uint64_t v;

	if (read(r->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&n->vd.lock);
	r->throttled = false;
	if (n->vd.active && !(n->vd.status & VIRTIO_STATUS_NEEDS_RESET)) {
		if (r == &n->tx_rl) {
			tx_process(n);
		} else {
			rx_process(n);
			if (!n->frame_pending)
				tap_arm(n, true);
		}
	}
	pthread_mutex_unlock(&n->vd.lock);
}

/* @r's timerfd on the loop (made even when unlimited: PATCH may limit). */
static int net_rl_init(struct virtio_net *n, struct net_rl *r, const struct cfg_rate_limiter *c)
{
	r->n = n;
	r->fd = -1;
	rate_limiter_init(&r->rl, c, net_now_ns());
	if (!n->loop)
		return 0;
	r->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->fd < 0)
		return -errno;
	r->h = (struct loop_handler){.fn = on_rl_timer, .ctx = r};
	return loop_add(n->loop, r->fd, EPOLLIN, &r->h);
}

static void net_rl_close(struct net_rl *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void virtio_net_set_rate_limiters(struct virtio_net *n, const struct cfg_rate_limiter *rx,
				  const struct cfg_rate_limiter *tx)
{
	uint64_t now = net_now_ns();

	pthread_mutex_lock(&n->vd.lock);
	if (rx)
		rate_limiter_update(&n->rx_rl.rl, rx, now);
	if (tx)
		rate_limiter_update(&n->tx_rl.rl, tx, now);
	pthread_mutex_unlock(&n->vd.lock);
}

void virtio_net_throttled_events(struct virtio_net *n, uint64_t *rx, uint64_t *tx)
{
	pthread_mutex_lock(&n->vd.lock);
	*rx = n->rx_rl.events;
	*tx = n->tx_rl.events;
	pthread_mutex_unlock(&n->vd.lock);
}

static void on_tap(void *ctx, uint32_t events)
{
	struct virtio_net *n = ctx;

	pthread_mutex_lock(&n->vd.lock);
	if (events & (EPOLLERR | EPOLLHUP)) {
		/* The tap went away under us: stop watching it for good. */
		if (!n->tap_dead && n->vd.log)
			log_error(n->vd.log, "%s: tap \"%s\" failed; no more input from it",
				  n->vd.name, n->host_dev);
		loop_del(n->loop, n->tap);
		n->tap_dead = true;
	} else if (n->vd.active && !(n->vd.status & VIRTIO_STATUS_NEEDS_RESET)) {
		rx_process(n);
	} else {
		tap_arm(n, false);
	}
	pthread_mutex_unlock(&n->vd.lock);
}

static void net_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_net *n = to_net(vd);

	if (q == NET_TXQ) {
		tx_process(n);
		return;
	}
	/* New receive buffers: deliver what waits, then poll the tap again. */
	rx_process(n);
	if (!n->frame_pending && vd->active && !(vd->status & VIRTIO_STATUS_NEEDS_RESET))
		tap_arm(n, true);
}

static unsigned int offload_flags(const struct virtio_dev *vd)
{
	unsigned int f = 0;

	if (!(vd->acked & VIRTIO_NET_F_GUEST_CSUM))
		return 0; /* segmentation offloads need checksum offload */
	f |= TUN_F_CSUM;
	if (vd->acked & VIRTIO_NET_F_GUEST_TSO4)
		f |= TUN_F_TSO4;
	if (vd->acked & VIRTIO_NET_F_GUEST_TSO6)
		f |= TUN_F_TSO6;
	return f;
}

static int net_activate(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);
	unsigned int f = offload_flags(vd);

	if (!vd->vq[NET_RXQ].active || !vd->vq[NET_TXQ].active) {
		if (vd->log)
			log_warn(vd->log, "%s: driver did not set up both queues", vd->name);
		return -EINVAL;
	}
	/* Without them the host segments and checksums for us: always safe. */
	if (tap_set_offload(n->tap, f) && vd->log)
		log_warn(vd->log, "%s: tap \"%s\" refused offloads 0x%x; using none", vd->name,
			 n->host_dev, f);
	n->frame_pending = false;
	tap_arm(n, true);
	return 0;
}

static void net_reset(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);

	tap_arm(n, false);
	tap_set_offload(n->tap, 0);
	n->frame_pending = false;
}

static void net_config_read(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_net *n = to_net(vd);

	virtio_config_copy(&n->cfg, sizeof(n->cfg), off, data, len);
}

/* Snapshot: no more input from the tap; a frame not yet delivered is
 * dropped, as a full receive queue would drop it. */
static int net_quiesce(struct virtio_dev *vd)
{
	struct virtio_net *n = to_net(vd);

	tap_arm(n, false);
	if (n->frame_pending)
		n->rx_dropped++;
	n->frame_pending = false;
	return 0;
}

/* The device's own state: the config space the guest was shown. */
static int net_save(const struct virtio_dev *vd, uint8_t *buf, size_t len)
{
	const struct virtio_net *n = (const struct virtio_net *)vd;

	if (len < sizeof(n->cfg))
		return -ENOSPC;
	memcpy(buf, &n->cfg, sizeof(n->cfg));
	return (int)sizeof(n->cfg);
}

/* Another MAC or MTU under a running driver would break its view. */
static int net_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct virtio_net *n = to_net(vd);

	if (len != sizeof(n->cfg) || memcmp(buf, &n->cfg, sizeof(n->cfg)))
		return -EINVAL;
	return 0;
}

static const struct virtio_dev_ops net_ops = {
    .config_read = net_config_read,
    .activate = net_activate,
    .reset = net_reset,
    .notify = net_notify,
    .quiesce = net_quiesce,
    .save = net_save,
    .restore = net_restore,
};

static uint64_t net_features(const struct cfg_net *cfg)
{
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
		     VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_NET_F_CSUM |
		     VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 |
		     VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_MRG_RXBUF;

	if (cfg->has_guest_mac)
		f |= VIRTIO_NET_F_MAC;
	if (cfg->mtu)
		f |= VIRTIO_NET_F_MTU;
	return f;
}

int virtio_net_create_fd(struct virtio_net **out, int fd, const struct cfg_net *cfg,
			 const struct dev_ctx *ctx, struct errbuf *e)
{
	struct virtio_net *n;
	int ret;

	n = calloc(1, sizeof(*n));
	if (!n) {
		close(fd);
		return errf(e, -ENOMEM, "network interface \"%s\": out of memory", cfg->iface_id);
	}
	n->tap = fd;
	n->loop = ctx->loop;
	n->rx_rl.fd = n->tx_rl.fd = -1;
	snprintf(n->host_dev, sizeof(n->host_dev), "%s", cfg->host_dev_name);
	n->frame = malloc(NET_RX_BUF);
	if (!n->frame) {
		ret = errf(e, -ENOMEM, "network interface \"%s\": out of memory", cfg->iface_id);
		goto err_free;
	}
	memcpy(n->cfg.mac, cfg->guest_mac, sizeof(n->cfg.mac));
	n->cfg.max_virtqueue_pairs = 1;
	n->cfg.mtu = (uint16_t)cfg->mtu;
	ret = virtio_dev_init(&n->vd, &net_ops, VIRTIO_ID_NET, net_features(cfg), sizeof(n->cfg), 2,
			      ctx->mem, ctx->log);
	if (ret) {
		errf(e, ret, "network interface \"%s\": cannot initialise the device",
		     cfg->iface_id);
		goto err_free;
	}
	snprintf(n->vd.name, sizeof(n->vd.name), "net \"%s\"", cfg->iface_id);
	n->tap_handler = (struct loop_handler){.fn = on_tap, .ctx = n};
	if (n->loop) {
		/* Registered disarmed; the driver starting the device arms it. */
		ret = loop_add(n->loop, n->tap, 0, &n->tap_handler);
		if (ret) {
			errf(e, ret, "network interface \"%s\": watching the tap: %s",
			     cfg->iface_id, strerror(-ret));
			goto err_dev;
		}
	}
	ret = net_rl_init(n, &n->rx_rl, &cfg->rx_rate_limiter);
	if (!ret)
		ret = net_rl_init(n, &n->tx_rl, &cfg->tx_rate_limiter);
	if (ret) {
		errf(e, ret, "network interface \"%s\": rate limiter timer: %s", cfg->iface_id,
		     strerror(-ret));
		goto err_dev;
	}
	*out = n;
	return 0;

err_dev:
	virtio_dev_destroy(&n->vd);
err_free:
	net_rl_close(&n->rx_rl);
	net_rl_close(&n->tx_rl);
	close(n->tap);
	free(n->frame);
	free(n);
	return ret;
}

int virtio_net_create(struct virtio_net **out, const struct cfg_net *cfg, const struct dev_ctx *ctx,
		      struct errbuf *e)
{
	struct errbuf te = {""};
	int fd = tap_open(cfg->host_dev_name, &te);

	if (fd < 0)
		return errf(e, fd, "network interface \"%s\": %s", cfg->iface_id, te.msg);
	return virtio_net_create_fd(out, fd, cfg, ctx, e);
}

struct virtio_dev *virtio_net_dev(struct virtio_net *n)
{
	return &n->vd;
}

int virtio_net_tap_fd(const struct virtio_net *n)
{
	return n->tap;
}

void virtio_net_destroy(struct virtio_net *n)
{
	if (!n)
		return;
	if (n->vd.log)
		log_info(n->vd.log,
			 "%s: rx %llu frames (%llu dropped), tx %llu frames (%llu dropped, %llu "
			 "errors)",
			 n->vd.name, (unsigned long long)n->rx_frames,
			 (unsigned long long)n->rx_dropped, (unsigned long long)n->tx_frames,
			 (unsigned long long)n->tx_dropped, (unsigned long long)n->tx_errors);
	net_rl_close(&n->rx_rl);
	net_rl_close(&n->tx_rl);
	close(n->tap);
	virtio_dev_destroy(&n->vd);
	free(n->frame);
	free(n);
}
