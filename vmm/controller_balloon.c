/*
 * controller_balloon.c - the balloon's API requests on the event-loop
 * thread (see controller.h): PUT/GET/PATCH /balloon, GET/PATCH
 * /balloon/statistics and the hinting endpoints. Before boot they edit
 * vm->cfg.balloon; after it they also act on the device. The messages are
 * Firecracker's; controller.c puts its "Balloon config error: " in front.
 */
#include <errno.h>
#include <stdlib.h>

#include "config_dump.h"
#include "controller.h"
#include "devices.h"
#include "virtio_balloon.h"

#define NOT_FOUND    "No balloon device found."
#define INACTIVE     "Device is inactive, check if balloon driver is enabled in guest kernel."
#define TOO_LARGE    "Amount of pages requested is too large."
#define NO_STATS     "Statistics for the balloon device are not enabled"
#define STATS_TOGGLE "Cannot enable/disable the statistics after boot."
#define NO_HINTING   "Free page hinting is not enabled on the balloon device."

/* json_reply - @o (stolen) as a 200 body: 1, or -ENOMEM. */
static int json_reply(struct api_reply *r, json_t *o, struct errbuf *e)
{
	r->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!r->body)
		return errf(e, -ENOMEM, "Out of memory while building the response.");
	r->status = 200;
	return 1;
}

/* The device, or NULL before boot; -ENOENT (message set) without one. */
static int find(struct controller *c, struct virtio_balloon **b, struct errbuf *e)
{
	if (!c->vm->cfg.balloon.set)
		return errf(e, -ENOENT, NOT_FOUND);
	*b = c->vm->started ? devices_balloon(c->vm->devices) : NULL;
	if (c->vm->started && !*b)
		return errf(e, -ENOENT, NOT_FOUND);
	return 0;
}

/* device_error - a device call's -errno as Firecracker's message. */
static int device_error(int ret, struct errbuf *e)
{
	switch (ret) {
	case 0:
		return 0;
	case -EAGAIN:
		return errf(e, ret, INACTIVE);
	case -ERANGE:
		return errf(e, ret, TOO_LARGE);
	case -EPERM:
		return errf(e, ret, STATS_TOGGLE);
	default:
		return errf(e, ret, NO_HINTING);
	}
}

static int check_amount(const struct controller *c, uint32_t mib, struct errbuf *e)
{
	if (mib > c->vm->cfg.machine.mem_size_mib)
		return errf(e, -EINVAL, TOO_LARGE);
	return 0;
}

static int patch_balloon(struct controller *c, uint32_t mib, struct errbuf *e)
{
	struct virtio_balloon *b;
	int ret = find(c, &b, e);

	if (!ret)
		ret = check_amount(c, mib, e);
	if (!ret && b)
		ret = device_error(virtio_balloon_set_target(b, mib), e);
	if (!ret)
		c->vm->cfg.balloon.amount_mib = mib;
	return ret;
}

static int patch_stats(struct controller *c, uint32_t seconds, struct errbuf *e)
{
	struct virtio_balloon *b;
	int ret = find(c, &b, e);

	if (!ret && b)
		ret = device_error(virtio_balloon_set_stats_interval(b, seconds), e);
	if (!ret)
		c->vm->cfg.balloon.stats_polling_interval_s = seconds;
	return ret;
}

static json_t *stats_json(const struct balloon_stats *s)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "target_pages", (json_int_t)s->target_pages,
			      "actual_pages", (json_int_t)s->actual_pages, "target_mib",
			      (json_int_t)(s->target_pages / BALLOON_PAGES_PER_MIB), "actual_mib",
			      (json_int_t)(s->actual_pages / BALLOON_PAGES_PER_MIB));
	unsigned int t;

	for (t = 0; o && t < BALLOON_S_NR; t++) {
		if (!(s->present & (1u << t)))
			continue;
		/* json_integer is signed: a counter past INT64_MAX stays at the top. */
		if (json_object_set_new(
			o, virtio_balloon_stat_name(t),
			json_integer(s->val[t] > INT64_MAX ? INT64_MAX : (json_int_t)s->val[t]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int get_stats(struct controller *c, struct api_reply *r, struct errbuf *e)
{
	struct balloon_stats s;
	struct virtio_balloon *b;
	int ret = find(c, &b, e);

	if (ret)
		return ret;
	if (virtio_balloon_get_stats(b, &s))
		return errf(e, -ENOENT, NO_STATS);
	return json_reply(r, stats_json(&s), e);
}

static int hinting(struct controller *c, struct api_request *req, struct api_reply *r,
		   struct errbuf *e)
{
	struct balloon_hint_status h;
	struct virtio_balloon *b;
	int ret = find(c, &b, e);

	if (ret)
		return ret;
	switch (req->op) {
	case API_PATCH_BALLOON_HINT_START:
		return device_error(virtio_balloon_hint_start(b, req->u.ack_on_stop), e);
	case API_PATCH_BALLOON_HINT_STOP:
		return device_error(virtio_balloon_hint_stop(b), e);
	default:
		ret = device_error(virtio_balloon_hint_status(b, &h), e);
		if (ret)
			return ret;
		return json_reply(
		    r,
		    json_pack("{s:I, s:o}", "host_cmd", (json_int_t)h.host_cmd, "guest_cmd",
			      h.has_guest_cmd ? json_integer(h.guest_cmd) : json_null()),
		    e);
	}
}

int controller_balloon(struct controller *c, struct api_request *req, struct api_reply *r,
		       struct errbuf *e)
{
	struct virtio_balloon *b;
	int ret;

	switch (req->op) {
	case API_PUT_BALLOON:
		ret = check_amount(c, req->u.balloon.amount_mib, e);
		if (!ret)
			c->vm->cfg.balloon = req->u.balloon;
		return ret;
	case API_GET_BALLOON:
		ret = find(c, &b, e);
		return ret ? ret : json_reply(r, config_dump_balloon(&c->vm->cfg.balloon), e);
	case API_PATCH_BALLOON:
		return patch_balloon(c, req->u.balloon_mib, e);
	case API_GET_BALLOON_STATS:
		return get_stats(c, r, e);
	case API_PATCH_BALLOON_STATS:
		return patch_stats(c, req->u.balloon_stats_s, e);
	default:
		return hinting(c, req, r, e);
	}
}
