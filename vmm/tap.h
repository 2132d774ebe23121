/*
 * tap.h - opening an existing host tap device for virtio-net.
 *
 * Like Firecracker, ember never creates taps: the operator does (with
 * `ip tuntap add NAME mode tap`), and ember attaches to it by name through
 * /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, so every frame
 * carries a 12-byte struct virtio_net_hdr_v1 exactly as the guest's driver
 * exchanges them (no conversion on the data path).
 */
#ifndef EMBER_TAP_H
#define EMBER_TAP_H

#include "err.h"

#define TAP_VNET_HDR_LEN 12 /* struct virtio_net_hdr_v1, num_buffers included */

/*
 * tap_open - attach to tap @name (non-blocking, close-on-exec) and set its
 * vnet header size. Returns the fd or -errno with @e saying what is wrong:
 * no such interface, not a tap, already in use, no permission, no tun
 * driver.
 */
int tap_open(const char *name, struct errbuf *e);

/* tap_set_offload - TUNSETOFFLOAD with TUN_F_* @flags; 0 or -errno. */
int tap_set_offload(int fd, unsigned int flags);

#endif
