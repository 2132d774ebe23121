/*
 * rate_limiter.h - Firecracker-style token buckets (bandwidth + ops).
 *
 * Contract: pure arithmetic, no clock and no fds; every call takes "now" in
 * nanoseconds from a monotonic clock the caller chooses (tests inject one).
 * A bucket of size 0 or refill_time 0 is disabled (unlimited). Buckets start
 * full, refill lazily at size per refill_time, one_time_burst is spent first
 * and never refilled. A request larger than the bucket is let through once
 * and leaves a debt that blocks the bucket for as long as it takes to repay.
 * rate_limiter_consume() never partially consumes: it takes from both
 * buckets or from neither; on refusal rate_limiter_wait_ns() says when to
 * retry (the caller arms a timer).
 */
#ifndef EMBER_RATE_LIMITER_H
#define EMBER_RATE_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct rl_bucket {
	bool enabled;
	uint64_t size;
	uint64_t refill_ns;
	uint64_t budget;
	uint64_t burst;	  /* one_time_burst left */
	uint64_t last_ns; /* refill reference; in the future while in debt */
};

struct rate_limiter {
	struct rl_bucket bw, ops;
	uint64_t wait_ns; /* after a refusal: delay until the request fits */
};

/* Configure both buckets from c (unset buckets are disabled). */
void rate_limiter_init(struct rate_limiter *rl, const struct cfg_rate_limiter *c, uint64_t now_ns);

/* PATCH: buckets marked set in c are replaced (size 0: disabled); others kept. */
void rate_limiter_update(struct rate_limiter *rl, const struct cfg_rate_limiter *c,
			 uint64_t now_ns);

/* True if neither bucket limits anything. */
bool rate_limiter_unlimited(const struct rate_limiter *rl);

/* Take bytes and ops tokens; false (nothing taken) if they do not fit yet. */
bool rate_limiter_consume(struct rate_limiter *rl, uint64_t bytes, uint64_t ops, uint64_t now_ns);

/* After a refused consume: nanoseconds to wait before retrying (>= 1 ms). */
uint64_t rate_limiter_wait_ns(const struct rate_limiter *rl);

#endif
