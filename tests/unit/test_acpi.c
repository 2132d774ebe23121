/*
 * Unit tests for the ACPI table builder: parse back what it wrote, as a
 * guest's ACPI code would (checksums, lengths, pointers, every device), and
 * have ACPICA's disassembler (iasl -d, from acpica-tools) read the tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "acpi.h"
#include "acpi_sleep.h"
#include "guest_mem.h"
#include "layout.h"
#include "vmgenid.h"

#define AREA (ACPI_TABLES_END - ACPI_RSDP_ADDR)

static uint8_t area[AREA];

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The table at guest address @gpa, after checking its signature, length and
 * checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(gpa >= ACPI_RSDP_ADDR && gpa + 36 <= ACPI_TABLES_END);
	t = area + (gpa - ACPI_RSDP_ADDR);
	assert_memory_equal(t, sig, 4);
	len = rd32(t + 4);
	assert_true(len >= 36 && gpa + len <= ACPI_TABLES_END);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "EMBER ", 6);
	return t;
}

static void describe(struct acpi_desc *d, unsigned int vcpus, unsigned int nr_mmio)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->nr_vcpus = vcpus;
	d->nr_mmio = nr_mmio;
	for (i = 0; i < nr_mmio; i++) {
		d->mmio[i].base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE;
		d->mmio[i].size = VIRTIO_MMIO_SIZE;
		d->mmio[i].gsi = IRQ_FIRST_FREE + i;
	}
	d->sleep_port = ACPI_SLEEP_PORT;
	d->vmgenid_gpa = VMGENID_ADDR;
	d->vmgenid_gsi = IRQ_FIRST_FREE + nr_mmio;
}

static const uint8_t *find(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
	return memmem(hay, len, needle, n);
}

/* The DSDT lists every MMIO window in order, each with its base, size and
 * GSI in a Memory32Fixed and an extended Interrupt descriptor. */
static void check_dsdt(const uint8_t *t, const struct acpi_desc *d)
{
	uint32_t len = rd32(t + 4);
	const uint8_t *p = t + 36, *q;
	unsigned int i;
	char name[16];

	assert_non_null(find(p, len - 36, "COM1", 4));
	assert_non_null(find(p, len - 36, "PS2_", 4));
	assert_non_null(find(p, len - 36, "\x0c\x41\xd0\x05\x01", 5)); /* PNP0501 */
	assert_non_null(find(p, len - 36, "\x0c\x41\xd0\x03\x03", 5)); /* PNP0303 */
	for (i = 0; i < d->nr_mmio; i++) {
		uint8_t mem[12] = {0x86, 0x09, 0x00, 0x01}, irq[9] = {0x89, 0x06, 0x00, 0x03, 0x01};

		snprintf(name, sizeof(name), "V%03u", i % 1000);
		q = find(p, len - (p - t), name, 4);
		assert_non_null(q);
		assert_non_null(find(q, len - (q - t), "LNRO0005", 9));
		memcpy(mem + 4, &(uint32_t){(uint32_t)d->mmio[i].base}, 4);
		memcpy(mem + 8, &(uint32_t){d->mmio[i].size}, 4);
		memcpy(irq + 5, &(uint32_t){d->mmio[i].gsi}, 4);
		q = find(q, len - (q - t), mem, sizeof(mem));
		assert_non_null(q);
		assert_memory_equal(q + sizeof(mem), irq, sizeof(irq));
		p = q; /* the next device comes after this one */
	}
	assert_non_null(find(t, len, "QEMUVGID", 9));
	assert_non_null(find(t, len, "VM_Gen_Counter", 15));
	assert_non_null(find(t, len, "ACPI0013", 9));
	assert_non_null(find(t, len, "_S5_", 4));
}

static void check_fadt(const uint8_t *t, uint64_t dsdt)
{
	assert_int_equal(rd32(t + 4), 276);
	assert_int_equal(t[8], 6);
	assert_int_equal(rd32(t + 40), dsdt);
	assert_int_equal(rd64(t + 140), dsdt);
	assert_int_equal(rd32(t + 112), 1u << 20 | 1u << 4 | 1u << 5);
	assert_int_equal(t[109] & 0x3, 0); /* no legacy devices or 8042 claimed */
	/* Sleep control and status: system I/O, 8 bits, byte access. */
	assert_int_equal(t[244], 1);
	assert_int_equal(t[245], 8);
	assert_int_equal(t[247], 1);
	assert_int_equal(rd64(t + 248), ACPI_SLEEP_PORT);
	assert_int_equal(t[256], 1);
	assert_int_equal(rd64(t + 260), ACPI_SLEEP_PORT + 1);
}

static void check_madt(const uint8_t *t, unsigned int vcpus)
{
	uint32_t len = rd32(t + 4), off;
	unsigned int nr_lapic = 0, nr_ioapic = 0, nr_iso = 0, nr_nmi = 0;

	assert_int_equal(rd32(t + 36), LAPIC_ADDR);
	for (off = 44; off < len; off += t[off + 1]) {
		assert_true(t[off + 1] >= 2 && off + t[off + 1] <= len);
		switch (t[off]) {
		case 0:
			assert_int_equal(t[off + 2], nr_lapic);
			assert_int_equal(t[off + 3], nr_lapic);
			assert_int_equal(rd32(t + off + 4), 1);
			nr_lapic++;
			break;
		case 1:
			assert_int_equal(t[off + 2], vcpus);
			assert_int_equal(rd32(t + off + 4), IOAPIC_ADDR);
			assert_int_equal(rd32(t + off + 8), 0);
			nr_ioapic++;
			break;
		case 2:
			assert_int_equal(t[off + 3], 0);
			assert_int_equal(rd32(t + off + 4), 0);
			nr_iso++;
			break;
		case 4:
			assert_int_equal(t[off + 5], 1);
			nr_nmi++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", t[off]);
		}
	}
	assert_int_equal(off, len);
	assert_int_equal(nr_lapic, vcpus);
	assert_int_equal(nr_ioapic, 1);
	assert_int_equal(nr_iso, 1);
	assert_int_equal(nr_nmi, 1);
}

static void check_all(const struct acpi_desc *d, const struct acpi_layout *l)
{
	const uint8_t *x, *fadt = NULL, *madt = NULL;
	unsigned int i, n;

	/* RSDP: both checksums, revision 2, the XSDT pointer. */
	assert_memory_equal(area, "RSD PTR ", 8);
	assert_int_equal(sum(area, 20), 0);
	assert_int_equal(sum(area, 36), 0);
	assert_int_equal(area[15], 2);
	assert_int_equal(rd32(area + 20), 36);
	assert_int_equal(rd64(area + 24), l->xsdt);
	x = table(l->xsdt, "XSDT");
	n = (rd32(x + 4) - 36) / 8;
	assert_int_equal(rd32(x + 4), 36 + 8 * n);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		uint64_t gpa = rd64(x + 36 + 8 * i);
		const uint8_t *t = area + (gpa - ACPI_RSDP_ADDR);

		if (!memcmp(t, "FACP", 4))
			fadt = table(gpa, "FACP");
		else
			madt = table(gpa, "APIC");
	}
	assert_non_null(fadt);
	assert_non_null(madt);
	check_fadt(fadt, l->dsdt);
	check_madt(madt, d->nr_vcpus);
	check_dsdt(table(l->dsdt, "DSDT"), d);
	assert_true(l->total <= AREA);
}

static void test_tables(void **state)
{
	static const unsigned int vcpus[] = {1, 2, 32};
	static const unsigned int mmio[] = {0, 3, ACPI_MAX_MMIO};
	struct errbuf e = {""};
	struct acpi_layout l;
	struct acpi_desc d;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		describe(&d, vcpus[i], mmio[i]);
		if (mmio[i] == ACPI_MAX_MMIO) /* more windows than GSIs: only check the limit */
			for (unsigned int j = 0; j < mmio[i]; j++)
				d.mmio[j].gsi =
				    IRQ_FIRST_FREE + j % (IRQ_LAST - IRQ_FIRST_FREE + 1);
		d.vmgenid_gsi = IRQ_LAST;
		memset(area, 0xa5, sizeof(area));
		assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), 0);
		check_all(&d, &l);
	}
}

static void test_bad_descriptions(void **state)
{
	struct errbuf e = {""};
	struct acpi_layout l;
	struct acpi_desc d;

	describe(&d, 0, 1);
	assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), -EINVAL);
	describe(&d, MAX_VCPUS + 1, 1);
	assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), -EINVAL);
	describe(&d, 1, 1);
	d.nr_mmio = ACPI_MAX_MMIO + 1;
	assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), -EINVAL);
	describe(&d, 1, 1);
	d.mmio[0].gsi = IRQ_LAST + 1;
	assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "MMIO device 0"));
	describe(&d, 1, 1);
	d.mmio[0].base = MMIO_GAP_END;
	assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), -EINVAL);
	describe(&d, 1, 1);
	assert_int_equal(acpi_build(&d, area, 200, &l, &e), -E2BIG);
	assert_int_equal(acpi_build(&d, area, 10, &l, &e), -E2BIG);
}

/* Into guest RAM through acpi_write; too little RAM is an error, not a crash. */
static void test_write(void **state)
{
	struct errbuf e = {""};
	struct guest_mem gm;
	struct acpi_desc d;
	uint64_t rsdp = 0;
	uint8_t sig[8];

	describe(&d, 2, 2);
	assert_int_equal(gm_init(&gm, 2 << 20, &e), 0);
	assert_int_equal(acpi_write(&gm, &d, &rsdp, &e), 0);
	assert_int_equal(rsdp, ACPI_RSDP_ADDR);
	assert_int_equal(gm_read(&gm, sig, rsdp, 8), 0);
	assert_memory_equal(sig, "RSD PTR ", 8);
	gm_destroy(&gm);
	/* Not even the RSDP's area is RAM. */
	assert_int_equal(gm_init(&gm, ACPI_RSDP_ADDR + 4096, &e), 0);
	assert_int_equal(acpi_write(&gm, &d, &rsdp, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "does not cover"));
	gm_destroy(&gm);
}

static void count(void *ctx)
{
	(*(int *)ctx)++;
}

/* Only (S5 << 2) | SLP_EN on the control register powers off. */
static void test_sleep_registers(void **state)
{
	struct acpi_sleep s;
	uint8_t v, r[2] = {0xff, 0xff};
	int offs = 0;

	acpi_sleep_init(&s, count, &offs);
	v = 0x80; /* the guest clears WAK_STS in the status register first */
	acpi_sleep_ops.write(&s, 1, &v, 1);
	v = ACPI_SLP_TYP_S5 << 2 | ACPI_SLP_EN;
	acpi_sleep_ops.write(&s, 1, &v, 1); /* right value, wrong register */
	v = ACPI_SLP_TYP_S5 << 2;	    /* no SLP_EN */
	acpi_sleep_ops.write(&s, 0, &v, 1);
	assert_int_equal(offs, 0);
	v = 3 << 2 | ACPI_SLP_EN; /* S3: not offered */
	acpi_sleep_ops.write(&s, 0, &v, 1);
	assert_int_equal(offs, 0);
	assert_int_equal(atomic_load(&s.ignored), 1);
	v = ACPI_SLP_TYP_S5 << 2 | ACPI_SLP_EN;
	acpi_sleep_ops.write(&s, 0, &v, 1);
	assert_int_equal(offs, 1);
	acpi_sleep_ops.read(&s, 1, r, 1);
	acpi_sleep_ops.read(&s, 0, r + 1, 1);
	assert_int_equal(r[0], 0);
	assert_int_equal(r[1], 0);
}

/* The ID lands in guest RAM; a regeneration changes it and notifies once. */
static void test_vmgenid(void **state)
{
	struct errbuf e = {""};
	uint8_t first[VMGENID_LEN], now[VMGENID_LEN], zero[VMGENID_LEN] = {0};
	struct guest_mem gm;
	struct vmgenid g;
	int raised = 0;

	assert_int_equal(gm_init(&gm, 2 << 20, &e), 0);
	assert_int_equal(vmgenid_init(&g, &gm, VMGENID_ADDR, (struct irq_line){count, &raised}, &e),
			 0);
	assert_int_equal(gm_read(&gm, first, VMGENID_ADDR, sizeof(first)), 0);
	assert_memory_not_equal(first, zero, sizeof(first));
	assert_memory_equal(first, g.id, sizeof(first));
	assert_int_equal(raised, 0);
	assert_int_equal(vmgenid_regenerate(&g, &e), 0);
	assert_int_equal(gm_read(&gm, now, VMGENID_ADDR, sizeof(now)), 0);
	assert_memory_not_equal(first, now, sizeof(now));
	assert_int_equal(raised, 1);
	/* An address outside RAM is an error, not a write elsewhere. */
	assert_int_equal(vmgenid_init(&g, &gm, 4ULL << 30, (struct irq_line){0}, &e), -EFAULT);
	gm_destroy(&gm);
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return st == -1 ? -1 : WEXITSTATUS(st);
}

static void dump(const char *dir, const char *name, uint64_t gpa)
{
	const uint8_t *t = area + (gpa - ACPI_RSDP_ADDR);
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, rd32(t + 4), f), rd32(t + 4));
	fclose(f);
}

/* ACPICA's disassembler reads every table without an error or warning, and
 * the disassembled DSDT compiles again. The one error iasl may report is
 * 6035 on _HID "QEMUVGID" (not a PNP or ACPI id): the name QEMU gave its
 * VMGenID device and the one guests look for. */
static void test_iasl(void **state)
{
	char dir[] = "/tmp/ember-acpi-XXXXXX", cmd[1024];
	struct errbuf e = {""};
	struct acpi_layout l;
	struct acpi_desc d;

	if (run("command -v iasl >/dev/null 2>&1") != 0)
		skip(); /* acpica-tools missing: .ci/install-deps.sh installs it */
	describe(&d, 2, 3);
	assert_int_equal(acpi_build(&d, area, sizeof(area), &l, &e), 0);
	assert_non_null(mkdtemp(dir));
	dump(dir, "dsdt", l.dsdt);
	dump(dir, "facp", l.fadt);
	dump(dir, "apic", l.madt);
	dump(dir, "xsdt", l.xsdt);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && for t in dsdt facp apic xsdt; do iasl -d $t.dat >$t.log 2>&1 || exit 1; "
		 "grep -Eiq '(error|warning)[^s]' $t.log && { cat $t.log; exit 2; }; "
		 "test -s $t.dsl || exit 3; done; iasl -p re dsdt.dsl >re.log 2>&1; "
		 "grep -q ' 0 Warnings' re.log && ! grep -E '^Error' re.log | grep -v ' 6035 ' "
		 "|| { cat re.log; exit 4; }; grep -q 'V002' dsdt.dsl && grep -q LNRO0005 dsdt.dsl",
		 dir);
	assert_int_equal(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(run(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables),	    cmocka_unit_test(test_bad_descriptions),
	    cmocka_unit_test(test_write),	    cmocka_unit_test(test_iasl),
	    cmocka_unit_test(test_sleep_registers), cmocka_unit_test(test_vmgenid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
