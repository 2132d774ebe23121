/*
 * virtio_mmio.h - the virtio-mmio transport, version 2 (spec 4.2.2): a 4 KiB
 * register window and a GSI per device, a KVM ioeventfd per queue (read by
 * the event loop) and an irqfd; registers are emulated on vCPU threads under
 * the device lock. Announced as virtio_mmio.device=4K@<base>:<gsi>.
 */
#ifndef EMBER_VIRTIO_MMIO_H
#define EMBER_VIRTIO_MMIO_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "device.h"
#include "err.h"
#include "virtio.h"

/* Register offsets (spec 4.2.2, table "MMIO Device Register Layout"). */
#define VIRTIO_MMIO_MAGIC_VALUE	      0x000
#define VIRTIO_MMIO_VERSION	      0x004
#define VIRTIO_MMIO_DEVICE_ID	      0x008
#define VIRTIO_MMIO_VENDOR_ID	      0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES   0x010
#define VIRTIO_MMIO_DEVICE_FEAT_SEL   0x014
#define VIRTIO_MMIO_DRIVER_FEATURES   0x020
#define VIRTIO_MMIO_DRIVER_FEAT_SEL   0x024
#define VIRTIO_MMIO_QUEUE_SEL	      0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX     0x034
#define VIRTIO_MMIO_QUEUE_NUM	      0x038
#define VIRTIO_MMIO_QUEUE_READY	      0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY      0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS  0x060
#define VIRTIO_MMIO_INTERRUPT_ACK     0x064
#define VIRTIO_MMIO_STATUS	      0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW    0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH   0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW  0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW  0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL	      0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW	      0x0b0
#define VIRTIO_MMIO_SHM_BASE_HIGH     0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG	      0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

struct virtio_mmio;

/* The event-loop side of one queue's ioeventfd. */
struct virtio_mmio_notify {
	struct loop_handler h; /* h.ctx points back here */
	struct virtio_mmio *m;
	unsigned int q;
};

struct virtio_mmio {
	struct virtio_dev *vd;
	uint64_t base;
	unsigned int gsi;
	uint32_t dev_features_sel;
	uint32_t drv_features_sel;
	uint32_t queue_sel;
	int irqfd;
	int notify_fd[VIRTIO_MAX_QUEUES]; /* -1: QueueNotify writes are handled inline */
	struct virtio_mmio_notify notify[VIRTIO_MAX_QUEUES];
	uint64_t bad_accesses; /* wrong size or alignment, ignored */
};

extern const struct bus_dev_ops virtio_mmio_ops;

/* virtio_mmio_init - bind @vd to a register window at @base with @gsi;
 * no fds yet (QueueNotify is then handled inline, as in unit tests). */
void virtio_mmio_init(struct virtio_mmio *m, struct virtio_dev *vd, uint64_t base,
		      unsigned int gsi);

/*
 * virtio_mmio_attach - wire the device in through @ctx: its irqfd (taken
 * over, closed by detach), one ioeventfd per queue watched on ctx->loop,
 * and the register window on ctx->bus. Returns 0 or -errno with @e filled.
 */
int virtio_mmio_attach(struct virtio_mmio *m, const struct dev_ctx *ctx, struct errbuf *e);

/* virtio_mmio_detach - close the fds (the VM fd going away unregisters them). */
void virtio_mmio_detach(struct virtio_mmio *m);

/* virtio_mmio_cmdline - "virtio_mmio.device=4K@0x...:GSI" into @buf. */
int virtio_mmio_cmdline(const struct virtio_mmio *m, char *buf, size_t len);

#endif
