/*
 * fuzz_common.h - a fake guest whose RAM is the fuzzer's input.
 *
 * Input: byte 0 = flags (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC), byte 1 =
 * queue size exponent (size 1..16), the rest is copied to guest RAM from
 * address 0. The queue's rings sit at fixed addresses in that RAM, so the
 * input is the descriptor table, the avail ring and everything the
 * descriptors point at (indirect tables, buffers), all attacker-chosen.
 */
#ifndef EMBER_FUZZ_COMMON_H
#define EMBER_FUZZ_COMMON_H

#include <stdint.h>
#include <string.h>

#include "virtqueue.h"

#define FUZZ_RAM      (64 * 1024)
#define FUZZ_DESC     0x0000 /* 16 descriptors */
#define FUZZ_AVAIL    0x0100
#define FUZZ_USED     0x0200
#define FUZZ_MAX_POPS 64

struct fuzz_vm {
	struct guest_mem gm;
	struct virtqueue vq;
};

/* fuzz_vm_init - 0, or -1 if the input is too short or RAM cannot be had. */
static inline int fuzz_vm_init(struct fuzz_vm *f, const uint8_t *data, size_t size)
{
	struct errbuf e;
	size_t n;

	if (size < 2)
		return -1;
	memset(f, 0, sizeof(*f));
	if (gm_init(&f->gm, FUZZ_RAM, &e))
		return -1;
	n = size - 2 < FUZZ_RAM ? size - 2 : FUZZ_RAM;
	memcpy(f->gm.region[0].hva, data + 2, n);
	f->vq.max_size = 256;
	f->vq.size = (uint16_t)(1u << (data[1] % 5));
	f->vq.desc_gpa = FUZZ_DESC;
	f->vq.avail_gpa = FUZZ_AVAIL;
	f->vq.used_gpa = FUZZ_USED;
	f->vq.ready = true;
	if (vq_activate(&f->vq, &f->gm, data[0] & 1, data[0] & 2, &e)) {
		gm_destroy(&f->gm);
		return -1;
	}
	return 0;
}

/* fuzz_touch - read and write every byte of a chain, so that ASan catches
 * any buffer vq_pop let through that is not inside guest RAM. */
static inline void fuzz_touch(const struct vq_chain *c)
{
	volatile uint8_t sink = 0;
	unsigned int i;
	size_t k;

	for (i = 0; i < (unsigned int)c->nr_out + c->nr_in; i++) {
		uint8_t *p = c->iov[i].iov_base;

		for (k = 0; k < c->iov[i].iov_len; k++)
			sink ^= p[k];
		if (i >= c->nr_out && c->iov[i].iov_len)
			p[0] = sink;
	}
}

#endif
