/* mmds_tcp.c - the TCP endpoint behind mmds_net; see mmds_tcp.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mmds_tcp.h"

#define RTO_MS	      500
#define RTO_MAX_MS    8000
#define RETRIES_MAX   6
#define EVICT_IDLE_MS 200
#define MSS_DEFAULT   536
#define MSS_MIN	      64

enum seg_kind { K_NONE, K_SYNACK, K_DATA, K_FIN, K_ACK, K_PROBE };

static const uint8_t mmds_mac[6] = MMDS_NET_MAC;

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void mmds_tcp_init(struct mmds_tcp *t, const struct mmds_net_cfg *cfg, struct mmds_net_stats *stats)
{
	memcpy(t->ip, cfg->ipv4, 4);
	t->resp = cfg->responder;
	t->isn = cfg->seed | 1;
	t->stats = stats;
}

static uint32_t next_isn(struct mmds_tcp *t, uint64_t now_ms)
{
	uint32_t x = t->isn ^ (uint32_t)(now_ms * 2654435761u);

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	t->isn = x ? x : 1;
	return x;
}

/* Queue a control segment (RST, or the last ACK of a freed connection);
 * dropped when the queue is full (the guest retransmits and is answered). */
static void ctl_queue(struct mmds_tcp *t, const uint8_t mac[6], const uint8_t ip[4],
		      uint16_t our_port, uint16_t peer_port, uint32_t seq, uint32_t ack,
		      uint8_t flags)
{
	struct mmds_rst *r;

	if (t->rst_n == MMDS_TCP_RSTQ)
		return;
	if (flags & TH_RST)
		t->stats->resets++;
	r = &t->rst[(t->rst_head + t->rst_n++) % MMDS_TCP_RSTQ];
	memcpy(r->mac, mac, 6);
	memcpy(r->ip, ip, 4);
	r->sport = our_port;
	r->dport = peer_port;
	r->seq = seq;
	r->ack = ack;
	r->flags = flags;
}

/* The RST answering @s, which no connection owns (RFC 793, "Reset Generation"). */
static void rst_reply(struct mmds_tcp *t, const struct mmds_seg *s)
{
	uint32_t seglen = s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);

	if (s->flags & TH_RST)
		return;
	if (s->flags & TH_ACK)
		ctl_queue(t, s->mac, s->ip, s->dport, s->sport, s->ack, 0, TH_RST);
	else
		ctl_queue(t, s->mac, s->ip, s->dport, s->sport, 0, s->seq + seglen,
			  TH_RST | TH_ACK);
}

static void conn_free(struct mmds_conn *c)
{
	free(c->out);
	c->out = NULL;
	c->state = MC_FREE;
}

static void conn_abort(struct mmds_tcp *t, struct mmds_conn *c)
{
	ctl_queue(t, c->mac, c->ip, MMDS_NET_PORT, c->port, c->snd_max, c->rcv_nxt,
		  TH_RST | TH_ACK);
	conn_free(c);
}

static struct mmds_conn *conn_find(struct mmds_tcp *t, const struct mmds_seg *s)
{
	unsigned int i;

	for (i = 0; i < MMDS_NET_CONNS; i++) {
		struct mmds_conn *c = &t->conn[i];

		if (c->state != MC_FREE && c->port == s->sport && !memcmp(c->ip, s->ip, 4))
			return c;
	}
	return NULL;
}

/* A free slot; else the oldest half-open connection, else the established
 * one idle longest among those with no response in flight if idle for
 * EVICT_IDLE_MS, evicted with a RST. A connection being answered stays. */
static struct mmds_conn *conn_alloc(struct mmds_tcp *t, uint64_t now_ms)
{
	struct mmds_conn *half = NULL, *idle = NULL, *c;
	unsigned int i;

	for (i = 0; i < MMDS_NET_CONNS; i++) {
		c = &t->conn[i];
		if (c->state == MC_FREE)
			return c;
		if (c->state == MC_SYN_RCVD && (!half || c->last_rx < half->last_rx))
			half = c;
		if (c->state == MC_ESTAB && !c->out && (!idle || c->last_rx < idle->last_rx))
			idle = c;
	}
	c = half;
	if (!c && idle && now_ms - idle->last_rx >= EVICT_IDLE_MS)
		c = idle;
	if (!c)
		return NULL;
	t->stats->evicted++;
	conn_abort(t, c);
	return c;
}

static void conn_open(struct mmds_tcp *t, const struct mmds_seg *s, uint64_t now_ms)
{
	struct mmds_conn *c;

	if (s->dport != MMDS_NET_PORT || !(c = conn_alloc(t, now_ms))) {
		rst_reply(t, s);
		return;
	}
	memset(c, 0, offsetof(struct mmds_conn, in));
	c->state = MC_SYN_RCVD;
	memcpy(c->mac, s->mac, 6);
	memcpy(c->ip, s->ip, 4);
	c->port = s->sport;
	c->mss = s->mss ? s->mss : MSS_DEFAULT;
	if (c->mss > MMDS_NET_MSS)
		c->mss = MMDS_NET_MSS;
	if (c->mss < MSS_MIN)
		c->mss = MSS_MIN;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->iss = next_isn(t, now_ms);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->out_seq = c->iss + 1;
	c->snd_wnd = s->wnd;
	c->rto = RTO_MS;
	c->last_rx = now_ms;
	t->stats->conns++;
}

/* Does the request in p[0..n) ask for the connection to be closed after
 * its response (HTTP/1.0 without keep-alive, or "Connection: close")? */
static bool req_wants_close(const uint8_t *p, size_t n)
{
	bool close = false, first = true;
	size_t i = 0, j, k;

	while (i < n) {
		for (j = i; j < n && p[j] != '\n'; j++)
			;
		k = j > i && p[j - 1] == '\r' ? j - 1 : j; /* line is p[i..k) */
		if (k == i && !first)
			break; /* end of the headers */
		if (first) {
			close = k - i >= 8 && !memcmp(p + k - 8, "HTTP/1.0", 8);
			first = false;
		} else if (k - i > 11 && !strncasecmp((const char *)p + i, "connection:", 11)) {
			for (i += 11; i + 5 <= k; i++) {
				if (!strncasecmp((const char *)p + i, "close", 5))
					close = true;
				else if (i + 10 <= k &&
					 !strncasecmp((const char *)p + i, "keep-alive", 10))
					close = false;
			}
		}
		i = j + 1;
	}
	return close;
}

/* Hand buffered requests to the responder while no response is in flight. */
static void conn_serve(struct mmds_tcp *t, struct mmds_conn *c, uint64_t now_ms)
{
	uint8_t *out;
	size_t olen;
	ssize_t r;

	while (!c->out && !c->close_out && c->in_len && !c->discard) {
		out = NULL;
		olen = 0;
		r = t->resp.serve(t->resp.ctx, c->in, c->in_len, &out, &olen, now_ms);
		if (r == 0) {
			free(out);
			if (c->in_len < MMDS_NET_RCVBUF)
				break;
			conn_abort(t, c); /* a request that does not fit */
			return;
		}
		t->stats->requests++;
		if (r < 0 || (size_t)r > c->in_len) {
			c->close_out = c->discard = true;
			c->in_len = 0;
		} else {
			if (req_wants_close(c->in, (size_t)r))
				c->close_out = true;
			c->in_len -= (uint32_t)r;
			memmove(c->in, c->in + r, c->in_len);
		}
		if (out && olen > MMDS_NET_RESP_MAX) { /* beyond sequence arithmetic */
			free(out);
			conn_abort(t, c);
			return;
		}
		if (out && olen) {
			c->out = out;
			c->out_len = olen;
		} else {
			free(out);
		}
	}
	if (c->fin_in && !c->out)
		c->close_out = true;
}

/* Process the ACK field; false if the segment must be dropped. */
static bool conn_ack(struct mmds_tcp *t, struct mmds_conn *c, const struct mmds_seg *s,
		     uint64_t now_ms)
{
	if (c->state == MC_SYN_RCVD) {
		if (s->ack != c->iss + 1) {
			rst_reply(t, s);
			return false;
		}
		c->state = MC_ESTAB;
	}
	if (seq_gt(s->ack, c->snd_max)) {
		c->ack_needed = true;
		return false;
	}
	if (seq_gt(s->ack, c->snd_una)) {
		c->snd_una = s->ack;
		c->retries = 0;
		c->rto = RTO_MS;
		c->rto_at = c->snd_una != c->snd_max ? now_ms + c->rto : 0;
		if (seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
	}
	c->snd_wnd = s->wnd;
	if (c->snd_wnd)
		c->probe_needed = false;
	if (c->out && !seq_lt(c->snd_una, c->out_seq + (uint32_t)c->out_len)) {
		c->out_seq += (uint32_t)c->out_len;
		free(c->out);
		c->out = NULL;
		c->out_len = 0;
	}
	return true;
}

/* Take in-order data and FIN from @s (already trimmed to start at rcv_nxt). */
static void conn_data(struct mmds_conn *c, const struct mmds_seg *s, uint32_t skip)
{
	uint32_t dlen = s->len, take = 0;
	bool fin = s->flags & TH_FIN;

	if (skip > dlen) { /* a FIN already counted */
		c->ack_needed = true;
		return;
	}
	dlen -= skip;
	if (dlen) {
		c->ack_needed = true;
		if (c->fin_in || c->state != MC_ESTAB)
			return;
		if (c->discard) {
			take = dlen;
		} else {
			take = MMDS_NET_RCVBUF - c->in_len;
			take = dlen < take ? dlen : take;
			memcpy(c->in + c->in_len, s->data + skip, take);
			c->in_len += take;
		}
		c->rcv_nxt += take;
	}
	if (fin && take == dlen && !c->fin_in) {
		c->rcv_nxt++;
		c->fin_in = true;
		c->ack_needed = true;
	}
}

static uint32_t data_end(const struct mmds_conn *c)
{
	return c->out_seq + (c->out ? (uint32_t)c->out_len : 0);
}

/* Both FINs exchanged and ours acknowledged, or ours acknowledged and the
 * guest's just arrived: the connection is over. */
static void conn_check_done(struct mmds_tcp *t, struct mmds_conn *c)
{
	bool fin_acked =
	    c->close_out && c->snd_una == c->snd_max && seq_gt(c->snd_max, data_end(c));

	if (!fin_acked || !c->fin_in)
		return;
	if (c->ack_needed) /* the guest's FIN, answered after the slot is gone */
		ctl_queue(t, c->mac, c->ip, MMDS_NET_PORT, c->port, c->snd_max, c->rcv_nxt, TH_ACK);
	conn_free(c);
}

static void conn_input(struct mmds_tcp *t, struct mmds_conn *c, const struct mmds_seg *s,
		       uint64_t now_ms)
{
	uint32_t seglen = s->len + !!(s->flags & TH_FIN);

	c->last_rx = now_ms;
	memcpy(c->mac, s->mac, 6);
	if (s->flags & TH_RST) {
		if (s->seq == c->rcv_nxt)
			conn_free(c);
		return;
	}
	if (s->flags & TH_SYN) {
		if (c->state == MC_SYN_RCVD && s->seq == c->irs)
			c->snd_nxt = c->iss; /* our SYN-ACK went missing: again */
		else
			c->ack_needed = true; /* challenge ACK (RFC 5961) */
		return;
	}
	/* Out of order (ahead), or an old duplicate: dropped, re-ACKed. */
	if (seq_gt(s->seq, c->rcv_nxt) || seq_lt(s->seq + seglen, c->rcv_nxt) ||
	    (seq_lt(s->seq, c->rcv_nxt) && !seglen)) {
		c->ack_needed = true;
		return;
	}
	if (!(s->flags & TH_ACK) || !conn_ack(t, c, s, now_ms))
		return;
	if (c->state == MC_FREE)
		return;
	conn_data(c, s, c->rcv_nxt - s->seq);
	conn_serve(t, c, now_ms);
	if (c->state != MC_FREE)
		conn_check_done(t, c);
}

void mmds_tcp_input(struct mmds_tcp *t, const struct mmds_seg *s, uint64_t now_ms)
{
	struct mmds_conn *c = conn_find(t, s);

	if (c) {
		conn_input(t, c, s, now_ms);
		return;
	}
	if ((s->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		conn_open(t, s, now_ms);
		return;
	}
	rst_reply(t, s);
}

/* What @c sends next, and for data how many bytes. */
static enum seg_kind conn_next(const struct mmds_conn *c, uint32_t *len)
{
	uint32_t end = data_end(c), left;
	int32_t usable;

	if (c->state == MC_FREE)
		return K_NONE;
	if (c->state == MC_SYN_RCVD)
		return c->snd_nxt == c->iss ? K_SYNACK : K_NONE;
	if (seq_lt(c->snd_nxt, end)) {
		usable = (int32_t)(c->snd_una + c->snd_wnd - c->snd_nxt);
		left = end - c->snd_nxt;
		left = left < c->mss ? left : c->mss;
		*len = usable <= 0 ? 0 : left < (uint32_t)usable ? left : (uint32_t)usable;
		if (*len)
			return K_DATA;
	}
	if (c->close_out && c->snd_nxt == end)
		return K_FIN;
	if (c->ack_needed)
		return K_ACK;
	return c->probe_needed ? K_PROBE : K_NONE;
}

struct seg_out {
	const uint8_t *mac, *ip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd, mss;
	const uint8_t *data;
	uint32_t len;
};

/* Ethernet + IPv4 + TCP headers and payload into @buf; the length or 0. */
static size_t seg_build(const struct mmds_tcp *t, uint8_t *buf, size_t cap, const struct seg_out *o)
{
	uint32_t thl = o->mss ? 24 : 20, tcp_len = thl + o->len;
	uint8_t *ip = buf + 14, *th = ip + 20;
	size_t total = 14 + 20 + tcp_len;

	if (total > cap)
		return 0;
	memcpy(buf, o->mac, 6);
	memcpy(buf + 6, mmds_mac, 6);
	mmds_put16(buf + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	mmds_put16(ip + 2, (uint16_t)(20 + tcp_len));
	mmds_put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, t->ip, 4);
	memcpy(ip + 16, o->ip, 4);
	mmds_put16(ip + 10, mmds_fold(mmds_sum(0, ip, 20)));
	memset(th, 0, thl);
	mmds_put16(th, o->sport);
	mmds_put16(th + 2, o->dport);
	mmds_put32(th + 4, o->seq);
	mmds_put32(th + 8, o->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = o->flags;
	mmds_put16(th + 14, o->wnd);
	if (o->mss) {
		th[20] = 2;
		th[21] = 4;
		mmds_put16(th + 22, o->mss);
	}
	if (o->len)
		memcpy(th + thl, o->data, o->len);
	mmds_put16(th + 16, mmds_fold(mmds_sum(mmds_pseudo(t->ip, o->ip, tcp_len), th, tcp_len)));
	return total;
}

static size_t conn_emit(struct mmds_tcp *t, struct mmds_conn *c, enum seg_kind k, uint32_t len,
			uint8_t *buf, size_t cap, uint64_t now_ms)
{
	struct seg_out o = {.mac = c->mac,
			    .ip = c->ip,
			    .sport = MMDS_NET_PORT,
			    .dport = c->port,
			    .seq = c->snd_nxt,
			    .ack = c->rcv_nxt,
			    .flags = TH_ACK,
			    .wnd = (uint16_t)(MMDS_NET_RCVBUF - c->in_len)};
	size_t n;

	if (k == K_SYNACK) {
		o.flags |= TH_SYN;
		o.mss = MMDS_NET_MSS;
	} else if (k == K_DATA) {
		o.data = c->out + (c->snd_nxt - c->out_seq);
		o.len = len;
		if (c->snd_nxt + len == data_end(c))
			o.flags |= TH_PSH;
	} else if (k == K_FIN) {
		o.flags |= TH_FIN;
	} else if (k == K_PROBE) {
		o.seq = c->snd_una - 1;
	}
	n = seg_build(t, buf, cap, &o);
	if (!n)
		return 0;
	c->snd_nxt += len + (k == K_SYNACK || k == K_FIN);
	if (seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!c->rto_at && c->snd_una != c->snd_max)
		c->rto_at = now_ms + c->rto;
	c->ack_needed = false;
	if (k == K_PROBE)
		c->probe_needed = false;
	return n;
}

bool mmds_tcp_pending(const struct mmds_tcp *t)
{
	unsigned int i;
	uint32_t len;

	if (t->rst_n)
		return true;
	for (i = 0; i < MMDS_NET_CONNS; i++)
		if (conn_next(&t->conn[i], &len) != K_NONE)
			return true;
	return false;
}

size_t mmds_tcp_output(struct mmds_tcp *t, uint8_t *buf, size_t cap, uint64_t now_ms)
{
	unsigned int i, idx;
	enum seg_kind k;
	uint32_t len = 0;

	if (t->rst_n) {
		const struct mmds_rst *r = &t->rst[t->rst_head];
		struct seg_out o = {.mac = r->mac,
				    .ip = r->ip,
				    .sport = r->sport,
				    .dport = r->dport,
				    .seq = r->seq,
				    .ack = r->ack,
				    .flags = r->flags};

		t->rst_head = (t->rst_head + 1) % MMDS_TCP_RSTQ;
		t->rst_n--;
		return seg_build(t, buf, cap, &o);
	}
	for (i = 0; i < MMDS_NET_CONNS; i++) {
		idx = (t->rr + i) % MMDS_NET_CONNS;
		k = conn_next(&t->conn[idx], &len);
		if (k == K_NONE)
			continue;
		t->rr = idx + 1;
		return conn_emit(t, &t->conn[idx], k, len, buf, cap, now_ms);
	}
	return 0;
}

static void conn_tick(struct mmds_tcp *t, struct mmds_conn *c, uint64_t now_ms)
{
	uint32_t len;

	if (now_ms - c->last_rx >= MMDS_NET_IDLE_MS) {
		t->stats->timeouts++;
		conn_abort(t, c);
		return;
	}
	if (c->snd_una == c->snd_max && conn_next(c, &len) == K_NONE &&
	    seq_lt(c->snd_nxt, data_end(c)) && !c->rto_at)
		c->rto_at = now_ms + c->rto; /* zero window: probe later */
	if (!c->rto_at || now_ms < c->rto_at)
		return;
	c->rto_at = 0;
	if (c->snd_una != c->snd_max) {
		if (++c->retries > RETRIES_MAX) {
			t->stats->timeouts++;
			conn_abort(t, c);
			return;
		}
		c->snd_nxt = c->snd_una; /* go back: resend from the last ACK */
	} else {
		c->probe_needed = true;
		c->rto_at = now_ms + c->rto;
	}
	c->rto = c->rto * 2 > RTO_MAX_MS ? RTO_MAX_MS : c->rto * 2;
}

void mmds_tcp_tick(struct mmds_tcp *t, uint64_t now_ms)
{
	unsigned int i;

	for (i = 0; i < MMDS_NET_CONNS; i++)
		if (t->conn[i].state != MC_FREE)
			conn_tick(t, &t->conn[i], now_ms);
}

bool mmds_tcp_busy(const struct mmds_tcp *t)
{
	unsigned int i;

	if (t->rst_n)
		return true;
	for (i = 0; i < MMDS_NET_CONNS; i++)
		if (t->conn[i].state != MC_FREE)
			return true;
	return false;
}

void mmds_tcp_reset(struct mmds_tcp *t)
{
	unsigned int i;

	for (i = 0; i < MMDS_NET_CONNS; i++)
		if (t->conn[i].state != MC_FREE)
			conn_free(&t->conn[i]);
	t->rst_n = 0;
	t->rst_head = 0;
}
