/* fuzz_blk_req.c - libFuzzer target: virtio-blk request parsing of chains
 * popped from attacker-controlled rings; see fuzz_common.h. The disk size
 * comes from the first descriptor's address bits, so range checks meet
 * every kind of capacity, including huge ones. */
#include <stdlib.h>

#include "blk_req.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct blk_req *r, int st, uint64_t nsectors)
{
	unsigned int i;
	uint64_t sum = 0;

	if (st < 0)
		return;
	if (!r->status)
		abort();
	*r->status = (uint8_t)st;
	if (st != VIRTIO_BLK_S_OK)
		return;
	for (i = 0; i < r->niov; i++) {
		sum += r->iov[i].iov_len;
		if (r->iov[i].iov_len)
			((volatile uint8_t *)r->iov[i].iov_base)[r->iov[i].iov_len - 1] ^= 0;
	}
	if (sum != r->data_len)
		abort();
	if ((r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT) &&
	    (r->data_len % BLK_SECTOR_SIZE || r->sector > nsectors ||
	     r->data_len / BLK_SECTOR_SIZE > nsectors - r->sector))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vq_chain *c = malloc(sizeof(*c));
	struct blk_req *r = malloc(sizeof(*r));
	static const char id[VIRTIO_BLK_ID_BYTES] = "fuzz-drive";
	struct fuzz_vm f;
	uint64_t nsectors;
	int i, st;

	if (!c || !r || fuzz_vm_init(&f, data, size))
		goto out;
	memcpy(&nsectors, f.gm.region[0].hva + FUZZ_DESC, sizeof(nsectors));
	nsectors >>= (data[0] >> 2) & 63;
	for (i = 0; i < FUZZ_MAX_POPS && vq_pop(&f.vq, c) > 0; i++) {
		st = blk_req_parse(c, nsectors, data[0] & 0x80, r);
		check(r, st, nsectors);
		if (st == VIRTIO_BLK_S_OK && r->type == VIRTIO_BLK_T_GET_ID)
			blk_req_get_id(r, id);
		vq_push(&f.vq, c->head, st == VIRTIO_BLK_S_OK ? r->used_len : 0);
	}
	gm_destroy(&f.gm);
out:
	free(c);
	free(r);
	return 0;
}
