/*
 * rate_limiter.c - token bucket pair; see rate_limiter.h for the contract.
 */
#include "rate_limiter.h"

#define RL_NS_PER_MS   1000000ULL
#define RL_MIN_WAIT_NS RL_NS_PER_MS

static void bucket_init(struct rl_bucket *b, const struct cfg_token_bucket *t, uint64_t now_ns)
{
	*b = (struct rl_bucket){0};
	if (!t->set || !t->size || !t->refill_time_ms)
		return;
	b->enabled = true;
	b->size = t->size;
	b->refill_ns = t->refill_time_ms * RL_NS_PER_MS;
	b->budget = t->size;
	b->burst = t->one_time_burst;
	b->last_ns = now_ns;
}

/* tokens earned over ns, and the time those tokens cost (exact, rounded down) */
static uint64_t tokens_for(const struct rl_bucket *b, uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * b->size / b->refill_ns);
}

static uint64_t ns_for(const struct rl_bucket *b, uint64_t tokens, bool round_up)
{
	unsigned __int128 t = (unsigned __int128)tokens * b->refill_ns;

	return (uint64_t)((t + (round_up ? b->size - 1 : 0)) / b->size);
}

static void bucket_refill(struct rl_bucket *b, uint64_t now_ns)
{
	uint64_t got;

	if (!b->enabled || now_ns <= b->last_ns)
		return;
	got = tokens_for(b, now_ns - b->last_ns);
	if (got >= b->size - b->budget) {
		b->budget = b->size;
		b->last_ns = now_ns;
		return;
	}
	b->budget += got;
	b->last_ns += ns_for(b, got, false);
}

static bool bucket_fits(const struct rl_bucket *b, uint64_t n, uint64_t now_ns)
{
	if (!b->enabled || !n)
		return true;
	if (b->last_ns > now_ns) /* still repaying an oversized request */
		return false;
	return n > b->size || n <= b->budget + b->burst;
}

static void bucket_take(struct rl_bucket *b, uint64_t n, uint64_t now_ns)
{
	uint64_t from_burst;

	if (!b->enabled || !n)
		return;
	from_burst = n < b->burst ? n : b->burst;
	b->burst -= from_burst;
	n -= from_burst;
	if (n <= b->budget) {
		b->budget -= n;
		return;
	}
	/* oversized: empty the bucket, push refill start past the debt */
	n -= b->budget;
	b->budget = 0;
	b->last_ns = now_ns + ns_for(b, n, true);
}

static uint64_t bucket_wait(const struct rl_bucket *b, uint64_t n, uint64_t now_ns)
{
	uint64_t have = b->budget + b->burst, at;

	if (bucket_fits(b, n, now_ns))
		return 0;
	if (n > b->size) /* only reached while in debt */
		return b->last_ns - now_ns;
	at = b->last_ns + ns_for(b, n - have, true);
	return at > now_ns ? at - now_ns : 0;
}

void rate_limiter_init(struct rate_limiter *rl, const struct cfg_rate_limiter *c, uint64_t now_ns)
{
	bucket_init(&rl->bw, &c->bandwidth, now_ns);
	bucket_init(&rl->ops, &c->ops, now_ns);
	rl->wait_ns = 0;
}

void rate_limiter_update(struct rate_limiter *rl, const struct cfg_rate_limiter *c, uint64_t now_ns)
{
	if (c->bandwidth.set)
		bucket_init(&rl->bw, &c->bandwidth, now_ns);
	if (c->ops.set)
		bucket_init(&rl->ops, &c->ops, now_ns);
	rl->wait_ns = 0;
}

bool rate_limiter_unlimited(const struct rate_limiter *rl)
{
	return !rl->bw.enabled && !rl->ops.enabled;
}

bool rate_limiter_consume(struct rate_limiter *rl, uint64_t bytes, uint64_t ops, uint64_t now_ns)
{
	uint64_t wb, wo;

	bucket_refill(&rl->bw, now_ns);
	bucket_refill(&rl->ops, now_ns);
	if (bucket_fits(&rl->bw, bytes, now_ns) && bucket_fits(&rl->ops, ops, now_ns)) {
		bucket_take(&rl->bw, bytes, now_ns);
		bucket_take(&rl->ops, ops, now_ns);
		rl->wait_ns = 0;
		return true;
	}
	wb = bucket_wait(&rl->bw, bytes, now_ns);
	wo = bucket_wait(&rl->ops, ops, now_ns);
	rl->wait_ns = wb > wo ? wb : wo;
	if (rl->wait_ns < RL_MIN_WAIT_NS)
		rl->wait_ns = RL_MIN_WAIT_NS;
	return false;
}

uint64_t rate_limiter_wait_ns(const struct rate_limiter *rl)
{
	return rl->wait_ns;
}
