/*
 * trim.h - hand back what start-up used and the running guest does not.
 *
 * Once the guest runs, ember's private memory is mostly pages of its own
 * binary: fault-around maps file pages in 64 KiB blocks around every fault,
 * and start-up (argument and config parsing, the kernel loader, libc's own
 * initialisation) touches code all over the binary. No other process maps
 * a jailed copy, so each of those pages counts against this microVM.
 * trim_startup() unmaps the read-only segments of the executable (they are
 * still in the page cache: what runs later faults back in, and nothing
 * written is lost, because segments that may be written are left alone)
 * and returns the heap's free memory to the kernel.
 */
#ifndef EMBER_TRIM_H
#define EMBER_TRIM_H

/* trim_startup - as above; makes only madvise and brk calls (allowed by the
 * seccomp filters). Returns how many KiB of the binary were unmapped. */
unsigned long trim_startup(void);

#endif
