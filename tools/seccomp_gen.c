/*
 * seccomp_gen.c - compile ember's seccomp rule table when ember is built.
 *
 *   seccomp_gen > build/gen/sc_programs.h
 *
 * For every thread kind, compiles vmm/syscall_rules.c's table with
 * libseccomp, every feature on and the pid and fds as placeholders
 * (syscall_rules.h), and prints the BPF program as a C array with the
 * instructions sc_build() writes into: those comparing with a placeholder,
 * and the "jeq #nr" of each call a feature needs. Anything sc_build() could
 * not patch safely fails the build: a placeholder anywhere but in a jeq, a
 * slot or gated call the program does not compare with exactly as
 * expected, a call number compared where the accumulator may not hold it.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscall_rules.h"

static const char *const kind_names[SC_NR_KINDS] = {"api", "vmm", "vcpu"};

/* What the accumulator holds before an instruction. */
enum acc { ACC_UNSEEN, ACC_NR, ACC_OTHER, ACC_MIXED };

static int placeholder_slot(unsigned int k)
{
	return k > SC_PLACEHOLDER(SC_NR_SLOTS) && k <= SC_PLACEHOLDER(0)
		   ? (int)(SC_PLACEHOLDER(0) - k)
		   : -1;
}

static void flow_to(enum acc *acc, unsigned int len, unsigned int to, enum acc a)
{
	if (to >= len)
		return;
	if (acc[to] == ACC_UNSEEN)
		acc[to] = a;
	else if (acc[to] != a)
		acc[to] = ACC_MIXED;
}

/* accumulator - where the accumulator holds the call number (BPF jumps
 * only forward: one pass in order sees every predecessor first). */
static void accumulator(const struct sc_prog *p, enum acc *acc)
{
	unsigned int i;

	for (i = 0; i < p->len; i++)
		acc[i] = ACC_UNSEEN;
	acc[0] = ACC_OTHER;
	for (i = 0; i < p->len; i++) {
		const struct sock_filter *f = &p->insns[i];
		enum acc a = acc[i];

		if (BPF_CLASS(f->code) == BPF_RET)
			continue;
		if (BPF_CLASS(f->code) == BPF_JMP) {
			if (BPF_OP(f->code) == BPF_JA) {
				flow_to(acc, p->len, i + 1 + f->k, a);
			} else {
				flow_to(acc, p->len, i + 1 + f->jt, a);
				flow_to(acc, p->len, i + 1 + f->jf, a);
			}
			continue;
		}
		if (f->code == (BPF_LD | BPF_W | BPF_ABS))
			a = f->k == offsetof(struct seccomp_data, nr) ? ACC_NR : ACC_OTHER;
		else if (BPF_CLASS(f->code) != BPF_ST && BPF_CLASS(f->code) != BPF_STX)
			a = ACC_OTHER;
		flow_to(acc, p->len, i + 1, a);
	}
}

/* targets - placeholders for every slot; every feature on. */
static void targets(struct sc_targets *t, int *vcpu, int *tap)
{
	unsigned int i;

	for (i = 0; i < MAX_VCPUS; i++)
		vcpu[i] = (int)SC_PLACEHOLDER(SC_SLOT_VCPU0 + i);
	for (i = 0; i < CFG_MAX_NETS; i++)
		tap[i] = (int)SC_PLACEHOLDER(SC_SLOT_TAP0 + i);
	*t = (struct sc_targets){
	    .pid = (pid_t)SC_PLACEHOLDER(SC_SLOT_PID),
	    .vm_fd = (int)SC_PLACEHOLDER(SC_SLOT_VM),
	    .vcpu_fds = vcpu,
	    .nr_vcpu_fds = MAX_VCPUS,
	    .tap_fds = tap,
	    .nr_tap_fds = CFG_MAX_NETS,
	    .features = ~0u,
	};
}

static bool slot_wanted(enum sc_kind kind, int slot)
{
	switch (kind) {
	case SC_VMM:
		return slot < SC_SLOT_TAP0 || slot >= SC_SLOT_VM;
	case SC_VCPU:
		return slot >= SC_SLOT_VCPU0 && slot < SC_SLOT_VM;
	default:
		return false;
	}
}

static int check_slots(enum sc_kind kind, const struct sc_prog *p, unsigned int *nr)
{
	unsigned int seen[SC_NR_SLOTS] = {0};
	unsigned int i;
	int slot;

	*nr = 0;
	for (i = 0; i < p->len; i++) {
		slot = placeholder_slot(p->insns[i].k);
		if (slot < 0)
			continue;
		if (p->insns[i].code != (BPF_JMP | BPF_JEQ | BPF_K)) {
			fprintf(stderr, "seccomp_gen: %s: placeholder %d in instruction %u\n",
				kind_names[kind], slot, i);
			return -EINVAL;
		}
		seen[slot]++;
		(*nr)++;
	}
	for (slot = 0; slot < SC_NR_SLOTS; slot++)
		if (slot_wanted(kind, slot) != (seen[slot] == 1)) {
			fprintf(stderr, "seccomp_gen: %s: slot %d compared %u times\n",
				kind_names[kind], slot, seen[slot]);
			return -EINVAL;
		}
	return 0;
}

/* find_gates - the instruction of each gated call into @at. */
static int find_gates(enum sc_kind kind, const struct sc_prog *p, const struct sc_gate_rule *g,
		      unsigned int nr_g, unsigned int *at)
{
	enum acc acc[BPF_MAXINSNS];
	unsigned int i, j, n;

	accumulator(p, acc);
	for (j = 0; j < nr_g; j++) {
		for (i = 0, n = 0; i < p->len; i++) {
			const struct sock_filter *f = &p->insns[i];

			if (f->code != (BPF_JMP | BPF_JEQ | BPF_K) || f->k != (unsigned)g[j].nr)
				continue;
			if (acc[i] == ACC_MIXED) {
				fprintf(stderr,
					"seccomp_gen: %s: instruction %u: unknown accumulator\n",
					kind_names[kind], i);
				return -EINVAL;
			}
			if (acc[i] == ACC_NR) {
				at[j] = i;
				n++;
			}
		}
		if (n != 1) {
			fprintf(stderr, "seccomp_gen: %s: call %d compared %u times\n",
				kind_names[kind], g[j].nr, n);
			return -EINVAL;
		}
	}
	return 0;
}

static int emit(enum sc_kind kind)
{
	int vcpu[MAX_VCPUS], tap[CFG_MAX_NETS];
	struct sc_gate_rule g[32];
	unsigned int at[32];
	unsigned int i, nr_patches;
	struct sc_targets t;
	struct sc_prog p;
	int nr_g, slot, ret;

	targets(&t, vcpu, tap);
	nr_g = sc_rules_gated(kind, g, 32);
	if (nr_g < 0)
		return nr_g;
	ret = sc_rules_compile(kind, &t, (int)SC_PLACEHOLDER(SC_SLOT_TTY), &p);
	if (ret)
		return ret;
	ret = check_slots(kind, &p, &nr_patches);
	if (!ret)
		ret = find_gates(kind, &p, g, (unsigned)nr_g, at);
	if (ret)
		goto out;
	printf("static const struct sock_filter sc_insns_%s[%u] = {\n", kind_names[kind], p.len);
	for (i = 0; i < p.len; i++)
		printf("\t{0x%02x, %u, %u, 0x%08x},\n", p.insns[i].code, p.insns[i].jt,
		       p.insns[i].jf, p.insns[i].k);
	printf("};\n\nstatic const struct sc_patch sc_patches_%s[%u] = {\n", kind_names[kind],
	       nr_patches ? nr_patches : 1);
	for (i = 0; i < p.len; i++) {
		slot = placeholder_slot(p.insns[i].k);
		if (slot >= 0)
			printf("\t{%u, %d},\n", i, slot);
	}
	printf("};\n\nstatic const struct sc_gate sc_gates_%s[%d] = {\n", kind_names[kind],
	       nr_g ? nr_g : 1);
	for (i = 0; i < (unsigned)nr_g; i++)
		printf("\t{%u, 0x%02x}, /* call %d */\n", at[i], g[i].need, g[i].nr);
	printf("};\n\n");
	printf("#define SC_TEMPLATE_%s {%u, %u, %d, sc_insns_%s, sc_patches_%s, sc_gates_%s}\n\n",
	       kind_names[kind], p.len, nr_patches, nr_g, kind_names[kind], kind_names[kind],
	       kind_names[kind]);
out:
	free(p.insns);
	return ret;
}

int main(void)
{
	unsigned int k;
	int ret;

	printf("/* Generated by tools/seccomp_gen.c from vmm/syscall_rules.c with libseccomp "
	       "%u.%u.%u: do not edit. */\n\n",
	       seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
	for (k = 0; k < SC_NR_KINDS; k++) {
		ret = emit((enum sc_kind)k);
		if (ret) {
			fprintf(stderr, "seccomp_gen: the %s filter: %s\n", kind_names[k],
				strerror(-ret));
			return 1;
		}
	}
	printf("static const struct sc_template sc_templates[SC_NR_KINDS] = {\n"
	       "\tSC_TEMPLATE_api, SC_TEMPLATE_vmm, SC_TEMPLATE_vcpu};\n");
	return 0;
}
