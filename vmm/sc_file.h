/*
 * sc_file.h - a user's seccomp filters (--seccomp-filter FILE).
 *
 * The file is what Firecracker's seccompiler-bin writes: a bincode map
 * (little-endian, fixed-width integers) from thread category to BPF
 * program:
 *   u64 entries, then per entry: u64 name length, the name (UTF-8),
 *   u64 instruction count, and that many 8-byte instructions
 *   (u16 code, u8 jt, u8 jf, u32 k).
 * Names are compared in lower case and must be "api", "vmm" and "vcpu",
 * each exactly once, as Firecracker requires all three. An empty program
 * means that kind of thread runs without a filter, as in Firecracker.
 * The file is untrusted input: it is bounded (100 000 bytes, Firecracker's
 * limit; BPF_MAXINSNS instructions a program), nothing may follow the map,
 * and every program must end in a return and jump only inside itself; the
 * kernel checks the rest when a thread installs it.
 */
#ifndef EMBER_SC_FILE_H
#define EMBER_SC_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "syscall_filter.h"

#define SC_FILE_MAX_BYTES 100000

/* sc_file_parse - the programs of @buf (@len bytes) into @out, indexed by
 * enum sc_kind (heap memory: sc_file_free). Returns 0 or -errno with a
 * message in @e; @out is then empty. */
int sc_file_parse(const uint8_t *buf, size_t len, struct sc_prog out[SC_NR_KINDS],
		  struct errbuf *e);

/* sc_file_load - read and parse the file at @path (a regular file). */
int sc_file_load(const char *path, struct sc_prog out[SC_NR_KINDS], struct errbuf *e);

/* sc_file_free - release what sc_file_parse filled in. */
void sc_file_free(struct sc_prog out[SC_NR_KINDS]);

#endif
