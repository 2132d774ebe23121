/*
 * vmmsample.h - what vmmstat reads about a running VMM: its CPU time and
 * memory from /proc, and KVM's exit counters from debugfs.
 */
#ifndef EMBER_PERF_VMMSAMPLE_H
#define EMBER_PERF_VMMSAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Sentinel for "could not be read": printed as NA. */
#define NA UINT64_MAX

/*
 * KVM's debugfs vCPU statistics, each summed over every live VM (the test
 * host runs one VM at a time), sampled as deltas. "exits" counts every VM
 * exit, including those KVM handles in the kernel; the others are kinds of
 * exit: io_exits every port I/O intercept (on SVM also those served by the
 * in-kernel PIT/PIC), mmio_exits MMIO completed by the VMM, pf_taken nested
 * page faults (first touch of guest RAM, MMIO), halt_exits HLT, irq_exits
 * host interrupts during guest mode, irq_window_exits waits to inject an
 * interrupt, insn_emulation instructions KVM emulated, signal_exits KVM_RUN
 * calls cut short by a signal.
 */
struct kvm_counter {
	const char *file; /* name under the debugfs kvm directory */
	const char *key;  /* field name in the BENCH line */
};

#define NR_KVM_COUNTERS 9
extern const struct kvm_counter kvm_counters[NR_KVM_COUNTERS];

/* Everything measured at the marker instant; NA where unreadable. */
struct sample {
	uint64_t wall_ms;
	uint64_t cpu_ms;
	uint64_t proc_cpu_ms;
	uint64_t ctr[NR_KVM_COUNTERS];
	uint64_t priv_kib;
	uint64_t rss_kib;
	uint64_t guest_rss_kib;
	uint64_t guest_maps;
	uint64_t threads;
};

/* read_kvm_counters - every counter in @dir into @v[NR_KVM_COUNTERS]. */
void read_kvm_counters(const char *dir, uint64_t *v);

/*
 * sample_cpu - the VMM's own CPU time (utime + stime - guest_time), summed
 * over its live threads (cpu_ms, threads) and for the whole process
 * including exited threads (proc_cpu_ms).
 */
void sample_cpu(pid_t pid, struct sample *s);

/*
 * sample_smaps - Private_Clean + Private_Dirty over every mapping except the
 * guest RAM (anonymous mappings of exactly @mem_bytes), Rss over all, and
 * the Rss and count of the guest-RAM mappings. @verbose lists every mapping
 * on stderr with how it was classified.
 */
void sample_smaps(pid_t pid, uint64_t mem_bytes, bool verbose, struct sample *s);

#endif
