/*
 * devices.h - the device manager: virtio devices from vm->cfg.
 *
 * At vm_build time devices_attach() creates one virtio-mmio device per
 * configured drive (the root drive first, so it is /dev/vda, then the others
 * in config order) and per network interface, in Firecracker's order. Device
 * n gets the MMIO window VIRTIO_MMIO_BASE + n * 4 KiB and GSI
 * IRQ_FIRST_FREE + n. The kernel command line gains, as Firecracker's does,
 *   root=/dev/vda ro|rw   or   root=PARTUUID=<uuid> ro|rw   (a root drive)
 *   virtio_mmio.device=4K@0xc0001000:5 ...                  (every device)
 * Adding a device type means one more attach function here; the event loop
 * and the vCPU run loop do not change.
 */
#ifndef EMBER_DEVICES_H
#define EMBER_DEVICES_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "layout.h"

#define DEVICES_MAX (IRQ_LAST - IRQ_FIRST_FREE + 1) /* one legacy GSI each */

struct vm;

/* devices_attach - create, wire and announce every configured device.
 * Returns 0 or -errno with @e naming the device and the problem. */
int devices_attach(struct vm *vm, struct errbuf *e);

/* devices_cmdline - what devices_attach adds to the kernel command line
 * (starts with a space, or is empty). */
const char *devices_cmdline(const struct vm *vm);

/* devices_windows - each device's MMIO window base and GSI, in creation
 * order (the ACPI tables list them so); returns how many (at most @max). */
unsigned int devices_windows(const struct vm *vm, uint64_t *base, unsigned int *gsi,
			     unsigned int max);

/* devices_destroy - after the vCPUs are gone: finish in-flight I/O, close
 * images and taps, free. Safe when devices_attach never ran or failed. */
void devices_destroy(struct vm *vm);

/* devices_tap_fds - the net devices' tap fds into @fds (at most @max);
 * returns how many (the seccomp filters pin TUNSETOFFLOAD to them). */
unsigned int devices_tap_fds(const struct vm *vm, int *fds, unsigned int max);

/* devices_set_drive_path - switch a running drive to another image
 * (virtio_blk_set_path). -ENOENT if no attached drive has @drive_id. */
int devices_set_drive_path(struct vm *vm, const char *drive_id, const char *path, struct errbuf *e);

/*
 * devices_drive_order - indices into cfg->drive in attach order (root
 * first). Returns the count. devices_root_args - the root= words for @cfg
 * into @buf ("" without a root drive); -E2BIG if they do not fit.
 */
unsigned int devices_drive_order(const struct vm_config *cfg, unsigned int order[CFG_MAX_DRIVES]);
int devices_root_args(const struct vm_config *cfg, char *buf, size_t len);

#endif
