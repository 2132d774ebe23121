/*
 * layout.h - the x86_64 guest physical memory map ember builds.
 *
 * Follows the Linux boot protocol and Firecracker's map so that tools and
 * guest images made for Firecracker work unchanged.
 */
#ifndef EMBER_LAYOUT_H
#define EMBER_LAYOUT_H

#define BOOT_GDT_ADDR	 0x500ULL /* null, code, data, TSS */
#define BOOT_IDT_ADDR	 0x520ULL
#define PVH_INFO_ADDR	 0x6000ULL /* struct hvm_start_info */
#define PVH_MODLIST_ADDR 0x6040ULL /* one hvm_modlist_entry: the initrd */
#define PVH_MEMMAP_ADDR	 0x7000ULL /* hvm_memmap_table_entry[] */
#define ZERO_PAGE_ADDR	 0x7000ULL /* struct boot_params */
#define BOOT_STACK_ADDR	 0x8ff0ULL
#define PML4_ADDR	 0x9000ULL
#define PDPT_ADDR	 0xa000ULL
#define PD_ADDR		 0xb000ULL /* 4 pages: identity map of 4 GiB */
#define PD_PAGES	 4
#define CMDLINE_ADDR	 0x20000ULL
#define CMDLINE_MAX	 4096ULL     /* our own cap; the kernel's may be lower */
#define EBDA_START	 0x9fc00ULL  /* e820 reserved from here ... */
#define EBDA_END	 0x100000ULL /* ... to 1 MiB */
#define MPTABLE_ADDR	 EBDA_START
#define ACPI_RSDP_ADDR	 0xe0000ULL  /* ACPI (acpi.h): RSDP where Linux scans, tables ... */
#define ACPI_TABLES_END	 0xff000ULL  /* ... up to here */
#define VMGENID_ADDR	 0xff000ULL  /* the VMGenID's 16 bytes */
#define ACPI_SLEEP_PORT	 0x600	     /* FADT sleep control (+0) and status (+1) */
#define HIMEM_START	 0x100000ULL /* kernels load at or above 1 MiB */
#define INITRD_ALIGN	 0x1000ULL

#define MMIO_GAP_START	      0xc0000000ULL  /* 3 GiB: 32-bit MMIO hole ... */
#define MMIO_GAP_END	      0x100000000ULL /* ... up to 4 GiB */
#define BOOT_TIMER_ADDR	      0xc0000000ULL  /* first MMIO slot, fixed */
#define VIRTIO_MMIO_BASE      0xc0001000ULL  /* then 4 KiB per device */
#define VIRTIO_MMIO_SIZE      0x1000ULL
#define IOAPIC_ADDR	      0xfec00000ULL
#define LAPIC_ADDR	      0xfee00000ULL
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL /* one page, for KVM_SET_IDENTITY_MAP_ADDR */
#define KVM_TSS_ADDR	      0xfffbd000ULL /* three pages, for KVM_SET_TSS_ADDR */

#define SERIAL_PORT_BASE 0x3f8
#define SERIAL_IRQ	 4
#define I8042_IRQ	 1
#define IRQ_FIRST_FREE	 5 /* legacy GSIs 5..23 go to virtio devices */
#define IRQ_LAST	 23

#define MAX_VCPUS 32

#endif
