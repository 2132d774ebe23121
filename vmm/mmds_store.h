/*
 * mmds_store.h - the microVM metadata service's data: one JSON object, the
 * service's configuration (version V1 | V2, IPv4 address, IMDS
 * compatibility) and the V2 session tokens.
 *
 * Written by the API (the controller, on the event-loop thread) and read by
 * the guest-facing HTTP server (mmds_http.c, on the event-loop thread too;
 * other threads may call in as well): every function takes the store's
 * mutex, so any thread may call any of them. Values handed out are copies.
 * The serialized data never exceeds the size limit: a PUT or PATCH that
 * would is refused and leaves the data as it was.
 */
#ifndef EMBER_MMDS_STORE_H
#define EMBER_MMDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MMDS_DEFAULT_LIMIT   51200	 /* Firecracker's: the API payload limit */
#define MMDS_DEFAULT_IPV4    0xa9fea9feu /* 169.254.169.254, host order */
#define MMDS_TTL_MIN	     1
#define MMDS_TTL_MAX	     21600
#define MMDS_MAX_TOKENS	     128 /* live V2 tokens; the soonest to expire makes room */
#define MMDS_TOKEN_BYTES     32	 /* random bytes in a token */
#define MMDS_TOKEN_LEN	     44	 /* their base64 text */
#define MMDS_PATH_MAX_TOKENS 64	 /* JSON pointer segments looked up at most */

enum mmds_version { MMDS_V1, MMDS_V2 };

/*
 * The metrics "mmds" section, Firecracker's field names: running totals
 * kept in the store so that the net path (ARP/IP/TCP) and the HTTP side
 * (tokens) can count into one place and metrics_gather() reads them.
 */
enum mmds_counter {
	MMDS_RX_ACCEPTED,	  /* frames the MMDS stack took off the TX path */
	MMDS_RX_ACCEPTED_ERR,	  /* ... that it failed to process */
	MMDS_RX_ACCEPTED_UNUSUAL, /* ... that were odd but handled */
	MMDS_RX_BAD_ETH,	  /* frames too broken to classify */
	MMDS_RX_COUNT,		  /* HTTP requests received */
	MMDS_RX_INVALID_TOKEN,	  /* GETs with an unknown or expired token */
	MMDS_RX_NO_TOKEN,	  /* GETs without a token */
	MMDS_TX_BYTES,		  /* bytes sent to the guest */
	MMDS_TX_COUNT,		  /* HTTP responses sent */
	MMDS_TX_ERRORS,		  /* frames that could not be sent */
	MMDS_TX_FRAMES,		  /* frames sent to the guest */
	MMDS_CONNECTIONS_CREATED,
	MMDS_CONNECTIONS_DESTROYED,
	MMDS_NR_COUNTERS
};

struct mmds_stats {
	uint64_t v[MMDS_NR_COUNTERS];
};

/* mmds_counter_name - Firecracker's name of @c ("rx_no_token"). */
const char *mmds_counter_name(enum mmds_counter c);

struct mmds_store;

/* mmds_store_new - an empty, uninitialised store (GET gives {}), V1 at
 * 169.254.169.254, limit @limit bytes (0: MMDS_DEFAULT_LIMIT). NULL on ENOMEM. */
struct mmds_store *mmds_store_new(size_t limit);
void mmds_store_free(struct mmds_store *s);

/* mmds_store_set_limit - a new size limit for later PUTs and PATCHes. */
void mmds_store_set_limit(struct mmds_store *s, size_t limit);
size_t mmds_store_limit(struct mmds_store *s);

/*
 * mmds_store_put - replace the data with a copy of @obj. -EINVAL if @obj is
 * not an object, -EFBIG if its compact JSON exceeds the limit, -ENOMEM.
 * mmds_store_patch - RFC 7396 merge patch (a null member deletes). -ENODATA
 * before the first PUT (Firecracker: the store is not initialised),
 * -EINVAL if @patch is not an object, -EFBIG over the limit, -ENOMEM.
 */
int mmds_store_put(struct mmds_store *s, const json_t *obj);
int mmds_store_patch(struct mmds_store *s, const json_t *patch);

/* mmds_store_get - a copy of the whole data, {} when empty; NULL on ENOMEM. */
json_t *mmds_store_get(struct mmds_store *s);

/* Configuration (PUT /mmds/config, config file). Changing the version to V1
 * forgets every token. @ipv4 in host order. */
void mmds_store_configure(struct mmds_store *s, enum mmds_version v, uint32_t ipv4,
			  bool imds_compat);
enum mmds_version mmds_store_version(struct mmds_store *s);
uint32_t mmds_store_ipv4(struct mmds_store *s);
bool mmds_store_imds_compat(struct mmds_store *s);

/*
 * mmds_store_render - the value at JSON pointer @path (segments split by
 * '/', "~1" and "~0" unescaped, array elements by index; "" or "/" is the
 * root) as text: compact JSON with sorted keys when @json, else IMDS form
 * (a string's value; an object's keys, sorted, one per line, '/' after
 * sub-objects). *@out is malloc'd (NUL-terminated, *@len bytes).
 * -ENOENT when there is no such value, -ENOTSUP for a non-string leaf in
 * IMDS form, -ENOMEM.
 */
int mmds_store_render(struct mmds_store *s, const char *path, bool json, char **out, size_t *len);

/*
 * mmds_store_token_new - a new V2 session token valid for @ttl_s seconds
 * from @now_ms (monotonic milliseconds), into @out (MMDS_TOKEN_LEN + 1).
 * -ERANGE if @ttl_s is outside MMDS_TTL_MIN..MMDS_TTL_MAX, -EIO when no
 * randomness is available.
 * mmds_store_token_valid - @tok (@len bytes) is a live token at @now_ms.
 */
int mmds_store_token_new(struct mmds_store *s, uint64_t ttl_s, uint64_t now_ms, char *out);
bool mmds_store_token_valid(struct mmds_store *s, const char *tok, size_t len, uint64_t now_ms);

/* mmds_store_count - add @n to counter @c; mmds_store_stats - read them all. */
void mmds_store_count(struct mmds_store *s, enum mmds_counter c, uint64_t n);
void mmds_store_stats(struct mmds_store *s, struct mmds_stats *out);

#endif
