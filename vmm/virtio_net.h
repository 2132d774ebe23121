/*
 * virtio_net.h - virtio-net device (spec 5.1) on a host tap.
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
 */
#ifndef EMBER_VIRTIO_NET_H
#define EMBER_VIRTIO_NET_H

#include "config.h"
#include "device.h"
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
 * starts the device). Returns 0 or -errno with @e naming the interface.
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

/* virtio_net_tap_fd - the tap fd the device reads and writes. */
int virtio_net_tap_fd(const struct virtio_net *n);

/* virtio_net_destroy - close the tap and free the device. */
void virtio_net_destroy(struct virtio_net *n);

#endif
