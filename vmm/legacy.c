/* legacy.c - see legacy.h. */
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
