/* acpi_sleep.c - see acpi_sleep.h. */
#include <string.h>

#include "acpi.h"
#include "acpi_sleep.h"

void acpi_sleep_init(struct acpi_sleep *s, void (*power_off)(void *), void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->power_off = power_off;
	s->ctx = ctx;
	atomic_init(&s->ignored, 0);
}

static void sleep_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	memset(data, 0, len);
}

static void sleep_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct acpi_sleep *s = dev;
	uint8_t v = data[0];

	if (off != 0 || !(v & ACPI_SLP_EN))
		return; /* the status register, or control without SLP_EN */
	if ((v & ACPI_SLP_TYP_MASK) >> 2 != ACPI_SLP_TYP_S5) {
		atomic_fetch_add(&s->ignored, 1);
		return;
	}
	if (s->power_off)
		s->power_off(s->ctx);
}

const struct bus_dev_ops acpi_sleep_ops = {
    .read = sleep_read,
    .write = sleep_write,
};
