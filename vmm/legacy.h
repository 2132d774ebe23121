/*
 * legacy.h - the PC ports a Linux guest pokes that must not read as all
 * ones: CMOS/RTC index and data (0x70-0x71), the POST/delay port (0x80) and
 * DMA page register 0x87. PCI config ports stay unclaimed on purpose.
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
