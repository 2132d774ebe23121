/*
 * i8042.c - see i8042.h.
 *
 * A keyboard controller with a keyboard and no auxiliary (mouse) port.
 *
 * Idle status: 0x14 (system flag, keyboard not inhibited), OBF and IBF
 * clear. Why not the 0x01 that makes Linux give up on the controller? That
 * trick suits a VMM with no i8042 at all, but ember must deliver
 * Ctrl+Alt+Del, which only works if Linux's i8042 and atkbd drivers bind.
 * So every path Linux takes is answered at once instead:
 *  - probe: i8042_flush() stops at the first status read (OBF clear);
 *    every command that returns data has its reply in the output buffer
 *    before the guest's next status poll, so i8042_wait_read() never loops,
 *    and IBF never sets, so i8042_wait_write() never loops either.
 *  - AUX probing: the loopback command 0xD3 answers with a byte *without*
 *    the AUX-data status bit (the driver reports "auxerr" immediately) and
 *    the AUX interface test 0xA9 reports a fault, so Linux drops the AUX
 *    port without its 250 ms wait for an IRQ 12 that would never come.
 *  - reboot=k: kb_wait() sees IBF clear at the first read, then the 0xFE
 *    write resets: a handful of exits.
 * The whole probe costs a few dozen exits and no timeouts.
 *
 * The keyboard answers PS/2 commands (ACK, reset BAT, identify) through the
 * output buffer with IRQ 1. Linux's handler takes one byte per interrupt, so
 * each byte that reaches the head of the buffer gets its own edge.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "i8042.h"

/* Status register (read 0x64). */
#define STS_OBF	     0x01 /* output buffer full: a byte waits at 0x60 */
#define STS_IBF	     0x02 /* input buffer full: never, writes are taken at once */
#define STS_SYS	     0x04 /* system flag: self-test passed */
#define STS_CMD	     0x08 /* last write went to 0x64 (command), not 0x60 */
#define STS_UNLOCKED 0x10 /* keyboard inhibit switch off */

/* Controller configuration ("command") byte. */
#define CTR_KBDINT 0x01 /* IRQ 1 on keyboard data */
#define CTR_SYS	   0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE  0x40 /* translate set 2 scancodes to set 1 */

/* Controller commands (write 0x64). */
#define CMD_READ_CTR	  0x20
#define CMD_READ_RAM	  0x21 /* ... 0x3f: internal RAM bytes 1..31 */
#define CMD_READ_RAM_END  0x3f
#define CMD_WRITE_CTR	  0x60
#define CMD_WRITE_RAM	  0x61 /* ... 0x7f */
#define CMD_WRITE_RAM_END 0x7f
#define CMD_AUX_DISABLE	  0xa7
#define CMD_AUX_ENABLE	  0xa8
#define CMD_AUX_TEST	  0xa9
#define CMD_SELF_TEST	  0xaa
#define CMD_KBD_TEST	  0xab
#define CMD_KBD_DISABLE	  0xad
#define CMD_KBD_ENABLE	  0xae
#define CMD_READ_OUTP	  0xd0
#define CMD_WRITE_OUTP	  0xd1
#define CMD_WRITE_KBD	  0xd2 /* next byte appears as keyboard data */
#define CMD_AUX_LOOP	  0xd3 /* next byte appears as AUX data */
#define CMD_WRITE_AUX	  0xd4 /* next byte goes to the AUX device */
#define CMD_PULSE	  0xf0 /* 0xf0..0xff: pulse output port bits 0-3 low */

#define SELF_TEST_OK 0x55
#define PORT_TEST_OK 0x00
/* "Clock line stuck high": the AUX port is unusable, so Linux skips it. */
#define AUX_TEST_FAIL 0x02
#define OUTP_RESET    0x01 /* output port bit 0: CPU reset line, active low */
#define OUTP_DEFAULT  0x03 /* reset inactive, A20 enabled */

/* Keyboard commands (write 0x60) and replies. */
#define KBD_SET_LEDS	0xed
#define KBD_ECHO	0xee
#define KBD_SCANSET	0xf0
#define KBD_IDENTIFY	0xf2
#define KBD_TYPEMATIC	0xf3
#define KBD_RESET	0xff
#define KBD_ACK		0xfa
#define KBD_RESEND	0xfe
#define KBD_BAT_OK	0xaa
#define KBD_ID0		0xab /* MF2 keyboard */
#define KBD_ID1		0x83
#define KBD_SCANSET_CUR 2

/* Ctrl, Alt, Del make codes then their break codes. */
static const uint8_t cad_set2[] = {0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0,
				   0x71, 0xf0, 0x11, 0xf0, 0x14};
static const uint8_t cad_set1[] = {0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d};

/* Work to do once the lock is dropped. */
struct i8042_after {
	bool raise;
	bool reset;
};

void i8042_init(struct i8042 *k, struct irq_line irq, void (*reset)(void *), void *reset_ctx)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->status = STS_SYS | STS_UNLOCKED;
	/* Keyboard interrupt on, translation off: Linux then drives the
	 * keyboard in raw set 2, which is what Ctrl+Alt+Del injects. */
	k->cmd_byte = CTR_KBDINT | CTR_SYS;
	k->outp = OUTP_DEFAULT;
	k->irq = irq;
	k->reset = reset;
	k->reset_ctx = reset_ctx;
}

void i8042_destroy(struct i8042 *k)
{
	pthread_mutex_destroy(&k->lock);
}

static void out_flush(struct i8042 *k)
{
	k->out_head = 0;
	k->out_count = 0;
}

static bool out_push(struct i8042 *k, uint8_t v)
{
	if (k->out_count >= I8042_BUF_SIZE || k->out_head >= I8042_BUF_SIZE)
		return false;
	k->outbuf[(k->out_head + k->out_count) % I8042_BUF_SIZE] = v;
	k->out_count++;
	return true;
}

/*
 * ctl_reply - a controller command's answer. It replaces whatever waited in
 * the output buffer: the driver polls OBF and takes the next byte as the
 * answer. Controller replies raise no interrupt; Linux polls for them.
 */
static void ctl_reply(struct i8042 *k, uint8_t v)
{
	out_flush(k);
	out_push(k, v);
}

/*
 * kbd_reply - bytes from the keyboard. If the buffer was empty the first of
 * them becomes readable now and gets an edge; later ones get theirs when
 * the byte before them is read. Bytes that do not fit are lost.
 */
static void kbd_reply(struct i8042 *k, const uint8_t *v, unsigned int n, struct i8042_after *a)
{
	bool was_empty = k->out_count == 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!out_push(k, v[i]))
			break;
	}
	if (was_empty && k->out_count && (k->cmd_byte & CTR_KBDINT))
		a->raise = true;
}

static void kbd_ack(struct i8042 *k, struct i8042_after *a)
{
	static const uint8_t ack = KBD_ACK;

	kbd_reply(k, &ack, 1, a);
}

/* A byte written to 0x60 with no controller command pending: the keyboard's. */
static void kbd_write(struct i8042 *k, uint8_t v, struct i8042_after *a)
{
	static const uint8_t bat[] = {KBD_ACK, KBD_BAT_OK};
	static const uint8_t id[] = {KBD_ACK, KBD_ID0, KBD_ID1};
	static const uint8_t cur_set[] = {KBD_ACK, KBD_SCANSET_CUR};
	static const uint8_t echo = KBD_ECHO;
	uint8_t param_of = k->kbd_pending;

	k->kbd_pending = 0;
	if (param_of) {
		/* Parameter byte: ACKed; "0xf0 0x00" asks for the current set.
		 * Requests to change set or LEDs are acknowledged and ignored. */
		if (param_of == KBD_SCANSET && v == 0)
			kbd_reply(k, cur_set, sizeof(cur_set), a);
		else
			kbd_ack(k, a);
		return;
	}
	switch (v) {
	case KBD_SET_LEDS:
	case KBD_SCANSET:
	case KBD_TYPEMATIC:
		k->kbd_pending = v;
		kbd_ack(k, a);
		break;
	case KBD_ECHO:
		kbd_reply(k, &echo, 1, a);
		break;
	case KBD_IDENTIFY:
		kbd_reply(k, id, sizeof(id), a);
		break;
	case KBD_RESET:
		out_flush(k);
		kbd_reply(k, bat, sizeof(bat), a);
		break;
	default:
		/* Enable, disable, defaults, resend, ...: nothing to model. */
		kbd_ack(k, a);
		break;
	}
}

/* The data byte of a two-byte controller command. */
static void ctl_data(struct i8042 *k, uint8_t cmd, uint8_t v, struct i8042_after *a)
{
	switch (cmd) {
	case CMD_WRITE_CTR:
		/* Data already waiting gets its edge once interrupts are on. */
		if ((v & CTR_KBDINT) && !(k->cmd_byte & CTR_KBDINT) && k->out_count)
			a->raise = true;
		k->cmd_byte = v;
		break;
	case CMD_WRITE_OUTP:
		k->outp = v;
		if (!(v & OUTP_RESET))
			a->reset = true;
		break;
	case CMD_WRITE_KBD:
		kbd_reply(k, &v, 1, a);
		break;
	case CMD_AUX_LOOP:
	case CMD_WRITE_AUX:
		/* No AUX device: the byte is swallowed and the controller says
		 * "resend", without the AUX-data status bit. */
		ctl_reply(k, KBD_RESEND);
		break;
	default:
		/* Internal RAM writes (0x61..0x7f): not modelled. */
		break;
	}
}

static void ctl_command(struct i8042 *k, uint8_t cmd, struct i8042_after *a)
{
	k->pending_cmd = 0;
	if (cmd >= CMD_PULSE) {
		/* Pulse the output port lines whose bit is 0 in the low nibble;
		 * bit 0 is the CPU reset line (0xfe is the classic reboot). */
		if (!(cmd & OUTP_RESET))
			a->reset = true;
		return;
	}
	if (cmd >= CMD_READ_RAM && cmd <= CMD_READ_RAM_END) {
		ctl_reply(k, 0);
		return;
	}
	if (cmd >= CMD_WRITE_RAM && cmd <= CMD_WRITE_RAM_END) {
		k->pending_cmd = cmd;
		return;
	}
	switch (cmd) {
	case CMD_READ_CTR:
		ctl_reply(k, k->cmd_byte);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTP:
	case CMD_WRITE_KBD:
	case CMD_AUX_LOOP:
	case CMD_WRITE_AUX:
		k->pending_cmd = cmd;
		break;
	case CMD_AUX_DISABLE:
		k->cmd_byte |= CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		k->cmd_byte &= ~CTR_AUXDIS;
		break;
	case CMD_AUX_TEST:
		ctl_reply(k, AUX_TEST_FAIL);
		break;
	case CMD_SELF_TEST:
		ctl_reply(k, SELF_TEST_OK);
		break;
	case CMD_KBD_TEST:
		ctl_reply(k, PORT_TEST_OK);
		break;
	case CMD_KBD_DISABLE:
		k->cmd_byte |= CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		k->cmd_byte &= ~CTR_KBDDIS;
		break;
	case CMD_READ_OUTP:
		ctl_reply(k, k->outp);
		break;
	default:
		/* Unknown or unmodelled (e.g. 0xc0 read input port): ignored,
		 * no reply. */
		break;
	}
}

static void i8042_after(struct i8042 *k, const struct i8042_after *a)
{
	if (a->raise)
		irq_raise(&k->irq);
	if (a->reset && k->reset)
		k->reset(k->reset_ctx);
}

/* Port 0x60. The bus only routes 1-byte accesses here (the range is one
 * port long); any further bytes read as a floating bus. */
static void i8042_data_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	struct i8042 *k = dev;
	struct i8042_after a = {0};

	if (len > 1)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_lock(&k->lock);
	if (k->out_count && k->out_head < I8042_BUF_SIZE) {
		data[0] = k->outbuf[k->out_head];
		k->out_head = (k->out_head + 1) % I8042_BUF_SIZE;
		k->out_count--;
		/* The next byte is now readable: announce it. */
		if (k->out_count && (k->cmd_byte & CTR_KBDINT))
			a.raise = true;
	} else {
		data[0] = 0;
	}
	pthread_mutex_unlock(&k->lock);
	i8042_after(k, &a);
}

static void i8042_data_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct i8042 *k = dev;
	struct i8042_after a = {0};
	uint8_t cmd;

	pthread_mutex_lock(&k->lock);
	k->status &= ~STS_CMD;
	cmd = k->pending_cmd;
	k->pending_cmd = 0;
	if (cmd)
		ctl_data(k, cmd, data[0], &a);
	else
		kbd_write(k, data[0], &a);
	pthread_mutex_unlock(&k->lock);
	i8042_after(k, &a);
}

/* Port 0x64. */
static void i8042_status_read(void *dev, uint64_t off, uint8_t *data, uint32_t len)
{
	struct i8042 *k = dev;

	if (len > 1)
		memset(data + 1, 0xff, len - 1);
	pthread_mutex_lock(&k->lock);
	data[0] = (k->status & ~(STS_OBF | STS_IBF)) | (k->out_count ? STS_OBF : 0);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_command_write(void *dev, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct i8042 *k = dev;
	struct i8042_after a = {0};

	pthread_mutex_lock(&k->lock);
	k->status |= STS_CMD;
	ctl_command(k, data[0], &a);
	pthread_mutex_unlock(&k->lock);
	i8042_after(k, &a);
}

const struct bus_dev_ops i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
};

const struct bus_dev_ops i8042_command_ops = {
    .read = i8042_status_read,
    .write = i8042_command_write,
};

int i8042_send_ctrl_alt_del(struct i8042 *k)
{
	const uint8_t *seq;
	unsigned int n, i;
	bool raise;

	pthread_mutex_lock(&k->lock);
	if (k->cmd_byte & CTR_XLATE) {
		seq = cad_set1;
		n = sizeof(cad_set1);
	} else {
		seq = cad_set2;
		n = sizeof(cad_set2);
	}
	if (I8042_BUF_SIZE - k->out_count < n) {
		pthread_mutex_unlock(&k->lock);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++)
		out_push(k, seq[i]);
	/* Rare and user-driven: pulse even if bytes were already queued, so
	 * a lost edge earlier cannot leave the sequence stranded. */
	raise = k->cmd_byte & CTR_KBDINT;
	pthread_mutex_unlock(&k->lock);
	if (raise)
		irq_raise(&k->irq);
	return 0;
}

/* ---- snapshot state ---- */

#define STS_STICKY (STS_SYS | STS_CMD | STS_UNLOCKED)

void i8042_save(struct i8042 *k, struct i8042_state *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&k->lock);
	s->status = k->status & STS_STICKY;
	s->cmd_byte = k->cmd_byte;
	s->pending_cmd = k->pending_cmd;
	s->kbd_pending = k->kbd_pending;
	s->outp = k->outp;
	for (i = 0; i < k->out_count && i < I8042_BUF_SIZE; i++)
		s->outbuf[i] = k->outbuf[(k->out_head + i) % I8042_BUF_SIZE];
	s->out_count = i;
	pthread_mutex_unlock(&k->lock);
}

/* A controller command that waits for a data byte. */
static bool takes_data(uint8_t cmd)
{
	return (cmd >= CMD_WRITE_CTR && cmd <= CMD_WRITE_RAM_END) || cmd == CMD_WRITE_OUTP ||
	       cmd == CMD_WRITE_KBD || cmd == CMD_AUX_LOOP || cmd == CMD_WRITE_AUX;
}

int i8042_state_check(const struct i8042_state *s, char *why, size_t n)
{
	const char *bad = NULL;
	unsigned int i;

	if (s->status & ~STS_STICKY)
		bad = "status bits that are not stored";
	else if (s->pending_cmd && !takes_data(s->pending_cmd))
		bad = "a pending command that takes no data";
	else if (s->kbd_pending && s->kbd_pending != KBD_SET_LEDS &&
		 s->kbd_pending != KBD_SCANSET && s->kbd_pending != KBD_TYPEMATIC)
		bad = "a pending keyboard command that takes no parameter";
	else if (!(s->outp & OUTP_RESET))
		bad = "the CPU reset line is held";
	else if (s->pad[0] || s->pad[1] || s->pad[2])
		bad = "reserved bytes set";
	else if (s->out_count > I8042_BUF_SIZE)
		bad = "output buffer count over its size";
	for (i = s->out_count; !bad && i < I8042_BUF_SIZE; i++)
		if (s->outbuf[i])
			bad = "output buffer bytes past the count";
	if (!bad)
		return 0;
	if (why && n)
		snprintf(why, n, "i8042: %s", bad);
	return -EINVAL;
}

void i8042_restore(struct i8042 *k, const struct i8042_state *s)
{
	unsigned int count = s->out_count < I8042_BUF_SIZE ? s->out_count : I8042_BUF_SIZE;

	pthread_mutex_lock(&k->lock);
	k->status = s->status & STS_STICKY;
	k->cmd_byte = s->cmd_byte;
	k->pending_cmd = s->pending_cmd;
	k->kbd_pending = s->kbd_pending;
	k->outp = s->outp;
	memcpy(k->outbuf, s->outbuf, count);
	k->out_head = 0;
	k->out_count = count;
	pthread_mutex_unlock(&k->lock);
}
