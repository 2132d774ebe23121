/*
 * mmds_net.c - MMDS on the guest's network path; see mmds_net.h.
 *
 * This file is the Ethernet, ARP and IPv4 layer: which frames are claimed,
 * their validation (lengths, IPv4 header and TCP checksums, no fragments,
 * no options beyond what the lengths cover), ARP replies; the TCP
 * connections are mmds_tcp.c's. Output order: the pending ARP reply (only
 * the latest request is remembered), then RSTs, then the connections round
 * robin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmds_tcp.h"

#define ETH_HLEN      14
#define ETHERTYPE_IP  0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_LEN	      28

struct mmds_net {
	struct mmds_net_stats stats;
	uint8_t ip[4];
	bool arp_pending;
	uint8_t arp_mac[6], arp_ip[4];
	struct mmds_tcp tcp;
};

static const uint8_t mmds_mac[6] = MMDS_NET_MAC;

int mmds_net_create(struct mmds_net **out, const struct mmds_net_cfg *cfg)
{
	struct mmds_net *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	memcpy(m->ip, cfg->ipv4, 4);
	mmds_tcp_init(&m->tcp, cfg, &m->stats);
	*out = m;
	return 0;
}

void mmds_net_destroy(struct mmds_net *m)
{
	if (!m)
		return;
	mmds_tcp_reset(&m->tcp);
	free(m);
}

/* ARP for IPv4 over Ethernet (htype 1, ptype IPv4, 6/4-byte addresses). */
static bool arp_ipv4(const uint8_t *a)
{
	return mmds_be16(a) == 1 && mmds_be16(a + 2) == ETHERTYPE_IP && a[4] == 6 && a[5] == 4;
}

bool mmds_net_claims(const struct mmds_net *m, const uint8_t *f, size_t len)
{
	if (len < ETH_HLEN)
		return false;
	switch (mmds_be16(f + 12)) {
	case ETHERTYPE_ARP:
		return len >= ETH_HLEN + ARP_LEN && arp_ipv4(f + ETH_HLEN) &&
		       !memcmp(f + ETH_HLEN + 24, m->ip, 4);
	case ETHERTYPE_IP:
		return len >= ETH_HLEN + 20 && (f[ETH_HLEN] >> 4) == 4 &&
		       !memcmp(f + ETH_HLEN + 16, m->ip, 4);
	default:
		return false;
	}
}

static void arp_input(struct mmds_net *m, const uint8_t *a)
{
	if (mmds_be16(a + 6) != 1) /* not a request: nothing to answer */
		return;
	memcpy(m->arp_mac, a + 8, 6);
	memcpy(m->arp_ip, a + 14, 4);
	m->arp_pending = true;
}

/* Parse the TCP options of a SYN for the MSS; false if they overrun. */
static bool tcp_options(const uint8_t *o, uint32_t n, uint16_t *mss)
{
	uint32_t i = 0;

	while (i < n) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
			return false;
		if (o[i] == 2 && o[i + 1] == 4)
			*mss = mmds_be16(o + i + 2);
		i += o[i + 1];
	}
	return true;
}

/* Validate the TCP segment @th (@len bytes, from @ip) and hand it on. */
static bool tcp_input(struct mmds_net *m, const uint8_t *eth, const uint8_t *ip, const uint8_t *th,
		      uint32_t len, bool csum_partial, uint64_t now_ms)
{
	struct mmds_seg s;
	uint32_t thl;

	if (len < 20)
		return false;
	thl = (uint32_t)(th[12] >> 4) * 4;
	if (thl < 20 || thl > len)
		return false;
	if (!csum_partial && mmds_fold(mmds_sum(mmds_pseudo(ip + 12, ip + 16, len), th, len)) != 0)
		return false;
	memset(&s, 0, sizeof(s));
	memcpy(s.mac, eth + 6, 6);
	memcpy(s.ip, ip + 12, 4);
	s.sport = mmds_be16(th);
	s.dport = mmds_be16(th + 2);
	s.seq = mmds_be32(th + 4);
	s.ack = mmds_be32(th + 8);
	s.flags = th[13] & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK);
	s.wnd = mmds_be16(th + 14);
	s.data = th + thl;
	s.len = len - thl;
	if (!s.sport || (eth[6] & 1)) /* no port 0, no multicast source */
		return false;
	if ((s.flags & TH_SYN) && !tcp_options(th + 20, thl - 20, &s.mss))
		return false;
	mmds_tcp_input(&m->tcp, &s, now_ms);
	return true;
}

/* Validate an IPv4 packet to the MMDS address; false: dropped. */
static bool ip_input(struct mmds_net *m, const uint8_t *f, size_t len, bool csum_partial,
		     uint64_t now_ms)
{
	const uint8_t *ip = f + ETH_HLEN;
	uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4, tot = mmds_be16(ip + 2);

	if (ihl < 20 || tot < ihl || tot > len - ETH_HLEN)
		return false; /* trailing Ethernet padding is fine */
	if (mmds_fold(mmds_sum(0, ip, ihl)) != 0)
		return false;
	if (mmds_be16(ip + 6) & 0x3fff) /* MF or a fragment offset */
		return false;
	if (ip[9] != 6)
		return false;
	return tcp_input(m, f, ip, ip + ihl, tot - ihl, csum_partial, now_ms);
}

void mmds_net_tx(struct mmds_net *m, const uint8_t *f, size_t len, bool csum_partial,
		 uint64_t now_ms)
{
	bool ok = false;

	if (!mmds_net_claims(m, f, len) || len > MMDS_NET_TX_MAX) {
		m->stats.rx_dropped++;
		return;
	}
	m->stats.rx_frames++;
	if (mmds_be16(f + 12) == ETHERTYPE_ARP) {
		arp_input(m, f + ETH_HLEN);
		return;
	}
	ok = ip_input(m, f, len, csum_partial, now_ms);
	if (!ok)
		m->stats.rx_dropped++;
}

bool mmds_net_rx_pending(const struct mmds_net *m)
{
	return m->arp_pending || mmds_tcp_pending(&m->tcp);
}

static size_t arp_reply(struct mmds_net *m, uint8_t *f, size_t cap)
{
	uint8_t *a = f + ETH_HLEN;

	if (cap < ETH_HLEN + ARP_LEN)
		return 0;
	memcpy(f, m->arp_mac, 6);
	memcpy(f + 6, mmds_mac, 6);
	mmds_put16(f + 12, ETHERTYPE_ARP);
	mmds_put16(a, 1);
	mmds_put16(a + 2, ETHERTYPE_IP);
	a[4] = 6;
	a[5] = 4;
	mmds_put16(a + 6, 2);
	memcpy(a + 8, mmds_mac, 6);
	memcpy(a + 14, m->ip, 4);
	memcpy(a + 18, m->arp_mac, 6);
	memcpy(a + 24, m->arp_ip, 4);
	m->arp_pending = false;
	m->stats.arp_replies++;
	return ETH_HLEN + ARP_LEN;
}

size_t mmds_net_rx(struct mmds_net *m, uint8_t *buf, size_t cap, uint64_t now_ms)
{
	size_t n;

	if (m->arp_pending)
		n = arp_reply(m, buf, cap);
	else
		n = mmds_tcp_output(&m->tcp, buf, cap, now_ms);
	if (n)
		m->stats.tx_frames++;
	return n;
}

void mmds_net_tick(struct mmds_net *m, uint64_t now_ms)
{
	mmds_tcp_tick(&m->tcp, now_ms);
}

bool mmds_net_busy(const struct mmds_net *m)
{
	return m->arp_pending || mmds_tcp_busy(&m->tcp);
}

void mmds_net_reset(struct mmds_net *m)
{
	m->arp_pending = false;
	mmds_tcp_reset(&m->tcp);
}

void mmds_net_get_stats(const struct mmds_net *m, struct mmds_net_stats *s)
{
	*s = m->stats;
}
