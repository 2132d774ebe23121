/* Unit tests for virtio-blk: the request parser, and the device end to end
 * (both engines) against a fake guest memory and a temporary image file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "virtio_blk.h"

/* ---- Parser ------------------------------------------------------------ */

struct pchain {
	struct vq_chain c;
	struct blk_req r;
	uint8_t hdr[16];
	uint8_t data[4096];
	uint8_t status[4];
};

static void set_hdr(struct pchain *p, uint32_t type, uint64_t sector)
{
	memcpy(p->hdr, &type, 4);
	memset(p->hdr + 4, 0, 4);
	memcpy(p->hdr + 8, &sector, 8);
}

/* Chain of: header (readable), @nout readable data pieces of @len, @nin
 * writable data pieces of @len, then a 1-byte status (writable). */
static struct pchain *mk(uint32_t type, uint64_t sector, unsigned int nout, unsigned int nin,
			 uint32_t len)
{
	struct pchain *p = test_calloc(1, sizeof(*p));
	unsigned int i, k = 0;

	set_hdr(p, type, sector);
	p->c.iov[k++] = (struct iovec){p->hdr, 16};
	for (i = 0; i < nout; i++)
		p->c.iov[k++] = (struct iovec){p->data + i * len, len};
	p->c.nr_out = (uint16_t)k;
	for (i = 0; i < nin; i++)
		p->c.iov[k++] = (struct iovec){p->data + (nout + i) * len, len};
	p->c.iov[k++] = (struct iovec){p->status, 1};
	p->c.nr_in = (uint16_t)(k - p->c.nr_out);
	p->c.out_len = 16 + nout * len;
	p->c.in_len = nin * len + 1;
	p->c.head = 7;
	return p;
}

static void parse_in(void **state)
{
	struct pchain *p = mk(VIRTIO_BLK_T_IN, 10, 0, 2, 512);

	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	assert_int_equal(p->r.head, 7);
	assert_int_equal(p->r.type, VIRTIO_BLK_T_IN);
	assert_int_equal(p->r.offset, 10 * 512);
	assert_int_equal(p->r.data_len, 1024);
	assert_int_equal(p->r.niov, 2);
	assert_ptr_equal(p->r.iov[1].iov_base, p->data + 512);
	assert_ptr_equal(p->r.status, p->status);
	assert_int_equal(p->r.used_len, 1025);
	test_free(p);
}

static void parse_out_and_split_header(void **state)
{
	struct pchain *p = mk(VIRTIO_BLK_T_OUT, 0, 3, 0, 512);

	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	assert_int_equal(p->r.data_len, 1536);
	assert_int_equal(p->r.niov, 3);
	assert_int_equal(p->r.used_len, 1);
	/* Header in two 8-byte pieces, data and status in one writable buffer
	 * for an IN: the status is still the very last byte. */
	memmove(&p->c.iov[2], &p->c.iov[1], 3 * sizeof(struct iovec));
	p->c.iov[0].iov_len = 8;
	p->c.iov[1] = (struct iovec){p->hdr + 8, 8};
	p->c.nr_out = 2;
	p->c.out_len = 16;
	p->c.iov[2] = (struct iovec){p->data, 513};
	p->c.nr_in = 1;
	p->c.in_len = 513;
	set_hdr(p, VIRTIO_BLK_T_IN, 99);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	assert_int_equal(p->r.data_len, 512);
	assert_ptr_equal(p->r.status, p->data + 512);
	assert_int_equal(p->r.offset, 99 * 512);
	test_free(p);
}

static void parse_no_status(void **state)
{
	struct pchain *p = mk(VIRTIO_BLK_T_OUT, 0, 1, 0, 512);

	p->c.nr_in = 0;
	p->c.in_len = 0;
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), -EINVAL);
	/* A zero-length last writable buffer has no byte for the status. */
	p->c.nr_in = 1;
	p->c.iov[2].iov_len = 0;
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), -EINVAL);
	test_free(p);
}

static void parse_wrong_direction(void **state)
{
	struct pchain *p;

	/* IN with readable data after the header. */
	p = mk(VIRTIO_BLK_T_IN, 0, 1, 1, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	assert_ptr_equal(p->r.status, p->status);
	test_free(p);
	/* OUT with writable data. */
	p = mk(VIRTIO_BLK_T_OUT, 0, 1, 1, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	/* Header too short (the readable part is 8 bytes). */
	p = mk(VIRTIO_BLK_T_IN, 0, 0, 1, 512);
	p->c.iov[0].iov_len = 8;
	p->c.out_len = 8;
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	/* Header writable: no readable part at all. */
	p = mk(VIRTIO_BLK_T_IN, 0, 0, 1, 512);
	p->c.nr_out = 0;
	p->c.out_len = 0;
	p->c.nr_in = 3;
	p->c.in_len = 16 + 512 + 1;
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
}

static void parse_sizes_and_range(void **state)
{
	struct pchain *p;

	p = mk(VIRTIO_BLK_T_IN, 0, 0, 1, 500);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	p = mk(VIRTIO_BLK_T_OUT, 0, 1, 0, 513);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	p = mk(VIRTIO_BLK_T_IN, 99, 0, 1, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	test_free(p);
	p = mk(VIRTIO_BLK_T_IN, 99, 0, 2, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	p = mk(VIRTIO_BLK_T_OUT, 100, 1, 0, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	/* Sector values that would overflow sector + count or sector * 512. */
	p = mk(VIRTIO_BLK_T_IN, UINT64_MAX, 0, 1, 512);
	assert_int_equal(blk_req_parse(&p->c, UINT64_MAX >> 9, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	p = mk(VIRTIO_BLK_T_OUT, UINT64_MAX - 1, 1, 0, 1024);
	assert_int_equal(blk_req_parse(&p->c, UINT64_MAX, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
}

static void parse_read_only_flush_id_unsupp(void **state)
{
	struct pchain *p;
	char id[VIRTIO_BLK_ID_BYTES] = "drive_7";

	p = mk(VIRTIO_BLK_T_OUT, 0, 1, 0, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, true, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	p = mk(VIRTIO_BLK_T_IN, 0, 0, 1, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, true, &p->r), VIRTIO_BLK_S_OK);
	test_free(p);
	p = mk(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	assert_int_equal(p->r.used_len, 1);
	test_free(p);
	p = mk(VIRTIO_BLK_T_FLUSH, 0, 1, 0, 512);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_IOERR);
	test_free(p);
	p = mk(VIRTIO_BLK_T_GET_ID, 0, 0, 2, 10);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	assert_int_equal(p->r.used_len, 21);
	blk_req_get_id(&p->r, id);
	assert_memory_equal(p->data, id, 20);
	test_free(p);
	p = mk(VIRTIO_BLK_T_GET_ID, 0, 0, 1, 4);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_OK);
	blk_req_get_id(&p->r, id);
	assert_memory_equal(p->data, "driv", 4);
	test_free(p);
	p = mk(11 /* DISCARD */, 0, 1, 0, 16);
	assert_int_equal(blk_req_parse(&p->c, 100, false, &p->r), VIRTIO_BLK_S_UNSUPP);
	test_free(p);
}

/* ---- Device ------------------------------------------------------------ */

#define RAM	  (1ULL << 20)
#define QSIZE	  32
#define DESC_GPA  0x1000ULL
#define AVAIL_GPA 0x2000ULL
#define USED_GPA  0x3000ULL
#define HDR_GPA	  0x8000ULL
#define STAT_GPA  0x9000ULL
#define BUF_GPA	  0x10000ULL
#define SECTORS	  128

struct dev {
	struct guest_mem gm;
	struct virtio_blk *b;
	struct virtio_dev *vd;
	char path[64];
	uint16_t avail_idx;
	int irqs;
};

static void count_irq(void *ctx)
{
	((struct dev *)ctx)->irqs++;
}

static int open_dev(struct dev *d, bool ro, bool async, bool writeback, struct errbuf *e)
{
	struct cfg_drive cd;
	uint8_t pattern[SECTORS * 512];
	unsigned int i;
	int fd, ret;

	memset(&cd, 0, sizeof(cd));
	strcpy(cd.drive_id, "rootfs");
	cd.path_on_host = d->path;
	cd.is_read_only = ro;
	cd.io_engine = async ? IO_ENGINE_ASYNC : IO_ENGINE_SYNC;
	cd.cache_type = writeback ? CACHE_WRITEBACK : CACHE_UNSAFE;
	if (!d->path[0]) {
		strcpy(d->path, "/tmp/ember-blk-test.XXXXXX");
		fd = mkstemp(d->path);
		if (fd < 0)
			return -1;
		for (i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)(i / 512);
		if (write(fd, pattern, sizeof(pattern)) != (ssize_t)sizeof(pattern))
			return -1;
		close(fd);
	}
	ret = virtio_blk_create(&d->b, &cd, &(struct dev_ctx){.mem = &d->gm, .irqfd = -1}, e);
	if (ret)
		return ret;
	d->vd = virtio_blk_dev(d->b);
	d->vd->transport.irq = (struct irq_line){.raise = count_irq, .ctx = d};
	return 0;
}

static void start(struct dev *d, uint64_t features)
{
	struct virtqueue *vq = &d->vd->vq[0];

	virtio_set_status(d->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(d->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(d->vd, 0, (uint32_t)features);
	virtio_set_driver_features(d->vd, 1, (uint32_t)(features >> 32));
	virtio_set_status(d->vd, 11);
	assert_int_equal(d->vd->status, 11);
	vq->size = QSIZE;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	vq->ready = true;
	virtio_set_status(d->vd, 15);
	assert_true(d->vd->active);
}

static int dev_setup(struct dev **out, bool ro, bool async, bool writeback)
{
	struct dev *d = test_calloc(1, sizeof(*d));
	struct errbuf e = {""};

	if (gm_init(&d->gm, RAM, &e) || open_dev(d, ro, async, writeback, &e)) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	start(d, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
		     VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
		     (writeback ? VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) : 0));
	*out = d;
	return 0;
}

static int setup_sync(void **state)
{
	return dev_setup((struct dev **)state, false, false, true);
}

static int setup_async(void **state)
{
	return dev_setup((struct dev **)state, false, true, true);
}

static int setup_ro(void **state)
{
	return dev_setup((struct dev **)state, true, false, false);
}

static int dev_teardown(void **state)
{
	struct dev *d = *state;

	virtio_blk_destroy(d->b);
	unlink(d->path);
	gm_destroy(&d->gm);
	test_free(d);
	return 0;
}

static void desc(struct dev *d, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	struct vring_desc v = {.addr = addr, .len = len, .flags = flags, .next = next};

	assert_int_equal(gm_write(&d->gm, DESC_GPA + 16ULL * i, &v, sizeof(v)), 0);
}

static void offer(struct dev *d, uint16_t head)
{
	uint16_t slot = d->avail_idx % QSIZE;

	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 4 + 2 * slot, &head, 2), 0);
	d->avail_idx++;
	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 2, &d->avail_idx, 2), 0);
}

static uint16_t used_idx(struct dev *d)
{
	uint16_t v;

	assert_int_equal(gm_read(&d->gm, &v, USED_GPA + 2, 2), 0);
	return v;
}

/* Notify and wait until @n requests are complete (the Async engine needs
 * the event loop's part: poll its eventfd and call io_ready). */
static void run(struct dev *d, uint16_t n)
{
	struct pollfd p = {.fd = virtio_blk_io_fd(d->b), .events = POLLIN};
	int tries = 0;

	virtio_queue_notify(d->vd, 0);
	while (used_idx(d) != n && p.fd >= 0 && tries++ < 100) {
		poll(&p, 1, 100);
		virtio_blk_io_ready(d->b);
	}
	assert_int_equal(used_idx(d), n);
}

static struct vring_used_elem used(struct dev *d, unsigned int i)
{
	struct vring_used_elem el;

	assert_int_equal(gm_read(&d->gm, &el, USED_GPA + 4 + 8 * (i % QSIZE), sizeof(el)), 0);
	return el;
}

static uint8_t status_byte(struct dev *d, unsigned int slot)
{
	uint8_t s;

	assert_int_equal(gm_read(&d->gm, &s, STAT_GPA + slot, 1), 0);
	return s;
}

/* Request in descriptors 6*slot..: header, @nseg data buffers of 512 bytes
 * at BUF_GPA + slot * 0x4000 (writable for IN), status. */
static void request(struct dev *d, unsigned int slot, uint32_t type, uint64_t sector,
		    unsigned int nseg)
{
	uint8_t hdr[16] = {0};
	unsigned int base = slot * 6, i;
	uint16_t w = type == VIRTIO_BLK_T_OUT ? 0 : VRING_DESC_F_WRITE;

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	assert_int_equal(gm_write(&d->gm, HDR_GPA + 16 * slot, hdr, 16), 0);
	assert_int_equal(gm_write(&d->gm, STAT_GPA + slot, "\xee", 1), 0);
	desc(d, base, HDR_GPA + 16 * slot, 16, VRING_DESC_F_NEXT, (uint16_t)(base + 1));
	for (i = 0; i < nseg; i++)
		desc(d, base + 1 + i, BUF_GPA + slot * 0x4000 + i * 512, 512, VRING_DESC_F_NEXT | w,
		     (uint16_t)(base + 2 + i));
	desc(d, base + 1 + nseg, STAT_GPA + slot, 1, VRING_DESC_F_WRITE, 0);
	offer(d, (uint16_t)base);
}

static void write_then_read(void **state)
{
	struct dev *d = *state;
	uint8_t buf[3 * 512], file[3 * 512];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(gm_write(&d->gm, BUF_GPA, buf, sizeof(buf)), 0);
	request(d, 0, VIRTIO_BLK_T_OUT, 5, 3);
	run(d, 1);
	assert_int_equal(status_byte(d, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(used(d, 0).id, 0);
	assert_int_equal(used(d, 0).len, 1);
	fd = open(d->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, file, sizeof(file), 5 * 512), sizeof(file));
	close(fd);
	assert_memory_equal(file, buf, sizeof(buf));
	/* Read it back (and the untouched sector after it) into slot 1. */
	request(d, 1, VIRTIO_BLK_T_IN, 5, 4);
	request(d, 2, VIRTIO_BLK_T_FLUSH, 0, 0);
	run(d, 3);
	assert_int_equal(status_byte(d, 1), VIRTIO_BLK_S_OK);
	assert_int_equal(status_byte(d, 2), VIRTIO_BLK_S_OK);
	assert_memory_equal(gm_ptr(&d->gm, BUF_GPA + 0x4000, sizeof(buf)), buf, sizeof(buf));
	assert_int_equal(*(uint8_t *)gm_ptr(&d->gm, BUF_GPA + 0x4000 + 3 * 512, 1), 8);
	assert_true(d->irqs >= 1);
}

static void get_id_and_errors(void **state)
{
	struct dev *d = *state;
	uint8_t id[20] = "rootfs";

	request(d, 0, VIRTIO_BLK_T_GET_ID, 0, 1);
	request(d, 1, VIRTIO_BLK_T_IN, SECTORS, 1); /* past the end */
	request(d, 2, 42, 0, 1);		    /* unknown type */
	run(d, 3);
	assert_int_equal(status_byte(d, 0), VIRTIO_BLK_S_OK);
	assert_memory_equal(gm_ptr(&d->gm, BUF_GPA, 20), id, 20);
	assert_int_equal(used(d, 0).len, 21);
	assert_int_equal(status_byte(d, 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(used(d, 1).len, 1);
	assert_int_equal(status_byte(d, 2), VIRTIO_BLK_S_UNSUPP);
	/* A chain without a status byte is refused with length 0. */
	desc(d, 15, HDR_GPA, 16, 0, 0);
	offer(d, 15);
	run(d, 4);
	assert_int_equal(used(d, 3).id, 15);
	assert_int_equal(used(d, 3).len, 0);
	assert_int_equal(d->vd->status & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* A host I/O error (the image shrank under the guest) is IOERR, not a crash. */
static void host_io_error(void **state)
{
	struct dev *d = *state;

	assert_int_equal(truncate(d->path, 512), 0);
	request(d, 0, VIRTIO_BLK_T_IN, 10, 2);
	run(d, 1);
	assert_int_equal(status_byte(d, 0), VIRTIO_BLK_S_IOERR);
	request(d, 1, VIRTIO_BLK_T_IN, 0, 1);
	run(d, 2);
	assert_int_equal(status_byte(d, 1), VIRTIO_BLK_S_OK);
}

static void read_only_drive(void **state)
{
	struct dev *d = *state;
	uint8_t before[SECTORS * 512], after[SECTORS * 512];
	int fd;

	assert_true(d->vd->features & VIRTIO_BIT(VIRTIO_BLK_F_RO));
	assert_false(d->vd->features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH));
	fd = open(d->path, O_RDONLY);
	assert_int_equal(read(fd, before, sizeof(before)), sizeof(before));
	assert_int_equal(gm_write(&d->gm, BUF_GPA, "junk", 4), 0);
	request(d, 0, VIRTIO_BLK_T_OUT, 0, 1);
	request(d, 1, VIRTIO_BLK_T_IN, 3, 1);
	run(d, 2);
	assert_int_equal(status_byte(d, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(status_byte(d, 1), VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)gm_ptr(&d->gm, BUF_GPA + 0x4000, 1), 3);
	assert_int_equal(pread(fd, after, sizeof(after), 0), sizeof(after));
	close(fd);
	assert_memory_equal(before, after, sizeof(before));
}

static void corrupt_ring_needs_reset(void **state)
{
	struct dev *d = *state;
	uint16_t bogus = QSIZE + 3;

	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 2, &bogus, 2), 0);
	virtio_queue_notify(d->vd, 0);
	assert_true(d->vd->status & VIRTIO_STATUS_NEEDS_RESET);
	/* Reset brings it back. */
	virtio_set_status(d->vd, 0);
	d->avail_idx = 0;
	assert_int_equal(gm_write(&d->gm, AVAIL_GPA + 2, &d->avail_idx, 2), 0);
	assert_int_equal(gm_write(&d->gm, USED_GPA + 2, &d->avail_idx, 2), 0);
	start(d, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	request(d, 0, VIRTIO_BLK_T_IN, 1, 1);
	run(d, 1);
	assert_int_equal(status_byte(d, 0), VIRTIO_BLK_S_OK);
}

/* More requests than the queue holds at once, in waves (slot reuse). */
static void many_requests(void **state)
{
	struct dev *d = *state;
	unsigned int wave, i;

	for (wave = 0; wave < 5; wave++) {
		for (i = 0; i < 3; i++)
			request(d, i, VIRTIO_BLK_T_IN, wave * 3 + i, 2);
		run(d, (uint16_t)(3 * (wave + 1)));
		for (i = 0; i < 3; i++) {
			assert_int_equal(status_byte(d, i), VIRTIO_BLK_S_OK);
			assert_int_equal(*(uint8_t *)gm_ptr(&d->gm, BUF_GPA + i * 0x4000 + 512, 1),
					 wave * 3 + i + 1);
		}
	}
}

/* PATCH /drives on an Async drive: the swap reaps what is in flight into the
 * used ring and consumes the completion eventfd, so it must send the
 * used-ring interrupt itself; nothing else would wake the guest. */
static void swap_signals_reaped(void **state)
{
	struct dev *d = *state;
	struct pollfd p = {.fd = virtio_blk_io_fd(d->b), .events = POLLIN};
	struct errbuf e = {""};
	char path2[64] = "/tmp/ember-blk-test2.XXXXXX";
	int fd = mkstemp(path2);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SECTORS * 512), 0);
	close(fd);
	request(d, 0, VIRTIO_BLK_T_IN, 1, 2);
	virtio_queue_notify(d->vd, 0);
	virtio_isr_ack(d->vd, virtio_isr_read(d->vd));
	assert_int_equal(used_idx(d), 0);
	assert_int_equal(virtio_blk_set_path(d->b, path2, &e), 0);
	unlink(path2);
	assert_int_equal(used_idx(d), 1);
	assert_int_equal(status_byte(d, 0), VIRTIO_BLK_S_OK);
	assert_true(virtio_isr_read(d->vd) & VIRTIO_ISR_VRING);
	/* And nothing is left for the event loop to find. */
	assert_int_equal(poll(&p, 1, 0), 0);
}

static void config_space(void **state)
{
	struct dev *d = *state;
	uint8_t buf[8];
	uint64_t cap;
	uint32_t seg;

	d->vd->ops->config_read(d->vd, 0, buf, 8);
	memcpy(&cap, buf, 8);
	assert_int_equal(cap, SECTORS);
	d->vd->ops->config_read(d->vd, 12, buf, 4);
	memcpy(&seg, buf, 4);
	assert_int_equal(seg, BLK_SEG_MAX);
}

/* Snapshot: a drive quiesced and saved after a write, restored into a new
 * device on the same image, carries on where it stopped; a device on an
 * image of another size refuses the state. */
static void snapshot_round_trip(void **state)
{
	struct dev *d = *state, d2, d3;
	struct errbuf e = {""};
	uint8_t snap[512];
	int n;

	request(d, 0, VIRTIO_BLK_T_OUT, 5, 1);
	run(d, 1);
	assert_int_equal(virtio_quiesce(d->vd), 0);
	n = virtio_save(d->vd, snap, sizeof(snap));
	assert_true(n > 0);

	memset(&d2, 0, sizeof(d2));
	d2.gm = d->gm; /* the same guest RAM mapping; not destroyed twice */
	strcpy(d2.path, d->path);
	assert_int_equal(open_dev(&d2, false, true, true, &e), 0);
	assert_int_equal(virtio_restore(d2.vd, snap, (size_t)n), 0);
	assert_true(d2.vd->active);
	assert_int_equal(d2.vd->vq[0].used_idx, 1);
	d2.avail_idx = d->avail_idx;
	request(&d2, 1, VIRTIO_BLK_T_IN, 5, 1);
	run(&d2, 2);
	assert_int_equal(status_byte(&d2, 1), VIRTIO_BLK_S_OK);
	virtio_blk_destroy(d2.b);

	memset(&d3, 0, sizeof(d3));
	d3.gm = d->gm;
	strcpy(d3.path, d->path);
	assert_int_equal(truncate(d->path, (SECTORS + 8) * 512), 0);
	assert_int_equal(open_dev(&d3, false, false, true, &e), 0);
	assert_int_equal(virtio_restore(d3.vd, snap, (size_t)n), -EINVAL);
	assert_false(d3.vd->active);
	virtio_blk_destroy(d3.b);
}

static void open_errors(void **state)
{
	struct dev d;
	struct errbuf e = {""};

	memset(&d, 0, sizeof(d));
	assert_int_equal(gm_init(&d.gm, RAM, &e), 0);
	strcpy(d.path, "/nonexistent/disk.img");
	assert_int_equal(open_dev(&d, false, false, false, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "drive \"rootfs\": cannot open /nonexistent/disk.img"));
	strcpy(d.path, "/tmp");
	assert_true(open_dev(&d, true, false, false, &e) < 0);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_true(open_dev(&d, false, false, false, &e) < 0); /* EISDIR */
	assert_non_null(strstr(e.msg, "/tmp"));
	gm_destroy(&d.gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_in),
	    cmocka_unit_test(parse_out_and_split_header),
	    cmocka_unit_test(parse_no_status),
	    cmocka_unit_test(parse_wrong_direction),
	    cmocka_unit_test(parse_sizes_and_range),
	    cmocka_unit_test(parse_read_only_flush_id_unsupp),
	    cmocka_unit_test_setup_teardown(write_then_read, setup_sync, dev_teardown),
	    cmocka_unit_test_setup_teardown(write_then_read, setup_async, dev_teardown),
	    cmocka_unit_test_setup_teardown(get_id_and_errors, setup_sync, dev_teardown),
	    cmocka_unit_test_setup_teardown(get_id_and_errors, setup_async, dev_teardown),
	    cmocka_unit_test_setup_teardown(host_io_error, setup_sync, dev_teardown),
	    cmocka_unit_test_setup_teardown(host_io_error, setup_async, dev_teardown),
	    cmocka_unit_test_setup_teardown(read_only_drive, setup_ro, dev_teardown),
	    cmocka_unit_test_setup_teardown(corrupt_ring_needs_reset, setup_sync, dev_teardown),
	    cmocka_unit_test_setup_teardown(corrupt_ring_needs_reset, setup_async, dev_teardown),
	    cmocka_unit_test_setup_teardown(many_requests, setup_async, dev_teardown),
	    cmocka_unit_test_setup_teardown(swap_signals_reaped, setup_async, dev_teardown),
	    cmocka_unit_test_setup_teardown(config_space, setup_sync, dev_teardown),
	    cmocka_unit_test_setup_teardown(snapshot_round_trip, setup_sync, dev_teardown),
	    cmocka_unit_test(open_errors),
	};

	return cmocka_run_group_tests_name("virtio_blk", tests, NULL, NULL);
}
