/* virtio_net_mmds.c - MMDS on a virtio-net interface; see virtio_net_mmds.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "virtio_net_mmds.h"

#define VNET_HDR_F_NEEDS_CSUM 1

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Tick every MMDS_NET_TICK_MS while the stack has state, not otherwise. */
static void arm(struct net_mmds *nm)
{
	bool want = mmds_net_busy(nm->m);
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (nm->tfd < 0 || want == nm->armed)
		return;
	if (want) {
		its.it_interval.tv_nsec = MMDS_NET_TICK_MS * 1000000L;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(nm->tfd, 0, &its, NULL) == 0)
		nm->armed = want;
}

static void on_timer(void *ctx, uint32_t events)
{
	struct net_mmds *nm = ctx;
	struct virtio_dev *vd = nm->vd;
	uint64_t v;

	if (read(nm->tfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&vd->lock);
	net_mmds_tick(nm);
	if (vd->active && net_mmds_pending(nm) && vd->transport.kick)
		vd->transport.kick(vd->transport.ctx, nm->rxq);
	pthread_mutex_unlock(&vd->lock);
}

int net_mmds_create(struct net_mmds **out, const struct mmds_net_cfg *cfg, struct virtio_dev *vd,
		    unsigned int rxq, struct loop *loop)
{
	struct net_mmds *nm = calloc(1, sizeof(*nm));
	int ret;

	if (!nm)
		return -ENOMEM;
	nm->vd = vd;
	nm->rxq = rxq;
	nm->loop = loop;
	nm->tfd = -1;
	ret = mmds_net_create(&nm->m, cfg);
	if (ret)
		goto err;
	if (loop) {
		nm->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (nm->tfd < 0) {
			ret = -errno;
			goto err;
		}
		nm->h = (struct loop_handler){.fn = on_timer, .ctx = nm};
		ret = loop_add(loop, nm->tfd, EPOLLIN, &nm->h);
		if (ret)
			goto err;
	}
	*out = nm;
	return 0;
err:
	net_mmds_destroy(nm);
	return ret;
}

void net_mmds_destroy(struct net_mmds *nm)
{
	if (!nm)
		return;
	if (nm->tfd >= 0)
		close(nm->tfd); /* closing it leaves the epoll set */
	mmds_net_destroy(nm->m);
	free(nm);
}

int net_mmds_tx(struct net_mmds *nm, const struct vq_chain *c, const struct iovec **iov, int *niov)
{
	uint32_t hl = c->out_len < NET_MMDS_HEAD ? c->out_len : NET_MMDS_HEAD, len;
	int k;

	hl = vq_copy_from_out(c, 0, nm->head, hl);
	if (hl > TAP_VNET_HDR_LEN &&
	    mmds_net_claims(nm->m, nm->head + TAP_VNET_HDR_LEN, hl - TAP_VNET_HDR_LEN)) {
		len = c->out_len - TAP_VNET_HDR_LEN;
		/* Longer frames are dropped by mmds_net_tx without being read. */
		vq_copy_from_out(c, TAP_VNET_HDR_LEN, nm->tx,
				 len < MMDS_NET_TX_MAX ? len : MMDS_NET_TX_MAX);
		mmds_net_tx(nm->m, nm->tx, len, nm->head[0] & VNET_HDR_F_NEEDS_CSUM, now_ms());
		arm(nm);
		return 1;
	}
	nm->iov[0] = (struct iovec){.iov_base = nm->head, .iov_len = hl};
	k = vq_slice(c->iov, c->nr_out, hl, c->out_len - hl, nm->iov + 1, VQ_MAX_SEGS);
	if (k < 0) { /* cannot happen: a suffix needs no more entries than the whole */
		*iov = c->iov;
		*niov = c->nr_out;
		return 0;
	}
	*iov = nm->iov;
	*niov = k + 1;
	return 0;
}

uint32_t net_mmds_rx_peek(struct net_mmds *nm)
{
	size_t n;

	if (nm->rx_len)
		return nm->rx_len;
	n = mmds_net_rx(nm->m, nm->rx + TAP_VNET_HDR_LEN, MMDS_NET_FRAME_MAX, now_ms());
	if (n) {
		memset(nm->rx, 0, TAP_VNET_HDR_LEN);
		nm->rx_len = (uint32_t)(TAP_VNET_HDR_LEN + n);
	}
	arm(nm);
	return nm->rx_len;
}

void net_mmds_rx_done(struct net_mmds *nm)
{
	nm->rx_len = 0;
}

bool net_mmds_pending(const struct net_mmds *nm)
{
	return nm->rx_len || mmds_net_rx_pending(nm->m);
}

void net_mmds_tick(struct net_mmds *nm)
{
	mmds_net_tick(nm->m, now_ms());
	arm(nm);
}

/* May run on a vCPU thread (a status write): no timerfd call here; the
 * next tick finds the stack idle and stops the timer. */
void net_mmds_reset(struct net_mmds *nm)
{
	mmds_net_reset(nm->m);
	nm->rx_len = 0;
}
