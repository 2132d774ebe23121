/*
 * acpi.h - hardware-reduced ACPI tables for the guest (ACPI 6.5).
 *
 * From a plain description of the machine (no struct vm): RSDP at
 * ACPI_RSDP_ADDR, then DSDT, FADT, MADT and XSDT up to ACPI_TABLES_END, all
 * in the e820-reserved range below 1 MiB, checksummed. The FADT sets
 * HW_REDUCED_ACPI, control-method power and sleep buttons, "VGA not
 * present", and the sleep control/status registers at desc->sleep_port
 * (system I/O, one byte each) that a guest's poweroff writes. The MADT lists
 * one enabled LAPIC per vCPU (APIC ID = index), the IOAPIC (ID nr_vcpus, GSI
 * base 0, as the MP table), IRQ0 -> GSI 0 (KVM's routing, see mptable.c)
 * and LINT1 NMI. The DSDT holds \_SB.COM1, \_SB.PS2_ (i8042), one LNRO0005
 * device \_SB.Vnnn per virtio-mmio window in the given order, the VMGenID
 * device \_SB.VGEN with a GED (ACPI0013) whose event notifies it, and \_S5.
 */
#ifndef EMBER_ACPI_H
#define EMBER_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "guest_mem.h"

#define ACPI_MAX_MMIO	  24
#define ACPI_SLP_TYP_S5	  5    /* what \_S5 tells the guest to write ... */
#define ACPI_SLP_EN	  0x20 /* ... as (SLP_TYP << 2) | SLP_EN (ACPI 4.8.3.7) */
#define ACPI_SLP_TYP_MASK 0x1c

struct acpi_mmio_dev {
	uint64_t base;
	uint32_t size;
	uint32_t gsi;
};

struct acpi_desc {
	unsigned int nr_vcpus; /* 1..MAX_VCPUS */
	unsigned int nr_mmio;
	struct acpi_mmio_dev mmio[ACPI_MAX_MMIO]; /* in creation order */
	uint16_t sleep_port;			  /* 0: no sleep registers, no \_S5 */
	uint64_t vmgenid_gpa;			  /* 0: no VMGenID device */
	uint32_t vmgenid_gsi;			  /* GED interrupt; 0: no GED */
};

/* Table sizes and addresses as built, for tests and the log. */
struct acpi_layout {
	uint64_t rsdp, xsdt, fadt, madt, dsdt;
	size_t total; /* bytes from ACPI_RSDP_ADDR */
};

/*
 * acpi_build - build everything into @area, which stands for guest memory
 * from ACPI_RSDP_ADDR on (@cap bytes). -EINVAL for a bad description,
 * -E2BIG if the tables do not fit; @e says which.
 */
int acpi_build(const struct acpi_desc *d, uint8_t *area, size_t cap, struct acpi_layout *out,
	       struct errbuf *e);

/* acpi_write - acpi_build into guest RAM; *@rsdp gets the RSDP's address. */
int acpi_write(struct guest_mem *gm, const struct acpi_desc *d, uint64_t *rsdp, struct errbuf *e);

#endif
