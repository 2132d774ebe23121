/*
 * syscall_rules.h - the seccomp rule table, compiled when ember is built.
 *
 * The allow-lists live in one table (syscall_rules.c), each entry with the
 * code path that needs it. That file uses libseccomp and is never linked
 * into ember: tools/seccomp_gen.c compiles the table at build time into one
 * BPF program per thread kind, with every feature's rules in it
 * (build/gen/sc_programs.h), and the unit tests compile it at run time to
 * check that the two agree.
 *
 * sc_build() then only writes values into known instructions:
 * - the pid and the fds an ioctl is pinned to were compiled as
 *   placeholders, one per slot. Each fd class has a fixed number of slots;
 *   the unused ones repeat a used fd of the class (which allows nothing
 *   new), and a class with no fd at all (no tap, no terminal) gets
 *   SC_FD_NEVER, a number above any fd there can be: its requests are then
 *   allowed on that number only, where the kernel answers EBADF. That is
 *   the one difference from a program compiled for the exact fds, which
 *   would trap the call; libseccomp tries every value of an argument, so
 *   repeating another class's fd would allow more;
 * - a call a feature needs (SC_F_*) compares the call number with a
 *   constant; without the feature that constant becomes SC_NR_NEVER, a
 *   number the program has already sent to the bad-arch action (x32 and
 *   beyond), so the rule can never match.
 */
#ifndef EMBER_SYSCALL_RULES_H
#define EMBER_SYSCALL_RULES_H

#include "config.h"
#include "layout.h"
#include "syscall_filter.h"

/* libseccomp compares an argument with its values from the largest down:
 * the placeholders decrease in this order, so a vCPU's KVM_RUN matches at
 * its first comparisons. */
enum sc_slot {
	SC_SLOT_PID,
	SC_SLOT_VCPU0,
	SC_SLOT_TAP0 = SC_SLOT_VCPU0 + MAX_VCPUS,
	SC_SLOT_VM = SC_SLOT_TAP0 + CFG_MAX_NETS,
	SC_SLOT_TTY, /* stdin, with SC_F_TTY */
	SC_NR_SLOTS,
};

/* The value compiled for @slot: distinct from every constant the rules
 * compare with, and a positive int like the pids and fds it stands for. */
#define SC_PLACEHOLDER(slot) (0x5ec00000u + SC_NR_SLOTS - (unsigned)(slot))

/* At or above 0x40000000 (x32), below 0xffffffff (-1, which libseccomp
 * lets through to the call table): never compared with a call number. */
#define SC_NR_NEVER 0x7ffffffeu

/* Above fs.nr_open's largest possible value: no fd ever has it. */
#define SC_FD_NEVER 0x7fffffffu

/* One instruction whose k the run time fills in with @slot's value. */
struct sc_patch {
	unsigned short insn;
	unsigned char slot; /* enum sc_slot */
};

/* One "jeq #nr" of a call only some features allow. */
struct sc_gate {
	unsigned short insn;
	unsigned int need; /* SC_F_*: all of them, or the rule is off */
};

/* A program compiled at build time for one thread kind. */
struct sc_template {
	unsigned short len;
	unsigned short nr_patches;
	unsigned short nr_gates;
	const struct sock_filter *insns;
	const struct sc_patch *patches;
	const struct sc_gate *gates;
};

/* A call of a kind's table that only some features allow. */
struct sc_gate_rule {
	int nr;
	unsigned int need;
};

/* sc_rules_compile - compile the table for @kind and @t (@tty_fd: the
 * terminal restored at exit, with SC_F_TTY) with libseccomp into @out
 * (heap memory, free(out->insns)). Build time and unit tests only.
 * Returns 0 or -errno. */
int sc_rules_compile(enum sc_kind kind, const struct sc_targets *t, int tty_fd,
		     struct sc_prog *out);

/* sc_rules_gated - the calls in @kind's table that need a feature, into
 * @g (room for @max). Returns how many, or -EINVAL when such a call is on
 * another rule too (it could not be switched off alone), -E2BIG. */
int sc_rules_gated(enum sc_kind kind, struct sc_gate_rule *g, unsigned int max);

#endif
