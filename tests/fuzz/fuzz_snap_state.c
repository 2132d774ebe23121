/* fuzz_snap_state.c - libFuzzer target: the checks of the snapshot state
 * structs read from an untrusted file (vcpu_state, vm_state, UART, i8042,
 * boot timer). The first byte picks the struct, the rest fills it. A check
 * must never crash; a legacy device state it accepts must restore into a
 * live device that still answers its ports, and save back unchanged. */
#include <stdlib.h>
#include <string.h>

#include "boot_timer.h"
#include "i8042.h"
#include "uart.h"
#include "vcpu_state.h"
#include "vm_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fill - @dst from @data (zero-padded), returns the bytes used. */
static void fill(void *dst, size_t n, const uint8_t *data, size_t size)
{
	memset(dst, 0, n);
	memcpy(dst, data, size < n ? size : n);
}

static void fuzz_uart(const uint8_t *data, size_t size)
{
	struct uart_state s, back;
	struct uart u;
	char why[128];
	uint8_t v;
	unsigned int reg;

	fill(&s, sizeof(s), data, size);
	if (uart_state_check(&s, why, sizeof(why))) {
		if (!why[0])
			abort();
		return;
	}
	uart_init(&u, -1, (struct irq_line){0});
	uart_restore(&u, &s);
	uart_save(&u, &back);
	if (memcmp(&s, &back, sizeof(s)))
		abort();
	for (reg = 0; reg < 8; reg++)
		uart_bus_ops.read(&u, reg, &v, 1);
	uart_destroy(&u);
}

static void no_reset(void *ctx)
{
	(void)ctx;
}

static void fuzz_i8042(const uint8_t *data, size_t size)
{
	struct i8042_state s, back;
	struct i8042 k;
	char why[128];
	uint8_t v;

	fill(&s, sizeof(s), data, size);
	if (i8042_state_check(&s, why, sizeof(why))) {
		if (!why[0])
			abort();
		return;
	}
	i8042_init(&k, (struct irq_line){0}, no_reset, NULL);
	i8042_restore(&k, &s);
	i8042_save(&k, &back);
	if (memcmp(&s, &back, sizeof(s)))
		abort();
	while (s.out_count--)
		i8042_data_ops.read(&k, 0, &v, 1);
	i8042_command_ops.read(&k, 0, &v, 1);
	i8042_destroy(&k);
}

static void fuzz_boot_timer(const uint8_t *data, size_t size)
{
	struct boot_timer_state s, back;
	struct boot_timer t;
	struct logger log;
	char why[128];

	fill(&s, sizeof(s), data, size);
	if (boot_timer_state_check(&s, why, sizeof(why))) {
		if (!why[0])
			abort();
		return;
	}
	log_init(&log, NULL);
	log.level = LOG_OFF;
	boot_timer_restore(&t, &s, &log);
	boot_timer_save(&t, &back);
	if (memcmp(&s, &back, sizeof(s)))
		abort();
	log_close(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vcpu_state vs;
	struct vm_state ms;
	char why[160];

	if (!size)
		return 0;
	why[0] = '\0';
	switch (data[0] % 5) {
	case 0:
		fill(&vs, sizeof(vs), data + 1, size - 1);
		if (vcpu_state_check(&vs, why, sizeof(why)) && !why[0])
			abort();
		break;
	case 1:
		fill(&ms, sizeof(ms), data + 1, size - 1);
		if (vm_state_check(&ms, why, sizeof(why)) && !why[0])
			abort();
		break;
	case 2:
		fuzz_uart(data + 1, size - 1);
		break;
	case 3:
		fuzz_i8042(data + 1, size - 1);
		break;
	default:
		fuzz_boot_timer(data + 1, size - 1);
		break;
	}
	return 0;
}
