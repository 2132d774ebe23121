/*
 * virtio_net_mmds.h - MMDS on a virtio-net interface, the glue between the
 * device's queues and mmds_net (used by virtio_net.c only).
 *
 * Transmit: the head of each chain (vnet header, Ethernet header and the
 * bytes that decide) is copied once; the decision is made on that copy and,
 * for frames that go to the tap, the same copy is what the tap gets, so the
 * guest cannot change a frame's destination between the check and the
 * write. Claimed frames are copied whole and consumed; they never reach the
 * tap nor the rate limiter. Receive: one MMDS frame at a time waits for the
 * guest's buffers, with a zeroed vnet header. A periodic timerfd (armed
 * only while mmds_net is busy) drives the stack's timeouts and kicks the
 * receive queue when they produced frames; it is set only on the event
 * loop (the thread whose seccomp filter allows timerfd_settime), so reset,
 * which a vCPU thread may run, leaves it to the next tick to stop. The
 * caller holds the device lock.
 */
#ifndef EMBER_VIRTIO_NET_MMDS_H
#define EMBER_VIRTIO_NET_MMDS_H

#include "loop.h"
#include "mmds_net.h"
#include "tap.h"
#include "virtio.h"
#include "virtqueue.h"

#define NET_MMDS_HEAD (TAP_VNET_HDR_LEN + MMDS_NET_CLAIM_LEN)

struct net_mmds {
	struct mmds_net *m;
	struct virtio_dev *vd; /* whose lock the timer takes and whose RX queue it kicks */
	unsigned int rxq;
	struct loop *loop; /* NULL: no timer (tests call net_mmds_tick) */
	int tfd;
	bool armed;
	struct loop_handler h;
	uint8_t head[NET_MMDS_HEAD];
	struct iovec iov[VQ_MAX_SEGS + 1];
	uint8_t tx[MMDS_NET_TX_MAX];
	uint32_t rx_len; /* the frame in rx waiting for buffers, 0: none */
	uint8_t rx[TAP_VNET_HDR_LEN + MMDS_NET_FRAME_MAX];
};

/* net_mmds_create - a stack for @cfg on @vd (queue @rxq receives), its
 * timer on @loop (may be NULL). 0 or -errno. */
int net_mmds_create(struct net_mmds **out, const struct mmds_net_cfg *cfg, struct virtio_dev *vd,
		    unsigned int rxq, struct loop *loop);
void net_mmds_destroy(struct net_mmds *nm);

/*
 * net_mmds_tx - offer TX chain @c (vnet header first). 1: MMDS consumed it.
 * 0: it goes to the tap: write *@iov (*@niov entries), which start with
 * ember's copy of the bytes the decision was made on.
 */
int net_mmds_tx(struct net_mmds *nm, const struct vq_chain *c, const struct iovec **iov, int *niov);

/* net_mmds_rx_peek - length of the frame (vnet header included) waiting in
 * nm->rx, producing one if there is none; 0: nothing for the guest. */
uint32_t net_mmds_rx_peek(struct net_mmds *nm);

/* net_mmds_rx_done - the frame in nm->rx was delivered (or dropped). */
void net_mmds_rx_done(struct net_mmds *nm);

/* net_mmds_pending - a frame waits or can be produced. */
bool net_mmds_pending(const struct net_mmds *nm);

/* net_mmds_tick - run the stack's timers now (the timerfd calls this). */
void net_mmds_tick(struct net_mmds *nm);

/* net_mmds_reset - forget connections and the waiting frame. */
void net_mmds_reset(struct net_mmds *nm);

#endif
