/* virtio_net_setup.c - creating, configuring and destroying virtio-net
 * devices; see virtio_net.h (the data path is virtio_net.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "mmds_http.h"
#include "virtio_net_impl.h"
#include "virtio_net_mmds.h"

/* The metadata store as the MMDS stack's responder. */
static ssize_t store_serve(void *ctx, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
			   uint64_t now_ms)
{
	return mmds_http_serve(ctx, in, len, out, out_len, now_ms);
}

/* MMDS on this interface when the device manager handed it the store. */
static int enable_store(struct virtio_net *n, struct mmds_store *s, struct errbuf *e)
{
	uint32_t a = mmds_store_ipv4(s);
	struct mmds_net_cfg mc = {
	    .ipv4 = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a},
	    .responder = {.serve = store_serve, .ctx = s},
	    .seed = (uint32_t)virtio_net_now_ns() ^ (uint32_t)(uintptr_t)n,
	};

	return virtio_net_enable_mmds(n, &mc, e);
}

/* @r's timerfd on the loop (made even when unlimited: PATCH may limit). */
static int net_rl_init(struct virtio_net *n, struct net_rl *r, const struct cfg_rate_limiter *c)
{
	r->n = n;
	r->fd = -1;
	rate_limiter_init(&r->rl, c, virtio_net_now_ns());
	if (!n->loop)
		return 0;
	r->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (r->fd < 0)
		return -errno;
	r->h = (struct loop_handler){.fn = virtio_net_on_rl_timer, .ctx = r};
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
	uint64_t now = virtio_net_now_ns();

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
	ret = virtio_dev_init(&n->vd, &virtio_net_ops, VIRTIO_ID_NET, net_features(cfg),
			      sizeof(n->cfg), 2, ctx->mem, ctx->log);
	if (ret) {
		errf(e, ret, "network interface \"%s\": cannot initialise the device",
		     cfg->iface_id);
		goto err_free;
	}
	snprintf(n->vd.name, sizeof(n->vd.name), "net \"%s\"", cfg->iface_id);
	n->tap_handler = (struct loop_handler){.fn = virtio_net_on_tap, .ctx = n};
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
	if (ctx->mmds) {
		ret = enable_store(n, ctx->mmds, e);
		if (ret)
			goto err_dev;
	}
	*out = n;
	return 0;

err_dev:
	virtio_dev_destroy(&n->vd);
err_free:
	net_mmds_destroy(n->mmds);
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
	if (n->mmds && n->vd.log) {
		struct mmds_net_stats st;

		mmds_net_get_stats(n->mmds->m, &st);
		log_info(
		    n->vd.log,
		    "%s: MMDS: %llu frames in (%llu dropped), %llu out, %llu ARP replies, "
		    "%llu connections (%llu evicted, %llu timed out), %llu requests, %llu resets",
		    n->vd.name, (unsigned long long)st.rx_frames, (unsigned long long)st.rx_dropped,
		    (unsigned long long)st.tx_frames, (unsigned long long)st.arp_replies,
		    (unsigned long long)st.conns, (unsigned long long)st.evicted,
		    (unsigned long long)st.timeouts, (unsigned long long)st.requests,
		    (unsigned long long)st.resets);
	}
	net_rl_close(&n->rx_rl);
	net_rl_close(&n->tx_rl);
	net_mmds_destroy(n->mmds);
	close(n->tap);
	virtio_dev_destroy(&n->vd);
	free(n->frame);
	free(n);
}

int virtio_net_enable_mmds(struct virtio_net *n, const struct mmds_net_cfg *cfg, struct errbuf *e)
{
	int ret;

	if (n->mmds)
		return errf(e, -EEXIST, "%s: MMDS is already enabled", n->vd.name);
	ret = net_mmds_create(&n->mmds, cfg, &n->vd, NET_RXQ, n->loop);
	if (ret)
		return errf(e, ret, "%s: MMDS: %s", n->vd.name, strerror(-ret));
	if (n->vd.log)
		log_info(n->vd.log, "%s: MMDS at %u.%u.%u.%u", n->vd.name, cfg->ipv4[0],
			 cfg->ipv4[1], cfg->ipv4[2], cfg->ipv4[3]);
	return 0;
}
