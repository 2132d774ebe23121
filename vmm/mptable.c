/*
 * mptable.c - see mptable.h.
 *
 * Layouts from the Intel MultiProcessor Specification 1.4, chapter 4. The
 * whole table is assembled in a host buffer, checksummed, and copied into
 * guest RAM with one gm_write, so a failure leaves guest RAM untouched.
 *
 * Interrupt routing: KVM's default GSI routing (arch/x86/kvm/irq_comm.c,
 * default_routing[]) sends GSI i to IOAPIC pin i for i in 0..23, and to PIC
 * pin i too for i < 16. The in-kernel PIT raises GSI 0 (i8254.c), which
 * therefore arrives on IOAPIC pin 0, not on pin 2 as on PC hardware with
 * its "IRQ0 -> INTIN2" override. So every I/O interrupt entry is type INT
 * with source IRQ = destination pin = i, including the timer. There is no
 * ExtINT I/O interrupt entry: the 8259 reaches the CPUs through LINT0
 * (local entry below), and Linux's check_timer() then uses IOAPIC pin 0
 * for IRQ0 directly; an extra ExtINT entry on pin 0 would only alias the
 * INT entry on the same pin.
 */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "mptable.h"

#define MP_SPEC_REV_1_4	  4
#define MP_APIC_VERSION	  0x14 /* integrated LAPIC, as KVM's reports */
#define MP_IOAPIC_VERSION 0x11
#define MP_CPU_SIGNATURE  0x600 /* family 6, model 0, stepping 0 */
#define MP_CPU_FEATURES	  0x201 /* CPUID.1:EDX FPU (bit 0) and APIC (bit 9) */
#define MP_ALL_APICS	  0xff

enum mp_entry_type {
	MP_PROCESSOR = 0,
	MP_BUS = 1,
	MP_IOAPIC = 2,
	MP_IOINTR = 3,
	MP_LINTR = 4,
};

enum mp_irq_type {
	MP_INT = 0,
	MP_NMI = 1,
	MP_EXTINT = 3,
};

#define MP_CPU_ENABLED	  0x1
#define MP_CPU_BSP	  0x2
#define MP_IOAPIC_ENABLED 0x1
#define MP_IRQ_CONFORMING 0 /* polarity and trigger as the bus defines: ISA is edge, high */

/* Floating pointer structure: found by the guest scanning for "_MP_". */
struct mpf {
	char signature[4];
	uint32_t physptr; /* configuration table */
	uint8_t length;	  /* in 16-byte paragraphs */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5]; /* feature[0] = 0: a configuration table follows */
} __attribute__((packed));

struct mpc_header {
	char signature[4];
	uint16_t length; /* header and all base entries */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags;
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;
	uint8_t apic_id;
	uint8_t version;
	uint8_t flags;
	uint32_t addr;
} __attribute__((packed));

/* I/O (type 3) and local (type 4) interrupt entries share one layout. */
struct mpc_intr {
	uint8_t type;
	uint8_t irq_type;
	uint16_t flags;
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;
	uint8_t dst_pin; /* IOAPIC INTIN# or LAPIC LINT# */
} __attribute__((packed));

_Static_assert(sizeof(struct mpf) == 16, "MP floating pointer is one paragraph");
_Static_assert(sizeof(struct mpc_header) == 44, "MP config table header is 44 bytes");
_Static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry is 20 bytes");
_Static_assert(sizeof(struct mpc_bus) == 8, "MP bus entry is 8 bytes");
_Static_assert(sizeof(struct mpc_ioapic) == 8, "MP IOAPIC entry is 8 bytes");
_Static_assert(sizeof(struct mpc_intr) == 8, "MP interrupt entry is 8 bytes");

#define MP_NR_IOINTR (IRQ_LAST + 1)
#define MP_NR_LINTR  2
#define MP_MAX_SIZE                                                                                \
	(sizeof(struct mpf) + sizeof(struct mpc_header) + MAX_VCPUS * sizeof(struct mpc_cpu) +     \
	 sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +                                      \
	 (MP_NR_IOINTR + MP_NR_LINTR) * sizeof(struct mpc_intr))

_Static_assert(IRQ_LAST < 256 && MAX_VCPUS < 255, "IDs and pins fit the 8-bit MP fields");
_Static_assert(MPTABLE_ADDR % 16 == 0, "the floating pointer must be paragraph aligned");

/* Appends entries to the host copy of the table. */
struct mp_builder {
	uint8_t buf[MP_MAX_SIZE];
	size_t len;
	uint16_t entries; /* configuration table entries */
};

static void put(struct mp_builder *b, const void *entry, size_t size)
{
	memcpy(b->buf + b->len, entry, size);
	b->len += size;
	b->entries++;
}

/* Byte that makes the sum of @len bytes at @p, itself included, zero. */
static uint8_t mp_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += p[i];
	return (uint8_t)-sum;
}

static void put_cpus(struct mp_builder *b, unsigned int nr_vcpus)
{
	unsigned int i;

	for (i = 0; i < nr_vcpus; i++) {
		struct mpc_cpu c = {
		    .type = MP_PROCESSOR,
		    .apic_id = (uint8_t)i, /* cpuid.c gives vCPU i APIC ID i */
		    .apic_version = MP_APIC_VERSION,
		    .flags = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0),
		    .signature = MP_CPU_SIGNATURE,
		    .features = MP_CPU_FEATURES,
		};

		put(b, &c, sizeof(c));
	}
}

/* The ISA bus and the IOAPIC, whose ID follows the LAPIC IDs 0..nr-1. */
static void put_bus_ioapic(struct mp_builder *b, uint8_t ioapic_id)
{
	struct mpc_bus bus = {.type = MP_BUS, .bus_id = 0};
	struct mpc_ioapic io = {
	    .type = MP_IOAPIC,
	    .apic_id = ioapic_id,
	    .version = MP_IOAPIC_VERSION,
	    .flags = MP_IOAPIC_ENABLED,
	    .addr = (uint32_t)IOAPIC_ADDR,
	};

	memcpy(bus.bus_type, "ISA   ", sizeof(bus.bus_type));
	put(b, &bus, sizeof(bus));
	put(b, &io, sizeof(io));
}

/* IRQ i of bus 0 to IOAPIC pin i (see the routing note at the top). */
static void put_io_interrupts(struct mp_builder *b, uint8_t ioapic_id)
{
	unsigned int i;

	for (i = 0; i < MP_NR_IOINTR; i++) {
		struct mpc_intr in = {
		    .type = MP_IOINTR,
		    .irq_type = MP_INT,
		    .flags = MP_IRQ_CONFORMING,
		    .src_bus = 0,
		    .src_irq = (uint8_t)i,
		    .dst_apic = ioapic_id,
		    .dst_pin = (uint8_t)i,
		};

		put(b, &in, sizeof(in));
	}
}

/* LINT0 takes the 8259's ExtINT, LINT1 NMI, on every LAPIC (as vcpu.c
 * programs LVT0/LVT1). */
static void put_local_interrupts(struct mp_builder *b)
{
	static const uint8_t type[MP_NR_LINTR] = {MP_EXTINT, MP_NMI};
	unsigned int i;

	for (i = 0; i < MP_NR_LINTR; i++) {
		struct mpc_intr in = {
		    .type = MP_LINTR,
		    .irq_type = type[i],
		    .flags = MP_IRQ_CONFORMING,
		    .src_bus = 0,
		    .src_irq = 0,
		    .dst_apic = MP_ALL_APICS,
		    .dst_pin = (uint8_t)i,
		};

		put(b, &in, sizeof(in));
	}
}

/* Fill in both headers once the entries are in place. */
static void finish(struct mp_builder *b)
{
	struct mpf *f = (struct mpf *)b->buf;
	struct mpc_header *h = (struct mpc_header *)(b->buf + sizeof(*f));

	memcpy(f->signature, "_MP_", 4);
	f->physptr = (uint32_t)(MPTABLE_ADDR + sizeof(*f));
	f->length = 1;
	f->spec_rev = MP_SPEC_REV_1_4;
	f->checksum = mp_checksum(b->buf, sizeof(*f));

	memcpy(h->signature, "PCMP", 4);
	h->length = (uint16_t)(b->len - sizeof(*f));
	h->spec_rev = MP_SPEC_REV_1_4;
	memcpy(h->oem_id, "EMBER   ", sizeof(h->oem_id));
	memcpy(h->product_id, "000000000000", sizeof(h->product_id));
	h->entry_count = b->entries;
	h->lapic_addr = (uint32_t)LAPIC_ADDR;
	h->checksum = mp_checksum((const uint8_t *)h, h->length);
}

int mptable_write(struct guest_mem *gm, unsigned int nr_vcpus, struct errbuf *e)
{
	struct mp_builder b;
	uint64_t end;
	int ret;

	if (nr_vcpus == 0 || nr_vcpus > MAX_VCPUS)
		return errf(e, -EINVAL, "MP table: %u vCPUs is outside 1..%u", nr_vcpus, MAX_VCPUS);

	memset(&b, 0, sizeof(b));
	b.len = sizeof(struct mpf) + sizeof(struct mpc_header);
	put_cpus(&b, nr_vcpus);
	put_bus_ioapic(&b, (uint8_t)nr_vcpus);
	put_io_interrupts(&b, (uint8_t)nr_vcpus);
	put_local_interrupts(&b);
	finish(&b);

	if (__builtin_add_overflow(MPTABLE_ADDR, (uint64_t)b.len, &end) || end > EBDA_END)
		return errf(e, -E2BIG, "MP table: %zu bytes at 0x%llx pass the end of the EBDA",
			    b.len, (unsigned long long)MPTABLE_ADDR);
	ret = gm_write(gm, MPTABLE_ADDR, b.buf, b.len);
	if (ret)
		return errf(e, ret, "MP table: guest RAM does not cover 0x%llx..0x%llx",
			    (unsigned long long)MPTABLE_ADDR, (unsigned long long)end);
	return 0;
}
