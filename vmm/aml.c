/*
 * aml.c - see aml.h. Encodings from the ACPI 6.5 specification: section
 * 20.2 (AML grammar: PkgLength, NameString, data and opcode bytes) and
 * section 6.4 (resource data types: small items 0x47 I/O, 0x22 IRQ, end tag
 * 0x79; large items 0x86 Memory32Fixed, 0x89 extended interrupt).
 */
#include <errno.h>
#include <string.h>

#include "aml.h"

#define OP_NAME	      0x08
#define OP_BYTE	      0x0a
#define OP_WORD	      0x0b
#define OP_DWORD      0x0c
#define OP_STRING     0x0d
#define OP_QWORD      0x0e
#define OP_SCOPE      0x10
#define OP_BUFFER     0x11
#define OP_PACKAGE    0x12
#define OP_METHOD     0x14
#define OP_DUAL_NAME  0x2e
#define OP_MULTI_NAME 0x2f
#define OP_EXT	      0x5b
#define OP_EXT_DEVICE 0x82
#define OP_IF	      0xa0
#define OP_ONES	      0xff
#define ROOT_CHAR     '\\'
#define PARENT_CHAR   '^'
#define RES_END_TAG   0x79
#define PKGLEN_MAX    0x0fffffff /* 28 bits */
#define NAME_MAX_SEGS 255

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

int aml_finish(const struct aml *a, size_t *len)
{
	if (a->err)
		return a->err;
	if (a->depth)
		return -EPROTO;
	*len = a->len;
	return 0;
}

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static void put(struct aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		fail(a, -E2BIG);
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void put8(struct aml *a, uint8_t v)
{
	put(a, &v, 1);
}

static void put_le(struct aml *a, uint64_t v, unsigned int n)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(a, b, n);
}

void aml_op(struct aml *a, uint8_t op)
{
	put8(a, op);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0 || v == 1) {
		put8(a, (uint8_t)v); /* ZeroOp, OneOp */
	} else if (v == UINT64_MAX) {
		put8(a, OP_ONES);
	} else if (v <= UINT8_MAX) {
		put8(a, OP_BYTE);
		put_le(a, v, 1);
	} else if (v <= UINT16_MAX) {
		put8(a, OP_WORD);
		put_le(a, v, 2);
	} else if (v <= UINT32_MAX) {
		put8(a, OP_DWORD);
		put_le(a, v, 4);
	} else {
		put8(a, OP_QWORD);
		put_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	const char *c;

	for (c = s; *c; c++)
		if ((unsigned char)*c > 0x7f) {
			fail(a, -EINVAL); /* AsciiCharList: 0x01..0x7f */
			return;
		}
	put8(a, OP_STRING);
	put(a, s, strlen(s) + 1);
}

static int seg_char_ok(char c, int first)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* One NameSeg from @p (up to '.' or the end), padded with '_'. */
static const char *put_seg(struct aml *a, const char *p)
{
	char seg[4] = {'_', '_', '_', '_'};
	unsigned int n = 0;

	while (*p && *p != '.') {
		if (n == 4 || !seg_char_ok(*p, n == 0)) {
			fail(a, -EINVAL);
			return p;
		}
		seg[n++] = *p++;
	}
	if (n == 0)
		fail(a, -EINVAL);
	put(a, seg, 4);
	return *p == '.' ? p + 1 : p;
}

void aml_namestring(struct aml *a, const char *path)
{
	unsigned int nsegs = 1, i;
	const char *p;

	if (*path == ROOT_CHAR) {
		put8(a, ROOT_CHAR);
		path++;
	} else {
		while (*path == PARENT_CHAR) {
			put8(a, PARENT_CHAR);
			path++;
		}
	}
	if (!*path) {
		put8(a, 0); /* NullName */
		return;
	}
	for (p = path; *p; p++)
		nsegs += *p == '.';
	if (nsegs > NAME_MAX_SEGS) {
		fail(a, -EINVAL);
		return;
	}
	if (nsegs == 2) {
		put8(a, OP_DUAL_NAME);
	} else if (nsegs > 2) {
		put8(a, OP_MULTI_NAME);
		put8(a, (uint8_t)nsegs);
	}
	for (i = 0; i < nsegs && !a->err; i++)
		path = put_seg(a, path);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;
	unsigned int i;

	if (strlen(id) != 7) {
		fail(a, -EINVAL);
		return;
	}
	/* Three letters of 5 bits ('A' = 1), then four hex digits; the result
	 * is stored most significant byte first. */
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(a, -EINVAL);
			return;
		}
		v = v << 5 | (uint32_t)(id[i] - 'A' + 1);
	}
	for (i = 3; i < 7; i++) {
		if (hex_val(id[i]) < 0) {
			fail(a, -EINVAL);
			return;
		}
		v = v << 4 | (uint32_t)hex_val(id[i]);
	}
	put8(a, OP_DWORD);
	put_le(a, __builtin_bswap32(v), 4);
}

void aml_name(struct aml *a, const char *name)
{
	if (!*name || (name[0] == ROOT_CHAR && !name[1]))
		fail(a, -EINVAL); /* a Name needs a NameSeg */
	put8(a, OP_NAME);
	aml_namestring(a, name);
}

static void open_block(struct aml *a, enum aml_block kind)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		fail(a, -EPROTO);
		return;
	}
	a->kind[a->depth] = kind;
	a->open[a->depth++] = a->len;
}

/* PkgLength for a body of @body bytes: the count includes its own bytes. */
static unsigned int pkglen_encode(size_t body, uint8_t out[4])
{
	unsigned int n, i;
	size_t total;

	for (n = 1; n <= 4; n++) {
		total = body + n;
		if ((n == 1 && total <= 0x3f) ||
		    (n > 1 && total <= (1ULL << (4 + 8 * (n - 1))) - 1))
			break;
	}
	if (n > 4 || total > PKGLEN_MAX)
		return 0;
	if (n == 1) {
		out[0] = (uint8_t)total;
		return 1;
	}
	out[0] = (uint8_t)((n - 1) << 6 | (total & 0x0f));
	for (i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

/* Insert @n bytes at @at, shifting the body that follows. */
static void insert(struct aml *a, size_t at, const uint8_t *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		fail(a, -E2BIG);
		return;
	}
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, p, n);
	a->len += n;
}

void aml_end(struct aml *a)
{
	uint8_t pre[4 + 9];
	unsigned int n, m = 0;
	size_t start, body;
	struct aml sz;

	if (a->err)
		return;
	if (a->depth == 0) {
		fail(a, -EPROTO);
		return;
	}
	start = a->open[--a->depth];
	if (a->kind[a->depth] == AML_BLK_RESOURCES) {
		put8(a, RES_END_TAG);
		put8(a, 0); /* checksum 0: "treat as correct" */
		/* BufferSize precedes the bytes and is itself inside the package. */
		aml_init(&sz, pre + 4, 9);
		aml_integer(&sz, a->len - start);
		m = (unsigned int)sz.len;
	}
	body = a->len - start + m;
	n = pkglen_encode(body, pre);
	if (!n) {
		fail(a, -E2BIG);
		return;
	}
	memmove(pre + n, pre + 4, m);
	insert(a, start, pre, n + m);
}

void aml_scope_begin(struct aml *a, const char *name)
{
	put8(a, OP_SCOPE);
	open_block(a, AML_BLK_SCOPE);
	aml_namestring(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
	put8(a, OP_EXT);
	put8(a, OP_EXT_DEVICE);
	open_block(a, AML_BLK_DEVICE);
	aml_namestring(a, name);
}

void aml_method_begin(struct aml *a, const char *name, unsigned int nargs, int serialized)
{
	if (nargs > 7) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, OP_METHOD);
	open_block(a, AML_BLK_METHOD);
	aml_namestring(a, name);
	put8(a, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
}

void aml_if_begin(struct aml *a)
{
	put8(a, OP_IF);
	open_block(a, AML_BLK_IF);
}

void aml_package_begin(struct aml *a, unsigned int nr)
{
	if (nr > UINT8_MAX) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, OP_PACKAGE);
	open_block(a, AML_BLK_PACKAGE);
	put8(a, (uint8_t)nr);
}

void aml_resources_begin(struct aml *a)
{
	put8(a, OP_BUFFER);
	open_block(a, AML_BLK_RESOURCES);
}

static int in_resources(struct aml *a)
{
	if (a->depth && a->kind[a->depth - 1] == AML_BLK_RESOURCES)
		return 1;
	fail(a, -EPROTO);
	return 0;
}

void aml_res_io(struct aml *a, uint16_t port, uint8_t len)
{
	if (!in_resources(a))
		return;
	put8(a, 0x47); /* small item 0x08, 7 bytes */
	put8(a, 0x01); /* decodes 16 address bits */
	put_le(a, port, 2);
	put_le(a, port, 2);
	put8(a, 1);
	put8(a, len);
}

void aml_res_irq(struct aml *a, unsigned int irq)
{
	if (!in_resources(a))
		return;
	if (irq > 15) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, 0x22); /* small item 0x04, 2 bytes: the IRQ mask */
	put_le(a, 1u << irq, 2);
}

void aml_res_mem32(struct aml *a, uint32_t base, uint32_t len)
{
	if (!in_resources(a))
		return;
	put8(a, 0x86);
	put_le(a, 9, 2);
	put8(a, 0x01); /* read-write */
	put_le(a, base, 4);
	put_le(a, len, 4);
}

void aml_res_interrupt(struct aml *a, uint32_t gsi, int edge)
{
	if (!in_resources(a))
		return;
	put8(a, 0x89);
	put_le(a, 6, 2);
	/* bit 0 consumer, bit 1 edge; active high, exclusive, not wake capable */
	put8(a, (uint8_t)(0x01 | (edge ? 0x02 : 0)));
	put8(a, 1);
	put_le(a, gsi, 4);
}
