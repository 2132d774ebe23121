/*
 * aml.h - a small encoder for ACPI Machine Language (ACPI 6.5, chapter 20).
 *
 * Writes AML byte code into a caller-supplied buffer: integers, strings,
 * name strings, EISA ids, Name/Scope/Device/Method/If/Package blocks and
 * resource templates (I/O ports, IRQ, Memory32Fixed, extended interrupt).
 * Blocks nest: *_begin opens one, aml_end closes the innermost and fills in
 * its PkgLength (and a buffer's size). The first error (no room, a bad name,
 * too deep, unbalanced end) sticks in @err and makes later calls no-ops, so
 * callers emit a whole table and check once with aml_finish().
 */
#ifndef EMBER_AML_H
#define EMBER_AML_H

#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 8

/* Opcodes callers combine with the helpers below. */
#define AML_ZERO   0x00
#define AML_ONE	   0x01
#define AML_LEQUAL 0x93
#define AML_NOTIFY 0x86
#define AML_RETURN 0xa4
#define AML_ARG0   0x68

enum aml_block {
	AML_BLK_SCOPE,
	AML_BLK_DEVICE,
	AML_BLK_METHOD,
	AML_BLK_IF,
	AML_BLK_PACKAGE,
	AML_BLK_RESOURCES, /* a Buffer holding resource descriptors + end tag */
};

struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* 0 or the first -errno */
	unsigned int depth;
	size_t open[AML_MAX_DEPTH]; /* where each open block's body starts */
	enum aml_block kind[AML_MAX_DEPTH];
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);

/* aml_finish - 0 and the encoded length in *@len, or the sticky error
 * (-E2BIG: no room; -EINVAL: bad name or value; -EPROTO: blocks still open
 * or an unmatched aml_end). */
int aml_finish(const struct aml *a, size_t *len);

/* Raw opcode byte (AML_* above), for expressions like LEqual and Notify. */
void aml_op(struct aml *a, uint8_t op);

/* Data objects: the shortest integer encoding (Zero, One, Ones for ~0,
 * Byte/Word/DWord/QWord prefix), a NUL-terminated ASCII string, a name path
 * ("\\_SB_.COM1", "_HID", "^FOO"; segments of 1..4 chars are padded with
 * '_'), and an EISA id ("PNP0501") compressed into a DWord. */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
void aml_namestring(struct aml *a, const char *path);
void aml_eisaid(struct aml *a, const char *id);

/* aml_name - Name(@name, ...): the object to bind must follow. */
void aml_name(struct aml *a, const char *name);

/* Blocks. A method takes 0..7 arguments. A package holds @nr elements that
 * the caller emits before aml_end. aml_if_begin's predicate and body follow. */
void aml_scope_begin(struct aml *a, const char *name);
void aml_device_begin(struct aml *a, const char *name);
void aml_method_begin(struct aml *a, const char *name, unsigned int nargs, int serialized);
void aml_if_begin(struct aml *a);
void aml_package_begin(struct aml *a, unsigned int nr);
void aml_resources_begin(struct aml *a);
void aml_end(struct aml *a);

/* Resource descriptors, only inside aml_resources_begin .. aml_end:
 * IO(Decode16, port, port, 1, len); IRQNoFlags(){irq} for irq 0..15;
 * Memory32Fixed(ReadWrite, base, len); Interrupt(ResourceConsumer, Edge or
 * Level, ActiveHigh, Exclusive){gsi}. */
void aml_res_io(struct aml *a, uint16_t port, uint8_t len);
void aml_res_irq(struct aml *a, unsigned int irq);
void aml_res_mem32(struct aml *a, uint32_t base, uint32_t len);
void aml_res_interrupt(struct aml *a, uint32_t gsi, int edge);

#endif
