/*
 * dirty_log.h - which guest pages changed since the last snapshot (Diff
 * snapshots, machine-config track_dirty_pages).
 *
 * Two sources, merged per memory slot (slot i = guest_mem region i):
 *  - the guest's own writes: KVM_MEM_LOG_DIRTY_PAGES on the slots, read
 *    and cleared with KVM_GET_DIRTY_LOG;
 *  - the VMM's writes (virtio devices DMA into guest memory, kvm-clock
 *    pages aside, which KVM logs itself): KVM does not see writes through
 *    ember's own mapping, so gm_ptr(), the one accessor, marks every page
 *    it hands out in a per-region bitmap (dirty_bitmap.h). It cannot tell a
 *    read from a write, so descriptor tables and buffers the device only
 *    read are counted too: a Diff may hold a few pages too many, never one
 *    too few.
 * A page is dirty if either says so. dirty_log_fetch() moves both into the
 * result and starts both afresh; the iterators walk the result.
 *
 * Threads: the bitmaps are atomic; fetch with every vCPU paused (pause_vm)
 * so no guest write slips between fetch and the memory copy. Start on the
 * event-loop thread before its seccomp filter is installed (vm_build, or a
 * snapshot load before the vCPUs run): re-registering a memory slot is not
 * in the filter, KVM_GET_DIRTY_LOG (fetch) is.
 */
#ifndef EMBER_DIRTY_LOG_H
#define EMBER_DIRTY_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "dirty_bitmap.h"
#include "guest_mem.h"

struct dirty_log_slot {
	uint64_t gpa, size;
	struct dirty_bitmap vmm;    /* marked by gm_ptr() */
	struct dirty_bitmap result; /* what the last fetch found */
	uint64_t *kvm_words;	    /* KVM_GET_DIRTY_LOG's buffer */
};

struct dirty_log {
	int vm_fd;
	struct guest_mem *gm; /* its vmm_dirty[] point into @slot while on */
	unsigned int nr_slots;
	bool on;
	struct dirty_log_slot slot[GM_MAX_REGIONS];
};

/* dirty_log_start - allocate the bitmaps, turn KVM's logging on for every
 * slot (re-registering it with KVM_MEM_LOG_DIRTY_PAGES) and hook the VMM's
 * bitmaps into @gm. Call once @gm's mapping is final (after a snapshot
 * load maps its memory file). 0 or -errno (nothing left on). */
int dirty_log_start(struct dirty_log *dl, int vm_fd, struct guest_mem *gm);

/* dirty_log_fetch - every vCPU paused: the pages dirtied since the start or
 * the previous fetch into the result (replacing it); both sources start
 * afresh. A Full snapshot fetches too, and ignores the result. 0 or -errno. */
int dirty_log_fetch(struct dirty_log *dl);

/* dirty_log_count - pages in the result. */
uint64_t dirty_log_count(const struct dirty_log *dl);

/* Walking the result: start with a zeroed iterator. */
struct dirty_log_iter {
	unsigned int slot;
	uint64_t page; /* next page of that slot to look at */
};

/* dirty_log_next_page - the next dirty 4 KiB page's guest address. */
bool dirty_log_next_page(const struct dirty_log *dl, struct dirty_log_iter *it, uint64_t *gpa);

/* dirty_log_next_run - the next run of contiguous dirty pages (one write
 * each): guest address and length in bytes, never straddling two slots. */
bool dirty_log_next_run(const struct dirty_log *dl, struct dirty_log_iter *it, uint64_t *gpa,
			uint64_t *len);

/* dirty_log_stop - unhook @gm and free; KVM keeps logging (the VM is being
 * torn down: no ioctl, so it is safe under the filter). Safe on a zeroed or
 * stopped struct. */
void dirty_log_stop(struct dirty_log *dl);

#endif
