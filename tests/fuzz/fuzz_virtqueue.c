/* fuzz_virtqueue.c - libFuzzer target: descriptor-chain parsing (vq_pop and
 * friends) over attacker-controlled rings; see fuzz_common.h. */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vq_chain *c = malloc(sizeof(*c));
	struct fuzz_vm f;
	uint8_t buf[64];
	int i, ret;

	if (!c || fuzz_vm_init(&f, data, size)) {
		free(c);
		return 0;
	}
	for (i = 0; i < FUZZ_MAX_POPS; i++) {
		vq_disable_notify(&f.vq);
		ret = vq_pop(&f.vq, c);
		if (ret <= 0) {
			if (!vq_enable_notify(&f.vq))
				break;
			continue;
		}
		/* Chains obey the invariants devices rely on. */
		if (c->head >= f.vq.size || c->nr_out + c->nr_in > VQ_MAX_SEGS)
			abort();
		fuzz_touch(c);
		vq_copy_from_out(c, 3, buf, sizeof(buf));
		vq_copy_to_in(c, 1, buf, sizeof(buf));
		vq_in_byte(c, 10);
		if (i % 3 == 2 && vq_unpop(&f.vq, 1, f.vq.bad_chains))
			vq_pop(&f.vq, c);
		vq_push(&f.vq, c->head, c->in_len);
		vq_need_signal(&f.vq);
	}
	gm_destroy(&f.gm);
	free(c);
	return 0;
}
