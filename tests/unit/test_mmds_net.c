/* Unit tests for the MMDS network stack (mmds_net.c, mmds_tcp.c), playing
 * the guest's side with hand-built frames and a small test responder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mmds_tcp.h"

static const uint8_t GMAC[6] = {0x06, 0x00, 0xac, 0x10, 0x00, 0x02};
static const uint8_t GIP[4] = {169, 254, 0, 2};
static const uint8_t MIP[4] = {169, 254, 169, 254};
static const uint8_t MMAC[6] = MMDS_NET_MAC;

/* The test responder: a request ends at "\r\n\r\n"; "BAD" is refused; the
 * body is body_len bytes of a pattern. */
struct resp {
	size_t body_len;
	unsigned int calls;
};

static ssize_t serve(void *ctx, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
		     uint64_t now_ms)
{
	struct resp *r = ctx;
	const uint8_t *end;
	size_t i, hl;
	char head[64];

	r->calls++;
	if (len >= 3 && !memcmp(in, "BAD", 3)) {
		*out = (uint8_t *)strdup("HTTP/1.1 400 Bad Request\r\n\r\n");
		*out_len = strlen((char *)*out);
		return -1;
	}
	end = memmem(in, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	hl = (size_t)snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			      r->body_len);
	*out = malloc(hl + r->body_len);
	memcpy(*out, head, hl);
	for (i = 0; i < r->body_len; i++)
		(*out)[hl + i] = (uint8_t)('a' + i % 26);
	*out_len = hl + r->body_len;
	return end + 4 - in;
}

struct t {
	struct mmds_net *m;
	struct resp r;
	uint64_t now;
	uint32_t seq; /* the guest's next sequence number */
	uint32_t ack; /* what the guest acknowledges */
	uint8_t f[2048];
	size_t flen;
};

static int setup(void **state)
{
	struct t *t = test_calloc(1, sizeof(*t));
	struct mmds_net_cfg cfg = {.ipv4 = {169, 254, 169, 254}, .seed = 42};

	cfg.responder = (struct mmds_responder){.serve = serve, .ctx = &t->r};
	assert_int_equal(mmds_net_create(&t->m, &cfg), 0);
	t->now = 1000;
	t->seq = 1000;
	t->r.body_len = 10;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	mmds_net_destroy(t->m);
	test_free(t);
	return 0;
}

/* A TCP segment from the guest (port @sport) in t->f; returns its length. */
static size_t seg(struct t *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, uint16_t wnd, const void *data, uint32_t len, uint16_t mss)
{
	uint8_t *f = t->f, *ip = f + 14, *th = ip + 20;
	uint32_t thl = mss ? 24 : 20;

	memset(f, 0, 14 + 20 + thl);
	memcpy(f, MMAC, 6);
	memcpy(f + 6, GMAC, 6);
	mmds_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	mmds_put16(ip + 2, (uint16_t)(20 + thl + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, GIP, 4);
	memcpy(ip + 16, MIP, 4);
	mmds_put16(ip + 10, mmds_fold(mmds_sum(0, ip, 20)));
	mmds_put16(th, sport);
	mmds_put16(th + 2, dport);
	mmds_put32(th + 4, seq);
	mmds_put32(th + 8, ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	mmds_put16(th + 14, wnd);
	if (mss) {
		th[20] = 2;
		th[21] = 4;
		mmds_put16(th + 22, mss);
	}
	if (len)
		memcpy(th + thl, data, len);
	mmds_put16(th + 16, mmds_fold(mmds_sum(mmds_pseudo(GIP, MIP, thl + len), th, thl + len)));
	t->flen = 14 + 20 + thl + len;
	return t->flen;
}

static void send_f(struct t *t)
{
	assert_true(mmds_net_claims(t->m, t->f, t->flen));
	mmds_net_tx(t->m, t->f, t->flen, false, t->now);
}

/* A parsed frame from the stack, its checksums checked. */
struct out {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd, mss;
	uint8_t data[2048];
	uint32_t len;
};

static bool recv_seg(struct t *t, struct out *o)
{
	uint8_t f[MMDS_NET_FRAME_MAX];
	size_t n = mmds_net_rx(t->m, f, sizeof(f), t->now);
	uint8_t *ip = f + 14, *th = ip + 20;
	uint32_t tl, thl;

	if (!n)
		return false;
	assert_memory_equal(f, GMAC, 6);
	assert_memory_equal(f + 6, MMAC, 6);
	assert_int_equal(mmds_be16(f + 12), 0x0800);
	assert_int_equal(mmds_fold(mmds_sum(0, ip, 20)), 0);
	assert_memory_equal(ip + 12, MIP, 4);
	assert_memory_equal(ip + 16, GIP, 4);
	tl = mmds_be16(ip + 2) - 20u;
	assert_int_equal(n, 34 + tl);
	assert_int_equal(mmds_fold(mmds_sum(mmds_pseudo(MIP, GIP, tl), th, tl)), 0);
	memset(o, 0, sizeof(*o));
	o->sport = mmds_be16(th);
	o->dport = mmds_be16(th + 2);
	o->seq = mmds_be32(th + 4);
	o->ack = mmds_be32(th + 8);
	o->flags = th[13];
	o->wnd = mmds_be16(th + 14);
	thl = (uint32_t)(th[12] >> 4) * 4;
	if (thl == 24 && th[20] == 2)
		o->mss = mmds_be16(th + 22);
	o->len = tl - thl;
	memcpy(o->data, th + thl, o->len);
	return true;
}

/* Handshake from port @port with MSS @mss and window @wnd. */
static void connect_(struct t *t, uint16_t port, uint16_t mss, uint16_t wnd)
{
	struct out o;

	seg(t, port, 80, t->seq, 0, TH_SYN, wnd, NULL, 0, mss);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_SYN | TH_ACK);
	assert_int_equal(o.sport, 80);
	assert_int_equal(o.ack, t->seq + 1);
	assert_int_equal(o.mss, MMDS_NET_MSS);
	assert_int_equal(o.wnd, MMDS_NET_RCVBUF);
	t->seq++;
	t->ack = o.seq + 1;
	seg(t, port, 80, t->seq, t->ack, TH_ACK, wnd, NULL, 0, 0);
	send_f(t);
	assert_false(recv_seg(t, &o)); /* nothing owed */
}

static void send_data(struct t *t, uint16_t port, const char *s, uint16_t wnd)
{
	seg(t, port, 80, t->seq, t->ack, TH_ACK | TH_PSH, wnd, s, (uint32_t)strlen(s), 0);
	send_f(t);
	t->seq += (uint32_t)strlen(s);
}

static void arp(void **state)
{
	struct t *t = *state;
	uint8_t f[64], r[MMDS_NET_FRAME_MAX], *a = f + 14;
	size_t n;

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, GMAC, 6);
	mmds_put16(f + 12, 0x0806);
	mmds_put16(a, 1);
	mmds_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	mmds_put16(a + 6, 1);
	memcpy(a + 8, GMAC, 6);
	memcpy(a + 14, GIP, 4);
	memcpy(a + 24, MIP, 4);
	assert_true(mmds_net_claims(t->m, f, 42));
	mmds_net_tx(t->m, f, 42, false, t->now);
	assert_true(mmds_net_rx_pending(t->m));
	n = mmds_net_rx(t->m, r, sizeof(r), t->now);
	assert_int_equal(n, 42);
	assert_memory_equal(r, GMAC, 6);
	assert_int_equal(mmds_be16(r + 20), 2);
	assert_memory_equal(r + 22, MMAC, 6);
	assert_memory_equal(r + 28, MIP, 4);
	assert_memory_equal(r + 32, GMAC, 6);
	assert_memory_equal(r + 38, GIP, 4);
	assert_false(mmds_net_rx_pending(t->m));
	/* ARP for another address, or short: not ours. */
	a[27] = 1;
	assert_false(mmds_net_claims(t->m, f, 42));
	a[27] = 254;
	assert_false(mmds_net_claims(t->m, f, 41));
	/* A non-IPv4 ARP (plen 16) is not ours either. */
	a[5] = 16;
	assert_false(mmds_net_claims(t->m, f, 42));
}

static void handshake_and_get(void **state)
{
	struct t *t = *state;
	struct out o;

	connect_(t, 40000, 1460, 65535);
	send_data(t, 40000, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", 65535);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.ack, t->seq);
	assert_int_equal(o.flags, TH_ACK | TH_PSH);
	assert_int_equal(o.len, 39 + 10);
	assert_memory_equal(o.data + 39, "abcdefghij", 10);
	assert_int_equal(o.wnd, MMDS_NET_RCVBUF);
	assert_false(recv_seg(t, &o));
	assert_int_equal(t->r.calls, 1);
}

/* A 5000-byte body to a guest with MSS 536 and a 2000-byte window. */
static void get_segmented(void **state)
{
	struct t *t = *state;
	uint8_t body[8192];
	uint32_t got = 0, in_flight;
	struct out o;
	int segs = 0;

	t->r.body_len = 5000;
	connect_(t, 40001, 536, 2000);
	send_data(t, 40001, "GET / HTTP/1.1\r\n\r\n", 2000);
	while (got < 5041) {
		in_flight = 0;
		while (recv_seg(t, &o)) {
			assert_true(o.len <= 536);
			assert_int_equal(o.seq, t->ack + in_flight);
			memcpy(body + got + in_flight, o.data, o.len);
			in_flight += o.len;
			segs++;
		}
		assert_true(in_flight > 0 && in_flight <= 2000);
		got += in_flight;
		t->ack += in_flight;
		seg(t, 40001, 80, t->seq, t->ack, TH_ACK, 2000, NULL, 0, 0);
		send_f(t);
	}
	assert_int_equal(got, 41 + 5000);
	assert_true(segs >= 10);
	assert_memory_equal(body + 41, "abcdefghijklmnopqrstuvwxyzab", 28);
	assert_int_equal(body[41 + 4999], (uint8_t)('a' + 4999 % 26));
	assert_false(recv_seg(t, &o));
}

static void fin_closes(void **state)
{
	struct t *t = *state;
	struct out o;

	connect_(t, 40002, 1460, 65535);
	send_data(t, 40002, "GET / HTTP/1.1\r\n\r\n", 65535);
	assert_true(recv_seg(t, &o));
	t->ack += o.len;
	/* The guest acks the response and closes: we close too. */
	seg(t, 40002, 80, t->seq, t->ack, TH_ACK | TH_FIN, 65535, NULL, 0, 0);
	send_f(t);
	t->seq++;
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_ACK | TH_FIN);
	assert_int_equal(o.ack, t->seq);
	assert_int_equal(o.seq, t->ack);
	assert_true(mmds_net_busy(t->m));
	seg(t, 40002, 80, t->seq, t->ack + 1, TH_ACK, 65535, NULL, 0, 0);
	send_f(t);
	assert_false(mmds_net_busy(t->m));
	assert_false(recv_seg(t, &o));
}

/* "Connection: close": our FIN follows the response; the guest's FIN gets
 * the last ACK after the slot is gone. */
static void connection_close(void **state)
{
	struct t *t = *state;
	struct out o;

	connect_(t, 40003, 1460, 65535);
	send_data(t, 40003, "GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", 65535);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.len, 39 + 10);
	t->ack += o.len;
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_ACK | TH_FIN);
	t->ack++;
	seg(t, 40003, 80, t->seq, t->ack, TH_ACK | TH_FIN, 65535, NULL, 0, 0);
	send_f(t);
	t->seq++;
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_ACK);
	assert_int_equal(o.ack, t->seq);
	assert_false(mmds_net_busy(t->m));
}

static void rst_on_unknown(void **state)
{
	struct t *t = *state;
	struct out o;

	seg(t, 40004, 80, 5, 777, TH_ACK, 100, "x", 1, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_RST);
	assert_int_equal(o.seq, 777);
	assert_int_equal(o.dport, 40004);
	/* A SYN to another port: RST|ACK acknowledging the SYN. */
	seg(t, 40005, 81, 9, 0, TH_SYN, 100, NULL, 0, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_RST | TH_ACK);
	assert_int_equal(o.ack, 10);
	assert_int_equal(o.sport, 81);
	/* A RST for nothing is not answered. */
	seg(t, 40006, 80, 9, 0, TH_RST, 100, NULL, 0, 0);
	send_f(t);
	assert_false(recv_seg(t, &o));
}

static void syn_flood_bounded(void **state)
{
	struct t *t = *state;
	struct mmds_net_stats st;
	struct out o;
	int i, synacks = 0;

	connect_(t, 41000, 1460, 65535);
	t->now += 5000; /* the established connection is idle, but not half-open */
	for (i = 0; i < 200; i++) {
		seg(t, (uint16_t)(50000 + i), 80, (uint32_t)i * 1000, 0, TH_SYN, 100, NULL, 0, 0);
		send_f(t);
		t->now++;
	}
	while (recv_seg(t, &o))
		synacks += (o.flags == (TH_SYN | TH_ACK));
	/* Bounded output: SYN-ACKs for the live slots and a bounded RST queue. */
	assert_true(synacks <= MMDS_NET_CONNS);
	mmds_net_get_stats(t->m, &st);
	assert_true(st.evicted >= 200 - MMDS_NET_CONNS);
	/* The established connection survived the flood and is served. */
	send_data(t, 41000, "GET / HTTP/1.1\r\n\r\n", 65535);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.dport, 41000);
	assert_int_equal(o.len, 49);
}

static void malformed_dropped(void **state)
{
	struct t *t = *state;
	struct mmds_net_stats st;
	struct out o;
	size_t n;

	n = seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	t->f[14 + 10] ^= 1; /* IPv4 header checksum */
	send_f(t);
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	t->f[14 + 20 + 16] ^= 1; /* TCP checksum */
	send_f(t);
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	mmds_put16(t->f + 14 + 6, 0x2000); /* more fragments */
	mmds_put16(t->f + 14 + 10, 0);
	mmds_put16(t->f + 14 + 10, mmds_fold(mmds_sum(0, t->f + 14, 20)));
	send_f(t);
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	mmds_put16(t->f + 14 + 2, 2000); /* total length past the frame */
	send_f(t);
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	t->f[14] = 0x44; /* IHL 4 */
	send_f(t);
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	t->f[14 + 20 + 12] = 0xf0; /* TCP header longer than the segment */
	send_f(t);
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	t->f[14 + 9] = 17; /* UDP to the MMDS address: consumed, dropped */
	mmds_put16(t->f + 14 + 10, 0);
	mmds_put16(t->f + 14 + 10, mmds_fold(mmds_sum(0, t->f + 14, 20)));
	send_f(t);
	mmds_net_tx(t->m, t->f, 20, false, t->now); /* truncated */
	assert_false(recv_seg(t, &o));
	assert_false(mmds_net_busy(t->m));
	mmds_net_get_stats(t->m, &st);
	assert_int_equal(st.rx_dropped, 8);
	/* Another destination, or not IPv4: not claimed at all. */
	seg(t, 40010, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	t->f[14 + 19] = 1;
	assert_false(mmds_net_claims(t->m, t->f, n));
	mmds_put16(t->f + 12, 0x86dd);
	assert_false(mmds_net_claims(t->m, t->f, n));
	assert_false(mmds_net_claims(t->m, t->f, 10));
}

static void out_of_order_and_duplicates(void **state)
{
	struct t *t = *state;
	struct mmds_net_stats st;
	struct out o;

	connect_(t, 40020, 1460, 65535);
	/* Ahead of rcv_nxt: dropped, re-ACKed with the old rcv_nxt. */
	seg(t, 40020, 80, t->seq + 5, t->ack, TH_ACK, 65535, "GET / HTTP/1.1\r\n\r\n", 18, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.len, 0);
	assert_int_equal(o.ack, t->seq);
	assert_int_equal(t->r.calls, 0);
	/* In order, in two parts, the first sent twice, the second overlapping. */
	seg(t, 40020, 80, t->seq, t->ack, TH_ACK, 65535, "GET / HT", 8, 0);
	send_f(t);
	send_f(t);
	while (recv_seg(t, &o))
		assert_int_equal(o.ack, t->seq + 8);
	seg(t, 40020, 80, t->seq + 4, t->ack, TH_ACK, 65535, "/ HTTP/1.1\r\n\r\n", 14, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.ack, t->seq + 18);
	assert_int_equal(o.len, 49);
	mmds_net_get_stats(t->m, &st);
	assert_int_equal(st.requests, 1);
}

static void zero_window_and_resend(void **state)
{
	struct t *t = *state;
	struct out o;

	connect_(t, 40030, 1460, 0);
	send_data(t, 40030, "GET / HTTP/1.1\r\n\r\n", 0);
	/* Zero window: an ACK for the request, no data. */
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.len, 0);
	assert_false(recv_seg(t, &o));
	/* The timer probes with an old sequence number. */
	t->now += 600;
	mmds_net_tick(t->m, t->now);
	mmds_net_tick(t->m, t->now + 600);
	t->now += 600;
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.seq, t->ack - 1);
	assert_int_equal(o.len, 0);
	/* The window opens: the data flows. */
	seg(t, 40030, 80, t->seq, t->ack, TH_ACK, 65535, NULL, 0, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.len, 49);
	assert_int_equal(o.seq, t->ack);
	/* Not acknowledged: resent from the last ACK after the timeout. */
	t->now += 700;
	mmds_net_tick(t->m, t->now);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.seq, t->ack);
	assert_int_equal(o.len, 49);
}

static void idle_timeout(void **state)
{
	struct t *t = *state;
	struct mmds_net_stats st;
	struct out o;

	connect_(t, 40040, 1460, 65535);
	send_data(t, 40040, "GET / HTT", 65535); /* a request that never ends */
	assert_true(recv_seg(t, &o));
	t->now += MMDS_NET_IDLE_MS;
	mmds_net_tick(t->m, t->now);
	assert_true(recv_seg(t, &o));
	assert_true(o.flags & TH_RST);
	assert_false(mmds_net_busy(t->m));
	mmds_net_get_stats(t->m, &st);
	assert_int_equal(st.timeouts, 1);
}

static void oversized_request_reset(void **state)
{
	struct t *t = *state;
	static char big[1401];
	struct out o;
	int i;

	memset(big, 'A', 1400);
	connect_(t, 40050, 1460, 65535);
	for (i = 0; i < 2; i++) {
		send_data(t, 40050, big, 65535);
		assert_true(recv_seg(t, &o));
		assert_int_equal(o.wnd, MMDS_NET_RCVBUF - 1400 * (i + 1));
	}
	/* Only 1296 of these fit, and a full buffer without a request in it
	 * ends the connection. */
	send_data(t, 40050, big, 65535);
	assert_true(recv_seg(t, &o));
	assert_true(o.flags & TH_RST);
	assert_false(mmds_net_busy(t->m));
}

static void bad_request_closes(void **state)
{
	struct t *t = *state;
	struct out o;

	connect_(t, 40060, 1460, 65535);
	send_data(t, 40060, "BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n", 65535);
	assert_true(recv_seg(t, &o));
	assert_memory_equal(o.data, "HTTP/1.1 400", 12);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_ACK | TH_FIN);
	assert_int_equal(t->r.calls, 1);
}

/* The guest gives up half-way through a request: its FIN closes ours. */
static void fin_mid_request(void **state)
{
	struct t *t = *state;
	struct out o;

	connect_(t, 40070, 1460, 65535);
	send_data(t, 40070, "GET /hold HTTP/1.1\r\n", 65535);
	assert_true(recv_seg(t, &o));
	seg(t, 40070, 80, t->seq, t->ack, TH_ACK | TH_FIN, 65535, NULL, 0, 0);
	send_f(t);
	t->seq++;
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_ACK | TH_FIN);
	assert_int_equal(o.ack, t->seq);
	seg(t, 40070, 80, t->seq, t->ack + 1, TH_ACK, 65535, NULL, 0, 0);
	send_f(t);
	assert_false(mmds_net_busy(t->m));
}

/* A full table of established connections: one being answered is never
 * evicted, idle ones are (after 200 ms), busy new ones are refused. */
static void eviction_spares_responses(void **state)
{
	struct t *t = *state;
	uint32_t seq0, ack0;
	struct out o;
	int i;

	t->r.body_len = 3000;
	connect_(t, 42000, 1460, 1000);
	send_data(t, 42000, "GET / HTTP/1.1\r\n\r\n", 1000);
	while (recv_seg(t, &o))
		;
	seq0 = t->seq;
	ack0 = t->ack;
	for (i = 1; i < MMDS_NET_CONNS; i++)
		connect_(t, (uint16_t)(42000 + i), 1460, 65535);
	/* All recent: a new SYN is refused. */
	seg(t, 43000, 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.flags, TH_RST | TH_ACK);
	/* Later, the idle ones go first, the one with a response stays. */
	t->now += 1000;
	for (i = 0; i < MMDS_NET_CONNS; i++) {
		seg(t, (uint16_t)(43001 + i), 80, 1, 0, TH_SYN, 100, NULL, 0, 0);
		send_f(t);
	}
	while (recv_seg(t, &o))
		assert_true(o.dport != 42000);
	seg(t, 42000, 80, seq0, ack0 + 1000, TH_ACK, 1000, NULL, 0, 0);
	send_f(t);
	assert_true(recv_seg(t, &o));
	assert_int_equal(o.dport, 42000);
	assert_int_equal(o.len, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(arp, setup, teardown),
	    cmocka_unit_test_setup_teardown(handshake_and_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(get_segmented, setup, teardown),
	    cmocka_unit_test_setup_teardown(fin_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(connection_close, setup, teardown),
	    cmocka_unit_test_setup_teardown(rst_on_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(syn_flood_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(malformed_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(out_of_order_and_duplicates, setup, teardown),
	    cmocka_unit_test_setup_teardown(zero_window_and_resend, setup, teardown),
	    cmocka_unit_test_setup_teardown(idle_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(oversized_request_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_request_closes, setup, teardown),
	    cmocka_unit_test_setup_teardown(fin_mid_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(eviction_spares_responses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
