/*
 * devices.h - the device manager: the virtio devices of a vm_config.
 *
 * One virtio-mmio device per drive (root first, so it is /dev/vda) and per
 * network interface; device n gets the window VIRTIO_MMIO_BASE + n * 4 KiB,
 * GSI IRQ_FIRST_FREE + n and its own dev_ctx; the kernel command line gains
 * root= and virtio_mmio.device= words. A new device type is one more attach
 * function here; the VM, the loop and the vCPUs do not change.
 */
#ifndef EMBER_DEVICES_H
#define EMBER_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "device.h"
#include "err.h"
#include "layout.h"

#define DEVICES_MAX (IRQ_LAST - IRQ_FIRST_FREE + 1) /* one legacy GSI each */

struct devices;

/* devices_attach - create, wire and announce every device of @cfg; each
 * gets a copy of @base with its GSI and irqfd. *@out is set as soon as it
 * exists, so devices_destroy can undo a partial attach. Returns 0 or -errno
 * with @e naming the device and the problem. */
int devices_attach(struct devices **out, const struct vm_config *cfg, const struct dev_ctx *base,
		   struct errbuf *e);

/* devices_cmdline - what devices_attach adds to the kernel command line
 * (starts with a space, or is empty; "" for NULL). */
const char *devices_cmdline(const struct devices *d);

/* devices_windows - each device's MMIO window base and GSI, in creation
 * order (the ACPI tables list them so); returns how many (at most @max). */
unsigned int devices_windows(const struct devices *d, uint64_t *base, unsigned int *gsi,
			     unsigned int max);

/* devices_destroy - after the vCPUs are gone: finish in-flight I/O, close
 * images and taps, free. NULL is fine. */
void devices_destroy(struct devices *d);

/* devices_tap_fds - the net devices' tap fds into @fds (at most @max);
 * returns how many (the seccomp filters pin TUNSETOFFLOAD to them). */
unsigned int devices_tap_fds(const struct devices *d, int *fds, unsigned int max);

/* devices_set_drive_path - switch a running drive to another image
 * (virtio_blk_set_path). -ENOENT if no attached drive has @drive_id. */
int devices_set_drive_path(struct devices *d, const char *drive_id, const char *path,
			   struct errbuf *e);

/* devices_set_drive_rate_limiter - PATCH /drives: replace the buckets set in @rl. */
int devices_set_drive_rate_limiter(struct devices *d, const char *drive_id,
				   const struct cfg_rate_limiter *rl, struct errbuf *e);

/* devices_set_net_rate_limiters - PATCH /network-interfaces: the @idx-th
 * interface in attach order (= cfg->net order); NULL keeps a direction. */
int devices_set_net_rate_limiters(struct devices *d, unsigned int idx,
				  const struct cfg_rate_limiter *rx,
				  const struct cfg_rate_limiter *tx);

/* devices_throttled - rate limiter stops summed over all devices (@d may be NULL). */
struct devices_throttled {
	uint64_t blk, net_rx, net_tx;
};
void devices_throttled(struct devices *d, struct devices_throttled *t);

/* devices_balloon - the balloon device, or NULL without one (or @d NULL). */
struct virtio_balloon;
struct virtio_balloon *devices_balloon(struct devices *d);
/* devices_entropy_stats - the entropy device's counters; false without one. */
struct virtio_rng_stats;
bool devices_entropy_stats(struct devices *d, struct virtio_rng_stats *s);

/*
 * devices_drive_order - indices into cfg->drive in attach order (root
 * first). Returns the count. devices_root_args - the root= words for @cfg
 * into @buf ("" without a root drive); -E2BIG if they do not fit.
 */
/* devices_vsock_stats - the vsock device's counters; false if there is none.
 * devices_vsock - the vsock device or NULL (a snapshot restore sends it
 * virtio_vsock_transport_reset). */
struct vsock_stats;
struct virtio_vsock;
bool devices_vsock_stats(struct devices *d, struct vsock_stats *out);
struct virtio_vsock *devices_vsock(struct devices *d);

unsigned int devices_drive_order(const struct vm_config *cfg, unsigned int order[CFG_MAX_DRIVES]);
int devices_root_args(const struct vm_config *cfg, char *buf, size_t len);

/* Snapshots: devices_count - how many virtio devices (attach order);
 * devices_quiesce - every device finishes its in-flight I/O (virtio_quiesce);
 * devices_save / devices_restore - device @i's transport, queue and own
 * state (virtio_save / virtio_restore: bounded, checked). */
unsigned int devices_count(const struct devices *d);
int devices_quiesce(struct devices *d, struct errbuf *e);
int devices_save(struct devices *d, unsigned int i, uint8_t *buf, size_t len);
int devices_restore(struct devices *d, unsigned int i, const uint8_t *buf, size_t len,
		    struct errbuf *e);

#endif
