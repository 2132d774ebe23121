/*
 * fuzz_balloon.c - libFuzzer target: the balloon's queue handlers (inflate
 * PFN arrays, deflate, statistics buffers, hinting command ids and hints,
 * reports) with guest RAM and the host's requests chosen by the fuzzer.
 *
 * Input: byte 0 = options (bit 0 deflate_on_oom, bit 1 statistics, bit 2
 * free page hinting, bit 3 free page reporting; the driver acks what is
 * offered); byte 1 = queue size exponent (sizes 1..256); byte 2 = N, the
 * number of commands; then the commands, then guest RAM from address 0.
 * Queue q's rings sit at q * 0x2000 (descriptors), + 0x1000 (avail), +
 * 0x1400 (used). A command is
 *   kind (1) | a (2, LE) | b (2, LE)
 * kind % 9: 0-4 notify queue kind, 5 the statistics timer fires, 6 hinting
 * starts (acknowledge_on_stop = a & 1), 7 hinting stops and a new target of
 * a MiB is set, 8 reset and restart the device.
 */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "guest_mem.h"
#include "virtio_balloon.h"

#define RAM	  (64 * 1024)
#define CMD_BYTES 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_balloon {
	struct guest_mem gm;
	struct virtio_balloon *b;
	struct virtio_dev *vd;
	uint8_t sizes;
};

/* start - the driver's side of initialisation, every queue ready. */
static void start(struct fuzz_balloon *f)
{
	struct virtio_dev *vd = f->vd;
	unsigned int q;

	pthread_mutex_lock(&vd->lock);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(vd, 0, virtio_features_page(vd, 0));
	virtio_set_driver_features(vd, 1, virtio_features_page(vd, 1));
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK);
	for (q = 0; q < vd->nr_queues; q++) {
		struct virtqueue *vq = &vd->vq[q];

		vq->size = (uint16_t)(1u << (f->sizes % 9));
		vq->desc_gpa = q * 0x2000ULL;
		vq->avail_gpa = q * 0x2000ULL + 0x1000;
		vq->used_gpa = q * 0x2000ULL + 0x1400;
		vq->ready = true;
	}
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vd->lock);
}

static void run_cmd(struct fuzz_balloon *f, const uint8_t *c)
{
	uint16_t a = (uint16_t)(c[1] | c[2] << 8);
	struct balloon_hint_status h;
	unsigned int kind = c[0] % 9;

	if (kind < 5) {
		virtio_queue_notify(f->vd, kind);
	} else if (kind == 5) {
		virtio_balloon_stats_tick(f->b);
	} else if (kind == 6) {
		virtio_balloon_hint_start(f->b, a & 1);
		if (virtio_balloon_hint_status(f->b, &h) == 0 && h.host_cmd < 2)
			abort(); /* a run never uses STOP or DONE as its id */
	} else if (kind == 7) {
		virtio_balloon_hint_stop(f->b);
		virtio_balloon_set_target(f->b, a);
	} else {
		pthread_mutex_lock(&f->vd->lock);
		virtio_set_status(f->vd, 0);
		pthread_mutex_unlock(&f->vd->lock);
		start(f);
	}
	if (f->vd->active && !(f->vd->status & VIRTIO_STATUS_DRIVER_OK))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_balloon f = {0};
	struct cfg_balloon cfg = {.set = true, .amount_mib = 1};
	const struct dev_ctx ctx = {.mem = &f.gm, .irqfd = -1};
	size_t ncmd, i, ram_off;
	struct errbuf e;

	if (size < 3)
		return 0;
	ncmd = data[2];
	ram_off = 3 + ncmd * CMD_BYTES;
	if (size < ram_off || gm_init(&f.gm, RAM, &e))
		return 0;
	memcpy(f.gm.region[0].hva, data + ram_off, size - ram_off < RAM ? size - ram_off : RAM);
	cfg.deflate_on_oom = data[0] & 1;
	cfg.stats_polling_interval_s = data[0] & 2 ? 1 : 0;
	cfg.free_page_hinting = data[0] & 4;
	cfg.free_page_reporting = data[0] & 8;
	f.sizes = data[1];
	if (virtio_balloon_create(&f.b, &cfg, &ctx, &e) == 0) {
		f.vd = virtio_balloon_dev(f.b);
		start(&f);
		for (i = 0; i < ncmd; i++)
			run_cmd(&f, data + 3 + i * CMD_BYTES);
		virtio_balloon_destroy(f.b);
	}
	gm_destroy(&f.gm);
	return 0;
}
