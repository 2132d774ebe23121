/*
 * acpi_sleep.h - the FADT's sleep control and status registers (ACPI 6.5,
 * 4.8.3.7 and 4.8.3.8), the hardware-reduced way a guest powers off.
 *
 * Two one-byte I/O registers: control at +0, status at +1. A guest entering
 * S5 writes (SLP_TYP << 2) | SLP_EN to control, with SLP_TYP the value the
 * DSDT's \_S5 gives (ACPI_SLP_TYP_S5); that calls @power_off once, on the
 * vCPU thread that wrote, without a lock (so it must be thread-safe, as
 * vm_request_exit is). Other sleep types are not offered and are ignored.
 * Status reads 0 (WAK_STS clear); writes to it (the guest clearing
 * WAK_STS) are accepted and do nothing. No struct vm: the owner passes a
 * callback.
 */
#ifndef EMBER_ACPI_SLEEP_H
#define EMBER_ACPI_SLEEP_H

#include <stdatomic.h>
#include <stdint.h>

#include "bus.h"

#define ACPI_SLEEP_REGS 2 /* bytes of port space */

struct acpi_sleep {
	void (*power_off)(void *ctx);
	void *ctx;
	atomic_uint ignored; /* writes of sleep types we do not offer */
};

void acpi_sleep_init(struct acpi_sleep *s, void (*power_off)(void *), void *ctx);

extern const struct bus_dev_ops acpi_sleep_ops;

#endif
