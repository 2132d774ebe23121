/*
 * cpu_config.c - parsing, dumping and CPUID application of custom CPU
 * templates; see cpu_config.h.
 *
 * Numbers (leaf, subleaf, addr) are strings, hexadecimal with "0x" or
 * decimal, or JSON integers. A bitmap is "0b" then up to 32 (CPUID) or 64
 * (MSR) characters of 0, 1 or x, '_' allowed as a separator; a shorter one
 * leaves its missing high bits as x. Messages start with "cpu-config: ".
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_config.h"

#define CPU_CONFIG_FILE_MAX (1u << 20) /* a template file, at most */

static const char *const reg_names[] = {"eax", "ebx", "ecx", "edx"};

/* only_keys - refuse a key of @o outside @keys, in serde's words. */
static int only_keys(const json_t *o, const char *where, const char *const *keys,
		     const char *expected, struct errbuf *e)
{
	const char *k;
	json_t *v;
	char q[64];

	json_object_foreach((json_t *)o, k, v)
	{
		unsigned int i;

		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i])
			return errf(e, -EINVAL, "cpu-config: %sunknown field `%s`, expected %s",
				    where, err_printable(k, q, sizeof(q)), expected);
	}
	return 0;
}

static const json_t *need(const json_t *o, const char *key, const char *where, struct errbuf *e)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		errf(e, -EINVAL, "cpu-config: %smissing field `%s`", where, key);
	return v && !json_is_null(v) ? v : NULL;
}

/* parse_u32 - a string ("0x1f", "31") or a JSON integer into *@out. */
static int parse_u32(const json_t *v, const char *what, uint32_t *out, struct errbuf *e)
{
	const char *s = json_string_value(v), *p = s;
	unsigned long long n;
	char *end;
	int base = 10;
	char q[48];

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
			return errf(e, -EINVAL, "cpu-config: %s out of range", what);
		*out = (uint32_t)json_integer_value(v);
		return 0;
	}
	if (!s)
		return errf(e, -EINVAL, "cpu-config: %s must be a string", what);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		base = 16;
	}
	if (!(base == 16 ? isxdigit((unsigned char)p[0]) : isdigit((unsigned char)p[0])))
		goto bad;
	errno = 0;
	n = strtoull(p, &end, base);
	if (errno || *end || n > UINT32_MAX)
		goto bad;
	*out = (uint32_t)n;
	return 0;
bad:
	return errf(e, -EINVAL, "cpu-config: %s \"%s\" is not a 32-bit number", what,
		    err_printable(s, q, sizeof(q)));
}

/* parse_bitmap - "0b..." of at most @bits 0/1/x into filter and value. */
static int parse_bitmap(const json_t *v, const char *what, unsigned int bits, uint64_t *filter,
			uint64_t *value, struct errbuf *e)
{
	const char *s = json_string_value(v);
	unsigned int n = 0;
	size_t i;
	char q[96];

	if (!s)
		return errf(e, -EINVAL, "cpu-config: %s must be a string", what);
	if (strncmp(s, "0b", 2))
		return errf(e, -EINVAL, "cpu-config: %s \"%s\" must start with 0b", what,
			    err_printable(s, q, sizeof(q)));
	*filter = *value = 0;
	for (i = strlen(s); i > 2; i--) {
		char c = s[i - 1];

		if (c == '_')
			continue;
		if (c != '0' && c != '1' && c != 'x' && c != 'X')
			return errf(e, -EINVAL,
				    "cpu-config: %s \"%s\": a bitmap holds only 0, 1, x and _",
				    what, err_printable(s, q, sizeof(q)));
		if (n == bits)
			return errf(e, -EINVAL, "cpu-config: %s \"%s\" is longer than %u bits",
				    what, err_printable(s, q, sizeof(q)), bits);
		if (c != 'x' && c != 'X')
			*filter |= 1ull << n;
		if (c == '1')
			*value |= 1ull << n;
		n++;
	}
	if (!n)
		return errf(e, -EINVAL, "cpu-config: %s \"%s\" holds no bits", what,
			    err_printable(s, q, sizeof(q)));
	return 0;
}

static int parse_reg_mod(const json_t *o, const char *where, struct cpu_config_leaf *l,
			 struct errbuf *e)
{
	static const char *const keys[] = {"register", "bitmap", NULL};
	struct cpu_config_reg_mod *m = &l->mod[l->nr_mods];
	const json_t *r, *b;
	uint64_t f, v;
	unsigned int i;
	char what[128];

	if (!json_is_object(o))
		return errf(e, -EINVAL, "cpu-config: %sa modifier must be an object", where);
	if (only_keys(o, where, keys, "`register`, `bitmap`", e) ||
	    !(r = need(o, "register", where, e)) || !(b = need(o, "bitmap", where, e)))
		return -EINVAL;
	for (i = 0; i < 4 && (!json_is_string(r) || strcmp(json_string_value(r), reg_names[i]));
	     i++)
		;
	if (i == 4)
		return errf(e, -EINVAL,
			    "cpu-config: %sunknown variant of register, expected one of `eax`, "
			    "`ebx`, `ecx`, `edx`",
			    where);
	for (unsigned int k = 0; k < l->nr_mods; k++)
		if (l->mod[k].reg == (enum cpu_config_reg)i)
			return errf(e, -EINVAL, "cpu-config: %sregister %s modified twice", where,
				    reg_names[i]);
	snprintf(what, sizeof(what), "%sbitmap", where);
	if (parse_bitmap(b, what, 32, &f, &v, e))
		return -EINVAL;
	m->reg = (enum cpu_config_reg)i;
	m->filter = (uint32_t)f;
	m->value = (uint32_t)v;
	l->nr_mods++;
	return 0;
}

static int parse_leaf(const json_t *o, size_t idx, void *slot, struct errbuf *e)
{
	struct cpu_config_leaf *l = slot;
	static const char *const keys[] = {"leaf", "subleaf", "flags", "modifiers", NULL};
	const json_t *lf, *sl, *fl, *mods;
	char where[96], what[128];
	size_t i;

	snprintf(where, sizeof(where), "cpuid_modifiers[%zu]: ", idx);
	if (!json_is_object(o))
		return errf(e, -EINVAL, "cpu-config: %smust be an object", where);
	if (only_keys(o, where, keys, "`leaf`, `subleaf`, `flags`, `modifiers`", e) ||
	    !(lf = need(o, "leaf", where, e)) || !(sl = need(o, "subleaf", where, e)) ||
	    !(fl = need(o, "flags", where, e)) || !(mods = need(o, "modifiers", where, e)))
		return -EINVAL;
	snprintf(what, sizeof(what), "%sleaf", where);
	if (parse_u32(lf, what, &l->leaf, e))
		return -EINVAL;
	snprintf(what, sizeof(what), "%ssubleaf", where);
	if (parse_u32(sl, what, &l->subleaf, e))
		return -EINVAL;
	if (!json_is_integer(fl) || json_integer_value(fl) < 0 ||
	    json_integer_value(fl) > UINT32_MAX)
		return errf(e, -EINVAL, "cpu-config: %sflags must be a 32-bit unsigned integer",
			    where);
	l->flags = (uint32_t)json_integer_value(fl);
	if (!json_is_array(mods))
		return errf(e, -EINVAL, "cpu-config: %smodifiers must be an array", where);
	if (json_array_size(mods) > 4)
		return errf(e, -EINVAL, "cpu-config: %smore than 4 modifiers (one per register)",
			    where);
	for (i = 0; i < json_array_size(mods); i++) {
		snprintf(where, sizeof(where), "cpuid_modifiers[%zu].modifiers[%zu]: ", idx, i);
		if (parse_reg_mod(json_array_get(mods, i), where, l, e))
			return -EINVAL;
	}
	return 0;
}

static int parse_msr(const json_t *o, size_t idx, void *slot, struct errbuf *e)
{
	struct cpu_config_msr *m = slot;
	static const char *const keys[] = {"addr", "bitmap", NULL};
	const json_t *a, *b;
	char where[48], what[80];

	snprintf(where, sizeof(where), "msr_modifiers[%zu]: ", idx);
	if (!json_is_object(o))
		return errf(e, -EINVAL, "cpu-config: %smust be an object", where);
	if (only_keys(o, where, keys, "`addr`, `bitmap`", e) || !(a = need(o, "addr", where, e)) ||
	    !(b = need(o, "bitmap", where, e)))
		return -EINVAL;
	snprintf(what, sizeof(what), "%saddr", where);
	if (parse_u32(a, what, &m->addr, e))
		return -EINVAL;
	snprintf(what, sizeof(what), "%sbitmap", where);
	return parse_bitmap(b, what, 64, &m->filter, &m->value, e) ? -EINVAL : 0;
}

static int parse_cap(const json_t *v, size_t idx, void *slot, struct errbuf *e)
{
	struct cpu_config_cap *c = slot;
	const char *s = json_string_value(v);
	char what[48];
	json_t *num;
	int ret;

	snprintf(what, sizeof(what), "kvm_capabilities[%zu]", idx);
	if (!s)
		return errf(e, -EINVAL, "cpu-config: %s must be a string", what);
	c->remove = s[0] == '!';
	if (!strncmp(s + c->remove, "0x", 2) || !strncmp(s + c->remove, "0X", 2))
		return errf(e, -EINVAL, "cpu-config: %s must be a decimal number", what);
	num = json_string(s + c->remove);
	if (!num)
		return errf(e, -ENOMEM, "cpu-config: out of memory");
	ret = parse_u32(num, what, &c->cap, e);
	json_decref(num);
	return ret;
}

typedef int parse_one_fn(const json_t *v, size_t idx, void *slot, struct errbuf *e);

/* parse_list - the array @key of @j (absent or null: empty) into a new
 * *@arr of @size-byte elements, each through @one; *@nr counts them. */
static int parse_list(const json_t *j, const char *key, unsigned int max, size_t size,
		      parse_one_fn *one, void **arr, unsigned int *nr, struct errbuf *e)
{
	const json_t *a = json_object_get(j, key);
	size_t i, n;
	int ret;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return errf(e, -EINVAL, "cpu-config: %s must be an array", key);
	n = json_array_size(a);
	if (n > max)
		return errf(e, -EINVAL, "cpu-config: more than %u %s", max, key);
	if (!n)
		return 0;
	*arr = calloc(n, size);
	if (!*arr)
		return errf(e, -ENOMEM, "cpu-config: out of memory");
	for (i = 0; i < n; i++) {
		ret = one(json_array_get(a, i), i, (char *)*arr + i * size, e);
		if (ret)
			return ret;
		(*nr)++;
	}
	return 0;
}

int cpu_config_parse(const json_t *j, struct cpu_config **out, struct errbuf *e)
{
	static const char *const keys[] = {"kvm_capabilities", "cpuid_modifiers", "msr_modifiers",
					   NULL};
	void *arr[3] = {NULL, NULL, NULL};
	struct cpu_config *c;
	int ret;

	if (!json_is_object(j))
		return errf(e, -EINVAL, "cpu-config: the template must be a JSON object");
	ret = only_keys(j, "", keys,
			"one of `kvm_capabilities`, `cpuid_modifiers`, `msr_modifiers`", e);
	if (ret)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return errf(e, -ENOMEM, "cpu-config: out of memory");
	ret = parse_list(j, "cpuid_modifiers", CPU_CONFIG_MAX_LEAVES, sizeof(*c->leaves),
			 parse_leaf, &arr[0], &c->nr_leaves, e);
	if (!ret)
		ret = parse_list(j, "msr_modifiers", CPU_CONFIG_MAX_MSRS, sizeof(*c->msrs),
				 parse_msr, &arr[1], &c->nr_msrs, e);
	if (!ret)
		ret = parse_list(j, "kvm_capabilities", CPU_CONFIG_MAX_CAPS, sizeof(*c->caps),
				 parse_cap, &arr[2], &c->nr_caps, e);
	c->leaves = arr[0];
	c->msrs = arr[1];
	c->caps = arr[2];
	if (ret) {
		cpu_config_destroy(c);
		return ret < 0 ? ret : -EINVAL;
	}
	*out = c;
	return 0;
}

int cpu_config_parse_text(const char *text, size_t len, struct cpu_config **out, struct errbuf *e)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	char q[96];
	int ret;

	if (!j)
		return errf(e, -EINVAL, "cpu-config: invalid JSON at line %d, column %d: %s",
			    je.line, je.column, err_printable(je.text, q, sizeof(q)));
	ret = cpu_config_parse(j, out, e);
	json_decref(j);
	return ret;
}

/* read_file - @path into a new buffer of at most CPU_CONFIG_FILE_MAX bytes. */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	*buf = malloc(CPU_CONFIG_FILE_MAX + 1);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(*buf, 1, CPU_CONFIG_FILE_MAX + 1, f);
	if (ferror(f))
		ret = -EIO;
	else if (*len > CPU_CONFIG_FILE_MAX)
		ret = -EFBIG;
	fclose(f);
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

int cpu_config_parse_value(const json_t *v, struct cpu_config **out, struct errbuf *e)
{
	const char *path = json_string_value(v);
	char q[96], *buf = NULL;
	size_t len = 0;
	int ret;

	if (!path)
		return cpu_config_parse(v, out, e);
	ret = read_file(path, &buf, &len);
	if (ret == -EFBIG)
		return errf(e, -EINVAL, "cpu-config: cannot load %s: larger than %u bytes",
			    err_printable(path, q, sizeof(q)), CPU_CONFIG_FILE_MAX);
	if (ret)
		return errf(e, -EINVAL, "cpu-config: cannot load %s: %s",
			    err_printable(path, q, sizeof(q)), strerror(-ret));
	ret = cpu_config_parse_text(buf, len, out, e);
	free(buf);
	return ret;
}

void cpu_config_destroy(struct cpu_config *c)
{
	if (!c)
		return;
	free(c->leaves);
	free(c->msrs);
	free(c->caps);
	free(c);
}
