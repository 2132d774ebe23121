/*
 * legacy.c - see legacy.h.
 *
 * An unclaimed port reads 0xff, which is right for most of the ISA space
 * (the 8250 driver finds no COM2-4, Fintek/SuperIO probes fail fast) but
 * wrong for a few ports whose all-ones value makes the guest wait:
 *
 *   0x70-0x71  CMOS/RTC index and data. ember has no RTC (like Firecracker
 *              on x86; the guest's wall clock comes from kvm-clock). Data
 *              reads return 0, so status register A's update-in-progress
 *              bit (0x80) is clear and Linux does not poll it for a second.
 *              Writes to the index are kept (bit 7 is the NMI mask); data
 *              writes are dropped.
 *   0x80       POST code / the kernel's I/O delay port: writes are kept as
 *              the last POST code, reads return 0.
 *   0x87       DMA page register (channel 0): writes ignored, reads 0.
 *
 * PCI configuration ports 0xcf8-0xcff are deliberately left unclaimed:
 * with no PCI host bridge, all-ones is the correct "no device" answer.
 */
#include <string.h>

#include "legacy.h"

/* Offsets 0 (index) and 1 (data) from CMOS_PORT. Wider accesses are split
 * into byte accesses, as the ISA bus would. */
static void cmos_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	/* Every register reads 0: in particular status A's UIP bit. */
	memset(data, 0, len);
}

static void cmos_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct legacy_ports *lp = dev;
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (off + i == 0)
			atomic_store(&lp->cmos_index, data[i]);
	}
}

static void zero_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	memset(data, 0, len);
}

static void post_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct legacy_ports *lp = dev;

	atomic_store(&lp->post_code, data[0]);
}

static void ignore_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
}

static const struct bus_dev_ops cmos_ops = {
    .read = cmos_read,
    .write = cmos_write,
};

static const struct bus_dev_ops post_ops = {
    .read = zero_read,
    .write = post_write,
};

static const struct bus_dev_ops dma_page_ops = {
    .read = zero_read,
    .write = ignore_write,
};

int legacy_ports_register(struct legacy_ports *lp, struct bus *pio)
{
	int ret;

	atomic_store(&lp->cmos_index, 0);
	atomic_store(&lp->post_code, 0);
	ret = bus_add(pio, CMOS_PORT, 2, &cmos_ops, lp);
	if (ret)
		return ret;
	ret = bus_add(pio, POST_PORT, 1, &post_ops, lp);
	if (ret)
		return ret;
	return bus_add(pio, DMA_PAGE0_PORT, 1, &dma_page_ops, lp);
}
