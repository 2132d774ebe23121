/* vm_state.c - see vm_state.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"
#include "vm_state.h"

#define PIT_MAX_COUNT	  0x10000 /* a written 0 means 65536 */
#define PIT_MAX_MODE	  5
#define PIT_MODE_UNSET	  0xff /* a channel never programmed, as KVM resets it */
#define PIT_MAX_RW_STATE  4    /* LSB, MSB, WORD0, WORD1 */
#define IOAPIC_NUM_PINS	  24
#define PIT_FLAG_SPEAKER  0x2 /* KVM_PIT_FLAGS_SPEAKER_DUMMY, missing from older headers */
#define CLOCK_VALID_FLAGS (KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC)

static int get_chip(int vm_fd, uint32_t id, struct kvm_irqchip *c)
{
	memset(c, 0, sizeof(*c));
	c->chip_id = id;
	return ioctl(vm_fd, KVM_GET_IRQCHIP, c) < 0 ? -errno : 0;
}

int vm_state_save(int vm_fd, struct vm_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	ret = get_chip(vm_fd, KVM_IRQCHIP_PIC_MASTER, &st->pic_master);
	if (!ret)
		ret = get_chip(vm_fd, KVM_IRQCHIP_PIC_SLAVE, &st->pic_slave);
	if (!ret)
		ret = get_chip(vm_fd, KVM_IRQCHIP_IOAPIC, &st->ioapic);
	if (ret)
		return ret;
	if (ioctl(vm_fd, KVM_GET_PIT2, &st->pit) < 0)
		return -errno;
	if (ioctl(vm_fd, KVM_GET_CLOCK, &st->clock) < 0)
		return -errno;
	return 0;
}

static int set_or_errno(int vm_fd, unsigned long req, const void *arg)
{
	return ioctl(vm_fd, req, arg) < 0 ? -errno : 0;
}

int vm_state_restore_why(int vm_fd, const struct vm_state *st, bool clock_realtime, char *why,
			 size_t n)
{
	struct kvm_clock_data clock = st->clock;
	const char *step = "PIT";
	int ret;

	ret = set_or_errno(vm_fd, KVM_SET_PIT2, &st->pit);
	/* The host TSC and stability flags describe the saving host: drop them. */
	clock.flags = clock_realtime ? (st->clock.flags & KVM_CLOCK_REALTIME) : 0;
	if (!ret) {
		step = "kvm-clock";
		ret = set_or_errno(vm_fd, KVM_SET_CLOCK, &clock);
	}
	if (!ret) {
		step = "PIC master";
		ret = set_or_errno(vm_fd, KVM_SET_IRQCHIP, &st->pic_master);
	}
	if (!ret) {
		step = "PIC slave";
		ret = set_or_errno(vm_fd, KVM_SET_IRQCHIP, &st->pic_slave);
	}
	if (!ret) {
		step = "IOAPIC";
		ret = set_or_errno(vm_fd, KVM_SET_IRQCHIP, &st->ioapic);
	}
	if (ret && why && n)
		snprintf(why, n, "KVM refused the %s state: %s", step, strerror(-ret));
	return ret;
}

int vm_state_restore(int vm_fd, const struct vm_state *st, bool clock_realtime)
{
	return vm_state_restore_why(vm_fd, st, clock_realtime, NULL, 0);
}

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static int check_pic(const struct kvm_irqchip *c, uint32_t id, const char *name, char *why,
		     size_t n)
{
	const struct kvm_pic_state *p = &c->chip.pic;

	if (c->chip_id != id || c->pad)
		return fail(why, n, "%s: chip id %u", name, c->chip_id);
	if (!all_zero((const uint8_t *)&c->chip + sizeof(*p), sizeof(c->chip) - sizeof(*p)))
		return fail(why, n, "%s: bytes past the PIC state are not zero", name);
	if (p->priority_add > 7 || (p->irq_base & 7) || p->init_state > 3)
		return fail(why, n, "%s: priority %u, vector base 0x%x or init state %u", name,
			    p->priority_add, p->irq_base, p->init_state);
	if (p->read_reg_select > 1 || p->poll > 1 || p->special_mask > 1 || p->auto_eoi > 1 ||
	    p->rotate_on_auto_eoi > 1 || p->special_fully_nested_mode > 1 || p->init4 > 1)
		return fail(why, n, "%s: mode flags are not booleans", name);
	return 0;
}

static int check_ioapic(const struct kvm_irqchip *c, char *why, size_t n)
{
	const struct kvm_ioapic_state *io = &c->chip.ioapic;
	unsigned int i;

	if (c->chip_id != KVM_IRQCHIP_IOAPIC || c->pad)
		return fail(why, n, "IOAPIC: chip id %u", c->chip_id);
	if (!all_zero((const uint8_t *)&c->chip + sizeof(*io), sizeof(c->chip) - sizeof(*io)))
		return fail(why, n, "IOAPIC: bytes past its state are not zero");
	if (io->base_address != IOAPIC_ADDR)
		return fail(why, n, "IOAPIC base 0x%llx (ember's is at 0x%llx)",
			    (unsigned long long)io->base_address, (unsigned long long)IOAPIC_ADDR);
	if (io->ioregsel > 0xff || io->id > 0xf || io->pad || (io->irr >> IOAPIC_NUM_PINS))
		return fail(why, n, "IOAPIC: register select, id or pending pins out of range");
	for (i = 0; i < IOAPIC_NUM_PINS; i++)
		if (io->redirtbl[i].fields.reserve ||
		    !all_zero(io->redirtbl[i].fields.reserved,
			      sizeof(io->redirtbl[i].fields.reserved)))
			return fail(why, n, "IOAPIC pin %u: reserved bits set", i);
	return 0;
}

static int check_pit(const struct kvm_pit_state2 *p, char *why, size_t n)
{
	const struct kvm_pit_channel_state *c;
	unsigned int i;

	if (p->flags & ~(uint32_t)(KVM_PIT_FLAGS_HPET_LEGACY | PIT_FLAG_SPEAKER) ||
	    !all_zero(p->reserved, sizeof(p->reserved)))
		return fail(why, n, "PIT: flags 0x%x or reserved fields", p->flags);
	for (i = 0; i < 3; i++) {
		c = &p->channels[i];
		if (c->count > PIT_MAX_COUNT ||
		    (c->mode > PIT_MAX_MODE && c->mode != PIT_MODE_UNSET) || c->bcd > 1 ||
		    c->gate > 1 || c->rw_mode > 3 || c->read_state > PIT_MAX_RW_STATE ||
		    c->write_state > PIT_MAX_RW_STATE || c->count_latched > PIT_MAX_RW_STATE ||
		    c->status_latched > 1)
			return fail(why, n,
				    "PIT channel %u: count %u, mode %u or state out of range", i,
				    c->count, c->mode);
	}
	return 0;
}

int vm_state_check(const struct vm_state *st, char *why, size_t n)
{
	int ret = check_pic(&st->pic_master, KVM_IRQCHIP_PIC_MASTER, "PIC master", why, n);

	if (!ret)
		ret = check_pic(&st->pic_slave, KVM_IRQCHIP_PIC_SLAVE, "PIC slave", why, n);
	if (!ret)
		ret = check_ioapic(&st->ioapic, why, n);
	if (!ret)
		ret = check_pit(&st->pit, why, n);
	if (ret)
		return ret;
	if ((st->clock.flags & ~(uint32_t)CLOCK_VALID_FLAGS) || st->clock.pad0 ||
	    !all_zero(st->clock.pad, sizeof(st->clock.pad)))
		return fail(why, n, "kvm-clock: flags 0x%x or reserved fields", st->clock.flags);
	return 0;
}
