/* Unit tests for the MP table writer: parse back what it wrote, as a guest would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "guest_mem.h"
#include "layout.h"
#include "mptable.h"

/* What the parser found, for the assertions. */
struct parsed {
	uint32_t physptr;
	uint16_t length;
	uint16_t entry_count;
	unsigned int nr_cpu, nr_bus, nr_ioapic, nr_ioint, nr_lint;
	uint8_t cpu_id[256];
	uint8_t cpu_flags[256];
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	uint8_t ioint_type[32], ioint_src[32], ioint_pin[32], ioint_dst[32];
	uint16_t ioint_flags[32];
	uint8_t lint_type[2], lint_pin[2], lint_dst[2];
};

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void parse_floating_pointer(const struct guest_mem *gm, struct parsed *p)
{
	uint8_t f[16];

	assert_int_equal(gm_read(gm, f, MPTABLE_ADDR, sizeof(f)), 0);
	assert_memory_equal(f, "_MP_", 4);
	p->physptr = rd32(f + 4);
	assert_int_equal(f[8], 1); /* one paragraph */
	assert_int_equal(f[9], 4); /* spec 1.4 */
	assert_int_equal(sum(f, sizeof(f)), 0);
	assert_int_equal(f[11], 0); /* a configuration table is present */
	assert_int_equal(p->physptr, MPTABLE_ADDR + 16);
	assert_int_equal(p->physptr % 16, 0);
}

static void parse_cpu(const uint8_t *e, struct parsed *p)
{
	p->cpu_id[p->nr_cpu] = e[1];
	assert_int_equal(e[2], 0x14);
	p->cpu_flags[p->nr_cpu] = e[3];
	assert_int_equal(rd32(e + 4), 0x600);
	assert_int_equal(rd32(e + 8), 0x201);
	p->nr_cpu++;
}

static void parse_ioint(const uint8_t *e, struct parsed *p)
{
	unsigned int n = p->nr_ioint++;

	assert_true(n < 32);
	p->ioint_type[n] = e[1];
	p->ioint_flags[n] = rd16(e + 2);
	assert_int_equal(e[4], 0); /* bus 0 */
	p->ioint_src[n] = e[5];
	p->ioint_dst[n] = e[6];
	p->ioint_pin[n] = e[7];
}

static void parse_lint(const uint8_t *e, struct parsed *p)
{
	unsigned int n = p->nr_lint++;

	assert_true(n < 2);
	p->lint_type[n] = e[1];
	p->lint_dst[n] = e[6];
	p->lint_pin[n] = e[7];
}

/* One base entry at @e; returns its size. Entries must come in type order. */
static size_t parse_entry(const uint8_t *e, size_t left, struct parsed *p, uint8_t *last_type)
{
	static const size_t size[] = {20, 8, 8, 8, 8};

	assert_true(e[0] <= 4);
	assert_true(e[0] >= *last_type);
	assert_true(left >= size[e[0]]);
	*last_type = e[0];
	switch (e[0]) {
	case 0:
		parse_cpu(e, p);
		break;
	case 1:
		assert_int_equal(e[1], 0);
		assert_memory_equal(e + 2, "ISA   ", 6);
		p->nr_bus++;
		break;
	case 2:
		p->ioapic_id = e[1];
		assert_int_equal(e[2], 0x11);
		assert_int_equal(e[3], 1); /* enabled */
		p->ioapic_addr = rd32(e + 4);
		p->nr_ioapic++;
		break;
	case 3:
		parse_ioint(e, p);
		break;
	default:
		parse_lint(e, p);
		break;
	}
	return size[e[0]];
}

static void parse(const struct guest_mem *gm, struct parsed *p)
{
	uint8_t t[2048];
	uint8_t last_type = 0;
	size_t off;
	unsigned int n;

	memset(p, 0, sizeof(*p));
	parse_floating_pointer(gm, p);
	assert_int_equal(gm_read(gm, t, p->physptr, 44), 0);
	assert_memory_equal(t, "PCMP", 4);
	p->length = rd16(t + 4);
	assert_int_equal(t[6], 4);
	assert_memory_equal(t + 8, "EMBER   ", 8);
	assert_memory_equal(t + 16, "000000000000", 12);
	assert_int_equal(rd32(t + 28), 0); /* no OEM table */
	p->entry_count = rd16(t + 34);
	assert_int_equal(rd32(t + 36), LAPIC_ADDR);
	assert_true(p->length >= 44 && p->length <= sizeof(t));
	assert_true(p->physptr + p->length <= EBDA_END);
	assert_int_equal(gm_read(gm, t, p->physptr, p->length), 0);
	assert_int_equal(sum(t, p->length), 0);
	for (off = 44, n = 0; off < p->length; n++)
		off += parse_entry(t + off, p->length - off, p, &last_type);
	assert_int_equal(off, p->length);
	assert_int_equal(n, p->entry_count);
}

/* Everything a guest relies on, for any vCPU count. */
static void check_table(const struct parsed *p, unsigned int nr_vcpus)
{
	unsigned int i, j;

	assert_int_equal(p->nr_cpu, nr_vcpus);
	assert_int_equal(p->nr_bus, 1);
	assert_int_equal(p->nr_ioapic, 1);
	assert_int_equal(p->nr_ioint, IRQ_LAST + 1);
	assert_int_equal(p->nr_lint, 2);
	assert_int_equal(p->entry_count, nr_vcpus + 1 + 1 + (IRQ_LAST + 1) + 2);
	assert_int_equal(p->length, 44 + 20 * nr_vcpus + 8 * (2 + IRQ_LAST + 1 + 2));
	for (i = 0; i < nr_vcpus; i++) {
		assert_int_equal(p->cpu_id[i], i);
		assert_int_equal(p->cpu_flags[i], i == 0 ? 3 : 1); /* enabled, BSP only on 0 */
		assert_int_not_equal(p->cpu_id[i], p->ioapic_id);
		for (j = 0; j < i; j++)
			assert_int_not_equal(p->cpu_id[i], p->cpu_id[j]);
	}
	assert_int_equal(p->ioapic_id, nr_vcpus);
	assert_int_equal(p->ioapic_addr, IOAPIC_ADDR);
	for (i = 0; i <= IRQ_LAST; i++) {
		assert_int_equal(p->ioint_type[i], 0); /* INT, IRQ0 included */
		assert_int_equal(p->ioint_flags[i], 0);
		assert_int_equal(p->ioint_src[i], i);
		assert_int_equal(p->ioint_pin[i], i);
		assert_int_equal(p->ioint_dst[i], p->ioapic_id);
	}
	assert_int_equal(p->lint_type[0], 3); /* ExtINT */
	assert_int_equal(p->lint_pin[0], 0);
	assert_int_equal(p->lint_dst[0], 0xff);
	assert_int_equal(p->lint_type[1], 1); /* NMI */
	assert_int_equal(p->lint_pin[1], 1);
	assert_int_equal(p->lint_dst[1], 0xff);
}

static void write_and_check(uint64_t ram, unsigned int nr_vcpus)
{
	struct guest_mem gm;
	struct errbuf e;
	struct parsed p;

	assert_int_equal(gm_init(&gm, ram, &e), 0);
	assert_int_equal(mptable_write(&gm, nr_vcpus, &e), 0);
	parse(&gm, &p);
	check_table(&p, nr_vcpus);
	gm_destroy(&gm);
}

static void one_vcpu(void **state)
{
	write_and_check(128 << 20, 1);
}

static void two_and_max_vcpus(void **state)
{
	write_and_check(128 << 20, 2);
	write_and_check(128 << 20, MAX_VCPUS);
}

/* 640 KiB of RAM ends at 0xa0000: just enough for the largest table. */
static void fits_in_640k(void **state)
{
	write_and_check(640 << 10, MAX_VCPUS);
}

/* Only the table's own bytes change; neighbours keep their contents. */
static void writes_only_its_bytes(void **state)
{
	struct guest_mem gm;
	struct errbuf e;
	struct parsed p;
	uint8_t *lo, *hi;
	size_t i, hi_len;

	assert_int_equal(gm_init(&gm, 2 << 20, &e), 0);
	lo = gm_ptr(&gm, MPTABLE_ADDR - 4096, 4096);
	assert_non_null(lo);
	memset(lo, 0xa5, 4096 + (EBDA_END - MPTABLE_ADDR));
	assert_int_equal(mptable_write(&gm, 4, NULL), 0);
	parse(&gm, &p);
	check_table(&p, 4);
	for (i = 0; i < 4096; i++)
		assert_int_equal(lo[i], 0xa5);
	hi = gm_ptr(&gm, p.physptr + p.length, 0);
	hi_len = EBDA_END - (p.physptr + p.length);
	for (i = 0; i < hi_len; i++)
		assert_int_equal(hi[i], 0xa5);
	gm_destroy(&gm);
}

static void bad_vcpu_counts_rejected(void **state)
{
	struct guest_mem gm;
	struct errbuf e;
	uint8_t f[16], zero[16] = {0};

	assert_int_equal(gm_init(&gm, 128 << 20, &e), 0);
	e.msg[0] = 0;
	assert_int_equal(mptable_write(&gm, 0, &e), -EINVAL);
	assert_true(strlen(e.msg) > 0);
	e.msg[0] = 0;
	assert_int_equal(mptable_write(&gm, MAX_VCPUS + 1, &e), -EINVAL);
	assert_true(strlen(e.msg) > 0);
	assert_int_equal(mptable_write(&gm, UINT32_MAX, NULL), -EINVAL);
	/* nothing was written */
	assert_int_equal(gm_read(&gm, f, MPTABLE_ADDR, sizeof(f)), 0);
	assert_memory_equal(f, zero, sizeof(f));
	gm_destroy(&gm);
}

/* 512 KiB ends at 0x80000, below MPTABLE_ADDR 0x9fc00: nowhere to write. */
static void ram_too_small(void **state)
{
	struct guest_mem gm;
	struct errbuf e;

	assert_int_equal(gm_init(&gm, 512 << 10, &e), 0);
	e.msg[0] = 0;
	assert_int_equal(mptable_write(&gm, 1, &e), -EFAULT);
	assert_true(strlen(e.msg) > 0);
	assert_int_equal(mptable_write(&gm, MAX_VCPUS, NULL), -EFAULT);
	gm_destroy(&gm);

	/* 636 KiB ends at 0x9f000, still below the table. */
	assert_int_equal(gm_init(&gm, 636 << 10, &e), 0);
	assert_int_equal(mptable_write(&gm, 1, &e), -EFAULT);
	gm_destroy(&gm);
}

/* A zeroed guest_mem (no RAM at all) is rejected, not dereferenced. */
static void no_ram(void **state)
{
	struct guest_mem gm;
	struct errbuf e;

	memset(&gm, 0, sizeof(gm));
	assert_int_equal(mptable_write(&gm, 1, &e), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_vcpu),
	    cmocka_unit_test(two_and_max_vcpus),
	    cmocka_unit_test(fits_in_640k),
	    cmocka_unit_test(writes_only_its_bytes),
	    cmocka_unit_test(bad_vcpu_counts_rejected),
	    cmocka_unit_test(ram_too_small),
	    cmocka_unit_test(no_ram),
	};
	return cmocka_run_group_tests_name("mptable", tests, NULL, NULL);
}
