/*
 * config_json.h - table-driven JSON object walker behind config.c: a table
 * of struct cj_field describes a section; cj_parse_fields rejects unknown
 * keys, wrong types, missing fields, bad enums and ranges with one message
 * ("<section>: <problem>"). Calls nothing in config.c.
 */
#ifndef EMBER_CONFIG_JSON_H
#define EMBER_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define CJ_QBUF 80	 /* room for an echoed, sanitised user string */
#define NOOFF	SIZE_MAX /* validate the field but keep no value */
#define FLD(n, t, req, o, ...)                                                                     \
	{                                                                                          \
		.name = n, .type = t, .required = req, .off = o, __VA_ARGS__                       \
	}

enum cj_type {
	F_STR,	 /* char *, optionally checked by valid() */
	F_PATH,	 /* char *, non-empty, shorter than PATH_MAX */
	F_NAME,	 /* char[max + 1], checked by valid() */
	F_ENUM,	 /* unsigned int: index of the value in names[] */
	F_LEVEL, /* enum log_level, through log_level_parse() */
	F_MAC,	 /* uint8_t[6]; also sets the bool at aux */
	F_BOOL,	 /* bool */
	F_U32,	 /* unsigned int in [min, max] */
	F_U64,	 /* uint64_t in [min, max] */
	F_OBJ,	 /* nested object described by sub[] */
	F_TB,	 /* F_OBJ that is a struct cfg_token_bucket: marks it set */
	F_UNSUP, /* only absent or null is accepted */
	F_ANY,	 /* any JSON value: accepted, not stored */
};

struct cj_field {
	const char *name;
	enum cj_type type;
	bool required;
	size_t off;
	uint64_t min, max; /* numbers; max is the length limit for F_STR/F_NAME */
	const char *const *names;
	const struct cj_field *sub;
	bool (*valid)(const char *s);
	const char *what; /* "must be <what>" when valid() or names[] reject */
	size_t aux;
};

/* Where a message points: "drives[1]" and a nested field path prefix. */
struct cj_ctx {
	const char *sect;
	const char *pfx; /* "" or e.g. "rate_limiter.bandwidth." */
	struct errbuf *e;
};

/* cj_parse_mac - "06:00:ac:10:00:02" -> 6 bytes; -EINVAL if malformed. */
int cj_parse_mac(const char *s, uint8_t mac[6]);

/* cj_kind - "an object", "a string", "an integer", ... for @v's JSON type. */
const char *cj_kind(const json_t *v);

/* cj_desc - "an object", "a string", the integer itself, ... for messages about @v. */
const char *cj_desc(const json_t *v, char *buf, size_t n);

/* cj_parse_fields - check object @obj against table @t and store its values into @base. */
int cj_parse_fields(const struct cj_ctx *c, const json_t *obj, const struct cj_field *t,
		    char *base);

/* cj_own_strings - replace the borrowed F_STR/F_PATH pointers by copies; all or none. */
int cj_own_strings(const struct cj_ctx *c, const struct cj_field *t, char *base);

/* cj_free_strings - free the F_STR/F_PATH strings at @base and NULL them. */
void cj_free_strings(const struct cj_field *t, char *base);

/* cj_parse_section - parse @j into @tmp, own its strings, free @out's, copy @tmp over @out. */
int cj_parse_section(const struct cj_ctx *c, const json_t *j, const struct cj_field *t, void *tmp,
		     void *out, size_t size);

#endif
