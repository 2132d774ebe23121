/* Unit tests for virtio-vsock and its hybrid host side: a fake guest
 * (rings in a test guest memory) on one side, real Unix sockets on the
 * other, the mux's fds on a real epoll loop turned by hand. */
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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "virtio_vsock.h"
#include "vsock_uds.h"

#define RAM	 (4ULL << 20)
#define QSIZE	 64
#define RX_GPA	 0x100000ULL /* receive buffer d at RX_GPA + d * RX_SLOT */
#define RX_SLOT	 0x2000
#define RX_LEN	 (VSOCK_HDR_LEN + 4096)
#define TX_GPA	 0x300000ULL
#define CID	 3
#define DESC(q)	 (0x1000 + (q)*0x10000)
#define AVAIL(q) (0x5000 + (q)*0x10000)
#define USED(q)	 (0x9000 + (q)*0x10000)

struct vt {
	struct guest_mem gm;
	struct loop loop;
	struct virtio_vsock *v;
	struct virtio_dev *vd;
	char dir[64], path[96];
	uint16_t avail[3], next_desc[3], seen_used;
	unsigned int tx_slot;
};

static int setup(void **state)
{
	struct vt *t = test_calloc(1, sizeof(*t));
	struct errbuf e = {""};
	unsigned int i;
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	strcpy(t->dir, "/tmp/ember-vsock-XXXXXX");
	if (!mkdtemp(t->dir) || gm_init(&t->gm, RAM, &e) || loop_open(&t->loop))
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/v.sock", t->dir);
	if (virtio_vsock_create(&t->v, CID, t->path,
				&(struct dev_ctx){.loop = &t->loop, .mem = &t->gm, .irqfd = -1},
				&e))
		return -1;
	t->vd = virtio_vsock_dev(t->v);
	pthread_mutex_lock(&t->vd->lock);
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(t->vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_driver_features(t->vd, 0, (uint32_t)f);
	virtio_set_driver_features(t->vd, 1, (uint32_t)(f >> 32));
	virtio_set_status(t->vd, 11);
	for (i = 0; i < 3; i++) {
		struct virtqueue *vq = &t->vd->vq[i];

		vq->desc_gpa = DESC(i);
		vq->avail_gpa = AVAIL(i);
		vq->used_gpa = USED(i);
		vq->size = QSIZE;
		vq->ready = true;
	}
	virtio_set_status(t->vd, 15);
	pthread_mutex_unlock(&t->vd->lock);
	if (!t->vd->active)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct vt *t = *state;
	char p[128];

	virtio_vsock_destroy(t->v);
	loop_close(&t->loop);
	gm_destroy(&t->gm);
	unlink(t->path);
	snprintf(p, sizeof(p), "%s/v.sock_5001", t->dir);
	unlink(p);
	rmdir(t->dir);
	test_free(t);
	return 0;
}

/* One buffer (@gpa, @len) on queue @q, device-writable or readable. */
static void post(struct vt *t, unsigned int q, uint64_t gpa, uint32_t len, bool write)
{
	uint16_t d = t->next_desc[q]++ % QSIZE, slot = t->avail[q] % QSIZE;
	struct vring_desc v = {.addr = gpa, .len = len, .flags = write ? VRING_DESC_F_WRITE : 0};

	assert_int_equal(gm_write(&t->gm, DESC(q) + 16 * d, &v, sizeof(v)), 0);
	assert_int_equal(gm_write(&t->gm, AVAIL(q) + 4 + 2 * slot, &d, 2), 0);
	t->avail[q]++;
	assert_int_equal(gm_write(&t->gm, AVAIL(q) + 2, &t->avail[q], 2), 0);
}

static void post_rx(struct vt *t, unsigned int n)
{
	while (n--)
		post(t, VSOCK_RXQ, RX_GPA + (t->next_desc[VSOCK_RXQ] % QSIZE) * RX_SLOT, RX_LEN,
		     true);
	virtio_queue_notify(t->vd, VSOCK_RXQ);
}

/* The guest sends one packet. */
static void guest_send(struct vt *t, uint16_t op, uint32_t src_port, uint32_t dst_port,
		       const void *data, uint32_t len, uint32_t flags, uint32_t buf_alloc)
{
	struct vsock_hdr h = {.src_cid = CID,
			      .dst_cid = VSOCK_HOST_CID,
			      .src_port = src_port,
			      .dst_port = dst_port,
			      .len = len,
			      .type = VSOCK_TYPE_STREAM,
			      .op = op,
			      .flags = flags,
			      .buf_alloc = buf_alloc};
	uint64_t gpa = TX_GPA + (t->tx_slot++ % QSIZE) * 0x2000;
	uint8_t raw[VSOCK_HDR_LEN];

	vsock_pkt_write(&h, raw);
	assert_int_equal(gm_write(&t->gm, gpa, raw, sizeof(raw)), 0);
	if (len)
		assert_int_equal(gm_write(&t->gm, gpa + VSOCK_HDR_LEN, data, len), 0);
	post(t, VSOCK_TXQ, gpa, VSOCK_HDR_LEN + len, false);
	virtio_queue_notify(t->vd, VSOCK_TXQ);
}

/* Dispatch what the loop has until it is quiet for @ms. */
static void pump(struct vt *t, int ms)
{
	struct epoll_event ev[16];
	int n, i;

	while ((n = epoll_wait(t->loop.epfd, ev, 16, ms)) > 0)
		for (i = 0; i < n; i++) {
			struct loop_handler *h = ev[i].data.ptr;

			h->fn(h->ctx, ev[i].events);
		}
}

/* The next packet the device put on the receive queue; false if none. */
static bool guest_recv(struct vt *t, struct vsock_hdr *h, uint8_t *data)
{
	struct vring_used_elem el;
	uint16_t idx;
	uint8_t raw[VSOCK_HDR_LEN];

	assert_int_equal(gm_read(&t->gm, &idx, USED(VSOCK_RXQ) + 2, 2), 0);
	if (idx == t->seen_used)
		return false;
	assert_int_equal(
	    gm_read(&t->gm, &el, USED(VSOCK_RXQ) + 4 + 8 * (t->seen_used++ % QSIZE), 8), 0);
	assert_true(el.len >= VSOCK_HDR_LEN);
	assert_int_equal(gm_read(&t->gm, raw, RX_GPA + el.id * RX_SLOT, VSOCK_HDR_LEN), 0);
	assert_int_equal(vsock_pkt_parse(raw, sizeof(raw), h), 0);
	assert_int_equal(h->src_cid, VSOCK_HOST_CID);
	assert_int_equal(h->dst_cid, CID);
	assert_int_equal(el.len, VSOCK_HDR_LEN + h->len);
	if (data && h->len)
		assert_int_equal(
		    gm_read(&t->gm, data, RX_GPA + el.id * RX_SLOT + VSOCK_HDR_LEN, h->len), 0);
	return true;
}

static int client(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static ssize_t read_wait(int fd, void *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, 1000) != 1)
		return -1;
	return read(fd, buf, len);
}

static void config_space(void **state)
{
	struct vt *t = *state;
	uint8_t b[8];

	t->vd->ops->config_read(t->vd, 0, b, 8);
	assert_memory_equal(b, "\x03\0\0\0\0\0\0\0", 8);
	assert_int_equal(t->vd->device_id, VIRTIO_ID_VSOCK);
}

/* Host CONNECT 1024 -> REQUEST; RESPONSE -> "OK <port>"; bytes both ways;
 * the guest's full shutdown closes the client and is answered with RST. */
static void host_initiated(void **state)
{
	struct vt *t = *state;
	struct vsock_hdr h;
	uint8_t data[4096];
	char line[32];
	int fd = client(t->path);
	uint32_t port;

	post_rx(t, 8);
	assert_int_equal(write(fd, "CONNECT 1024\nhello", 18), 18);
	pump(t, 50);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_REQUEST);
	assert_int_equal(h.dst_port, 1024);
	assert_true(h.src_port >= (1u << 30));
	port = h.src_port;
	guest_send(t, VSOCK_OP_RESPONSE, 1024, port, NULL, 0, 0, 65536);
	pump(t, 50);
	memset(line, 0, sizeof(line));
	assert_true(read_wait(fd, line, sizeof(line) - 1) > 0);
	snprintf((char *)data, sizeof(data), "OK %u\n", port);
	assert_string_equal(line, (char *)data);
	/* "hello", sent with the CONNECT line, reaches the guest. */
	assert_true(guest_recv(t, &h, data));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_int_equal(h.len, 5);
	assert_memory_equal(data, "hello", 5);
	guest_send(t, VSOCK_OP_RW, 1024, port, "world", 5, 0, 65536);
	assert_int_equal(read_wait(fd, line, sizeof(line)), 5);
	assert_memory_equal(line, "world", 5);
	guest_send(t, VSOCK_OP_SHUTDOWN, 1024, port, NULL, 0, 3, 65536);
	pump(t, 50); /* the loop closes the socket */
	assert_int_equal(read_wait(fd, line, sizeof(line)), 0);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_RST);
	close(fd);
}

/* A guest connection to port P goes to <uds_path>_P; refused -> RST. */
static void guest_initiated(void **state)
{
	struct vt *t = *state;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct vsock_hdr h;
	char buf[16];
	int l, c;

	post_rx(t, 8);
	guest_send(t, VSOCK_OP_REQUEST, 7777, 5000, NULL, 0, 0, 65536);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 7777);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s_5001", t->path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	guest_send(t, VSOCK_OP_REQUEST, 7778, 5001, NULL, 0, 0, 65536);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_RESPONSE);
	assert_int_equal(h.src_port, 5001);
	assert_int_equal(h.dst_port, 7778);
	c = accept(l, NULL, NULL);
	assert_true(c >= 0);
	guest_send(t, VSOCK_OP_RW, 7778, 5001, "ping", 4, 0, 65536);
	assert_int_equal(read_wait(c, buf, sizeof(buf)), 4);
	assert_int_equal(write(c, "pong", 4), 4);
	pump(t, 50);
	assert_true(guest_recv(t, &h, (uint8_t *)buf));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_memory_equal(buf, "pong", 4);
	/* The host closes: the guest is told it will get nothing more. */
	close(c);
	pump(t, 50);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_SHUTDOWN);
	/* Closed both ways (not a half-close): both flags, the guest will RST. */
	assert_int_equal(h.flags, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
	close(l);
}

/* Credit: the host never sends more than the guest's buf_alloc allows,
 * and more flows once the guest reports it consumed bytes. */
static void guest_credit(void **state)
{
	struct vt *t = *state;
	struct vsock_hdr h;
	uint8_t data[4096];
	char line[32];
	int fd = client(t->path);
	uint32_t port;

	post_rx(t, 16);
	assert_int_equal(write(fd, "CONNECT 9\n", 10), 10);
	pump(t, 50);
	assert_true(guest_recv(t, &h, NULL));
	port = h.src_port;
	guest_send(t, VSOCK_OP_RESPONSE, 9, port, NULL, 0, 0, 100);
	pump(t, 50);
	assert_true(read_wait(fd, line, sizeof(line)) > 0);
	memset(data, 'x', 300);
	assert_int_equal(write(fd, data, 300), 300);
	pump(t, 50);
	assert_true(guest_recv(t, &h, data));
	assert_int_equal(h.len, 100);
	assert_false(guest_recv(t, &h, data));
	/* fwd_cnt 100: another 100 bytes of credit. */
	{
		struct vsock_hdr u = {.src_cid = CID,
				      .dst_cid = VSOCK_HOST_CID,
				      .src_port = 9,
				      .dst_port = port,
				      .type = VSOCK_TYPE_STREAM,
				      .op = VSOCK_OP_CREDIT_UPDATE,
				      .buf_alloc = 100,
				      .fwd_cnt = 100};
		uint8_t raw[VSOCK_HDR_LEN];
		uint64_t gpa = TX_GPA + (t->tx_slot++ % QSIZE) * 0x2000;

		vsock_pkt_write(&u, raw);
		assert_int_equal(gm_write(&t->gm, gpa, raw, sizeof(raw)), 0);
		post(t, VSOCK_TXQ, gpa, VSOCK_HDR_LEN, false);
		virtio_queue_notify(t->vd, VSOCK_TXQ);
	}
	assert_true(guest_recv(t, &h, data));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_int_equal(h.len, 100);
	close(fd);
}

/* Hostile packets: each costs its connection only. */
static void bad_packets(void **state)
{
	struct vt *t = *state;
	struct vsock_hdr h;
	uint8_t junk[8] = {0};
	int fd = client(t->path);
	char line[32];
	uint32_t port;
	uint8_t big[VSOCK_CONN_BUF / 4];

	post_rx(t, 32);
	/* A chain shorter than a header: dropped, nobody to answer. */
	assert_int_equal(gm_write(&t->gm, TX_GPA + 0x60000, junk, sizeof(junk)), 0);
	post(t, VSOCK_TXQ, TX_GPA + 0x60000, sizeof(junk), false);
	virtio_queue_notify(t->vd, VSOCK_TXQ);
	assert_false(guest_recv(t, &h, NULL));
	/* RW for a connection that does not exist -> RST. */
	guest_send(t, VSOCK_OP_RW, 1, 2, "x", 1, 0, 65536);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_RST);
	/* An unknown op -> RST; an RST for nothing -> nothing. */
	guest_send(t, 99, 1, 2, NULL, 0, 0, 65536);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_RST);
	guest_send(t, VSOCK_OP_RST, 1, 2, NULL, 0, 0, 65536);
	assert_false(guest_recv(t, &h, NULL));

	/* An established connection, then the guest overruns its credit by
	 * sending while the client never reads: reset. */
	assert_int_equal(write(fd, "CONNECT 77\n", 11), 11);
	pump(t, 50);
	assert_true(guest_recv(t, &h, NULL));
	port = h.src_port;
	guest_send(t, VSOCK_OP_RESPONSE, 77, port, NULL, 0, 0, 65536);
	pump(t, 50);
	assert_true(read_wait(fd, line, sizeof(line)) > 0);
	memset(big, 'b', sizeof(big));
	for (int i = 0; i < 16; i++) {
		for (uint32_t off = 0; off < sizeof(big); off += 4096)
			guest_send(t, VSOCK_OP_RW, 77, port, big + off, 4096, 0, 65536);
		if (guest_recv(t, &h, NULL) && h.op == VSOCK_OP_RST)
			break;
		while (guest_recv(t, &h, NULL) && h.op != VSOCK_OP_RST)
			;
		if (h.op == VSOCK_OP_RST)
			break;
	}
	assert_int_equal(h.op, VSOCK_OP_RST);
	assert_int_equal(h.src_port, port);
	close(fd);
}

/* A stale socket file is replaced; a live one is refused. */
static void stale_socket(void **state)
{
	struct vt *t = *state;
	struct virtio_vsock *v2;
	struct errbuf e = {""};
	struct guest_mem *gm = &t->gm;

	assert_int_equal(
	    virtio_vsock_create(&v2, 4, t->path, &(struct dev_ctx){.mem = gm, .irqfd = -1}, &e),
	    -EADDRINUSE);
	assert_non_null(strstr(e.msg, "another process listens"));
}

static void transport_reset(void **state)
{
	struct vt *t = *state;
	uint32_t id = 0xffffffff;

	assert_int_equal(virtio_vsock_transport_reset(t->v), -ENOSPC);
	post(t, VSOCK_EVQ, 0x380000, 4, true);
	assert_int_equal(virtio_vsock_transport_reset(t->v), 0);
	assert_int_equal(gm_read(&t->gm, &id, 0x380000, 4), 0);
	assert_int_equal(id, VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);
}

/* A client that sends only part of its CONNECT line is dropped once the
 * handshake time is up; so is one whose REQUEST the guest never answers
 * (the guest gets RST). CONNECT 0 is a port like any other. */
static void handshake_timeout(void **state)
{
	struct vt *t = *state;
	struct vsock_hdr h;
	char buf[8];
	int partial = client(t->path), unanswered = client(t->path);
	uint64_t t0 = vsock_uds_now_ms();

	post_rx(t, 8);
	assert_int_equal(write(partial, "CONNE", 5), 5);
	assert_int_equal(write(unanswered, "connect\t0 \r\n", 12), 12);
	pump(t, 50);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_REQUEST);
	assert_int_equal(h.dst_port, 0);
	/* Not yet. */
	virtio_vsock_expire(t->v, t0 + VSOCK_CONNECT_TIMEOUT_MS / 2);
	assert_false(guest_recv(t, &h, NULL));
	assert_int_equal(read_wait(partial, buf, sizeof(buf)), -1);
	/* Now: both closed, the guest told to forget the request. */
	virtio_vsock_expire(t->v, t0 + VSOCK_CONNECT_TIMEOUT_MS + 1000);
	pump(t, 50); /* the loop closes the sockets */
	assert_int_equal(read_wait(partial, buf, sizeof(buf)), 0);
	assert_int_equal(read_wait(unanswered, buf, sizeof(buf)), 0);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 0);
	assert_true(h.src_port >= (1u << 30));
	close(partial);
	close(unanswered);
}

/* The CONNECT line as Firecracker reads it. */
static void connect_line(void **state)
{
	static const struct {
		const char *line;
		int ret;
		uint32_t port;
	} cases[] = {
	    {"CONNECT 1024", 0, 1024},
	    {"connect 52", 0, 52},
	    {"  Connect\t7\r", 0, 7},
	    {"CONNECT 4294967295", 0, UINT32_MAX},
	    {"CONNECT 4294967296", -EINVAL, 0},
	    {"CONNECT", -EINVAL, 0},
	    {"CONNECT -1", -EINVAL, 0},
	    {"CONNECT 1 2", -EINVAL, 0},
	    {"CONNECTX 1", -EINVAL, 0},
	    {"CONNECT 0x10", -EINVAL, 0},
	    {"", -EINVAL, 0},
	};
	uint32_t port;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = 0;
		assert_int_equal(
		    vsock_uds_parse_connect(cases[i].line, strlen(cases[i].line), &port),
		    cases[i].ret);
		assert_int_equal(port, cases[i].port);
	}
}

static void pkt_parse_check(void **state)
{
	struct vsock_hdr h = {.src_cid = CID,
			      .dst_cid = 2,
			      .src_port = 5,
			      .dst_port = 6,
			      .len = 10,
			      .type = 1,
			      .op = VSOCK_OP_RW,
			      .buf_alloc = 7,
			      .fwd_cnt = 8},
			 g;
	uint8_t raw[VSOCK_HDR_LEN];

	vsock_pkt_write(&h, raw);
	assert_int_equal(raw[24], 10);
	assert_int_equal(raw[30], VSOCK_OP_RW);
	assert_int_equal(vsock_pkt_parse(raw, VSOCK_HDR_LEN - 1, &g), -EINVAL);
	assert_int_equal(vsock_pkt_parse(raw, VSOCK_HDR_LEN, &g), 0);
	assert_true(g.src_cid == h.src_cid && g.dst_cid == h.dst_cid && g.src_port == h.src_port &&
		    g.dst_port == h.dst_port && g.len == h.len && g.type == h.type &&
		    g.op == h.op && g.flags == h.flags && g.buf_alloc == h.buf_alloc &&
		    g.fwd_cnt == h.fwd_cnt);
	assert_int_equal(vsock_pkt_check(&g, CID, 10), VSOCK_PKT_OK);
	assert_int_equal(vsock_pkt_check(&g, CID, 9), VSOCK_PKT_TRUNC);
	assert_int_equal(vsock_pkt_check(&g, 4, 10), VSOCK_PKT_SRC_CID);
	g.dst_cid = 3;
	assert_int_equal(vsock_pkt_check(&g, CID, 10), VSOCK_PKT_DST_CID);
	g.dst_cid = 2;
	g.len = VSOCK_MAX_PAYLOAD + 1;
	assert_int_equal(vsock_pkt_check(&g, CID, 1 << 20), VSOCK_PKT_LEN);
	g.len = 0;
	g.type = 2;
	assert_int_equal(vsock_pkt_check(&g, CID, 0), VSOCK_PKT_TYPE);
	g.type = 1;
	g.op = 0;
	assert_int_equal(vsock_pkt_check(&g, CID, 0), VSOCK_PKT_OP);
	g.op = VSOCK_OP_REQUEST;
	g.len = 1;
	assert_int_equal(vsock_pkt_check(&g, CID, 1), VSOCK_PKT_LEN_OP);
	g.len = 0;
	g.op = VSOCK_OP_SHUTDOWN;
	assert_int_equal(vsock_pkt_check(&g, CID, 0), VSOCK_PKT_FLAGS);
	g.flags = 4;
	assert_int_equal(vsock_pkt_check(&g, CID, 0), VSOCK_PKT_FLAGS);
	g.flags = 3;
	assert_int_equal(vsock_pkt_check(&g, CID, 0), VSOCK_PKT_OK);
	assert_string_equal(vsock_pkt_err_name(VSOCK_PKT_OP), "op");
}

/* A device reset (a vCPU thread's status write) ends the connections but
 * leaves closing their sockets to the event loop's next turn. */
static void reset_defers_close(void **state)
{
	struct vt *t = *state;
	struct vsock_hdr h;
	char buf[8];
	int fd = client(t->path);
	struct pollfd p = {.fd = fd, .events = POLLIN};

	post_rx(t, 4);
	assert_int_equal(write(fd, "CONNECT 1024\n", 13), 13);
	pump(t, 50);
	assert_true(guest_recv(t, &h, NULL));
	assert_int_equal(h.op, VSOCK_OP_REQUEST);
	pthread_mutex_lock(&t->vd->lock);
	virtio_set_status(t->vd, 0);
	pthread_mutex_unlock(&t->vd->lock);
	assert_int_equal(poll(&p, 1, 0), 0); /* still open */
	pump(t, 50);
	assert_int_equal(read_wait(fd, buf, sizeof(buf)), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pkt_parse_check),
	    cmocka_unit_test(connect_line),
	    cmocka_unit_test_setup_teardown(handshake_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(config_space, setup, teardown),
	    cmocka_unit_test_setup_teardown(host_initiated, setup, teardown),
	    cmocka_unit_test_setup_teardown(guest_initiated, setup, teardown),
	    cmocka_unit_test_setup_teardown(guest_credit, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_packets, setup, teardown),
	    cmocka_unit_test_setup_teardown(stale_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(transport_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_defers_close, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
