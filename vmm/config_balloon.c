/*
 * config_balloon.c - the balloon's JSON bodies (see config.h), with the
 * same table-driven checks as every other section: unknown fields, wrong
 * types and out-of-range numbers are refused with "balloon: <problem>".
 * Firecracker's types bound the numbers: amount_mib is a u32,
 * stats_polling_interval_s a u16.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_json.h"

#define OFF(s, m) offsetof(struct s, m)

static const struct cj_field balloon_fields[] = {
    FLD("amount_mib", F_U32, true, OFF(cfg_balloon, amount_mib), .max = UINT32_MAX),
    FLD("deflate_on_oom", F_BOOL, true, OFF(cfg_balloon, deflate_on_oom)),
    FLD("stats_polling_interval_s", F_U32, false, OFF(cfg_balloon, stats_polling_interval_s),
	.max = UINT16_MAX),
    FLD("free_page_hinting", F_BOOL, false, OFF(cfg_balloon, free_page_hinting)),
    FLD("free_page_reporting", F_BOOL, false, OFF(cfg_balloon, free_page_reporting)),
    {0},
};

struct balloon_update {
	unsigned int amount_mib;
};

static const struct cj_field update_fields[] = {
    FLD("amount_mib", F_U32, true, OFF(balloon_update, amount_mib), .max = UINT32_MAX),
    {0},
};

struct balloon_stats_update {
	unsigned int interval;
};

static const struct cj_field stats_update_fields[] = {
    FLD("stats_polling_interval_s", F_U32, true, OFF(balloon_stats_update, interval),
	.max = UINT16_MAX),
    {0},
};

struct balloon_hint_start {
	bool ack_on_stop;
};

static const struct cj_field hint_start_fields[] = {
    FLD("acknowledge_on_stop", F_BOOL, false, OFF(balloon_hint_start, ack_on_stop)),
    {0},
};

int config_parse_balloon(const json_t *j, struct cfg_balloon *out, struct errbuf *e)
{
	struct cj_ctx c = {"balloon", "", e};
	struct cfg_balloon b = {.set = true};

	return cj_parse_section(&c, j, balloon_fields, &b, out, sizeof(b));
}

int config_parse_balloon_update(const json_t *j, uint32_t *amount_mib, struct errbuf *e)
{
	struct cj_ctx c = {"balloon", "", e};
	struct balloon_update u = {0}, out = {0};
	int ret = cj_parse_section(&c, j, update_fields, &u, &out, sizeof(u));

	if (!ret)
		*amount_mib = out.amount_mib;
	return ret;
}

int config_parse_balloon_stats_update(const json_t *j, uint32_t *interval_s, struct errbuf *e)
{
	struct cj_ctx c = {"balloon", "", e};
	struct balloon_stats_update u = {0}, out = {0};
	int ret = cj_parse_section(&c, j, stats_update_fields, &u, &out, sizeof(u));

	if (!ret)
		*interval_s = out.interval;
	return ret;
}

int config_parse_balloon_hint_start(const json_t *j, bool *ack_on_stop, struct errbuf *e)
{
	struct cj_ctx c = {"balloon", "", e};
	struct balloon_hint_start h = {.ack_on_stop = true}, out = {0};
	int ret;

	if (!j) {
		*ack_on_stop = true;
		return 0;
	}
	ret = cj_parse_section(&c, j, hint_start_fields, &h, &out, sizeof(h));
	if (!ret)
		*ack_on_stop = out.ack_on_stop;
	return ret;
}
