/*
 * config_json.c - see config_json.h.
 *
 * cj_parse_fields() walks the JSON object against the table; nested objects
 * recurse with a longer field path prefix, so a message can name e.g.
 * "rate_limiter.bandwidth.size". Nothing is allocated while walking: strings
 * are borrowed from the document until cj_own_strings().
 *
 * A section of the config is described by a table of struct cj_field (name,
 * type, where the value goes, limits), ended by an entry with a NULL name.
 * cj_parse_fields() checks a JSON object against such a table: unknown keys,
 * wrong JSON types, missing required fields, bad enum values and out-of-range
 * numbers are rejected with one message naming the field. Values are stored
 * at byte offsets into a caller-provided struct.
 *
 * F_STR and F_PATH values are first borrowed from the JSON document (valid
 * only while it lives); cj_own_strings() turns them into heap copies.
 *
 * Messages are "<section>: <problem>" with no trailing period. Used by
 * config.c, and by the API's router for cj_kind; calls nothing in config.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* types only: struct cfg_token_bucket */
#include "config_json.h"

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int cj_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

#define CFG_STR_MAX 4096 /* any string without a limit of its own */

const char *cj_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

const char *cj_desc(const json_t *v, char *buf, size_t n)
{
	if (!json_is_integer(v))
		return cj_kind(v);
	snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return buf;
}

static int bad_type(const struct cj_ctx *c, const struct cj_field *f, const char *want,
		    const json_t *v)
{
	char d[32];

	return errf(c->e, -EINVAL, "%s: field \"%s%s\" must be %s, got %s", c->sect, c->pfx,
		    f->name, want, cj_desc(v, d, sizeof(d)));
}

static int bad_value(const struct cj_ctx *c, const struct cj_field *f, const char *s)
{
	char q[CJ_QBUF];

	return errf(c->e, -EINVAL, "%s: field \"%s%s\" must be %s, got \"%s\"", c->sect, c->pfx,
		    f->name, f->what, err_printable(s, q, sizeof(q)));
}

static int want_object(const struct cj_ctx *c, const json_t *v)
{
	char d[32];

	if (json_is_object(v))
		return 0;
	if (*c->pfx)
		return errf(c->e, -EINVAL, "%s: field \"%.*s\" must be an object, got %s", c->sect,
			    (int)strlen(c->pfx) - 1, c->pfx, cj_desc(v, d, sizeof(d)));
	return errf(c->e, -EINVAL, "%s: must be a JSON object, got %s", c->sect,
		    cj_desc(v, d, sizeof(d)));
}

static int parse_string(const struct cj_ctx *c, const struct cj_field *f, const json_t *v,
			char *base)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	size_t max = f->type == F_PATH ? PATH_MAX - 1 : f->max ? f->max : CFG_STR_MAX;
	unsigned int i;

	if (!json_is_string(v))
		return bad_type(c, f, "a string", v);
	if (len != strlen(s))
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" contains a NUL character", c->sect,
			    c->pfx, f->name);
	if (len > max && f->type != F_NAME)
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" is longer than %zu bytes", c->sect,
			    c->pfx, f->name, max);
	if (f->type == F_PATH && !len)
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" must not be empty", c->sect, c->pfx,
			    f->name);
	if ((f->valid && !f->valid(s)) || len > max)
		return bad_value(c, f, s);
	switch (f->type) {
	case F_NAME:
		memcpy(base + f->off, s, len + 1);
		return 0;
	case F_ENUM:
		for (i = 0; f->names[i] && strcmp(s, f->names[i]); i++)
			;
		if (!f->names[i])
			return bad_value(c, f, s);
		if (f->off != NOOFF)
			*(unsigned int *)(base + f->off) = i;
		return 0;
	case F_LEVEL:
		return log_level_parse(s, (enum log_level *)(base + f->off)) ? bad_value(c, f, s)
									     : 0;
	case F_MAC:
		if (cj_parse_mac(s, (uint8_t *)(base + f->off)))
			return bad_value(c, f, s);
		*(bool *)(base + f->aux) = true;
		return 0;
	default: /* borrowed from the document until cj_own_strings() */
		*(const char **)(base + f->off) = s;
		return 0;
	}
}

static int parse_field(const struct cj_ctx *c, const struct cj_field *f, const json_t *v,
		       char *base)
{
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
	char pfx[64];
	struct cj_ctx sub = {c->sect, pfx, c->e};
	int ret;

	switch (f->type) {
	case F_BOOL:
		if (!json_is_boolean(v))
			return bad_type(c, f, "a boolean", v);
		if (f->off != NOOFF)
			*(bool *)(base + f->off) = json_is_true(v);
		return 0;
	case F_U32:
	case F_U64:
		if (n < 0 || (uint64_t)n < f->min || (uint64_t)n > f->max) {
			char want[64];

			snprintf(want, sizeof(want), "an integer between %llu and %llu",
				 (unsigned long long)f->min, (unsigned long long)f->max);
			return bad_type(c, f, want, v);
		}
		if (f->type == F_U32)
			*(unsigned int *)(base + f->off) = (unsigned int)n;
		else
			*(uint64_t *)(base + f->off) = (uint64_t)n;
		return 0;
	case F_OBJ:
	case F_TB:
		snprintf(pfx, sizeof(pfx), "%s%s.", c->pfx, f->name);
		ret = cj_parse_fields(&sub, v, f->sub, base + f->off);
		if (ret)
			return ret;
		if (f->type == F_TB)
			((struct cfg_token_bucket *)(base + f->off))->set = true;
		return 0;
	case F_ANY:
		return 0;
	case F_UNSUP:
		return errf(c->e, -EINVAL, "%s: field \"%s%s\" is not supported by ember%s%s",
			    c->sect, c->pfx, f->name, f->what ? " " : "", f->what ? f->what : "");
	default:
		return parse_string(c, f, v, base);
	}
}

/*
 * Unknown keys are errors; null is the same as absent for optional fields (as
 * serde's Option), and a type error for required ones.
 */
int cj_parse_fields(const struct cj_ctx *c, const json_t *obj, const struct cj_field *t, char *base)
{
	const struct cj_field *f;
	char q[CJ_QBUF];
	void *it;
	int ret;

	ret = want_object(c, obj);
	if (ret)
		return ret;
	for (it = json_object_iter((json_t *)obj); it;
	     it = json_object_iter_next((json_t *)obj, it)) {
		for (f = t; f->name && strcmp(f->name, json_object_iter_key(it)); f++)
			;
		if (!f->name)
			return errf(c->e, -EINVAL, "%s: unknown field \"%s%s\"", c->sect, c->pfx,
				    err_printable(json_object_iter_key(it), q, sizeof(q)));
	}
	for (f = t; f->name; f++) {
		const json_t *v = json_object_get(obj, f->name);

		if (!v && f->required)
			return errf(c->e, -EINVAL, "%s: missing field `%s%s`", c->sect, c->pfx,
				    f->name);
		if (!v || (json_is_null(v) && !f->required))
			continue;
		ret = parse_field(c, f, v, base);
		if (ret)
			return ret;
	}
	return 0;
}

void cj_free_strings(const struct cj_field *t, char *base)
{
	for (; t->name; t++) {
		if (t->type == F_STR || t->type == F_PATH) {
			free(*(char **)(base + t->off));
			*(char **)(base + t->off) = NULL;
		}
	}
}

int cj_own_strings(const struct cj_ctx *c, const struct cj_field *t, char *base)
{
	const struct cj_field *f;
	bool ok = true;

	for (f = t; f->name; f++) {
		char **p;

		if (f->type != F_STR && f->type != F_PATH)
			continue;
		p = (char **)(base + f->off);
		if (*p) {
			*p = strdup(*p);
			ok &= *p != NULL;
		}
	}
	if (ok)
		return 0;
	cj_free_strings(t, base);
	return errf(c->e, -ENOMEM, "%s: out of memory", c->sect);
}

/* Callers pass a @tmp that starts from the section's defaults; on failure
 * @out is untouched and @tmp holds nothing that needs freeing. */
int cj_parse_section(const struct cj_ctx *c, const json_t *j, const struct cj_field *t, void *tmp,
		     void *out, size_t size)
{
	int ret = cj_parse_fields(c, j, t, tmp);

	if (!ret)
		ret = cj_own_strings(c, t, tmp);
	if (ret)
		return ret;
	cj_free_strings(t, out);
	memcpy(out, tmp, size);
	return 0;
}
