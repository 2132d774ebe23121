/* snapshot_legacy.c - legacy devices in snapshots; see snapshot_legacy.h. */
#include <errno.h>
#include <string.h>

#include "snapshot_legacy.h"

int snapshot_legacy_add(struct snap_writer *w, struct uart *u, struct i8042 *k,
			const struct boot_timer *bt)
{
	struct snapshot_legacy l;

	memset(&l, 0, sizeof(l));
	uart_save(u, &l.uart);
	i8042_save(k, &l.i8042);
	snap_writer_add(w, SNAP_SEC_UART, 0, &l.uart, sizeof(l.uart));
	snap_writer_add(w, SNAP_SEC_I8042, 0, &l.i8042, sizeof(l.i8042));
	if (bt) {
		boot_timer_save(bt, &l.boot_timer);
		snap_writer_add(w, SNAP_SEC_BOOT_TIMER, 0, &l.boot_timer, sizeof(l.boot_timer));
	}
	return w->err;
}

/* take - section @type, exactly @len bytes, into @dst; -ENOENT if absent. */
static int take(const struct snap_file *f, uint32_t type, void *dst, size_t len)
{
	const struct snap_sec_ref *s = snap_file_find(f, type, 0);

	if (!s)
		return -ENOENT;
	if (s->len != len)
		return -EINVAL;
	memcpy(dst, s->data, len);
	return 0;
}

int snapshot_legacy_check(const struct snap_file *f, struct snapshot_legacy *out, struct errbuf *e)
{
	char why[256] = "";
	int ret;

	memset(out, 0, sizeof(*out));
	if (take(f, SNAP_SEC_UART, &out->uart, sizeof(out->uart)))
		return errf(e, -EINVAL,
			    "The serial port's state is missing or has the wrong size.");
	if (uart_state_check(&out->uart, why, sizeof(why)))
		return errf(e, -EINVAL, "The serial port's state is invalid: %s", why);
	if (take(f, SNAP_SEC_I8042, &out->i8042, sizeof(out->i8042)))
		return errf(e, -EINVAL, "The i8042's state is missing or has the wrong size.");
	if (i8042_state_check(&out->i8042, why, sizeof(why)))
		return errf(e, -EINVAL, "The i8042's state is invalid: %s", why);
	ret = take(f, SNAP_SEC_BOOT_TIMER, &out->boot_timer, sizeof(out->boot_timer));
	if (ret == -EINVAL)
		return errf(e, -EINVAL, "The boot timer's state has the wrong size.");
	out->has_boot_timer = !ret;
	if (out->has_boot_timer && boot_timer_state_check(&out->boot_timer, why, sizeof(why)))
		return errf(e, -EINVAL, "The boot timer's state is invalid: %s", why);
	return 0;
}

void snapshot_legacy_restore(const struct snapshot_legacy *l, struct uart *u, struct i8042 *k,
			     struct boot_timer *bt, struct logger *log)
{
	uart_restore(u, &l->uart);
	i8042_restore(k, &l->i8042);
	if (bt && l->has_boot_timer)
		boot_timer_restore(bt, &l->boot_timer, log);
}
