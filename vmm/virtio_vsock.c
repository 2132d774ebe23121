/*
 * virtio_vsock.c - virtio-vsock device; see virtio_vsock.h.
 *
 * Queues: 0 receive, 1 transmit, 2 event, 256 entries each. Features:
 * VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC. Config space: the guest's
 * CID, 64-bit little-endian.
 *
 * Transmit: each chain is one packet, header first (any split across
 * descriptors); a chain shorter than the header is dropped, a header that
 * fails vsock_pkt_check costs its connection only (the mux resets it).
 * Receive: the mux fills one packet per receive chain, connections taking
 * turns; up to VSOCK_RX_GATHER chains are offered at once, so one host
 * read can fill many of them; when the guest has no buffers left the host
 * sockets are not read (their own buffers fill, the clients block).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_vsock.h"

#define VSOCK_RX_BATCH	256 /* packets per turn, then back to the loop */
#define VSOCK_TX_BATCH	256
#define VSOCK_RX_GATHER 16 /* receive buffers one host read may fill */

struct virtio_vsock {
	struct virtio_dev vd;
	uint64_t cid_le; /* config space */
	struct vsock_mux mux;
	struct vq_chain chain;		     /* transmit and event queues */
	struct vq_chain rx[VSOCK_RX_GATHER]; /* receive buffers being filled */
	unsigned int gather; /* buffers the next gather pops: grows while reads fill them all */
};

static struct virtio_vsock *to_vsock(struct virtio_dev *vd)
{
	return (struct virtio_vsock *)vd; /* vd is the first member */
}

static bool running(const struct virtio_dev *vd)
{
	return vd->active && !(vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

/* Pop up to @v->gather receive chains into @v->rx, their payload
 * areas back to back in @b. The count; @bad[i] is vq->bad_chains before
 * chain i was popped (for vq_unpop). */
static unsigned int rx_gather(struct virtio_vsock *v, struct virtqueue *vq, struct vsock_rx_bufs *b,
			      struct iovec *iov, uint32_t *room, uint64_t *bad)
{
	unsigned int n = 0;
	uint32_t len;
	int nr;

	b->niov = 0;
	while (n < v->gather) {
		struct vq_chain *c = &v->rx[n];

		bad[n] = vq->bad_chains;
		if (vq_pop(vq, c) <= 0)
			break; /* none, or corrupt (seen by the caller) */
		if (c->nr_out || c->in_len < VSOCK_HDR_LEN) {
			/* Unusable: consumed when first, else left for the next
			 * gather (where it is first). */
			if (!n) {
				vq_push(vq, c->head, 0);
				continue;
			}
			if (!vq_unpop(vq, 1, bad[n]))
				vq_push(vq, c->head, 0);
			break;
		}
		len = c->in_len - VSOCK_HDR_LEN;
		if (len > VSOCK_MAX_PAYLOAD)
			len = VSOCK_MAX_PAYLOAD;
		nr = vq_slice(c->iov + c->nr_out, c->nr_in, VSOCK_HDR_LEN, len, iov + b->niov,
			      VQ_MAX_SEGS - b->niov);
		if (nr < 0) {
			if (!vq_unpop(vq, 1, bad[n]))
				vq_push(vq, c->head, 0);
			break;
		}
		b->niov += (unsigned int)nr;
		room[n++] = len;
	}
	b->nbuf = n;
	return n;
}

/* Fill receive buffers from the mux, one gather at a time. The number of
 * buffers filled; 0: nothing to send, or no buffers. */
static unsigned int rx_some(struct virtio_vsock *v, struct virtqueue *vq)
{
	struct iovec iov[VQ_MAX_SEGS];
	uint8_t hdr[VSOCK_RX_GATHER][VSOCK_HDR_LEN];
	uint32_t room[VSOCK_RX_GATHER], len[VSOCK_RX_GATHER];
	uint64_t bad[VSOCK_RX_GATHER];
	struct vsock_rx_bufs b = {.iov = iov, .room = room, .hdr = hdr, .len = len};
	unsigned int n, k, i;

	n = rx_gather(v, vq, &b, iov, room, bad);
	if (!n)
		return 0;
	k = vsock_mux_rx(&v->mux, &b);
	/* Bulk streams soon take VSOCK_RX_GATHER buffers a read; a small
	 * message pops one or two, not sixteen to give back. */
	if (k == n)
		v->gather = 2 * n < VSOCK_RX_GATHER ? 2 * n : VSOCK_RX_GATHER;
	else if (k)
		v->gather = k;
	for (i = 0; i < k; i++) {
		vq_copy_to_in(&v->rx[i], 0, hdr[i], VSOCK_HDR_LEN);
		vq_push(vq, v->rx[i].head, VSOCK_HDR_LEN + len[i]);
	}
	if (k < n && !vq_unpop(vq, (uint16_t)(n - k), bad[k]))
		for (i = k; i < n; i++)
			vq_push(vq, v->rx[i].head, 0);
	return k;
}

static void rx_process(struct virtio_vsock *v)
{
	struct virtqueue *vq = &v->vd.vq[VSOCK_RXQ];
	unsigned int budget = VSOCK_RX_BATCH, k;

	if (!running(&v->vd) || !vq->active)
		return;
	while (budget && vsock_mux_has_rx(&v->mux)) {
		if (!vq_has_avail(vq)) {
			if (!vq_enable_notify(vq))
				break; /* no buffers: the guest's notify brings us back */
		}
		if (vq->broken) {
			virtio_fail(&v->vd, "the receive queue is corrupt");
			return;
		}
		k = rx_some(v, vq);
		if (!k)
			break;
		budget = k < budget ? budget - k : 0;
	}
	if (vq->broken) {
		virtio_fail(&v->vd, "the receive queue is corrupt");
		return;
	}
	if (!budget && v->vd.transport.kick)
		v->vd.transport.kick(v->vd.transport.ctx, VSOCK_RXQ);
	virtio_signal_used(&v->vd, vq);
}

static void tx_one(struct virtio_vsock *v, struct virtqueue *vq)
{
	const struct vq_chain *c = &v->chain;
	struct iovec pl[VQ_MAX_SEGS];
	uint8_t raw[VSOCK_HDR_LEN];
	enum vsock_pkt_err err;
	struct vsock_hdr h;
	int nr = 0;

	if (c->out_len < VSOCK_HDR_LEN) {
		v->mux.st.tx_bad_packets++; /* no header: nobody to answer */
		goto out;
	}
	vq_copy_from_out(c, 0, raw, VSOCK_HDR_LEN);
	vsock_pkt_parse(raw, VSOCK_HDR_LEN, &h);
	err = vsock_pkt_check(&h, v->mux.guest_cid, c->out_len - VSOCK_HDR_LEN);
	if (err == VSOCK_PKT_OK && h.len) {
		nr = vq_slice(c->iov, c->nr_out, VSOCK_HDR_LEN, h.len, pl, VQ_MAX_SEGS);
		if (nr < 0)
			err = VSOCK_PKT_TRUNC;
	}
	if (err != VSOCK_PKT_OK && v->vd.log)
		log_debug(v->vd.log, "%s: bad packet (%s)", v->vd.name, vsock_pkt_err_name(err));
	vsock_mux_tx(&v->mux, &h, err != VSOCK_PKT_OK, pl, nr > 0 ? (unsigned int)nr : 0);
out:
	vq_push(vq, c->head, 0);
}

static void tx_process(struct virtio_vsock *v)
{
	struct virtqueue *vq = &v->vd.vq[VSOCK_TXQ];
	unsigned int budget = VSOCK_TX_BATCH;
	int ret;

	do {
		vq_disable_notify(vq);
		for (; budget; budget--) {
			ret = vq_pop(vq, &v->chain);
			if (ret < 0) {
				virtio_fail(&v->vd, "the transmit queue is corrupt");
				return;
			}
			if (ret == 0)
				break;
			tx_one(v, vq);
		}
		if (!budget) {
			if (v->vd.transport.kick)
				v->vd.transport.kick(v->vd.transport.ctx, VSOCK_TXQ);
			break;
		}
	} while (vq_enable_notify(vq));
	virtio_signal_used(&v->vd, vq);
	rx_process(v); /* answers, credit updates */
}

static void vsock_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_vsock *v = to_vsock(vd);

	if (q == VSOCK_TXQ)
		tx_process(v);
	else if (q == VSOCK_RXQ)
		rx_process(v);
	/* Event buffers are only used by virtio_vsock_transport_reset. */
}

/* The mux's fds saw something (loop thread, lock held). */
static void vsock_wake(void *ctx)
{
	rx_process(ctx);
}

static int vsock_activate(struct virtio_dev *vd)
{
	if (!vd->vq[VSOCK_RXQ].active || !vd->vq[VSOCK_TXQ].active || !vd->vq[VSOCK_EVQ].active) {
		if (vd->log)
			log_warn(vd->log, "%s: driver did not set up all three queues", vd->name);
		return -EINVAL;
	}
	return 0;
}

static void vsock_reset(struct virtio_dev *vd)
{
	vsock_mux_reset(&to_vsock(vd)->mux);
}

static void vsock_config_read(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_vsock *v = to_vsock(vd);

	virtio_config_copy(&v->cid_le, sizeof(v->cid_le), off, data, len);
}

/* Snapshot: host sockets do not survive one; every connection is closed
 * and, once restored, the guest learns it from TRANSPORT_RESET. */
static int vsock_quiesce(struct virtio_dev *vd)
{
	vsock_mux_reset(&to_vsock(vd)->mux);
	return 0;
}

static int vsock_save(const struct virtio_dev *vd, uint8_t *buf, size_t len)
{
	const struct virtio_vsock *v = (const struct virtio_vsock *)vd;

	if (len < sizeof(v->cid_le))
		return -ENOSPC;
	memcpy(buf, &v->cid_le, sizeof(v->cid_le));
	return (int)sizeof(v->cid_le);
}

static int vsock_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct virtio_vsock *v = to_vsock(vd);

	if (len != sizeof(v->cid_le) || memcmp(buf, &v->cid_le, len))
		return -EINVAL;
	return 0;
}

static const struct virtio_dev_ops vsock_ops = {
    .config_read = vsock_config_read,
    .activate = vsock_activate,
    .reset = vsock_reset,
    .notify = vsock_notify,
    .quiesce = vsock_quiesce,
    .save = vsock_save,
    .restore = vsock_restore,
};

int virtio_vsock_create(struct virtio_vsock **out, uint64_t guest_cid, const char *uds_path,
			const struct dev_ctx *ctx, struct errbuf *e)
{
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
		     VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	struct virtio_vsock *v;
	unsigned int i;
	int ret;

	v = calloc(1, sizeof(*v));
	if (!v)
		return errf(e, -ENOMEM, "vsock: out of memory");
	v->gather = 1;
	for (i = 0; i < 8; i++)
		((uint8_t *)&v->cid_le)[i] = (uint8_t)(guest_cid >> (8 * i));
	ret = virtio_dev_init(&v->vd, &vsock_ops, VIRTIO_ID_VSOCK, f, sizeof(v->cid_le), 3,
			      ctx->mem, ctx->log);
	if (ret) {
		free(v);
		return errf(e, ret, "vsock: cannot initialise the device");
	}
	snprintf(v->vd.name, sizeof(v->vd.name), "vsock (cid %llu)", (unsigned long long)guest_cid);
	ret = vsock_mux_init(&v->mux, uds_path, guest_cid, ctx->loop, ctx->log, e);
	if (ret) {
		virtio_dev_destroy(&v->vd);
		free(v);
		return ret;
	}
	vsock_mux_set_wake(&v->mux, &v->vd.lock, vsock_wake, v);
	*out = v;
	return 0;
}

struct virtio_dev *virtio_vsock_dev(struct virtio_vsock *v)
{
	return &v->vd;
}

int virtio_vsock_transport_reset(struct virtio_vsock *v)
{
	struct virtqueue *vq = &v->vd.vq[VSOCK_EVQ];
	uint8_t ev[4] = {VIRTIO_VSOCK_EVENT_TRANSPORT_RESET, 0, 0, 0};
	int ret = -EAGAIN;

	pthread_mutex_lock(&v->vd.lock);
	vsock_mux_reset(&v->mux);
	if (running(&v->vd) && vq->active) {
		ret = vq_pop(vq, &v->chain);
		if (ret > 0 && v->chain.in_len >= sizeof(ev)) {
			vq_copy_to_in(&v->chain, 0, ev, sizeof(ev));
			vq_push(vq, v->chain.head, sizeof(ev));
			ret = 0;
		} else if (ret > 0) {
			vq_push(vq, v->chain.head, 0);
			ret = -EINVAL;
		} else {
			ret = ret < 0 ? -EIO : -ENOSPC;
		}
		virtio_signal_used(&v->vd, vq);
	}
	pthread_mutex_unlock(&v->vd.lock);
	return ret;
}

void virtio_vsock_expire(struct virtio_vsock *v, uint64_t now_ms)
{
	pthread_mutex_lock(&v->vd.lock);
	vsock_mux_expire(&v->mux, now_ms);
	rx_process(v);
	pthread_mutex_unlock(&v->vd.lock);
}

void virtio_vsock_stats(struct virtio_vsock *v, struct vsock_stats *out)
{
	pthread_mutex_lock(&v->vd.lock);
	*out = v->mux.st;
	pthread_mutex_unlock(&v->vd.lock);
}

void virtio_vsock_destroy(struct virtio_vsock *v)
{
	if (!v)
		return;
	if (v->vd.log)
		log_info(v->vd.log,
			 "%s: rx %llu packets %llu bytes, tx %llu packets %llu bytes, %llu "
			 "connections",
			 v->vd.name, (unsigned long long)v->mux.st.rx_packets,
			 (unsigned long long)v->mux.st.rx_bytes,
			 (unsigned long long)v->mux.st.tx_packets,
			 (unsigned long long)v->mux.st.tx_bytes,
			 (unsigned long long)v->mux.st.conns_added);
	vsock_mux_destroy(&v->mux);
	virtio_dev_destroy(&v->vd);
	free(v);
}
