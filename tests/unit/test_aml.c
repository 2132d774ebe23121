/*
 * Unit tests for the AML encoder. Each expected byte sequence is worked out
 * by hand from the ACPI 6.5 specification (20.2 AML grammar, 6.4 resource
 * descriptors); the comments give the ASL it corresponds to.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "aml.h"

static uint8_t buf[8192];

static void expect(struct aml *a, const uint8_t *want, size_t len)
{
	size_t got = 0;

	assert_int_equal(aml_finish(a, &got), 0);
	assert_int_equal(got, len);
	assert_memory_equal(buf, want, len);
}

#define EXPECT(a, ...)                                                                             \
	do {                                                                                       \
		static const uint8_t want_[] = {__VA_ARGS__};                                      \
		expect(a, want_, sizeof(want_));                                                   \
	} while (0)

static void test_integers(void **state)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, 0);			/* ZeroOp */
	aml_integer(&a, 1);			/* OneOp */
	aml_integer(&a, 0x80);			/* BytePrefix */
	aml_integer(&a, 0x1234);		/* WordPrefix */
	aml_integer(&a, 0xc0001000);		/* DWordPrefix */
	aml_integer(&a, 0x100000000ULL);	/* QWordPrefix */
	aml_integer(&a, 0xffffffffffffffffULL); /* OnesOp */
	EXPECT(&a, 0x00, 0x01, 0x0a, 0x80, 0x0b, 0x34, 0x12, 0x0c, 0x00, 0x10, 0x00, 0xc0, 0x0e,
	       0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xff);
}

static void test_string_and_eisaid(void **state)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501"); /* Name (_HID, EisaId ("PNP0501")) */
	aml_name(&a, "_UID");
	aml_string(&a, "A1"); /* Name (_UID, "A1") */
	EXPECT(&a, 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08, '_', 'U', 'I', 'D',
	       0x0d, 'A', '1', 0x00);

	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP0303"); /* 0x0303D041 */
	EXPECT(&a, 0x0c, 0x41, 0xd0, 0x03, 0x03);
}

static void test_name_strings(void **state)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_namestring(&a, "S5");	   /* padded NameSeg */
	aml_namestring(&a, "\\_SB_.COM1"); /* RootChar DualNamePath */
	aml_namestring(&a, "\\_SB.A.B");   /* RootChar MultiNamePath of 3 */
	aml_namestring(&a, "^FOO");	   /* ParentPrefixChar */
	aml_namestring(&a, "\\");	   /* RootChar NullName */
	EXPECT(&a, 'S', '5', '_', '_', 0x5c, 0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1', 0x5c,
	       0x2f, 0x03, '_', 'S', 'B', '_', 'A', '_', '_', '_', 'B', '_', '_', '_', '^', 'F',
	       'O', 'O', '_', 0x5c, 0x00);
}

static void test_bad_input(void **state)
{
	static const char *bad_names[] = {"lower", "TOOLONG", "1ABC", "A..B", "", "A-B"};
	size_t len, i;
	struct aml a;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name(&a, bad_names[i]);
		aml_integer(&a, 1);
		assert_int_equal(aml_finish(&a, &len), -EINVAL);
	}
	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP05"); /* too short */
	assert_int_equal(aml_finish(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "pnp0501");
	assert_int_equal(aml_finish(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_device_begin(&a, "DEV0"); /* never closed */
	assert_int_equal(aml_finish(&a, &len), -EPROTO);
	aml_init(&a, buf, sizeof(buf));
	aml_end(&a); /* nothing open */
	assert_int_equal(aml_finish(&a, &len), -EPROTO);
	aml_init(&a, buf, sizeof(buf));
	aml_res_io(&a, 0x60, 1); /* outside a resource template */
	assert_int_equal(aml_finish(&a, &len), -EPROTO);
	aml_init(&a, buf, sizeof(buf));
	aml_method_begin(&a, "_EVT", 8, 0);
	assert_int_equal(aml_finish(&a, &len), -EINVAL);
}

static void test_no_room(void **state)
{
	size_t len;
	struct aml a;

	aml_init(&a, buf, 6);
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501"); /* needs 10 bytes */
	assert_int_equal(aml_finish(&a, &len), -E2BIG);
	/* The PkgLength insertion itself must not overflow either. */
	aml_init(&a, buf, 9);
	aml_device_begin(&a, "DEV0");
	aml_integer(&a, 0x10); /* 2 + 4 + 2 = 8 bytes, the PkgLength makes 9 */
	aml_end(&a);
	assert_int_equal(aml_finish(&a, &len), 0);
	assert_int_equal(len, 9);
	aml_init(&a, buf, 8);
	aml_device_begin(&a, "DEV0");
	aml_integer(&a, 0x10);
	aml_end(&a);
	assert_int_equal(aml_finish(&a, &len), -E2BIG);
}

/* Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, Zero)
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
 *                                     IRQNoFlags () {4} }) } */
static void test_device_with_resources(void **state)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_device_begin(&a, "COM1");
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501");
	aml_name(&a, "_UID");
	aml_integer(&a, 0);
	aml_name(&a, "_CRS");
	aml_resources_begin(&a);
	aml_res_io(&a, 0x3f8, 8);
	aml_res_irq(&a, 4);
	aml_end(&a);
	aml_end(&a);
	/* Buffer: 8 (IO) + 3 (IRQ) + 2 (end tag) = 13 = BufferSize 0x0d;
	 * PkgLength 1 + BytePrefix 0x0d (2) + 13 = 16 = 0x10.
	 * Device body: PkgLength 1 + "COM1" 4 + 10 + 6 + 5 + 1 (BufferOp) + 16 = 43. */
	EXPECT(&a, 0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1', 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0,
	       0x05, 0x01, 0x08, '_', 'U', 'I', 'D', 0x00, 0x08, '_', 'C', 'R', 'S', 0x11, 0x10,
	       0x0a, 0x0d, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79,
	       0x00);
}

/* ResourceTemplate () { Memory32Fixed (ReadWrite, 0xC0001000, 0x1000)
 *                      Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5} } */
static void test_mmio_resources(void **state)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_resources_begin(&a);
	aml_res_mem32(&a, 0xc0001000, 0x1000);
	aml_res_interrupt(&a, 5, 1);
	aml_end(&a);
	/* 12 + 9 + 2 = 23 bytes; PkgLength 1 + 2 + 23 = 26. */
	EXPECT(&a, 0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xc0, 0x00,
	       0x10, 0x00, 0x00, 0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00, 0x79, 0x00);

	aml_init(&a, buf, sizeof(buf));
	aml_resources_begin(&a);
	aml_res_interrupt(&a, 23, 0); /* Level */
	aml_end(&a);
	EXPECT(&a, 0x11, 0x0e, 0x0a, 0x0b, 0x89, 0x06, 0x00, 0x01, 0x01, 0x17, 0x00, 0x00, 0x00,
	       0x79, 0x00);
}

/* Name (_S5, Package (0x02) { 0x05, Zero })
 * Method (_EVT, 1, Serialized) { If (LEqual (Arg0, 0x17)) { Notify (\_SB.VGEN, 0x80) } } */
static void test_package_method_if(void **state)
{
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "_S5");
	aml_package_begin(&a, 2);
	aml_integer(&a, 5);
	aml_integer(&a, 0);
	aml_end(&a);
	aml_method_begin(&a, "_EVT", 1, 1);
	aml_if_begin(&a);
	aml_op(&a, AML_LEQUAL);
	aml_op(&a, AML_ARG0);
	aml_integer(&a, 0x17);
	aml_op(&a, AML_NOTIFY);
	aml_namestring(&a, "\\_SB.VGEN");
	aml_integer(&a, 0x80);
	aml_end(&a);
	aml_end(&a);
	/* If body: PkgLength 1 + LEqual 1 + Arg0 1 + 2 + Notify 1 + 10 + 2 = 18;
	 * Method body: 1 + 4 + 1 (flags) + 1 (IfOp) + 18 = 25. */
	EXPECT(&a, 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00, 0x14, 0x19, '_',
	       'E', 'V', 'T', 0x09, 0xa0, 0x12, 0x93, 0x68, 0x0a, 0x17, 0x86, 0x5c, 0x2e, '_', 'S',
	       'B', '_', 'V', 'G', 'E', 'N', 0x0a, 0x80);
}

/* PkgLength boundaries: 63 fits one byte; 64 needs two (0x4N, high bits);
 * 4096 needs three. */
static void test_pkglength(void **state)
{
	static const struct {
		size_t body; /* bytes after the PkgLength (name + data) */
		uint8_t len[3];
		unsigned int n;
	} cases[] = {
	    {62, {0x3f}, 1},		   /* 62 + 1 = 63 */
	    {63, {0x41, 0x04}, 2},	   /* 63 + 2 = 65 = 0x041 */
	    {4093, {0x4f, 0xff}, 2},	   /* 4093 + 2 = 0xfff */
	    {4094, {0x81, 0x00, 0x01}, 3}, /* 4094 + 3 = 0x1001 */
	};
	uint8_t zeros[4096] = {0};
	size_t i, len;
	struct aml a;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_scope_begin(&a, "\\"); /* RootChar NullName: 2 bytes of body */
		aml_op(&a, 0);		   /* pad the body with ZeroOps */
		memcpy(buf + a.len, zeros, cases[i].body - 3);
		a.len += cases[i].body - 3;
		aml_end(&a);
		assert_int_equal(aml_finish(&a, &len), 0);
		assert_int_equal(len, 1 + cases[i].n + cases[i].body);
		assert_int_equal(buf[0], 0x10);
		assert_memory_equal(buf + 1, cases[i].len, cases[i].n);
		assert_int_equal(buf[1 + cases[i].n], '\\');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integers),	   cmocka_unit_test(test_string_and_eisaid),
	    cmocka_unit_test(test_name_strings),   cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_no_room),	   cmocka_unit_test(test_device_with_resources),
	    cmocka_unit_test(test_mmio_resources), cmocka_unit_test(test_package_method_if),
	    cmocka_unit_test(test_pkglength),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
