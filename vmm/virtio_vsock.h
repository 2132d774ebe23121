/*
 * virtio_vsock.h - virtio-vsock (spec 5.10) with Firecracker's hybrid
 * host side (vsock_mux.h): receive, transmit and event queues, stream
 * sockets, the guest's CID in config space, the host as CID 2.
 * All device work runs under the device lock.
 */
#ifndef EMBER_VIRTIO_VSOCK_H
#define EMBER_VIRTIO_VSOCK_H

#include "device.h"
#include "virtio.h"
#include "vsock_mux.h"

#define VIRTIO_ID_VSOCK 19

#define VSOCK_RXQ 0
#define VSOCK_TXQ 1
#define VSOCK_EVQ 2

/* Event ids (spec 5.10.6.7). */
#define VIRTIO_VSOCK_EVENT_TRANSPORT_RESET 0

struct virtio_vsock;

/*
 * virtio_vsock_create - listen on @uds_path and build the device for guest
 * CID @guest_cid. 0 or -errno with @e naming the problem.
 */
int virtio_vsock_create(struct virtio_vsock **out, uint64_t guest_cid, const char *uds_path,
			const struct dev_ctx *ctx, struct errbuf *e);

struct virtio_dev *virtio_vsock_dev(struct virtio_vsock *v);

/*
 * virtio_vsock_transport_reset - close every connection and tell the
 * driver with a TRANSPORT_RESET event (after a snapshot restore the guest's
 * sockets no longer have a host side). -ENOSPC if the driver posted no
 * event buffer, -EAGAIN if the device is not running. Takes the lock.
 */
int virtio_vsock_transport_reset(struct virtio_vsock *v);

/*
 * virtio_vsock_expire - drop the connections whose handshake timed out by
 * @now_ms (vsock_mux_expire; the mux's own tick does this every second)
 * and send the guest what that owes it. Takes the lock.
 */
void virtio_vsock_expire(struct virtio_vsock *v, uint64_t now_ms);

/* virtio_vsock_stats - a copy of the counters (under the lock). */
void virtio_vsock_stats(struct virtio_vsock *v, struct vsock_stats *out);

/* virtio_vsock_destroy - close every socket, remove uds_path, free. */
void virtio_vsock_destroy(struct virtio_vsock *v);

#endif
