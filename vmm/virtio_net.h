/*
 * virtio_net.h - virtio-net (spec 5.1) on a host tap: one receive and one
 * transmit queue, checksum/TSO offloads mirrored to the tap, mergeable
 * receive buffers, back-pressure (the tap is not polled while the guest has
 * no buffers). All device work runs under the device lock.
 */
#ifndef EMBER_VIRTIO_NET_H
#define EMBER_VIRTIO_NET_H

#include "config.h"
#include "device.h"
#include "mmds_net.h"
#include "rate_limiter.h"
#include "virtio.h"

/* Device feature bits (spec 5.1.3). */
#define VIRTIO_NET_F_CSUM	(1ULL << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ULL << 1)
#define VIRTIO_NET_F_MTU	(1ULL << 3)
#define VIRTIO_NET_F_MAC	(1ULL << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (1ULL << 7)
#define VIRTIO_NET_F_GUEST_TSO6 (1ULL << 8)
#define VIRTIO_NET_F_HOST_TSO4	(1ULL << 11)
#define VIRTIO_NET_F_HOST_TSO6	(1ULL << 12)
#define VIRTIO_NET_F_MRG_RXBUF	(1ULL << 15)

#define NET_RXQ 0
#define NET_TXQ 1

struct virtio_net;

/*
 * virtio_net_create - attach to the interface's tap and build the device;
 * the tap fd is watched on @ctx->loop (disarmed until the driver
 * starts the device). With @ctx->mmds (the interface is in mmds-config)
 * the interface serves MMDS at the store's address (virtio_net_enable_mmds,
 * mmds_http_serve answering). Returns 0 or -errno with @e naming the
 * interface.
 */
int virtio_net_create(struct virtio_net **out, const struct cfg_net *cfg, const struct dev_ctx *ctx,
		      struct errbuf *e);

/*
 * virtio_net_create_fd - the same on an already open tap-like @fd (taken
 * over, closed on failure): a tap opened by someone else, or in tests a
 * SOCK_SEQPACKET socket, which keeps frame boundaries as a tap does.
 */
int virtio_net_create_fd(struct virtio_net **out, int fd, const struct cfg_net *cfg,
			 const struct dev_ctx *ctx, struct errbuf *e);

struct virtio_dev *virtio_net_dev(struct virtio_net *n);

/* virtio_net_set_rate_limiters - PATCH: replace the buckets set in @rx / @tx
 * (NULL: that direction unchanged). */
void virtio_net_set_rate_limiters(struct virtio_net *n, const struct cfg_rate_limiter *rx,
				  const struct cfg_rate_limiter *tx);

/* virtio_net_throttled_events - times receive / transmit were stopped. */
void virtio_net_throttled_events(struct virtio_net *n, uint64_t *rx, uint64_t *tx);

/* virtio_net_tap_fd - the tap fd the device reads and writes. */
int virtio_net_tap_fd(const struct virtio_net *n);

/*
 * virtio_net_enable_mmds - serve MMDS (mmds_net.h) at @cfg->ipv4 on this
 * interface: what the guest sends there is answered by ember and never
 * reaches the tap. Before the device starts. 0 or -errno with @e.
 */
int virtio_net_enable_mmds(struct virtio_net *n, const struct mmds_net_cfg *cfg, struct errbuf *e);

/* virtio_net_destroy - close the tap and free the device. */
void virtio_net_destroy(struct virtio_net *n);

#endif
