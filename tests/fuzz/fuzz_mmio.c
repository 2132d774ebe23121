/*
 * fuzz_mmio.c - libFuzzer target: the virtio-mmio register block as a
 * hostile guest drives it, with a real device behind it.
 *
 * Input: byte 0 picks the device (0 block with the Sync engine, 1 block
 * with the Async engine, 2 network on a socket pair standing in for the
 * tap); byte 1 = N, the number of 8-byte operations that follow; the bytes
 * after the operations are guest RAM from address 0. An operation is
 *   kind (1) | offset (2, LE) | width code (1) | value (4, LE)
 * kind % 5: 0 MMIO write, 1 MMIO read (any offset in the 4 KiB window, width
 * 1, 2, 4 or 8, aligned or not), 2 a 32-bit guest RAM write (the guest
 * changes rings while the device runs), 3 the event loop's turn (Async
 * completions reaped, a frame arriving on the "tap", what the device sent
 * drained), 4 QueueNotify written for the value's queue. So queue setup
 * while the device is live, reset with I/O in flight, and any register
 * order are all reachable. ASan/UBSan watch every access; the device must
 * keep its invariants (checked below) whatever the order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device.h"
#include "guest_mem.h"
#include "layout.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"
#include "virtio_net.h"

#define RAM	 (64 * 1024)
#define SECTORS	 64
#define OP_BYTES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_mmio {
	struct guest_mem gm;
	struct virtio_mmio m;
	struct virtio_dev *vd;
	struct virtio_blk *blk;
	struct virtio_net *net;
	int peer; /* the "tap" side the test reads and writes; -1 for block */
};

/* dev_setup - the device under test and its transport; the one place
 * that knows how devices are built. Returns 0 or -1. */
static int dev_setup(struct fuzz_mmio *f, unsigned int kind)
{
	/* No loop, kvm or irqfd: the fuzzer turns the loop itself. */
	const struct dev_ctx ctx = {.mem = &f->gm, .irqfd = -1};
	struct errbuf e = {""};
	struct cfg_drive cd;
	struct cfg_net cn;
	char path[64];
	int fd, ret, sp[2];

	if (kind == 2) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp))
			return -1;
		memset(&cn, 0, sizeof(cn));
		strcpy(cn.iface_id, "eth0");
		f->peer = sp[1];
		if (virtio_net_create_fd(&f->net, sp[0], &cn, &ctx, &e))
			return -1;
		f->vd = virtio_net_dev(f->net);
	} else {
		fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, SECTORS * 512)) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		memset(&cd, 0, sizeof(cd));
		strcpy(cd.drive_id, "rootfs");
		cd.path_on_host = path;
		cd.io_engine = kind == 1 ? IO_ENGINE_ASYNC : IO_ENGINE_SYNC;
		cd.cache_type = CACHE_WRITEBACK;
		/* The device opens its own file through the path. */
		ret = virtio_blk_create(&f->blk, &cd, &ctx, &e);
		close(fd);
		if (ret)
			return -1;
		f->vd = virtio_blk_dev(f->blk);
	}
	virtio_mmio_init(&f->m, f->vd, 0xd0000000, 5);
	return 0;
}

static void dev_teardown(struct fuzz_mmio *f)
{
	if (f->blk)
		virtio_blk_destroy(f->blk);
	if (f->net)
		virtio_net_destroy(f->net);
	if (f->peer >= 0)
		close(f->peer);
}

/* The event loop's part: completions, an incoming frame, outgoing frames. */
static void loop_turn(struct fuzz_mmio *f, const uint8_t *ram, uint32_t val)
{
	uint8_t buf[2048];
	size_t len = val % sizeof(buf);

	if (f->blk) {
		virtio_blk_io_ready(f->blk);
		return;
	}
	while (recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	memcpy(buf, ram + (val >> 16) % (RAM - sizeof(buf)), len);
	if (send(f->peer, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* Full: the device is not taking frames, as a tap would queue. */
	}
	virtio_queue_notify(f->vd, NET_RXQ);
}

static void check(const struct fuzz_mmio *f)
{
	const struct virtio_dev *vd = f->vd;
	unsigned int q;

	/* DRIVER_OK only on an active device, and active queues fit RAM. */
	if (vd->active && !(vd->status & VIRTIO_STATUS_DRIVER_OK))
		abort();
	for (q = 0; q < vd->nr_queues; q++)
		if (vd->vq[q].active && (!vd->vq[q].size || vd->vq[q].size > vd->vq[q].max_size))
			abort();
}

static void run_op(struct fuzz_mmio *f, const uint8_t *op, uint8_t *ram)
{
	static const uint32_t widths[4] = {4, 1, 2, 8};
	uint16_t off = (uint16_t)(op[1] | op[2] << 8) % VIRTIO_MMIO_SIZE;
	uint32_t len = widths[op[3] & 3], val;
	uint8_t bytes[8] = {0};

	memcpy(&val, op + 4, 4);
	memcpy(bytes, op + 4, 4);
	if (len == 8)
		memcpy(bytes + 4, op + 4, 4);
	switch (op[0] % 5) {
	case 0:
		virtio_mmio_ops.write(&f->m, off, bytes, len);
		break;
	case 1:
		virtio_mmio_ops.read(&f->m, off, bytes, len);
		break;
	case 2:
		memcpy(ram + (size_t)(off * 16u) % (RAM - 4), &val, 4);
		break;
	case 3:
		loop_turn(f, ram, val);
		break;
	default:
		virtio_mmio_ops.write(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, (uint8_t *)&val, 4);
		break;
	}
	check(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mmio f = {.peer = -1};
	struct errbuf e;
	size_t nops, i;

	if (size < 2)
		return 0;
	nops = data[1];
	if (size < 2 + nops * OP_BYTES || gm_init(&f.gm, RAM, &e))
		return 0;
	memcpy(f.gm.region[0].hva, data + 2 + nops * OP_BYTES,
	       size - 2 - nops * OP_BYTES < RAM ? size - 2 - nops * OP_BYTES : RAM);
	if (dev_setup(&f, data[0] % 3) == 0)
		for (i = 0; i < nops; i++)
			run_op(&f, data + 2 + i * OP_BYTES, f.gm.region[0].hva);
	dev_teardown(&f);
	gm_destroy(&f.gm);
	return 0;
}
