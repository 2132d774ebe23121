/*
 * vmgenid.h - the VM generation ID (Microsoft's "Virtual Machine Generation
 * ID" spec, as Linux's vmgenid driver reads it): 16 random bytes in guest
 * memory at a fixed address that the DSDT's VGEN device names in ADDR.
 *
 * vmgenid_init writes a fresh ID at build time. vmgenid_regenerate, for
 * snapshot restore, writes a new one and raises @irq (the GED's GSI), whose
 * _EVT sends Notify(VGEN, 0x80) so the guest reseeds its RNG. Both use
 * getrandom(2); a caller on a filtered thread needs it in its allow-list.
 * No struct vm: guest memory and an irq line are all it needs.
 */
#ifndef EMBER_VMGENID_H
#define EMBER_VMGENID_H

#include <stdint.h>

#include "err.h"
#include "guest_mem.h"
#include "irq.h"

#define VMGENID_LEN 16

struct vmgenid {
	struct guest_mem *gm;
	uint64_t gpa;
	struct irq_line irq; /* raise may be NULL: no notification */
	uint8_t id[VMGENID_LEN];
};

/* vmgenid_init - pick an ID and write it at @gpa; -errno with @e set. */
int vmgenid_init(struct vmgenid *g, struct guest_mem *gm, uint64_t gpa, struct irq_line irq,
		 struct errbuf *e);

/* vmgenid_regenerate - a new ID in guest memory, then the notification. */
int vmgenid_regenerate(struct vmgenid *g, struct errbuf *e);

#endif
