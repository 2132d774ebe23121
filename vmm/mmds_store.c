/*
 * mmds_store.c - see mmds_store.h.
 *
 * The data is a jansson tree owned by the store (NULL until the first PUT).
 * PUT and PATCH build the new tree aside, measure its compact encoding
 * against the limit, and only then swap it in. Tokens are random strings
 * kept in a small table with their expiry; a full table drops the entry
 * that expires soonest.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "mmds_store.h"

struct mmds_token {
	char text[MMDS_TOKEN_LEN + 1];
	uint64_t expires_ms; /* 0: free slot */
};

struct mmds_store {
	pthread_mutex_t lock;
	json_t *data; /* NULL: never PUT */
	size_t limit;
	enum mmds_version version;
	uint32_t ipv4;
	bool imds_compat;
	struct mmds_token tokens[MMDS_MAX_TOKENS];
	struct mmds_stats stats;
};

struct mmds_store *mmds_store_new(size_t limit)
{
	struct mmds_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (pthread_mutex_init(&s->lock, NULL)) {
		free(s);
		return NULL;
	}
	s->limit = limit ? limit : MMDS_DEFAULT_LIMIT;
	s->version = MMDS_V1;
	s->ipv4 = MMDS_DEFAULT_IPV4;
	return s;
}

void mmds_store_free(struct mmds_store *s)
{
	if (!s)
		return;
	json_decref(s->data);
	pthread_mutex_destroy(&s->lock);
	explicit_bzero(s->tokens, sizeof(s->tokens));
	free(s);
}

void mmds_store_set_limit(struct mmds_store *s, size_t limit)
{
	pthread_mutex_lock(&s->lock);
	s->limit = limit ? limit : MMDS_DEFAULT_LIMIT;
	pthread_mutex_unlock(&s->lock);
}

size_t mmds_store_limit(struct mmds_store *s)
{
	size_t v;

	pthread_mutex_lock(&s->lock);
	v = s->limit;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* fits - the compact encoding of @j is at most @limit bytes. */
static bool fits(const json_t *j, size_t limit)
{
	size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);

	return n && n <= limit;
}

/* swap_in - @j (owned) becomes the data if it fits; else it is dropped. */
static int swap_in(struct mmds_store *s, json_t *j)
{
	if (!j)
		return -ENOMEM;
	if (!fits(j, s->limit)) {
		json_decref(j);
		return -EFBIG;
	}
	json_decref(s->data);
	s->data = j;
	return 0;
}

int mmds_store_put(struct mmds_store *s, const json_t *obj)
{
	int ret;

	if (!json_is_object(obj))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	ret = swap_in(s, json_deep_copy(obj));
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* merge - RFC 7396 on @target (an object we own) with object @patch. */
static int merge(json_t *target, const json_t *patch)
{
	const char *key;
	json_t *v, *cur, *sub;

	json_object_foreach((json_t *)patch, key, v)
	{
		if (json_is_null(v)) {
			json_object_del(target, key);
			continue;
		}
		if (!json_is_object(v)) {
			if (json_object_set_new(target, key, json_deep_copy(v)))
				return -ENOMEM;
			continue;
		}
		cur = json_object_get(target, key);
		if (!json_is_object(cur)) {
			sub = json_object();
			if (!sub || json_object_set_new(target, key, sub))
				return -ENOMEM;
			cur = sub;
		}
		if (merge(cur, v))
			return -ENOMEM;
	}
	return 0;
}

int mmds_store_patch(struct mmds_store *s, const json_t *patch)
{
	json_t *next;
	int ret;

	if (!json_is_object(patch))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (!s->data) {
		ret = -ENODATA;
	} else {
		next = json_deep_copy(s->data);
		if (next && merge(next, patch)) {
			json_decref(next);
			next = NULL;
		}
		ret = swap_in(s, next);
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

json_t *mmds_store_get(struct mmds_store *s)
{
	json_t *j;

	pthread_mutex_lock(&s->lock);
	j = s->data ? json_deep_copy(s->data) : json_object();
	pthread_mutex_unlock(&s->lock);
	return j;
}

void mmds_store_configure(struct mmds_store *s, enum mmds_version v, uint32_t ipv4,
			  bool imds_compat)
{
	pthread_mutex_lock(&s->lock);
	if (v == MMDS_V1)
		explicit_bzero(s->tokens, sizeof(s->tokens));
	s->version = v;
	s->ipv4 = ipv4;
	s->imds_compat = imds_compat;
	pthread_mutex_unlock(&s->lock);
}

enum mmds_version mmds_store_version(struct mmds_store *s)
{
	enum mmds_version v;

	pthread_mutex_lock(&s->lock);
	v = s->version;
	pthread_mutex_unlock(&s->lock);
	return v;
}

uint32_t mmds_store_ipv4(struct mmds_store *s)
{
	uint32_t v;

	pthread_mutex_lock(&s->lock);
	v = s->ipv4;
	pthread_mutex_unlock(&s->lock);
	return v;
}

bool mmds_store_imds_compat(struct mmds_store *s)
{
	bool v;

	pthread_mutex_lock(&s->lock);
	v = s->imds_compat;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* --- lookup and rendering --------------------------------------------------- */

/* unescape - JSON pointer segment [@p, @p + @n) into @buf ("~1" -> '/',
 * "~0" -> '~'); false for a lone or unknown '~' escape. */
static bool unescape(const char *p, size_t n, char *buf)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '~') {
			buf[o++] = p[i];
			continue;
		}
		if (i + 1 == n || (p[i + 1] != '0' && p[i + 1] != '1'))
			return false;
		buf[o++] = p[++i] == '0' ? '~' : '/';
	}
	buf[o] = '\0';
	return true;
}

/* array_index - a segment that names an array element: digits, no leading 0. */
static bool array_index(const char *seg, size_t *idx)
{
	size_t v = 0;

	if (!*seg || (seg[0] == '0' && seg[1]))
		return false;
	for (; *seg; seg++) {
		if (*seg < '0' || *seg > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*seg - '0');
	}
	*idx = v;
	return true;
}

/* lookup - the value at @path below @root, or NULL. @seg is scratch of
 * strlen(@path) + 1 bytes. */
static json_t *lookup(json_t *root, const char *path, char *seg)
{
	const char *p = path, *end;
	unsigned int n = 0;
	size_t idx;

	while (*p == '/')
		p++;
	while (root && *p) {
		if (++n > MMDS_PATH_MAX_TOKENS)
			return NULL;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		if (!unescape(p, (size_t)(end - p), seg))
			return NULL;
		if (json_is_object(root))
			root = json_object_get(root, seg);
		else if (json_is_array(root) && array_index(seg, &idx))
			root = json_array_get(root, idx);
		else
			return NULL;
		p = end;
		while (*p == '/')
			p++;
	}
	return root;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* imds_keys - @obj's keys sorted, one per line, '/' after sub-objects. */
static int imds_keys(json_t *obj, char **out, size_t *len)
{
	size_t n = json_object_size(obj), i = 0, total = 1;
	const char **keys, *key;
	json_t *v;
	char *buf, *w;

	keys = calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	json_object_foreach(obj, key, v)
	{
		keys[i++] = key;
		total += strlen(key) + 2;
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	buf = malloc(total);
	if (!buf) {
		free(keys);
		return -ENOMEM;
	}
	w = buf;
	for (i = 0; i < n; i++) {
		size_t kl = strlen(keys[i]);

		if (i)
			*w++ = '\n';
		memcpy(w, keys[i], kl);
		w += kl;
		if (json_is_object(json_object_get(obj, keys[i])))
			*w++ = '/';
	}
	*w = '\0';
	free(keys);
	*out = buf;
	*len = (size_t)(w - buf);
	return 0;
}

static int render(json_t *v, bool json, char **out, size_t *len)
{
	if (json) {
		*out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (!*out)
			return -ENOMEM;
		*len = strlen(*out);
		return 0;
	}
	if (json_is_object(v))
		return imds_keys(v, out, len);
	if (!json_is_string(v))
		return -ENOTSUP;
	*len = json_string_length(v);
	*out = malloc(*len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, json_string_value(v), *len);
	(*out)[*len] = '\0';
	return 0;
}

int mmds_store_render(struct mmds_store *s, const char *path, bool json, char **out, size_t *len)
{
	char *seg = malloc(strlen(path) + 1);
	json_t *empty = json_object(), *v;
	int ret = -ENOMEM;

	if (seg && empty) {
		pthread_mutex_lock(&s->lock);
		/* Before the first PUT the store reads as an empty object. */
		v = lookup(s->data ? s->data : empty, path, seg);
		ret = v ? render(v, json, out, len) : -ENOENT;
		pthread_mutex_unlock(&s->lock);
	}
	json_decref(empty);
	free(seg);
	return ret;
}

/* --- V2 session tokens ----------------------------------------------------- */

static void base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = '=';
	} else if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

_Static_assert((MMDS_TOKEN_BYTES + 2) / 3 * 4 == MMDS_TOKEN_LEN, "token length");

static int fill_random(uint8_t *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = getrandom(buf + got, n - got, GRND_NONBLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		got += (size_t)r;
	}
	return 0;
}

/* slot_for_new - a free or expired slot, else the one expiring soonest. */
static struct mmds_token *slot_for_new(struct mmds_store *s, uint64_t now_ms)
{
	struct mmds_token *best = &s->tokens[0];
	unsigned int i;

	for (i = 0; i < MMDS_MAX_TOKENS; i++) {
		struct mmds_token *t = &s->tokens[i];

		if (!t->expires_ms || t->expires_ms <= now_ms)
			return t;
		if (t->expires_ms < best->expires_ms)
			best = t;
	}
	return best;
}

int mmds_store_token_new(struct mmds_store *s, uint64_t ttl_s, uint64_t now_ms, char *out)
{
	uint8_t raw[MMDS_TOKEN_BYTES];
	struct mmds_token *t;

	if (ttl_s < MMDS_TTL_MIN || ttl_s > MMDS_TTL_MAX)
		return -ERANGE;
	if (fill_random(raw, sizeof(raw)))
		return -EIO;
	base64(raw, sizeof(raw), out);
	explicit_bzero(raw, sizeof(raw));
	pthread_mutex_lock(&s->lock);
	t = slot_for_new(s, now_ms);
	memcpy(t->text, out, MMDS_TOKEN_LEN + 1);
	/* now_ms + ttl is far below UINT64_MAX for any monotonic clock; + 1
	 * keeps a token made at time 0 distinct from a free slot. */
	t->expires_ms = now_ms + ttl_s * 1000 + (now_ms ? 0 : 1);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* same - constant-time comparison of two MMDS_TOKEN_LEN strings. */
static bool same(const char *a, const char *b)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < MMDS_TOKEN_LEN; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool mmds_store_token_valid(struct mmds_store *s, const char *tok, size_t len, uint64_t now_ms)
{
	bool ok = false;
	unsigned int i;

	if (len != MMDS_TOKEN_LEN)
		return false;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < MMDS_MAX_TOKENS; i++) {
		struct mmds_token *t = &s->tokens[i];

		if (t->expires_ms && t->expires_ms > now_ms && same(t->text, tok))
			ok = true;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static const char *const counter_names[MMDS_NR_COUNTERS] = {
    [MMDS_RX_ACCEPTED] = "rx_accepted",
    [MMDS_RX_ACCEPTED_ERR] = "rx_accepted_err",
    [MMDS_RX_ACCEPTED_UNUSUAL] = "rx_accepted_unusual",
    [MMDS_RX_BAD_ETH] = "rx_bad_eth",
    [MMDS_RX_COUNT] = "rx_count",
    [MMDS_RX_INVALID_TOKEN] = "rx_invalid_token",
    [MMDS_RX_NO_TOKEN] = "rx_no_token",
    [MMDS_TX_BYTES] = "tx_bytes",
    [MMDS_TX_COUNT] = "tx_count",
    [MMDS_TX_ERRORS] = "tx_errors",
    [MMDS_TX_FRAMES] = "tx_frames",
    [MMDS_CONNECTIONS_CREATED] = "connections_created",
    [MMDS_CONNECTIONS_DESTROYED] = "connections_destroyed",
};

const char *mmds_counter_name(enum mmds_counter c)
{
	return (unsigned int)c < MMDS_NR_COUNTERS ? counter_names[c] : "?";
}

void mmds_store_count(struct mmds_store *s, enum mmds_counter c, uint64_t n)
{
	if ((unsigned int)c >= MMDS_NR_COUNTERS)
		return;
	pthread_mutex_lock(&s->lock);
	s->stats.v[c] += n;
	pthread_mutex_unlock(&s->lock);
}

void mmds_store_stats(struct mmds_store *s, struct mmds_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}
