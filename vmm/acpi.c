/*
 * acpi.c - see acpi.h. Layouts from the ACPI 6.5 specification: 5.2.5 RSDP,
 * 5.2.6 the common header, 5.2.8 XSDT, 5.2.9 FADT (revision 6, 276 bytes),
 * 5.2.12 MADT, 5.2.11.1 DSDT; the DSDT's AML comes from aml.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "aml.h"
#include "layout.h"

#define OEM_ID	     "EMBER "	/* 6 bytes */
#define OEM_TABLE_ID "EMBERVM " /* 8 bytes */
#define CREATOR_ID   "EMBR"
#define HDR_LEN	     36
#define RSDP_LEN     36
#define RSDP_V1_LEN  20
#define TABLE_ALIGN  16

#define FADT_LEN	     276
#define FADT_REVISION	     6
#define FADT_MINOR	     5
#define FADT_DSDT	     40
#define FADT_IAPC	     109
#define FADT_FLAGS	     112
#define FADT_MINOR_OFF	     131
#define FADT_X_DSDT	     140
#define FADT_SLEEP_CTL	     244
#define FADT_SLEEP_STS	     256
#define FADT_HV_ID	     268
#define FADT_PWR_BUTTON	     (1u << 4) /* power button is a control-method device */
#define FADT_SLP_BUTTON	     (1u << 5) /* sleep button likewise */
#define FADT_HW_REDUCED	     (1u << 20)
#define IAPC_VGA_NOT_PRESENT (1u << 2)

#define MADT_REVISION	 5
#define MADT_PCAT_COMPAT 1 /* the in-kernel 8259 pair exists */
#define MADT_LAPIC	 0
#define MADT_IOAPIC	 1
#define MADT_ISO	 2
#define MADT_LAPIC_NMI	 4

#define GAS_SYSTEM_IO 1
#define GAS_BYTE      1

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return (uint8_t)-s;
}

/* The common header; the checksum goes in last, by finish_table. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);
}

static void finish_table(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

/* Generic Address Structure: one byte in system I/O space. */
static void gas_io8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8; /* register bit width */
	p[2] = 0; /* bit offset */
	p[3] = GAS_BYTE;
	put64(p + 4, port);
}

/* The area being filled: host bytes standing for guest memory at @gpa. */
struct area {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint64_t gpa;
};

static uint8_t *reserve(struct area *ar, size_t len, uint64_t *gpa)
{
	size_t at = (ar->len + TABLE_ALIGN - 1) & ~(size_t)(TABLE_ALIGN - 1);

	if (at > ar->cap || len > ar->cap - at)
		return NULL;
	ar->len = at + len;
	*gpa = ar->gpa + at;
	memset(ar->buf + at, 0, len);
	return ar->buf + at;
}

static void dsdt_legacy(struct aml *a)
{
	aml_device_begin(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	aml_resources_begin(a);
	aml_res_io(a, SERIAL_PORT_BASE, 8);
	aml_res_irq(a, SERIAL_IRQ);
	aml_end(a);
	aml_end(a);

	aml_device_begin(a, "PS2_");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0303");
	aml_name(a, "_CRS");
	aml_resources_begin(a);
	aml_res_io(a, 0x60, 1);
	aml_res_io(a, 0x64, 1);
	aml_res_irq(a, I8042_IRQ);
	aml_end(a);
	aml_end(a);
}

static void dsdt_mmio(struct aml *a, const struct acpi_mmio_dev *m, unsigned int i)
{
	char name[5] = {'V', (char)('0' + i / 100 % 10), (char)('0' + i / 10 % 10),
			(char)('0' + i % 10), 0};

	aml_device_begin(a, name);
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_UID");
	aml_integer(a, i);
	aml_name(a, "_CRS");
	aml_resources_begin(a);
	aml_res_mem32(a, (uint32_t)m->base, m->size);
	aml_res_interrupt(a, m->gsi, 1);
	aml_end(a);
	aml_end(a);
}

/* VMGenID: the driver evaluates ADDR (low, high dword of the ID's address)
 * and listens for Notify 0x80, which the GED's _EVT sends for its GSI. */
static void dsdt_vmgenid(struct aml *a, const struct acpi_desc *d)
{
	aml_device_begin(a, "VGEN");
	aml_name(a, "_HID");
	aml_string(a, "QEMUVGID");
	aml_name(a, "_CID");
	aml_string(a, "VM_Gen_Counter");
	aml_name(a, "_DDN");
	aml_string(a, "VM_Gen_Counter");
	aml_name(a, "ADDR");
	aml_package_begin(a, 2);
	aml_integer(a, d->vmgenid_gpa & 0xffffffffu);
	aml_integer(a, d->vmgenid_gpa >> 32);
	aml_end(a);
	aml_end(a);
	if (!d->vmgenid_gsi)
		return;
	aml_device_begin(a, "GED_");
	aml_name(a, "_HID");
	aml_string(a, "ACPI0013");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	aml_resources_begin(a);
	aml_res_interrupt(a, d->vmgenid_gsi, 1);
	aml_end(a);
	aml_method_begin(a, "_EVT", 1, 1);
	aml_if_begin(a);
	aml_op(a, AML_LEQUAL);
	aml_op(a, AML_ARG0);
	aml_integer(a, d->vmgenid_gsi);
	aml_op(a, AML_NOTIFY);
	aml_namestring(a, "\\_SB_.VGEN");
	aml_integer(a, 0x80);
	aml_end(a);
	aml_end(a);
	aml_end(a);
}

static int build_dsdt(const struct acpi_desc *d, struct area *ar, uint64_t *gpa, struct errbuf *e)
{
	unsigned int i;
	struct aml a;
	uint8_t *t;
	size_t len;
	int ret;

	t = reserve(ar, HDR_LEN, gpa);
	if (!t)
		return errf(e, -E2BIG, "ACPI: no room for the DSDT");
	aml_init(&a, t + HDR_LEN, ar->cap - ar->len);
	aml_scope_begin(&a, "\\_SB_");
	dsdt_legacy(&a);
	for (i = 0; i < d->nr_mmio; i++)
		dsdt_mmio(&a, &d->mmio[i], i);
	if (d->vmgenid_gpa)
		dsdt_vmgenid(&a, d);
	aml_end(&a);
	if (d->sleep_port) {
		aml_name(&a, "_S5_");
		aml_package_begin(&a, 2);
		aml_integer(&a, ACPI_SLP_TYP_S5);
		aml_integer(&a, 0);
		aml_end(&a);
	}
	ret = aml_finish(&a, &len);
	if (ret)
		return errf(e, ret, "ACPI: encoding the DSDT: %s", strerror(-ret));
	ar->len += len;
	header(t, "DSDT", (uint32_t)(HDR_LEN + len), 2);
	finish_table(t, (uint32_t)(HDR_LEN + len));
	return 0;
}

static int build_fadt(const struct acpi_desc *d, struct area *ar, uint64_t dsdt, uint64_t *gpa,
		      struct errbuf *e)
{
	uint8_t *t = reserve(ar, FADT_LEN, gpa);

	if (!t)
		return errf(e, -E2BIG, "ACPI: no room for the FADT");
	header(t, "FACP", FADT_LEN, FADT_REVISION);
	put32(t + FADT_DSDT, (uint32_t)dsdt);
	put16(t + FADT_IAPC, IAPC_VGA_NOT_PRESENT);
	put32(t + FADT_FLAGS, FADT_HW_REDUCED | FADT_PWR_BUTTON | FADT_SLP_BUTTON);
	t[FADT_MINOR_OFF] = FADT_MINOR;
	put64(t + FADT_X_DSDT, dsdt);
	if (d->sleep_port) {
		gas_io8(t + FADT_SLEEP_CTL, d->sleep_port);
		gas_io8(t + FADT_SLEEP_STS, (uint16_t)(d->sleep_port + 1));
	}
	memcpy(t + FADT_HV_ID, "EMBER   ", 8);
	finish_table(t, FADT_LEN);
	return 0;
}

static int build_madt(const struct acpi_desc *d, struct area *ar, uint64_t *gpa, struct errbuf *e)
{
	size_t len = HDR_LEN + 8 + 8 * d->nr_vcpus + 12 + 10 + 6;
	uint8_t *t = reserve(ar, len, gpa), *p;
	unsigned int i;

	if (!t)
		return errf(e, -E2BIG, "ACPI: no room for the MADT");
	header(t, "APIC", (uint32_t)len, MADT_REVISION);
	put32(t + HDR_LEN, (uint32_t)LAPIC_ADDR);
	put32(t + HDR_LEN + 4, MADT_PCAT_COMPAT);
	p = t + HDR_LEN + 8;
	for (i = 0; i < d->nr_vcpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i; /* ACPI processor UID */
		p[3] = (uint8_t)i; /* APIC ID */
		put32(p + 4, 1);   /* enabled */
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = (uint8_t)d->nr_vcpus;
	put32(p + 4, (uint32_t)IOAPIC_ADDR);
	put32(p + 8, 0); /* GSI base */
	p += 12;
	p[0] = MADT_ISO; /* ISA IRQ 0 -> GSI 0, bus-conforming flags */
	p[1] = 10;
	p[2] = 0;
	p[3] = 0;
	put32(p + 4, 0);
	put16(p + 8, 0);
	p += 10;
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff; /* all processors */
	put16(p + 3, 0);
	p[5] = 1; /* LINT1 */
	finish_table(t, (uint32_t)len);
	return 0;
}

static int build_xsdt(struct area *ar, const uint64_t *tables, unsigned int n, uint64_t *gpa,
		      struct errbuf *e)
{
	size_t len = HDR_LEN + 8 * n;
	uint8_t *t = reserve(ar, len, gpa);
	unsigned int i;

	if (!t)
		return errf(e, -E2BIG, "ACPI: no room for the XSDT");
	header(t, "XSDT", (uint32_t)len, 1);
	for (i = 0; i < n; i++)
		put64(t + HDR_LEN + 8 * i, tables[i]);
	finish_table(t, (uint32_t)len);
	return 0;
}

static void build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memset(p, 0, RSDP_LEN);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, OEM_ID, 6);
	p[15] = 2; /* ACPI 2.0+: XSDT and the extended checksum */
	put32(p + 20, RSDP_LEN);
	put64(p + 24, xsdt);
	p[8] = checksum(p, RSDP_V1_LEN);
	p[32] = checksum(p, RSDP_LEN);
}

static int check_desc(const struct acpi_desc *d, struct errbuf *e)
{
	unsigned int i;

	if (d->nr_vcpus == 0 || d->nr_vcpus > MAX_VCPUS)
		return errf(e, -EINVAL, "ACPI: %u vCPUs is outside 1..%u", d->nr_vcpus, MAX_VCPUS);
	if (d->nr_mmio > ACPI_MAX_MMIO)
		return errf(e, -EINVAL, "ACPI: %u MMIO devices, at most %u", d->nr_mmio,
			    ACPI_MAX_MMIO);
	for (i = 0; i < d->nr_mmio; i++)
		if (d->mmio[i].base + d->mmio[i].size > MMIO_GAP_END || !d->mmio[i].size ||
		    d->mmio[i].gsi > IRQ_LAST)
			return errf(e, -EINVAL,
				    "ACPI: MMIO device %u (0x%llx, GSI %u) is out of range", i,
				    (unsigned long long)d->mmio[i].base, d->mmio[i].gsi);
	if (d->vmgenid_gsi > IRQ_LAST || (d->vmgenid_gsi && !d->vmgenid_gpa))
		return errf(e, -EINVAL, "ACPI: VMGenID GSI %u is invalid", d->vmgenid_gsi);
	return 0;
}

int acpi_build(const struct acpi_desc *d, uint8_t *area, size_t cap, struct acpi_layout *out,
	       struct errbuf *e)
{
	struct area ar = {.buf = area, .cap = cap, .len = RSDP_LEN, .gpa = ACPI_RSDP_ADDR};
	uint64_t tables[2];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = check_desc(d, e);
	if (ret)
		return ret;
	if (cap < RSDP_LEN)
		return errf(e, -E2BIG, "ACPI: no room for the RSDP");
	ret = build_dsdt(d, &ar, &out->dsdt, e);
	if (!ret)
		ret = build_fadt(d, &ar, out->dsdt, &out->fadt, e);
	if (!ret)
		ret = build_madt(d, &ar, &out->madt, e);
	tables[0] = out->fadt;
	tables[1] = out->madt;
	if (!ret)
		ret = build_xsdt(&ar, tables, 2, &out->xsdt, e);
	if (ret)
		return ret;
	build_rsdp(area, out->xsdt);
	out->rsdp = ACPI_RSDP_ADDR;
	out->total = ar.len;
	return 0;
}

int acpi_write(struct guest_mem *gm, const struct acpi_desc *d, uint64_t *rsdp, struct errbuf *e)
{
	size_t cap = ACPI_TABLES_END - ACPI_RSDP_ADDR;
	struct acpi_layout l;
	uint8_t *area;
	int ret;

	/* Built in place: no host buffer to allocate (and keep) for a few
	 * hundred bytes; a failure fails the whole VM build anyway. */
	area = gm_ptr(gm, ACPI_RSDP_ADDR, cap);
	if (!area)
		return errf(e, -EFAULT, "ACPI: guest RAM does not cover 0x%llx..0x%llx",
			    (unsigned long long)ACPI_RSDP_ADDR,
			    (unsigned long long)ACPI_TABLES_END);
	ret = acpi_build(d, area, cap, &l, e);
	if (!ret)
		*rsdp = l.rsdp;
	return ret;
}
