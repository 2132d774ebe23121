/*
 * syscall_filter.c - see syscall_filter.h.
 *
 * The rules are in syscall_rules.c; the programs compiled from them when
 * ember was built are in sc_programs.h (tools/seccomp_gen.c). Here the
 * kind's program is copied, given this run's pid and fds, and the rules of
 * features not in use are switched off (syscall_rules.h says how).
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscall_rules.h"

#include "sc_programs.h"

/* fill_class - @n fds into @nr_slots slots from @first: the unused ones
 * repeat the last fd, or with none at all are left as they are. */
static int fill_class(uint32_t *val, unsigned int first, unsigned int nr_slots, const int *fds,
		      unsigned int n)
{
	unsigned int i;

	if (n > nr_slots)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (fds[i] < 0)
			return -EINVAL;
	for (i = 0; i < nr_slots && n; i++)
		val[first + i] = (uint32_t)fds[i < n ? i : n - 1];
	return 0;
}

/* slot_values - what each placeholder becomes for @t; the slots of a
 * class without an fd hold SC_FD_NEVER. */
static int slot_values(const struct sc_targets *t, uint32_t *val)
{
	unsigned int i;
	int ret;

	if (t->pid < 0 || (t->nr_vcpu_fds && !t->vcpu_fds) || (t->nr_tap_fds && !t->tap_fds))
		return -EINVAL;
	for (i = 0; i < SC_NR_SLOTS; i++)
		val[i] = SC_FD_NEVER;
	val[SC_SLOT_PID] = (uint32_t)t->pid;
	if (t->vm_fd >= 0)
		val[SC_SLOT_VM] = (uint32_t)t->vm_fd;
	if (t->features & SC_F_TTY)
		val[SC_SLOT_TTY] = STDIN_FILENO;
	ret = fill_class(val, SC_SLOT_VCPU0, MAX_VCPUS, t->vcpu_fds, t->nr_vcpu_fds);
	return ret ? ret : fill_class(val, SC_SLOT_TAP0, CFG_MAX_NETS, t->tap_fds, t->nr_tap_fds);
}

/* copy_user - a --seccomp-filter program; an empty one (that kind of
 * thread unfiltered, as in Firecracker) becomes "allow everything". */
static int copy_user(const struct sc_prog *user, struct sc_prog *out, struct errbuf *e)
{
	static const struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	const struct sock_filter *src = user->len ? user->insns : &allow;
	unsigned int len = user->len ? user->len : 1;

	out->insns = malloc(len * sizeof(*out->insns));
	if (!out->insns)
		return errf(e, -ENOMEM, "seccomp: out of memory for a filter");
	memcpy(out->insns, src, len * sizeof(*out->insns));
	out->len = (unsigned short)len;
	return 0;
}

int sc_build(enum sc_kind kind, const struct sc_targets *t, struct sc_prog *out, struct errbuf *e)
{
	uint32_t val[SC_NR_SLOTS];
	const struct sc_template *tpl;
	unsigned int i;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((unsigned)kind >= SC_NR_KINDS)
		return errf(e, -EINVAL, "seccomp: unknown thread kind %d", (int)kind);
	if (t->user)
		return copy_user(&t->user[kind], out, e);
	tpl = &sc_templates[kind];
	ret = slot_values(t, val);
	if (ret)
		return errf(e, ret, "seccomp: the %s filter cannot take these fds: %s",
			    sc_kind_name(kind), strerror(-ret));
	out->insns = malloc(tpl->len * sizeof(*out->insns));
	if (!out->insns)
		return errf(e, -ENOMEM, "seccomp: out of memory for the %s filter",
			    sc_kind_name(kind));
	memcpy(out->insns, tpl->insns, tpl->len * sizeof(*out->insns));
	for (i = 0; i < tpl->nr_patches; i++)
		out->insns[tpl->patches[i].insn].k = val[tpl->patches[i].slot];
	for (i = 0; i < tpl->nr_gates; i++)
		if ((t->features & tpl->gates[i].need) != tpl->gates[i].need)
			out->insns[tpl->gates[i].insn].k = SC_NR_NEVER;
	out->len = tpl->len;
	return 0;
}

int sc_install(const struct sc_prog *p)
{
	struct sock_fprog fprog = {.len = p->len, .filter = p->insns};

	if (!p->insns || !p->len)
		return -EINVAL;
	/* Lets an unprivileged process install a filter; the jailer set it too. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0 ? -errno : 0;
}

void sc_prog_free(struct sc_prog *p)
{
	free(p->insns);
	p->insns = NULL;
	p->len = 0;
}

const char *sc_kind_name(enum sc_kind kind)
{
	static const char *const names[SC_NR_KINDS] = {"api", "vmm", "vcpu"};

	return (unsigned)kind < SC_NR_KINDS ? names[kind] : "?";
}
