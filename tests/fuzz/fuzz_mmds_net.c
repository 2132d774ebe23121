/*
 * fuzz_mmds_net.c - libFuzzer target: the MMDS network stack (mmds_net.c,
 * mmds_tcp.c) fed arbitrary sequences of guest frames, with a small test
 * responder in place of the metadata store.
 *
 * Input: a list of commands, each `kind (1) | n (1)` then, for kinds that
 * carry bytes, `n` bytes:
 *   kind % 6 == 0  a raw Ethernet frame of n bytes; bit 3 of kind: make it
 *                  IPv4 to the MMDS address with a valid header checksum
 *                  (so the fuzzer reaches TCP), bit 4: checksum offload
 *   kind % 6 == 1  a well-formed TCP segment from guest port 40000 + (n & 3)
 *                  with the sequence/ack numbers a guest would use, then
 *                  `flags (1) | window (2) | seq skew (1) | len (1)` and len
 *                  payload bytes (the skew makes it out of order)
 *   kind % 6 == 2  the guest takes up to n frames (ACK numbers learned)
 *   kind % 6 == 3  time passes: n * 37 ms, then the stack's timer runs
 *   kind % 6 == 4  an ARP request for the MMDS address
 *   kind % 6 == 5  reset
 * Checked: every frame produced fits MMDS_NET_FRAME_MAX and carries valid
 * IPv4 and TCP checksums; connections stay bounded; nothing leaks.
 */
#include <stdlib.h>
#include <string.h>

#include "mmds_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t GIP[4] = {169, 254, 0, 2};
static const uint8_t MIP[4] = {169, 254, 169, 254};

struct guest {
	struct mmds_net *m;
	uint64_t now;
	uint32_t seq[4], ack[4];
	uint8_t f[MMDS_NET_TX_MAX];
};

/* The responder: requests end at a blank line; the first byte picks the
 * response size, 'X' makes a bad request. */
static ssize_t serve(void *ctx, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
		     uint64_t now_ms)
{
	const uint8_t *end;
	size_t n;

	if (len && in[0] == 'X') {
		*out = malloc(12);
		if (*out) {
			memcpy(*out, "HTTP/1.1 400", 12);
			*out_len = 12;
		}
		return -1;
	}
	end = memmem(in, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	n = 1 + (size_t)in[0] * 97;
	*out = malloc(n);
	if (!*out)
		return -1;
	memset(*out, 'v', n);
	*out_len = n;
	return end + 4 - in;
}

static void ip_fixup(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14;

	if (len < 34)
		return;
	mmds_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	memcpy(ip + 16, MIP, 4);
	mmds_put16(ip + 10, 0);
	mmds_put16(ip + 10, mmds_fold(mmds_sum(0, ip, 20)));
}

static void tx(struct guest *g, size_t len, bool partial)
{
	if (mmds_net_claims(g->m, g->f, len))
		mmds_net_tx(g->m, g->f, len, partial, g->now);
}

/* A segment as the guest's TCP would send it; returns the bytes used. */
static size_t segment(struct guest *g, unsigned int p, const uint8_t *c, size_t left)
{
	uint8_t flags, plen, *ip = g->f + 14, *th = ip + 20;
	uint16_t wnd;
	uint32_t seq;

	if (left < 5)
		return left;
	flags = c[0];
	wnd = mmds_be16(c + 1);
	seq = g->seq[p] + c[3];
	plen = c[4];
	if ((size_t)plen > left - 5)
		plen = (uint8_t)(left - 5);
	memset(g->f, 0, 54);
	mmds_put16(g->f + 12, 0x0800);
	g->f[6] = 0x06;
	ip[0] = 0x45;
	mmds_put16(ip + 2, (uint16_t)(40 + plen));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, GIP, 4);
	memcpy(ip + 16, MIP, 4);
	mmds_put16(ip + 10, mmds_fold(mmds_sum(0, ip, 20)));
	mmds_put16(th, (uint16_t)(40000 + p));
	mmds_put16(th + 2, 80);
	mmds_put32(th + 4, seq);
	mmds_put32(th + 8, g->ack[p]);
	th[12] = 5 << 4;
	th[13] = flags;
	mmds_put16(th + 14, wnd);
	memcpy(th + 20, c + 5, plen);
	mmds_put16(th + 16, mmds_fold(mmds_sum(mmds_pseudo(GIP, MIP, 20u + plen), th, 20u + plen)));
	if (!c[3])
		g->seq[p] += plen + !!(flags & TH_SYN) + !!(flags & TH_FIN);
	tx(g, 54 + plen, false);
	return 5 + plen;
}

/* The guest receives up to @n frames, checks them and learns ACK numbers. */
static void take(struct guest *g, unsigned int n)
{
	uint8_t f[MMDS_NET_FRAME_MAX + 64], *ip = f + 14, *th = ip + 20;
	uint32_t tl, thl, seq, end;
	unsigned int p;
	size_t len;

	while (n--) {
		len = mmds_net_rx(g->m, f, sizeof(f), g->now);
		if (!len)
			return;
		if (len > MMDS_NET_FRAME_MAX)
			abort();
		if (mmds_be16(f + 12) != 0x0800)
			continue; /* an ARP reply */
		tl = mmds_be16(ip + 2) - 20u;
		if (mmds_fold(mmds_sum(0, ip, 20)) || 34 + tl != len ||
		    mmds_fold(mmds_sum(mmds_pseudo(MIP, GIP, tl), th, tl)))
			abort();
		p = (mmds_be16(th + 2) - 40000u) & 3;
		thl = (uint32_t)(th[12] >> 4) * 4;
		seq = mmds_be32(th + 4);
		end = seq + (tl - thl) + !!(th[13] & (TH_SYN | TH_FIN));
		if ((int32_t)(end - g->ack[p]) > 0 || (th[13] & TH_SYN))
			g->ack[p] = end;
	}
}

static void arp(struct guest *g)
{
	static const uint8_t req[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 6,	 0,   0,  0, 0,
					2,    8,    6,	  0,	1,    8,    0,	 6,   4,  0, 1,
					6,    0,    0,	  0,	0,    2,    169, 254, 0,  2, 0,
					0,    0,    0,	  0,	0,    169,  254, 169, 254};

	memcpy(g->f, req, sizeof(req));
	tx(g, sizeof(req), false);
}

static void run(struct guest *g, const uint8_t *d, size_t size)
{
	size_t i = 0, n;
	uint8_t kind;

	while (i + 2 <= size) {
		kind = d[i];
		n = d[i + 1];
		i += 2;
		switch (kind % 6) {
		case 0:
			n = n < size - i ? n : size - i;
			memcpy(g->f, d + i, n);
			if (kind & 8)
				ip_fixup(g->f, n);
			tx(g, n, kind & 16);
			i += n;
			break;
		case 1:
			i += segment(g, n & 3, d + i, size - i);
			break;
		case 2:
			take(g, (unsigned int)n);
			break;
		case 3:
			g->now += n * 37;
			mmds_net_tick(g->m, g->now);
			break;
		case 4:
			arp(g);
			break;
		default:
			mmds_net_reset(g->m);
			break;
		}
	}
	take(g, 100000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmds_net_cfg cfg = {.ipv4 = {169, 254, 169, 254}, .seed = 7};
	static struct guest g;

	memset(&g, 0, sizeof(g));
	g.now = 1000;
	cfg.responder.serve = serve;
	if (mmds_net_create(&g.m, &cfg))
		return 0;
	run(&g, data, size);
	mmds_net_destroy(g.m);
	return 0;
}
