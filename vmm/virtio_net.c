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
 *
 * MMDS (virtio_net_mmds.h), when enabled on the interface: each TX chain is
 * offered to it before the rate limiter and the tap; what it takes is
 * answered by frames that go into the receive queue ahead of the tap's
 * (between them, one per iteration) and are not rate limited. MMDS frames
 * queued behind a throttled TX chain wait for it, the ring being in order.
 * Creation, destruction and configuration are in virtio_net_setup.c.
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
#include "virtio_net_impl.h"
#include "virtio_net_mmds.h"

static struct virtio_net *to_net(struct virtio_dev *vd)
{
	return (struct virtio_net *)vd; /* vd is the first member */
}

uint64_t virtio_net_now_ns(void)
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
	    rate_limiter_consume(&r->rl, len, 1, virtio_net_now_ns()))
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
 * Copy @frame (@len bytes, vnet header first) into receive buffers. Returns
 * 1 when the frame is gone (delivered, or dropped because it cannot fit or
 * a receive chain is malformed), 0 when there are not enough buffers yet
 * (frame kept), -EIO when the queue is corrupt.
 */
static int rx_deliver(struct virtio_net *n, const uint8_t *frame, uint32_t len)
{
	struct virtqueue *vq = &n->vd.vq[NET_RXQ];
	bool mrg = n->vd.acked & VIRTIO_NET_F_MRG_RXBUF;
	uint64_t bad = vq->bad_chains;
	uint8_t *nb[2] = {NULL, NULL};
	uint32_t got = 0, take;
	uint16_t k = 0, i, num;
	int ret;

	while (got < len) {
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
		take = n->chain.in_len < len - got ? n->chain.in_len : len - got;
		vq_copy_to_in(&n->chain, 0, frame + got, take);
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

/* Deliver the next MMDS frame: as rx_deliver, or 2 when there is none.
 * MMDS frames go ahead of the tap's and skip the rate limiter. */
static int rx_mmds(struct virtio_net *n)
{
	uint32_t len = n->mmds ? net_mmds_rx_peek(n->mmds) : 0;
	int ret;

	if (!len)
		return 2;
	ret = rx_deliver(n, n->mmds->rx, len);
	if (ret == 1)
		net_mmds_rx_done(n->mmds);
	return ret;
}

/* Make a tap frame pending (read, rate limited): 1 ready, 0 try again,
 * -1 stop (drained, or throttled until the timer). */
static int rx_tap_next(struct virtio_net *n)
{
	ssize_t len;

	if (!n->frame_pending) {
		len = read(n->tap, n->frame, NET_RX_BUF);
		if (len < 0)
			return errno == EINTR ? 0 : -1; /* EAGAIN: drained (or the tap is down) */
		if (len < TAP_VNET_HDR_LEN) {
			n->rx_dropped++;
			return 0;
		}
		n->frame_len = (uint32_t)len;
		n->frame_pending = true;
		n->frame_charged = false;
	}
	if (!n->frame_charged) {
		if (!net_rl_admit(&n->rx_rl, n->frame_len)) {
			tap_arm(n, false); /* the timer resumes receive */
			return -1;
		}
		n->frame_charged = true;
	}
	return 1;
}

static void rx_process(struct virtio_net *n)
{
	struct virtqueue *vq = &n->vd.vq[NET_RXQ];
	unsigned int i;
	int ret;

	for (i = 0; i < NET_RX_BATCH; i++) {
		ret = rx_mmds(n);
		if (ret == 2) {
			ret = rx_tap_next(n);
			if (ret < 0)
				break;
			if (ret == 0)
				continue;
			ret = rx_deliver(n, n->frame, n->frame_len);
			if (ret == 1)
				n->frame_pending = false;
		}
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
	}
	virtio_signal_used(&n->vd, vq);
}

/* A chain the guest may transmit: readable only, a vnet header, not too long. */
static bool tx_valid(const struct vq_chain *c)
{
	return !c->nr_in && c->out_len >= TAP_VNET_HDR_LEN && c->out_len <= NET_TX_MAX;
}

static void tx_one(struct virtio_net *n, struct virtqueue *vq, const struct iovec *iov, int niov)
{
	const struct vq_chain *c = &n->chain;
	ssize_t w;

	if (!tx_valid(c)) {
		n->tx_dropped++;
	} else {
		do
			w = writev(n->tap, iov, niov);
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
	const struct iovec *iov;
	uint64_t bad;
	int ret, niov;

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
			iov = n->chain.iov;
			niov = n->chain.nr_out;
			/* MMDS first: what it takes never reaches the tap or the limiter. */
			if (n->mmds && tx_valid(&n->chain) &&
			    net_mmds_tx(n->mmds, &n->chain, &iov, &niov)) {
				vq_push(vq, n->chain.head, 0);
				continue;
			}
			if (!net_rl_admit(&n->tx_rl, n->chain.out_len) && vq_unpop(vq, 1, bad))
				goto out;
			tx_one(n, vq, iov, niov);
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
	if (n->mmds && net_mmds_pending(n->mmds))
		rx_process(n); /* MMDS answered: deliver now */
}

void virtio_net_on_rl_timer(void *ctx, uint32_t events)
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

void virtio_net_on_tap(void *ctx, uint32_t events)
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
	if (n->mmds)
		net_mmds_reset(n->mmds);
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
	if (n->mmds) /* MMDS connections do not survive a snapshot */
		net_mmds_reset(n->mmds);
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

const struct virtio_dev_ops virtio_net_ops = {
    .config_read = net_config_read,
    .activate = net_activate,
    .reset = net_reset,
    .notify = net_notify,
    .quiesce = net_quiesce,
    .save = net_save,
    .restore = net_restore,
};
