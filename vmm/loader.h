/*
 * loader.h - put a guest kernel (ELF vmlinux with or without a PVH note, or
 * bzImage) and an initrd into guest RAM. Images are untrusted: every offset,
 * size and address is checked against the file and guest RAM, and every
 * rejection returns -errno with a sentence in the errbuf.
 */
#ifndef EMBER_LOADER_H
#define EMBER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "guest_mem.h"

enum boot_protocol {
	BOOT_PROTO_LINUX64, /* 64-bit Linux boot protocol, zero page in %rsi */
	BOOT_PROTO_PVH,	    /* PVH: 32-bit entry, hvm_start_info in %rbx */
};

enum kernel_format { KERNEL_ELF, KERNEL_BZIMAGE };

/* Bytes of the bzImage setup header copied into boot_params at 0x1f1. */
#define SETUP_HDR_OFFSET 0x1f1
#define SETUP_HDR_MAX	 (0x290 - SETUP_HDR_OFFSET)

struct kernel_info {
	enum kernel_format format;
	enum boot_protocol proto;
	uint64_t entry;	     /* guest physical entry point */
	uint64_t load_start; /* guest physical range the kernel occupies */
	uint64_t load_end;   /* (exclusive), used to keep the initrd clear */
	/* From the bzImage setup header; for ELF kernels a zeroed header with
	 * protocol 2.15 defaults is synthesized by bootparams_setup(). */
	bool has_setup_header;
	uint8_t setup_header[SETUP_HDR_MAX];
	uint32_t setup_header_len;
	uint16_t protocol_version; /* e.g. 0x020f; 0 for ELF */
	uint64_t initrd_addr_max;  /* last byte the initrd may occupy */
	uint32_t cmdline_max;	   /* longest cmdline the kernel accepts, w/o NUL */
};

/*
 * loader_kernel - detect the format of @img (@len bytes) and copy it into
 * guest RAM. Fills @ki. Returns 0 or -errno with @e filled.
 */
int loader_kernel(struct guest_mem *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
		  struct errbuf *e);

/* loader_elf_load / loader_bzimage_load - the format-specific halves of loader_kernel. */
int loader_elf_load(struct guest_mem *gm, const uint8_t *img, size_t len, struct kernel_info *ki,
		    struct errbuf *e);
int loader_bzimage_load(struct guest_mem *gm, const uint8_t *img, size_t len,
			struct kernel_info *ki, struct errbuf *e);

/*
 * loader_initrd - place @len bytes of initrd as high as both the low RAM region
 * and ki->initrd_addr_max allow, page aligned, above ki->load_end.
 * Sets *gpa. -ENOSPC with a message when it does not fit.
 */
int loader_initrd(struct guest_mem *gm, const struct kernel_info *ki, const uint8_t *img,
		  size_t len, uint64_t *gpa, struct errbuf *e);

#endif
