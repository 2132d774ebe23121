/*
 * mptable.h - Intel MultiProcessor Specification 1.4 tables.
 *
 * Without ACPI this is how the guest learns its CPUs and the IOAPIC: a
 * floating pointer structure followed by a configuration table with one
 * processor entry per vCPU (APIC ID = index, vCPU 0 the BSP), an ISA bus,
 * the IOAPIC at IOAPIC_ADDR, I/O interrupt entries routing ISA IRQs 0..15
 * and GSIs up to IRQ_LAST to the same IOAPIC pins, and local interrupt
 * entries for LINT0 (ExtINT) and LINT1 (NMI). Interrupts then arrive
 * through the IOAPIC/LAPIC instead of the PIC's virtual-wire mode.
 */
#ifndef EMBER_MPTABLE_H
#define EMBER_MPTABLE_H

#include <stdint.h>

#include "err.h"
#include "guest_mem.h"

/*
 * mptable_write - build the tables for @nr_vcpus (1..MAX_VCPUS) at
 * MPTABLE_ADDR in guest RAM, with valid checksums. Fails with -E2BIG if they
 * do not fit below EBDA_END, -EINVAL for a bad vCPU count.
 */
int mptable_write(struct guest_mem *gm, unsigned int nr_vcpus, struct errbuf *e);

#endif
