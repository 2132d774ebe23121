/* Unit tests for virtio-net's data path against a fake guest memory, with a
 * SOCK_SEQPACKET socketpair standing in for the tap (it keeps frame
 * boundaries, as a tap does). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmds_store.h"
#include "virtio_net.h"

#define RAM	(1ULL << 20)
#define QSIZE	16
#define HDR	12
#define BUF_GPA 0x20000ULL

struct q {
	uint64_t desc, avail, used;
	uint16_t avail_idx;
	unsigned int next_desc;
};

struct net {
	struct guest_mem gm;
	struct virtio_net *n;
	struct virtio_dev *vd;
	int host; /* the "host" end of the tap */
	int dev_fd;
	struct q q[2];
	int irqs;
};

static void count_irq(void *ctx)
{
	((struct net *)ctx)->irqs++;
}

static int net_setup(void **state, uint64_t features)
{
	struct net *t = test_calloc(1, sizeof(*t));
	struct cfg_net cfg;
	struct errbuf e = {""};
	int sv[2], i;

	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.iface_id, "eth0");
	strcpy(cfg.host_dev_name, "sock");
	cfg.has_guest_mac = true;
	memcpy(cfg.guest_mac, "\x06\x00\xac\x10\x00\x02", 6);
	if (gm_init(&t->gm, RAM, &e))
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -1;
	t->host = sv[0];
	t->dev_fd = sv[1];
	/* The device end is non-blocking, as ember opens taps. */
	if (ioctl(t->dev_fd, FIONBIO, &(int){1}))
		return -1;
	if (virtio_net_create_fd(&t->n, t->dev_fd, &cfg,
				 &(struct dev_ctx){.mem = &t->gm, .irqfd = -1}, &e))
		return -1;
	t->vd = virtio_net_dev(t->n);
	t->vd->transport.irq = (struct irq_line){.raise = count_irq, .ctx = t};
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	features |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	virtio_set_driver_features(t->vd, 0, (uint32_t)features);
	virtio_set_driver_features(t->vd, 1, (uint32_t)(features >> 32));
	virtio_set_status(t->vd, 11);
	for (i = 0; i < 2; i++) {
		struct virtqueue *vq = &t->vd->vq[i];

		t->q[i].desc = vq->desc_gpa = 0x1000 + i * 0x8000;
		t->q[i].avail = vq->avail_gpa = 0x2000 + i * 0x8000;
		t->q[i].used = vq->used_gpa = 0x3000 + i * 0x8000;
		vq->size = QSIZE;
		vq->ready = true;
	}
	virtio_set_status(t->vd, 15);
	if (!t->vd->active)
		return -1;
	*state = t;
	return 0;
}

static int setup_mrg(void **state)
{
	return net_setup(state, VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_GUEST_CSUM);
}

static int setup_plain(void **state)
{
	return net_setup(state, 0);
}

static int teardown(void **state)
{
	struct net *t = *state;

	virtio_net_destroy(t->n);
	close(t->host);
	gm_destroy(&t->gm);
	test_free(t);
	return 0;
}

/* Put a chain of @n buffers (each @len bytes at @gpa + i * 0x1000, all
 * writable or all readable) on queue @qi. */
static void post(struct net *t, int qi, uint64_t gpa, unsigned int n, uint32_t len, bool write)
{
	struct q *q = &t->q[qi];
	unsigned int i, head = q->next_desc % QSIZE;
	uint16_t slot = q->avail_idx % QSIZE;

	for (i = 0; i < n; i++) {
		unsigned int d = (head + i) % QSIZE;
		struct vring_desc v = {
		    .addr = gpa + i * 0x1000,
		    .len = len,
		    .flags = (uint16_t)((write ? VRING_DESC_F_WRITE : 0) |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0)),
		    .next = (uint16_t)((d + 1) % QSIZE),
		};

		assert_int_equal(gm_write(&t->gm, q->desc + 16 * d, &v, sizeof(v)), 0);
	}
	q->next_desc += n;
	assert_int_equal(gm_write(&t->gm, q->avail + 4 + 2 * slot, &(uint16_t){(uint16_t)head}, 2),
			 0);
	q->avail_idx++;
	assert_int_equal(gm_write(&t->gm, q->avail + 2, &q->avail_idx, 2), 0);
}

static uint16_t used_idx(struct net *t, int qi)
{
	uint16_t v;

	assert_int_equal(gm_read(&t->gm, &v, t->q[qi].used + 2, 2), 0);
	return v;
}

static struct vring_used_elem used(struct net *t, int qi, unsigned int i)
{
	struct vring_used_elem el;

	assert_int_equal(gm_read(&t->gm, &el, t->q[qi].used + 4 + 8 * (i % QSIZE), 8), 0);
	return el;
}

/* A frame from the host: a zeroed vnet header, then @len bytes of @tag+i. */
static void host_send(struct net *t, uint32_t len, uint8_t tag)
{
	uint8_t f[HDR + 4096];
	uint32_t i;

	memset(f, 0, HDR);
	for (i = 0; i < len; i++)
		f[HDR + i] = (uint8_t)(tag + i);
	assert_int_equal(send(t->host, f, HDR + len, 0), HDR + len);
}

static uint16_t num_buffers(struct net *t, uint64_t gpa)
{
	uint16_t v;

	assert_int_equal(gm_read(&t->gm, &v, gpa + 10, 2), 0);
	return v;
}

static void rx_mergeable(void **state)
{
	struct net *t = *state;
	uint8_t *p;
	unsigned int i;

	for (i = 0; i < 3; i++)
		post(t, NET_RXQ, BUF_GPA + i * 0x1000, 1, 1500, true);
	host_send(t, 2990, 7);
	virtio_queue_notify(t->vd, NET_RXQ);
	assert_int_equal(used_idx(t, NET_RXQ), 3);
	assert_int_equal(used(t, NET_RXQ, 0).len, 1500);
	assert_int_equal(used(t, NET_RXQ, 1).len, 1500);
	assert_int_equal(used(t, NET_RXQ, 2).len, HDR + 2990 - 3000);
	assert_int_equal(num_buffers(t, BUF_GPA), 3);
	p = gm_ptr(&t->gm, BUF_GPA + 0x1000, 1);
	assert_int_equal(p[0], (uint8_t)(7 + 1500 - HDR));
	assert_true(t->irqs >= 1);
}

static void rx_single_buffer(void **state)
{
	struct net *t = *state;
	uint8_t *p;

	post(t, NET_RXQ, BUF_GPA, 1, 2048, true);
	host_send(t, 100, 1);
	virtio_queue_notify(t->vd, NET_RXQ);
	assert_int_equal(used_idx(t, NET_RXQ), 1);
	assert_int_equal(used(t, NET_RXQ, 0).len, HDR + 100);
	assert_int_equal(num_buffers(t, BUF_GPA), 1);
	p = gm_ptr(&t->gm, BUF_GPA + HDR, 100);
	assert_int_equal(p[99], 100);
}

/* No receive buffers: the frame waits in ember and the next ones stay in
 * the tap (back-pressure); nothing is dropped, order is kept. */
static void rx_back_pressure(void **state)
{
	struct net *t = *state;
	int queued = 0;

	post(t, NET_RXQ, BUF_GPA, 1, 2048, true);
	host_send(t, 200, 10);
	host_send(t, 300, 20);
	host_send(t, 400, 30);
	virtio_queue_notify(t->vd, NET_RXQ);
	assert_int_equal(used_idx(t, NET_RXQ), 1);
	assert_int_equal(used(t, NET_RXQ, 0).len, HDR + 200);
	/* Frame 2 is held by the device, frame 3 was not read. */
	assert_int_equal(ioctl(t->dev_fd, FIONREAD, &queued), 0);
	assert_int_equal(queued, HDR + 400);
	post(t, NET_RXQ, BUF_GPA + 0x1000, 1, 2048, true);
	post(t, NET_RXQ, BUF_GPA + 0x2000, 1, 2048, true);
	virtio_queue_notify(t->vd, NET_RXQ);
	assert_int_equal(used_idx(t, NET_RXQ), 3);
	assert_int_equal(used(t, NET_RXQ, 1).len, HDR + 300);
	assert_int_equal(used(t, NET_RXQ, 2).len, HDR + 400);
	assert_int_equal(*(uint8_t *)gm_ptr(&t->gm, BUF_GPA + 0x1000 + HDR, 1), 20);
	assert_int_equal(*(uint8_t *)gm_ptr(&t->gm, BUF_GPA + 0x2000 + HDR, 1), 30);
}

/* Without mergeable buffers a frame larger than the buffer is dropped and
 * the buffer stays available for the next frame. */
static void rx_too_big_dropped(void **state)
{
	struct net *t = *state;

	post(t, NET_RXQ, BUF_GPA, 1, 64, true);
	host_send(t, 200, 1);
	host_send(t, 40, 2);
	virtio_queue_notify(t->vd, NET_RXQ);
	assert_int_equal(used_idx(t, NET_RXQ), 1);
	assert_int_equal(used(t, NET_RXQ, 0).len, HDR + 40);
	assert_int_equal(*(uint8_t *)gm_ptr(&t->gm, BUF_GPA + HDR, 1), 2);
}

/* A receive chain with a device-readable buffer is returned unused. */
static void rx_malformed_chain(void **state)
{
	struct net *t = *state;

	post(t, NET_RXQ, BUF_GPA, 1, 2048, false);
	post(t, NET_RXQ, BUF_GPA + 0x1000, 1, 2048, true);
	host_send(t, 100, 1);
	host_send(t, 100, 2);
	virtio_queue_notify(t->vd, NET_RXQ);
	assert_int_equal(used_idx(t, NET_RXQ), 2);
	assert_int_equal(used(t, NET_RXQ, 0).len, 0);
	assert_int_equal(used(t, NET_RXQ, 1).len, HDR + 100);
	assert_int_equal(*(uint8_t *)gm_ptr(&t->gm, BUF_GPA + 0x1000 + HDR, 1), 2);
	assert_int_equal(t->vd->status & VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void tx_frames(void **state)
{
	struct net *t = *state;
	uint8_t frame[HDR + 100], got[4096];
	unsigned int i;

	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 3);
	/* Header and payload in two buffers. */
	assert_int_equal(gm_write(&t->gm, BUF_GPA, frame, HDR), 0);
	assert_int_equal(gm_write(&t->gm, BUF_GPA + 0x1000, frame + HDR, 100), 0);
	{
		struct q *q = &t->q[NET_TXQ];
		struct vring_desc a = {BUF_GPA, HDR, VRING_DESC_F_NEXT, 1};
		struct vring_desc b = {BUF_GPA + 0x1000, 100, 0, 0};

		assert_int_equal(gm_write(&t->gm, q->desc, &a, 16), 0);
		assert_int_equal(gm_write(&t->gm, q->desc + 16, &b, 16), 0);
		assert_int_equal(gm_write(&t->gm, q->avail + 4, &(uint16_t){0}, 2), 0);
		q->avail_idx = 1;
		q->next_desc = 2;
		assert_int_equal(gm_write(&t->gm, q->avail + 2, &q->avail_idx, 2), 0);
	}
	/* A writable chain and one shorter than the header: both dropped. */
	post(t, NET_TXQ, BUF_GPA + 0x4000, 1, 64, true);
	post(t, NET_TXQ, BUF_GPA + 0x5000, 1, 8, false);
	virtio_queue_notify(t->vd, NET_TXQ);
	assert_int_equal(used_idx(t, NET_TXQ), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(used(t, NET_TXQ, i).len, 0);
	assert_int_equal(recv(t->host, got, sizeof(got), MSG_DONTWAIT), sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
	assert_int_equal(recv(t->host, got, sizeof(got), MSG_DONTWAIT), -1);
}

static void config_and_activation(void **state)
{
	struct net *t = *state;
	uint8_t mac[6];

	assert_true(t->vd->features & VIRTIO_NET_F_MAC);
	t->vd->ops->config_read(t->vd, 0, mac, 6);
	assert_memory_equal(mac, "\x06\x00\xac\x10\x00\x02", 6);
	/* Reset, then DRIVER_OK with only the receive queue: refused. */
	virtio_set_status(t->vd, 0);
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(t->vd, 1, 1);
	virtio_set_status(t->vd, 11);
	t->vd->vq[NET_RXQ].size = QSIZE;
	t->vd->vq[NET_RXQ].desc_gpa = t->q[0].desc;
	t->vd->vq[NET_RXQ].avail_gpa = t->q[0].avail;
	t->vd->vq[NET_RXQ].used_gpa = t->q[0].used;
	t->vd->vq[NET_RXQ].ready = true;
	virtio_set_status(t->vd, 15);
	assert_false(t->vd->active);
	assert_true(t->vd->status & VIRTIO_STATUS_NEEDS_RESET);
}

/* Snapshot: the state restores into a device with the same MAC, and not
 * into one with another (the guest's driver would see it change). */
static void snapshot_mac_checked(void **state)
{
	struct net *t = *state;
	struct virtio_net *n2;
	struct cfg_net cfg;
	struct errbuf e = {""};
	uint8_t snap[512];
	int sv[2], n, round;

	assert_int_equal(virtio_quiesce(t->vd), 0);
	n = virtio_save(t->vd, snap, sizeof(snap));
	assert_true(n > 0);
	for (round = 0; round < 2; round++) {
		memset(&cfg, 0, sizeof(cfg));
		strcpy(cfg.iface_id, "eth0");
		strcpy(cfg.host_dev_name, "sock");
		cfg.has_guest_mac = true;
		memcpy(cfg.guest_mac,
		       round ? "\x06\x00\xac\x10\x00\x03" : "\x06\x00\xac\x10\x00\x02", 6);
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		assert_int_equal(virtio_net_create_fd(&n2, sv[1], &cfg,
						      &(struct dev_ctx){.mem = &t->gm, .irqfd = -1},
						      &e),
				 0);
		assert_int_equal(virtio_restore(virtio_net_dev(n2), snap, (size_t)n),
				 round ? -EINVAL : 0);
		assert_int_equal(virtio_net_dev(n2)->active, !round);
		virtio_net_destroy(n2);
		close(sv[0]);
	}
}

/* MMDS on the interface: an ARP request for the MMDS address is answered
 * on the receive queue and never reaches the tap; other frames still do. */
static ssize_t no_serve(void *ctx, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
			uint64_t now_ms)
{
	return 0;
}

static void mmds_arp_detour(void **state)
{
	struct net *t = *state;
	struct mmds_net_cfg mc = {.ipv4 = {169, 254, 169, 254}, .responder = {.serve = no_serve}};
	static const uint8_t mmds_mac[6] = MMDS_NET_MAC;
	struct errbuf e = {""};
	uint8_t f[HDR + 42], got[256], *r;

	assert_int_equal(virtio_net_enable_mmds(t->n, &mc, &e), 0);
	memset(f, 0, sizeof(f));
	memset(f + HDR, 0xff, 6);
	memcpy(f + HDR + 6, "\x06\x00\xac\x10\x00\x02", 6);
	memcpy(f + HDR + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(f + HDR + 22, "\x06\x00\xac\x10\x00\x02\xa9\xfe\x00\x02", 10);
	memcpy(f + HDR + 38, "\xa9\xfe\xa9\xfe", 4);
	assert_int_equal(gm_write(&t->gm, BUF_GPA + 0x4000, f, sizeof(f)), 0);
	post(t, NET_RXQ, BUF_GPA, 1, 2048, true);
	post(t, NET_TXQ, BUF_GPA + 0x4000, 1, sizeof(f), false);
	virtio_queue_notify(t->vd, NET_TXQ);
	assert_int_equal(recv(t->host, got, sizeof(got), MSG_DONTWAIT), -1);
	assert_int_equal(used_idx(t, NET_RXQ), 1);
	assert_int_equal(used(t, NET_RXQ, 0).len, HDR + 42);
	r = gm_ptr(&t->gm, BUF_GPA + HDR, 42);
	assert_memory_equal(r, "\x06\x00\xac\x10\x00\x02", 6);
	assert_memory_equal(r + 22, mmds_mac, 6);
	assert_int_equal(r[21], 2); /* an ARP reply */
	/* The same ARP for another address goes to the tap unchanged. */
	f[HDR + 41] = 1;
	assert_int_equal(gm_write(&t->gm, BUF_GPA + 0x5000, f, sizeof(f)), 0);
	post(t, NET_TXQ, BUF_GPA + 0x5000, 1, sizeof(f), false);
	virtio_queue_notify(t->vd, NET_TXQ);
	assert_int_equal(recv(t->host, got, sizeof(got), MSG_DONTWAIT), sizeof(f));
	assert_memory_equal(got, f, sizeof(f));
	assert_int_equal(used_idx(t, NET_RXQ), 1);
}

/* With the store in the device context the interface answers at the
 * store's address (here not the default one). */
static void mmds_from_store(void **state)
{
	struct net *t = *state;
	struct mmds_store *st = mmds_store_new(0);
	struct virtio_net *n2;
	struct virtio_dev *vd;
	struct cfg_net cfg;
	struct errbuf e = {""};
	uint8_t f[HDR + 42], got[128];
	int sv[2];

	assert_non_null(st);
	mmds_store_configure(st, MMDS_V1, 0xa9feaa01, false); /* 169.254.170.1 */
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.iface_id, "eth1");
	strcpy(cfg.host_dev_name, "sock");
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(
	    virtio_net_create_fd(&n2, sv[1], &cfg,
				 &(struct dev_ctx){.mem = &t->gm, .irqfd = -1, .mmds = st}, &e),
	    0);
	vd = virtio_net_dev(n2);
	/* Drive it with the first device's rings: same layout, fresh device. */
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(vd, 1, 1);
	virtio_set_status(vd, 11);
	for (int i = 0; i < 2; i++) {
		vd->vq[i].desc_gpa = t->q[i].desc;
		vd->vq[i].avail_gpa = t->q[i].avail;
		vd->vq[i].used_gpa = t->q[i].used;
		vd->vq[i].size = QSIZE;
		vd->vq[i].ready = true;
	}
	virtio_set_status(vd, 15);
	assert_true(vd->active);
	memset(f, 0, sizeof(f));
	memset(f + HDR, 0xff, 6);
	memcpy(f + HDR + 6, "\x06\x00\xac\x10\x00\x02", 6);
	memcpy(f + HDR + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(f + HDR + 22, "\x06\x00\xac\x10\x00\x02\xa9\xfe\x00\x02", 10);
	memcpy(f + HDR + 38, "\xa9\xfe\xa9\xfe", 4); /* the default address: not served */
	assert_int_equal(gm_write(&t->gm, BUF_GPA + 0x4000, f, sizeof(f)), 0);
	f[HDR + 40] = 0xaa;
	f[HDR + 41] = 0x01;
	assert_int_equal(gm_write(&t->gm, BUF_GPA + 0x5000, f, sizeof(f)), 0);
	post(t, NET_RXQ, BUF_GPA, 1, 2048, true);
	post(t, NET_TXQ, BUF_GPA + 0x4000, 1, sizeof(f), false);
	post(t, NET_TXQ, BUF_GPA + 0x5000, 1, sizeof(f), false);
	virtio_queue_notify(vd, NET_TXQ);
	assert_int_equal(recv(sv[0], got, sizeof(got), MSG_DONTWAIT), sizeof(f)); /* to the tap */
	assert_int_equal(recv(sv[0], got, sizeof(got), MSG_DONTWAIT), -1);
	assert_int_equal(used_idx(t, NET_RXQ), 1);
	assert_int_equal(used(t, NET_RXQ, 0).len, HDR + 42);
	assert_memory_equal(gm_ptr(&t->gm, BUF_GPA + HDR + 28, 4), "\xa9\xfe\xaa\x01", 4);
	virtio_net_destroy(n2);
	close(sv[0]);
	mmds_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(rx_mergeable, setup_mrg, teardown),
	    cmocka_unit_test_setup_teardown(snapshot_mac_checked, setup_mrg, teardown),
	    cmocka_unit_test_setup_teardown(rx_single_buffer, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(rx_back_pressure, setup_mrg, teardown),
	    cmocka_unit_test_setup_teardown(rx_back_pressure, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(rx_too_big_dropped, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(rx_malformed_chain, setup_mrg, teardown),
	    cmocka_unit_test_setup_teardown(tx_frames, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(config_and_activation, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(mmds_arp_detour, setup_mrg, teardown),
	    cmocka_unit_test_setup_teardown(mmds_from_store, setup_mrg, teardown),
	};

	return cmocka_run_group_tests_name("virtio_net", tests, NULL, NULL);
}
