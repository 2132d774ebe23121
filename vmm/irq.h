/*
 * irq.h - how a device raises its interrupt, independent of KVM.
 *
 * In ember the line is an eventfd registered with KVM_IRQFD: writing to it
 * pulses the IOAPIC pin (edge). Unit tests plug in a counter instead.
 */
#ifndef EMBER_IRQ_H
#define EMBER_IRQ_H

struct irq_line {
	void (*raise)(void *ctx); /* pulse the interrupt once; may be NULL */
	void *ctx;
};

static inline void irq_raise(const struct irq_line *l)
{
	if (l->raise)
		l->raise(l->ctx);
}

#endif
