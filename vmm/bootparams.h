/*
 * bootparams.h - the data structures a kernel finds in RAM at its entry.
 *
 * For BOOT_PROTO_LINUX64: struct boot_params (the "zero page") at
 * ZERO_PAGE_ADDR with the e820 map, cmdline pointer and initrd; a GDT at
 * BOOT_GDT_ADDR; identity-mapped page tables for the first 4 GiB at
 * PML4_ADDR (2 MiB pages).
 * For BOOT_PROTO_PVH: struct hvm_start_info at PVH_INFO_ADDR with the memory
 * map at PVH_MEMMAP_ADDR and the initrd as module 0; the same GDT.
 * Both: the NUL-terminated cmdline at CMDLINE_ADDR.
 */
#ifndef EMBER_BOOTPARAMS_H
#define EMBER_BOOTPARAMS_H

#include <stdint.h>

#include "err.h"
#include "guest_mem.h"
#include "loader.h"

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_MAX      16

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/*
 * bootparams_e820 - the guest's memory map: RAM [0, EBDA_START), reserved
 * [EBDA_START, 1 MiB), then RAM from 1 MiB per region (the low region
 * ends at min(ram, MMIO_GAP_START); a second region starts at 4 GiB).
 * Returns the number of entries written to @out (at most @max).
 */
int bootparams_e820(const struct guest_mem *gm, struct e820_entry *out, int max);

/*
 * bootparams_gdt - the four GDT entries (null, code, data, TSS) for @proto, as
 * written at BOOT_GDT_ADDR. Selectors: code 0x08, data 0x10, TSS 0x18.
 */
void bootparams_gdt(enum boot_protocol proto, uint64_t gdt[4]);

/*
 * bootparams_setup - write cmdline, GDT/IDT, page tables (LINUX64) and the zero
 * page or hvm_start_info for the loaded kernel @ki. @cmdline longer than
 * ki->cmdline_max is rejected with -E2BIG. @initrd_size 0 means no initrd.
 */
int bootparams_setup(struct guest_mem *gm, const struct kernel_info *ki, const char *cmdline,
		     uint64_t initrd_gpa, uint64_t initrd_size, struct errbuf *e);

/*
 * bootparams_set_rsdp - after setup_boot: the ACPI RSDP address into the
 * zero page's acpi_rsdp_addr (LINUX64) or hvm_start_info.rsdp_paddr (PVH).
 */
int bootparams_set_rsdp(struct guest_mem *gm, enum boot_protocol proto, uint64_t rsdp,
			struct errbuf *e);

#endif
