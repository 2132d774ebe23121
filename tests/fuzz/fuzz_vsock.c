/*
 * fuzz_vsock.c - libFuzzer target: virtio-vsock's guest-facing side. The
 * packet header parser and checker (vsock_pkt.c) and the host's CONNECT
 * line parser (vsock_uds.c) on the raw input; then the whole device
 * (virtio_vsock.c, vsock_mux.c) with guest RAM (rings, headers, payloads)
 * chosen by the fuzzer and a real host listener on <uds_path>_1, so guest
 * connections to host port 1 get established and carry data both ways.
 *
 * Input: byte 0 = features the driver acks (bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC); byte 1 = queue size exponents (low nibble receive, high
 * nibble transmit; sizes 1..256; the event queue has 4); byte 2 = N, the
 * number of script commands; then the commands, then guest RAM from 0.
 * Rings: receive 0x0000/0x1000/0x1400, transmit 0x2000/0x3000/0x3400,
 * event 0x4000/0x5000/0x5400. A command is kind (1) | a (2, LE) | b (2, LE);
 * kind % 5: 0 transmit notify, 1 receive notify, 2 the host accepts what
 * connected to <uds_path>_1 and writes b % 4096 bytes of RAM from a to each,
 * 3 the host reads what arrived and closes connection a % 8, 4 reset and
 * restart the device. The packet parsers also see the input's first bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "device.h"
#include "guest_mem.h"
#include "virtio_vsock.h"
#include "vsock_uds.h"

#define RAM	  (64 * 1024)
#define CMD_BYTES 5
#define CID	  3
#define NHOST	  8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_vsock {
	struct guest_mem gm;
	struct virtio_vsock *v;
	struct virtio_dev *vd;
	uint8_t feat, sizes;
	int host[NHOST];
};

static char sock_path[64];

static void remove_sockets(void)
{
	char p[72];

	snprintf(p, sizeof(p), "%s_1", sock_path);
	unlink(p);
	unlink(sock_path);
}

/* The socket paths and the listener on <uds_path>_1, made once per
 * process (the device replaces its own stale socket every run). */
static const char *paths(int *listen_fd)
{
	static int lfd = -1;
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	if (lfd < 0) {
		snprintf(sock_path, sizeof(sock_path), "/tmp/ember-fuzz-vsock-%d", (int)getpid());
		snprintf(a.sun_path, sizeof(a.sun_path), "%s_1", sock_path);
		unlink(a.sun_path);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 256))
			abort();
		atexit(remove_sockets);
	}
	*listen_fd = lfd;
	return sock_path;
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
static void start(struct fuzz_vsock *f)
{
	uint64_t feat = VIRTIO_BIT(VIRTIO_F_VERSION_1);
	struct virtio_dev *vd = f->vd;

	if (f->feat & 1)
		feat |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	if (f->feat & 2)
		feat |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	pthread_mutex_lock(&vd->lock);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(vd, 0, (uint32_t)feat);
	virtio_set_driver_features(vd, 1, (uint32_t)(feat >> 32));
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK);
	queue_at(&vd->vq[VSOCK_RXQ], 0x0000, f->sizes & 15);
	queue_at(&vd->vq[VSOCK_TXQ], 0x2000, f->sizes >> 4);
	queue_at(&vd->vq[VSOCK_EVQ], 0x4000, 2);
	virtio_set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vd->lock);
}

/* The host side of port 1: accept, then write @len bytes to every socket. */
static void host_write(struct fuzz_vsock *f, int lfd, const uint8_t *p, size_t len)
{
	int fd, i;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < NHOST && f->host[i] >= 0; i++)
			;
		if (i == NHOST) {
			close(fd);
			continue;
		}
		f->host[i] = fd;
	}
	for (i = 0; i < NHOST; i++)
		if (f->host[i] >= 0 && len)
			if (send(f->host[i], p, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				/* Full or reset: the device's business. */
			}
}

static void host_close(struct fuzz_vsock *f, unsigned int i)
{
	static uint8_t buf[65536];

	if (f->host[i] < 0)
		return;
	while (recv(f->host[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	close(f->host[i]);
	f->host[i] = -1;
}

static void run_cmd(struct fuzz_vsock *f, int lfd, const uint8_t *c, const uint8_t *ram)
{
	uint16_t a = (uint16_t)(c[1] | c[2] << 8), b = (uint16_t)(c[3] | c[4] << 8);

	switch (c[0] % 5) {
	case 0:
		virtio_queue_notify(f->vd, VSOCK_TXQ);
		break;
	case 1:
		virtio_queue_notify(f->vd, VSOCK_RXQ);
		break;
	case 2:
		host_write(f, lfd, ram + a % (RAM - 4096), b % 4096u);
		virtio_vsock_expire(f->v, 0); /* nothing times out; the device runs */
		break;
	case 3:
		host_close(f, a % NHOST);
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

/* The pure parsers on the raw input. */
static void parsers(const uint8_t *data, size_t size)
{
	struct vsock_hdr h;
	uint32_t port;

	if (vsock_pkt_parse(data, size, &h) == 0) {
		enum vsock_pkt_err err = vsock_pkt_check(&h, CID, size - VSOCK_HDR_LEN);

		if (err == VSOCK_PKT_OK &&
		    (h.len > size - VSOCK_HDR_LEN || h.len > VSOCK_MAX_PAYLOAD))
			abort();
		if (!vsock_pkt_err_name(err))
			abort();
	}
	if (vsock_uds_parse_connect((const char *)data, size < 40 ? size : 40, &port) == 0 &&
	    size < 9)
		abort(); /* "CONNECT" and a digit at least */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_vsock f;
	size_t ncmd, i, ram_off;
	struct errbuf e;
	const char *uds;
	int lfd;

	parsers(data, size);
	if (size < 3)
		return 0;
	memset(&f, 0, sizeof(f));
	for (i = 0; i < NHOST; i++)
		f.host[i] = -1;
	ncmd = data[2];
	ram_off = 3 + ncmd * CMD_BYTES;
	if (size < ram_off || gm_init(&f.gm, RAM, &e))
		return 0;
	memcpy(f.gm.region[0].hva, data + ram_off, size - ram_off < RAM ? size - ram_off : RAM);
	f.feat = data[0];
	f.sizes = data[1];
	uds = paths(&lfd);
	/* No loop, kvm or irqfd: the fuzzer turns the device itself. */
	if (virtio_vsock_create(&f.v, CID, uds, &(struct dev_ctx){.mem = &f.gm, .irqfd = -1}, &e) ==
	    0) {
		f.vd = virtio_vsock_dev(f.v);
		start(&f);
		for (i = 0; i < ncmd; i++)
			run_cmd(&f, lfd, data + 3 + i * CMD_BYTES, f.gm.region[0].hva);
		virtio_vsock_destroy(f.v);
	}
	for (i = 0; i < NHOST; i++)
		host_close(&f, (unsigned int)i);
	host_write(&f, lfd, NULL, 0); /* accept and drop what is left */
	for (i = 0; i < NHOST; i++)
		host_close(&f, (unsigned int)i);
	gm_destroy(&f.gm);
	return 0;
}
