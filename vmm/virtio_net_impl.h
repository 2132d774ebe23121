/*
 * virtio_net_impl.h - virtio-net's state, shared by its data path
 * (virtio_net.c: queues, tap, device ops, timers) and its set-up
 * (virtio_net_setup.c: create, destroy, rate limiter and MMDS
 * configuration). Nothing else includes it.
 */
#ifndef EMBER_VIRTIO_NET_IMPL_H
#define EMBER_VIRTIO_NET_IMPL_H

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
	struct net_mmds *mmds; /* NULL: MMDS is not served on this interface */
};

/* The device ops, the tap and rate limiter handlers, the clock. */
extern const struct virtio_dev_ops virtio_net_ops;
void virtio_net_on_tap(void *ctx, uint32_t events);
void virtio_net_on_rl_timer(void *ctx, uint32_t events);
uint64_t virtio_net_now_ns(void);

#endif
