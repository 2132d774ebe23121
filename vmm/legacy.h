/*
 * legacy.h - the odd PC ports a Linux guest pokes that must not float.
 *
 * An unclaimed port reads 0xff, which is right for most of the ISA space
 * (the 8250 driver finds no COM2-4, Fintek/SuperIO probes fail fast) but
 * wrong for a few ports whose all-ones value makes the guest wait:
 *
 *   0x70-0x71  CMOS/RTC index and data. ember has no RTC (like Firecracker
 *              on x86; the guest's wall clock comes from kvm-clock). Data
 *              reads return 0, so status register A's update-in-progress
 *              bit (0x80) is clear and Linux does not poll it for a second.
 *              Writes to the index are kept (bit 7 is the NMI mask); data
 *              writes are dropped.
 *   0x80       POST code / the kernel's I/O delay port: writes are kept as
 *              the last POST code, reads return 0.
 *   0x87       DMA page register (channel 0): writes ignored, reads 0.
 *
 * PCI configuration ports 0xcf8-0xcff are deliberately left unclaimed:
 * with no PCI host bridge, all-ones is the correct "no device" answer.
 */
#ifndef EMBER_LEGACY_H
#define EMBER_LEGACY_H

#include <stdatomic.h>
#include <stdint.h>

#include "bus.h"

#define CMOS_PORT      0x70 /* index; data at CMOS_PORT + 1 */
#define POST_PORT      0x80
#define DMA_PAGE0_PORT 0x87

struct legacy_ports {
	_Atomic uint8_t cmos_index; /* last byte written to 0x70 */
	_Atomic uint8_t post_code;  /* last byte written to 0x80 */
};

/*
 * legacy_ports_register - reset @lp and claim its ports on @pio.
 * Returns 0 or the first bus_add() error (-EEXIST if another device holds
 * one of the ports, -ENOSPC if the bus is full); on error some ports may
 * already be claimed and the bus is not fit for use.
 */
int legacy_ports_register(struct legacy_ports *lp, struct bus *pio);

#endif
