/*
 * fuzz_rng.c - libFuzzer target: the entropy device's request queue with
 * guest RAM (rings and buffers) and a rate limiter chosen by the fuzzer.
 *
 * Input: byte 0 = queue size exponent (sizes 1..256); byte 1 = bandwidth
 * bucket size in 64-byte units (0: unlimited); byte 2 = N, the number of
 * script commands (one byte each: even = notify, odd = reset and restart);
 * then guest RAM from address 0. The rings sit at 0x0000/0x1000/0x1400.
 * Whatever the guest wrote, the device must neither crash, nor write
 * outside guest RAM, nor serve more than VIRTIO_RNG_MAX_REQUEST per chain.
 */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "guest_mem.h"
#include "loop.h"
#include "virtio_rng.h"

#define RAM (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void start(struct virtio_dev *vd, unsigned int exp)
{
	struct virtqueue *vq = &vd->vq[0];

	pthread_mutex_lock(&vd->lock);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(vd, 0, (uint32_t)VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	virtio_set_driver_features(vd, 1, 1);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK);
	vq->size = (uint16_t)(1u << (exp % 9));
	vq->desc_gpa = 0;
	vq->avail_gpa = 0x1000;
	vq->used_gpa = 0x1400;
	vq->ready = true;
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vd->lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_entropy cfg = {.set = true};
	struct errbuf e = {""};
	struct guest_mem gm;
	struct loop loop;
	struct virtio_rng *r;
	struct virtio_rng_stats st;
	size_t ncmd, i;

	if (size < 3)
		return 0;
	ncmd = data[2];
	if (size < 3 + ncmd)
		return 0;
	if (gm_init(&gm, RAM, &e))
		abort();
	memcpy(gm_ptr(&gm, 0, RAM), data + 3 + ncmd, size - 3 - ncmd < RAM ? size - 3 - ncmd : RAM);
	if (data[1])
		cfg.rate_limiter.bandwidth = (struct cfg_token_bucket){
		    .set = true, .size = 64ULL * data[1], .refill_time_ms = 1000};
	loop_init(&loop);
	if (loop_open(&loop))
		abort();
	if (virtio_rng_create(&r, &cfg, &(struct dev_ctx){.mem = &gm, .loop = &loop, .irqfd = -1},
			      &e))
		abort();
	start(virtio_rng_dev(r), data[0]);
	for (i = 0; i < ncmd; i++) {
		struct virtio_dev *vd = virtio_rng_dev(r);

		if (data[3 + i] & 1) {
			pthread_mutex_lock(&vd->lock);
			virtio_set_status(vd, 0);
			pthread_mutex_unlock(&vd->lock);
			start(vd, data[0]);
		} else {
			virtio_queue_notify(vd, 0);
		}
	}
	virtio_rng_stats(r, &st);
	if (st.bytes > (uint64_t)VIRTIO_RNG_MAX_REQUEST * 256 * (ncmd + 1))
		abort();
	virtio_rng_destroy(r);
	loop_close(&loop);
	gm_destroy(&gm);
	return 0;
}
