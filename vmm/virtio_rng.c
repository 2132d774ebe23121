/*
 * virtio_rng.c - virtio entropy device; see virtio_rng.h.
 */
#include <errno.h>
#include <sys/random.h>

#include "virtio_rng.h"

static uint32_t fill_iov(const struct iovec *v, uint32_t budget)
{
	uint32_t done = 0;

	while (done < budget && done < v->iov_len) {
		uint32_t want = (uint32_t)v->iov_len - done;
		ssize_t n;

		if (want > budget - done)
			want = budget - done;
		n = getrandom((uint8_t *)v->iov_base + done, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (uint32_t)n;
	}
	return done;
}

uint32_t virtio_rng_fill(const struct vq_chain *c)
{
	uint32_t total = 0;
	unsigned int i;

	for (i = c->nr_out; i < (unsigned int)c->nr_out + c->nr_in; i++) {
		uint32_t got, want = (uint32_t)c->iov[i].iov_len;

		if (total >= VIRTIO_RNG_MAX_REQUEST)
			break;
		got = fill_iov(&c->iov[i], VIRTIO_RNG_MAX_REQUEST - total);
		total += got;
		if (got < want)
			break;
	}
	return total;
}

static void rng_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_rng *r = (struct virtio_rng *)vd;
	struct virtqueue *vq = &vd->vq[q];
	struct vq_chain c;
	int rc;

	while ((rc = vq_pop(vq, &c)) > 0) {
		uint32_t n = virtio_rng_fill(&c);

		if (n == 0)
			r->fails++;
		r->bytes += n;
		vq_push(vq, c.head, n);
	}
	if (rc < 0)
		virtio_fail(vd, "entropy: corrupt avail ring");
	virtio_signal_used(vd, vq);
}

static int rng_activate(struct virtio_dev *vd)
{
	(void)vd;
	return 0; /* no state beyond the queue */
}

static const struct virtio_dev_ops rng_ops = {
    .activate = rng_activate,
    .notify = rng_notify,
};

int virtio_rng_init(struct virtio_rng *r, const struct guest_mem *mem, struct logger *log)
{
	r->bytes = 0;
	r->fails = 0;
	return virtio_dev_init(&r->vd, &rng_ops, VIRTIO_ID_RNG, VIRTIO_BIT(VIRTIO_F_VERSION_1), 0,
			       1, mem, log);
}

void virtio_rng_destroy(struct virtio_rng *r)
{
	virtio_dev_destroy(&r->vd);
}
