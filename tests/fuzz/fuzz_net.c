/*
 * fuzz_net.c - libFuzzer target: virtio-net's header and frame handling,
 * both directions, with guest RAM (rings, headers, buffers) and the frames
 * arriving from the "tap" chosen by the fuzzer.
 *
 * Input: byte 0 = features the driver acks (bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC, bit 2 MRG_RXBUF, bit 3 GUEST_CSUM + GUEST_TSO4/6,
 * bit 4 CSUM + HOST_TSO4/6; bit 5: MMDS served at 169.254.169.254 by a
 * responder that answers any request with a few bytes, so TX frames are
 * offered to it first and its frames interleave with the tap's); byte 1 = queue size exponents (low
 * nibble receive, high nibble transmit, sizes 1..256); byte 2 = N, the number of script commands;
 * then the commands, then guest RAM from address 0. The receive queue's rings sit at
 * 0x0000/0x1000/0x1400, the transmit queue's at 0x2000/0x3000/0x3400. A command is kind (1) | a (2,
 * LE) | b (2, LE) kind % 5: 0 a frame of b % 4096 bytes taken from RAM at a arrives on the tap
 * (length below a vnet header included), 1 receive notify, 2 transmit notify, 3 the host drains
 * what the device sent (each frame must carry at least the vnet header), 4 reset and restart the
 * device (with frames pending). The tap is one end of a SOCK_SEQPACKET pair, which keeps frame
 * boundaries as a tap does.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device.h"
#include "guest_mem.h"
#include "layout.h"
#include "tap.h"
#include "virtio_net.h"

#define RAM	  (64 * 1024)
#define CMD_BYTES 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_net {
	struct guest_mem gm;
	struct virtio_net *net;
	struct virtio_dev *vd;
	int peer;
	uint8_t feat, sizes;
};

/* mmds_answer - a responder: every non-empty input is one request. */
static ssize_t mmds_answer(void *ctx, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
			   uint64_t now_ms)
{
	*out = malloc(8);
	if (!*out)
		return -1;
	memcpy(*out, "HTTP 200", 8);
	*out_len = 8;
	return (ssize_t)len;
}

/* net_setup - the device on a socket pair; the one place that knows how a
 * virtio-net device is built. Returns 0 or -1. */
static int net_setup(struct fuzz_net *f)
{
	/* No loop, kvm or irqfd: the fuzzer turns the loop itself. */
	const struct dev_ctx ctx = {.mem = &f->gm, .irqfd = -1};
	struct errbuf e = {""};
	struct cfg_net cn;
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp))
		return -1;
	memset(&cn, 0, sizeof(cn));
	strcpy(cn.iface_id, "eth0");
	cn.mtu = 1500;
	f->peer = sp[1];
	if (virtio_net_create_fd(&f->net, sp[0], &cn, &ctx, &e))
		return -1;
	if (f->feat & 32) {
		const struct mmds_net_cfg mc = {.ipv4 = {169, 254, 169, 254},
						.responder = {.serve = mmds_answer}};

		if (virtio_net_enable_mmds(f->net, &mc, &e))
			return -1;
	}
	f->vd = virtio_net_dev(f->net);
	return 0;
}

static void queue_at(struct virtqueue *vq, uint64_t base, unsigned int exp)
{
	vq->size = (uint16_t)(1u << (exp % 9));
	vq->desc_gpa = base;
	vq->avail_gpa = base + 0x1000;
	vq->used_gpa = base + 0x1400;
	vq->ready = true;
}

/* start - the driver's side of initialisation (spec 3.1.1). */
static void start(struct fuzz_net *f)
{
	uint64_t feat = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	struct virtio_dev *vd = f->vd;

	if (f->feat & 1)
		feat |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	if (f->feat & 2)
		feat |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (f->feat & 4)
		feat |= VIRTIO_NET_F_MRG_RXBUF;
	if (f->feat & 8)
		feat |= VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6;
	if (f->feat & 16)
		feat |= VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6;
	pthread_mutex_lock(&vd->lock);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(vd, 0, (uint32_t)feat);
	virtio_set_driver_features(vd, 1, (uint32_t)(feat >> 32));
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK);
	queue_at(&vd->vq[NET_RXQ], 0x0000, f->sizes & 15);
	queue_at(&vd->vq[NET_TXQ], 0x2000, f->sizes >> 4);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vd->lock);
}

/* drain - what the device wrote to the tap: whole frames with a header. */
static void drain(struct fuzz_net *f)
{
	static uint8_t buf[TAP_VNET_HDR_LEN + 65550];
	ssize_t n;

	while ((n = recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
		if (n < TAP_VNET_HDR_LEN)
			abort();
}

static void run_cmd(struct fuzz_net *f, const uint8_t *c, const uint8_t *ram)
{
	uint16_t a = (uint16_t)(c[1] | c[2] << 8), b = (uint16_t)(c[3] | c[4] << 8);
	size_t len = b % 4096u;

	switch (c[0] % 5) {
	case 0:
		if (send(f->peer, ram + a % (RAM - 4096), len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* Full: the device applies back-pressure. */
		}
		break;
	case 1:
		virtio_queue_notify(f->vd, NET_RXQ);
		break;
	case 2:
		virtio_queue_notify(f->vd, NET_TXQ);
		break;
	case 3:
		drain(f);
		break;
	default:
		pthread_mutex_lock(&f->vd->lock);
		virtio_set_status(f->vd, 0);
		pthread_mutex_unlock(&f->vd->lock);
		start(f);
		break;
	}
	if (f->vd->active && !(f->vd->status & VIRTIO_STATUS_DRIVER_OK))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_net f = {.peer = -1};
	size_t ncmd, i, ram_off;
	struct errbuf e;

	if (size < 3)
		return 0;
	ncmd = data[2];
	ram_off = 3 + ncmd * CMD_BYTES;
	if (size < ram_off || gm_init(&f.gm, RAM, &e))
		return 0;
	memcpy(f.gm.region[0].hva, data + ram_off, size - ram_off < RAM ? size - ram_off : RAM);
	f.feat = data[0];
	f.sizes = data[1];
	if (net_setup(&f) == 0) {
		start(&f);
		for (i = 0; i < ncmd; i++)
			run_cmd(&f, data + 3 + i * CMD_BYTES, f.gm.region[0].hva);
		drain(&f);
		virtio_net_destroy(f.net);
	}
	if (f.peer >= 0)
		close(f.peer);
	gm_destroy(&f.gm);
	return 0;
}
