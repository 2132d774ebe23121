/*
 * device.h - struct dev_ctx: everything a device is given to join the VM.
 *
 * A device never sees struct vm. The device manager (devices.c) fills one
 * dev_ctx per device; the device and its transport register their fds on
 * @loop and nothing else. @loop may be NULL (unit tests): nothing is then
 * watched and the caller drives the device by hand.
 */
#ifndef EMBER_DEVICE_H
#define EMBER_DEVICE_H

#include "bus.h"
#include "guest_mem.h"
#include "kvm.h"
#include "log.h"
#include "loop.h"

struct mmds_store;

struct dev_ctx {
	struct loop *loop;	     /* the event loop that watches the device's fds */
	struct kvm *kvm;	     /* the VM: ioeventfds (NULL: none) */
	struct bus *bus;	     /* the bus the device's registers sit on */
	const struct guest_mem *mem; /* guest RAM, through gm_ptr() only */
	struct logger *log;	     /* may be NULL */
	unsigned int gsi;	     /* the device's interrupt line */
	int irqfd;		     /* KVM irqfd on @gsi (the transport owns it), or -1 */
	/* The metadata store (mmds_store.h): set only for a network interface
	 * that mmds-config lists, NULL otherwise. Not owned; it outlives the
	 * device. */
	struct mmds_store *mmds;
};

#endif
