/*
 * snapshot_legacy.h - the legacy devices' sections of a snapshot: the
 * serial port, the i8042 and (when attached) the boot timer. Each state is
 * a plain struct owned by its device (uart.h, i8042.h, boot_timer.h); this
 * file puts them into the state file, takes them back out with their size
 * and their device's check, and restores them.
 */
#ifndef EMBER_SNAPSHOT_LEGACY_H
#define EMBER_SNAPSHOT_LEGACY_H

#include <stdbool.h>

#include "boot_timer.h"
#include "i8042.h"
#include "snapshot_file.h"
#include "uart.h"

struct snapshot_legacy {
	bool has_boot_timer;
	struct uart_state uart;
	struct i8042_state i8042;
	struct boot_timer_state boot_timer;
};

/* snapshot_legacy_add - the devices' states into @w; @bt may be NULL. */
int snapshot_legacy_add(struct snap_writer *w, struct uart *u, struct i8042 *k,
			const struct boot_timer *bt);

/* snapshot_legacy_check - the sections of @f into @out, each the right size
 * and accepted by its device's check; the serial port and i8042 must be
 * there. 0 or -EINVAL with @e set. */
int snapshot_legacy_check(const struct snap_file *f, struct snapshot_legacy *out, struct errbuf *e);

/* snapshot_legacy_restore - into freshly initialised devices; @bt may be NULL. */
void snapshot_legacy_restore(const struct snapshot_legacy *l, struct uart *u, struct i8042 *k,
			     struct boot_timer *bt, struct logger *log);

#endif
