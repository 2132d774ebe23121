/*
 * vcpu_state.c - see vcpu_state.h.
 *
 * The ordering constraints come from how KVM applies each ioctl: reading
 * the MP state runs the LAPIC's pending INIT/SIPI processing, so it is read
 * first; KVM_SET_REGS clears a pending exception, so the events go after
 * it; KVM_SET_SREGS carries the APIC base, which decides how KVM_SET_LAPIC
 * reads the LAPIC page; and a write of IA32_TSC_DEADLINE is dropped unless
 * the LAPIC timer is already in TSC-deadline mode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vcpu_state.h"

#define MSR_IA32_TSC_DEADLINE 0x6e0

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The MSRs saved: KVM's save/restore list for an x86-64 guest, without the
 * performance counters (ember's guests have no PMU) and with the MTRRs. */
static const uint32_t vcpu_msrs[] = {
    0x10,		      /* TSC */
    0x11,	0x12,	      /* kvm-clock, old numbers: wall clock, system time */
    0x34,		      /* SMI_COUNT */
    0x3a,		      /* FEATURE_CONTROL */
    0x3b,		      /* TSC_ADJUST */
    0x48,		      /* SPEC_CTRL */
    0x8b,		      /* UCODE_REV */
    0xce,		      /* PLATFORM_INFO */
    0xe1,		      /* UMWAIT_CONTROL */
    0x10a,		      /* ARCH_CAPABILITIES */
    0x122,		      /* TSX_CTRL */
    0x140,		      /* MISC_FEATURES_ENABLES */
    0x174,	0x175, 0x176, /* SYSENTER_CS, _ESP, _EIP */
    0x17a,	0x17b,	      /* MCG_STATUS, MCG_CTL */
    0x1a0,		      /* MISC_ENABLE */
    0x1c4,	0x1c5,	      /* XFD, XFD_ERR */
    0x1d9,		      /* DEBUGCTL */
    0x1fc,		      /* POWER_CTL */
    0x200,	0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, /* variable MTRRs */
    0x208,	0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f, 0x250,
    0x258,	0x259,							/* fixed MTRRs */
    0x268,	0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f, 0x277, /* PAT */
    0x2ff,								/* MTRR_DEF_TYPE */
    0x6e0,	/* TSC_DEADLINE: restored after the LAPIC */
    0xda0,	/* XSS */
    0xc0000081, /* STAR */
    0xc0000082, /* LSTAR */
    0xc0000083, /* CSTAR */
    0xc0000084, /* SFMASK */
    0xc0000102, /* KERNEL_GS_BASE */
    0xc0000103, /* TSC_AUX */
    0xc0010015, /* AMD HWCR */
    0xc0010117, /* AMD VM_HSAVE_PA */
    0xc001011f, /* AMD VIRT_SPEC_CTRL */
    0x4b564d00, /* kvm-clock: WALL_CLOCK_NEW */
    0x4b564d01, /* kvm-clock: SYSTEM_TIME_NEW */
    0x4b564d02, /* ASYNC_PF_EN */
    0x4b564d03, /* STEAL_TIME */
    0x4b564d04, /* PV_EOI_EN */
    0x4b564d05, /* POLL_CONTROL */
    0x4b564d06, /* ASYNC_PF_INT */
    0x4b564d07, /* ASYNC_PF_ACK */
};

#define NR_VCPU_MSRS (sizeof(vcpu_msrs) / sizeof(vcpu_msrs[0]))
_Static_assert(NR_VCPU_MSRS <= VCPU_STATE_MAX_MSRS, "VCPU_STATE_MAX_MSRS too small");

struct msr_buf {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[VCPU_STATE_MAX_MSRS];
};

bool vcpu_state_msr_known(uint32_t index)
{
	size_t i;

	for (i = 0; i < NR_VCPU_MSRS; i++)
		if (vcpu_msrs[i] == index)
			return true;
	return false;
}

/* KVM_GET_MSRS stops at the first MSR the vCPU lacks: keep what it read,
 * skip that one, ask for the rest. */
static int save_msrs(int fd, struct vcpu_state *st)
{
	static struct msr_buf zero;
	struct msr_buf b = zero;
	size_t next = 0, i, cnt;
	int ret;

	st->nr_msrs = 0;
	while (next < NR_VCPU_MSRS) {
		cnt = NR_VCPU_MSRS - next;
		memset(&b, 0, sizeof(b));
		b.hdr.nmsrs = (uint32_t)cnt;
		for (i = 0; i < cnt; i++)
			b.e[i].index = vcpu_msrs[next + i];
		ret = ioctl(fd, KVM_GET_MSRS, &b);
		if (ret < 0)
			return -errno;
		if ((size_t)ret > cnt)
			return -EIO;
		memcpy(&st->msrs[st->nr_msrs], b.e, (size_t)ret * sizeof(b.e[0]));
		st->nr_msrs += (uint32_t)ret;
		next += (size_t)ret + 1;
	}
	return 0;
}

static int read_msr(int fd, uint32_t index, uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = index;
	if (ioctl(fd, KVM_GET_MSRS, &m) != 1)
		return -EINVAL;
	*val = m.e.data;
	return 0;
}

/*
 * set_msrs - the saved MSRs but TSC_DEADLINE (@deadline false), or only
 * TSC_DEADLINE (@deadline true). KVM stops at the first MSR it refuses.
 * It lets a host read some MSRs the vCPU lacks (they read 0) but not write
 * them: a refused 0 that the vCPU already reads as 0 is skipped.
 */
static int set_msrs(int fd, const struct vcpu_state *st, bool deadline, uint32_t *refused)
{
	struct msr_buf b;
	uint32_t i, n = 0, next = 0;
	uint64_t cur;
	int ret;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < st->nr_msrs && i < VCPU_STATE_MAX_MSRS; i++)
		if ((st->msrs[i].index == MSR_IA32_TSC_DEADLINE) == deadline)
			b.e[n++] = st->msrs[i];
	while (next < n) {
		b.hdr.nmsrs = n - next;
		memmove(b.e, b.e + next, (size_t)(n - next) * sizeof(b.e[0]));
		n -= next;
		ret = ioctl(fd, KVM_SET_MSRS, &b);
		if (ret < 0)
			return -errno;
		if ((uint32_t)ret >= n)
			return 0;
		if (b.e[ret].data || read_msr(fd, b.e[ret].index, &cur) || cur) {
			*refused = b.e[ret].index;
			return -EINVAL;
		}
		next = (uint32_t)ret + 1;
	}
	return 0;
}

/* KVM_GET_XSAVE refuses (EINVAL) an area over 4 KiB; KVM_SET_XSAVE would
 * read past our buffer then, so restore probes with it too. */
static int get_xsave(int fd, uint8_t *out)
{
	static struct kvm_xsave zero;
	struct kvm_xsave x = zero;

	_Static_assert(sizeof(x.region) == VCPU_STATE_XSAVE_MAX, "kvm_xsave size");
	if (ioctl(fd, KVM_GET_XSAVE, &x) < 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	memcpy(out, x.region, sizeof(x.region));
	return 0;
}

#define KVM_IO(fd, req, p)                                                                         \
	do {                                                                                       \
		if (ioctl(fd, req, p) < 0)                                                         \
			return -errno;                                                             \
	} while (0)

int vcpu_state_save(int vcpu_fd, struct vcpu_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	KVM_IO(vcpu_fd, KVM_GET_MP_STATE, &st->mp_state);
	KVM_IO(vcpu_fd, KVM_GET_REGS, &st->regs);
	KVM_IO(vcpu_fd, KVM_GET_SREGS, &st->sregs);
	ret = get_xsave(vcpu_fd, st->xsave);
	if (ret)
		return ret;
	st->xsave_size = VCPU_STATE_XSAVE_MAX;
	KVM_IO(vcpu_fd, KVM_GET_XCRS, &st->xcrs);
	KVM_IO(vcpu_fd, KVM_GET_DEBUGREGS, &st->debugregs);
	KVM_IO(vcpu_fd, KVM_GET_LAPIC, &st->lapic);
	ret = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (ret <= 0)
		return ret < 0 ? -errno : -EIO;
	st->tsc_khz = (uint32_t)ret;
	st->cpuid.hdr.nent = CPUID_MAX_ENTRIES;
	KVM_IO(vcpu_fd, KVM_GET_CPUID2, &st->cpuid);
	ret = save_msrs(vcpu_fd, st);
	if (ret)
		return ret;
	KVM_IO(vcpu_fd, KVM_GET_VCPU_EVENTS, &st->events);
	/* Make the pending NMI count and SIPI vector part of what is restored. */
	st->events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	return 0;
}

/* Host and saved TSC frequency differ by more than 250 ppm: scale. */
static int restore_tsc_khz(int fd, uint32_t khz)
{
	int cur = ioctl(fd, KVM_GET_TSC_KHZ, 0);
	uint64_t diff;

	if (cur < 0)
		return -errno;
	diff = (uint64_t)cur > khz ? (uint64_t)cur - khz : khz - (uint64_t)cur;
	if (diff * 4000 <= khz) /* 1 / 4000 = 250 ppm */
		return 0;
	return ioctl(fd, KVM_SET_TSC_KHZ, (unsigned long)khz) < 0 ? -errno : 0;
}

/*
 * KVM takes KVM_SET_CPUID2 on a vCPU that has run only if nothing changes,
 * and some kernels (6.1) refuse even the table KVM_GET_CPUID2 just gave: a
 * vCPU that already holds exactly @t keeps it.
 */
static int restore_cpuid(int fd, const struct cpuid_table *t)
{
	struct cpuid_table cur;

	memset(&cur, 0, sizeof(cur));
	cur.hdr.nent = CPUID_MAX_ENTRIES;
	if (ioctl(fd, KVM_GET_CPUID2, &cur) == 0 && cur.hdr.nent == t->hdr.nent &&
	    !memcmp(cur.entry, t->entry, (size_t)t->hdr.nent * sizeof(t->entry[0])))
		return 0;
	return ioctl(fd, KVM_SET_CPUID2, t) < 0 ? -errno : 0;
}

/* One step of the restore: the ioctl and its argument, or a helper. */
enum restore_step {
	RS_CPUID,
	RS_TSC_KHZ,
	RS_MSRS,
	RS_SREGS,
	RS_REGS,
	RS_XSAVE,
	RS_XCRS,
	RS_LAPIC,
	RS_TSC_DEADLINE,
	RS_MP_STATE,
	RS_EVENTS,
	RS_DEBUGREGS,
	RS_NR
};

static const char *const restore_step_name[RS_NR] = {
    "CPUID", "TSC frequency", "MSRs",	      "special registers", "registers", "XSAVE",
    "XCRs",  "LAPIC",	      "TSC deadline", "MP state",	   "events",	"debug registers",
};

static int restore_one(int fd, const struct vcpu_state *st, enum restore_step step,
		       uint32_t *refused)
{
	uint8_t probe[VCPU_STATE_XSAVE_MAX];
	int ret;

	switch (step) {
	case RS_CPUID:
		return restore_cpuid(fd, &st->cpuid);
	case RS_TSC_KHZ:
		return restore_tsc_khz(fd, st->tsc_khz);
	case RS_MSRS:
		return set_msrs(fd, st, false, refused);
	case RS_SREGS:
		return ioctl(fd, KVM_SET_SREGS, &st->sregs) < 0 ? -errno : 0;
	case RS_REGS:
		return ioctl(fd, KVM_SET_REGS, &st->regs) < 0 ? -errno : 0;
	case RS_XSAVE:
		ret = get_xsave(fd, probe);
		if (ret)
			return ret;
		return ioctl(fd, KVM_SET_XSAVE, st->xsave) < 0 ? -errno : 0;
	case RS_XCRS:
		return ioctl(fd, KVM_SET_XCRS, &st->xcrs) < 0 ? -errno : 0;
	case RS_LAPIC:
		return ioctl(fd, KVM_SET_LAPIC, &st->lapic) < 0 ? -errno : 0;
	case RS_TSC_DEADLINE:
		return set_msrs(fd, st, true, refused);
	case RS_MP_STATE:
		return ioctl(fd, KVM_SET_MP_STATE, &st->mp_state) < 0 ? -errno : 0;
	case RS_EVENTS:
		return ioctl(fd, KVM_SET_VCPU_EVENTS, &st->events) < 0 ? -errno : 0;
	case RS_DEBUGREGS:
		return ioctl(fd, KVM_SET_DEBUGREGS, &st->debugregs) < 0 ? -errno : 0;
	default:
		return -EINVAL;
	}
}

int vcpu_state_restore_why(int vcpu_fd, const struct vcpu_state *st, char *why, size_t n)
{
	uint32_t refused = 0;
	unsigned int step;
	int ret;

	if (st->xsave_size != VCPU_STATE_XSAVE_MAX || st->nr_msrs > VCPU_STATE_MAX_MSRS ||
	    st->cpuid.hdr.nent > CPUID_MAX_ENTRIES)
		return fail(why, n, "vCPU state not checked: counts out of range");
	for (step = 0; step < RS_NR; step++) {
		ret = restore_one(vcpu_fd, st, step, &refused);
		if (!ret)
			continue;
		if (why && n && refused)
			snprintf(why, n, "KVM refused MSR 0x%x", refused);
		else if (why && n)
			snprintf(why, n, "KVM refused the %s: %s", restore_step_name[step],
				 strerror(-ret));
		return ret;
	}
	return 0;
}

int vcpu_state_restore(int vcpu_fd, const struct vcpu_state *st)
{
	return vcpu_state_restore_why(vcpu_fd, st, NULL, 0);
}

/* ---- checks of untrusted state ---- */

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

#define X86_CR0_PE    (1ULL << 0)
#define X86_CR0_PG    (1ULL << 31)
#define X86_CR4_PAE   (1ULL << 5)
#define EFER_LME      (1ULL << 8)
#define EFER_LMA      (1ULL << 10)
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_X2  (1ULL << 10)
#define APIC_BASE_EN  (1ULL << 11)
#define RFLAGS_FIXED  (1ULL << 1)
#define RFLAGS_MASK   ((1ULL << 22) - 1)

static bool seg_ok(const struct kvm_segment *s)
{
	return s->type <= 15 && s->present <= 1 && s->dpl <= 3 && s->db <= 1 && s->s <= 1 &&
	       s->l <= 1 && s->g <= 1 && s->avl <= 1 && s->unusable <= 1 && s->padding == 0;
}

static int check_sregs(const struct kvm_sregs *sr, char *why, size_t n)
{
	const struct kvm_segment *seg[] = {&sr->cs, &sr->ds, &sr->es, &sr->fs,
					   &sr->gs, &sr->ss, &sr->tr, &sr->ldt};
	unsigned int i, bits = 0;

	for (i = 0; i < sizeof(seg) / sizeof(seg[0]); i++)
		if (!seg_ok(seg[i]))
			return fail(why, n, "segment register %u has impossible attributes", i);
	if ((sr->cr0 & X86_CR0_PG) && !(sr->cr0 & X86_CR0_PE))
		return fail(why, n, "CR0 has paging without protected mode");
	if (sr->cr8 > 15)
		return fail(why, n, "CR8 %llu is over 15", (unsigned long long)sr->cr8);
	if ((sr->efer & EFER_LME) && (sr->cr0 & X86_CR0_PG)) {
		if (!(sr->cr4 & X86_CR4_PAE) || !(sr->efer & EFER_LMA))
			return fail(why, n, "long mode without PAE or EFER.LMA");
	} else if (sr->efer & EFER_LMA) {
		return fail(why, n, "EFER.LMA set outside long mode");
	}
	if (sr->apic_base & 0xfffULL & ~(APIC_BASE_BSP | APIC_BASE_X2 | APIC_BASE_EN))
		return fail(why, n, "APIC base has reserved bits set");
	if ((sr->apic_base & APIC_BASE_X2) && !(sr->apic_base & APIC_BASE_EN))
		return fail(why, n, "APIC base: x2APIC mode with the APIC disabled");
	for (i = 0; i < sizeof(sr->interrupt_bitmap) / sizeof(sr->interrupt_bitmap[0]); i++)
		bits += (unsigned int)__builtin_popcountll(sr->interrupt_bitmap[i]);
	if (bits > 1)
		return fail(why, n, "%u injected interrupts (at most one exists)", bits);
	return 0;
}

static int check_events(const struct kvm_vcpu_events *ev, char *why, size_t n)
{
	const uint32_t flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			       KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;

	if (ev->flags & ~flags)
		return fail(why, n, "vCPU events flags 0x%x are not ones ember saves", ev->flags);
	if (ev->exception.injected > 1 || ev->exception.pending > 1 ||
	    ev->exception.has_error_code > 1 || ev->exception_has_payload > 1)
		return fail(why, n, "vCPU events: exception flags are not booleans");
	if ((ev->exception.injected || ev->exception.pending) &&
	    (ev->exception.nr > 31 || ev->exception.nr == 2))
		return fail(why, n, "vCPU events: exception vector %u", ev->exception.nr);
	if (ev->exception.pending || ev->exception_has_payload)
		return fail(why, n, "vCPU events: exception payloads are not enabled");
	if (ev->interrupt.injected > 1 || ev->interrupt.soft > 1 || ev->interrupt.shadow > 3)
		return fail(why, n, "vCPU events: impossible interrupt state");
	if (ev->nmi.injected > 1 || ev->nmi.pending > 2 || ev->nmi.masked > 1 || ev->nmi.pad)
		return fail(why, n, "vCPU events: impossible NMI state");
	if (ev->smi.smm > 1 || ev->smi.pending > 1 || ev->smi.smm_inside_nmi > 1 ||
	    ev->smi.latched_init > 1)
		return fail(why, n, "vCPU events: impossible SMM state");
	if (ev->triple_fault.pending || !all_zero(ev->reserved, sizeof(ev->reserved)) ||
	    ev->exception_payload)
		return fail(why, n, "vCPU events: reserved fields are not zero");
	return 0;
}

static int check_msrs(const struct vcpu_state *st, char *why, size_t n)
{
	uint32_t i, j;

	if (st->nr_msrs > VCPU_STATE_MAX_MSRS)
		return fail(why, n, "%u MSRs (at most %u)", st->nr_msrs, VCPU_STATE_MAX_MSRS);
	for (i = 0; i < st->nr_msrs; i++) {
		if (!vcpu_state_msr_known(st->msrs[i].index))
			return fail(why, n, "MSR 0x%x is not one ember saves", st->msrs[i].index);
		if (st->msrs[i].reserved)
			return fail(why, n, "MSR 0x%x: reserved field set", st->msrs[i].index);
		for (j = 0; j < i; j++)
			if (st->msrs[j].index == st->msrs[i].index)
				return fail(why, n, "MSR 0x%x twice", st->msrs[i].index);
	}
	if (!all_zero(&st->msrs[st->nr_msrs],
		      (VCPU_STATE_MAX_MSRS - st->nr_msrs) * sizeof(st->msrs[0])))
		return fail(why, n, "MSR entries past the count are not zero");
	return 0;
}

/* Duplicate leaves are not refused: KVM takes the first, and some hosts'
 * tables have them. */
static int check_cpuid(const struct cpuid_table *t, char *why, size_t n)
{
	uint32_t i, nent = t->hdr.nent;
	const struct kvm_cpuid_entry2 *a;

	if (nent == 0 || nent > CPUID_MAX_ENTRIES)
		return fail(why, n, "%u CPUID entries (1 to %u)", nent, CPUID_MAX_ENTRIES);
	if (t->hdr.padding)
		return fail(why, n, "CPUID: reserved field set");
	for (i = 0; i < nent; i++) {
		a = &t->entry[i];
		if (a->flags & ~(uint32_t)KVM_CPUID_FLAG_SIGNIFCANT_INDEX ||
		    !all_zero(a->padding, sizeof(a->padding)))
			return fail(why, n, "CPUID leaf 0x%x: bad flags or padding", a->function);
	}
	if (!all_zero(&t->entry[nent], (CPUID_MAX_ENTRIES - nent) * sizeof(t->entry[0])))
		return fail(why, n, "CPUID entries past the count are not zero");
	return 0;
}

/* The XSAVE area in standard (uncompacted) form, header at byte 512. */
static int check_xsave(const struct vcpu_state *st, char *why, size_t n)
{
	uint64_t xcomp_bv;

	if (st->xsave_size != VCPU_STATE_XSAVE_MAX)
		return fail(why, n, "XSAVE size %u (must be %u)", st->xsave_size,
			    VCPU_STATE_XSAVE_MAX);
	memcpy(&xcomp_bv, st->xsave + 520, sizeof(xcomp_bv));
	if (xcomp_bv || !all_zero(st->xsave + 528, 48))
		return fail(why, n, "XSAVE header: compacted form or reserved bytes set");
	return 0;
}

static int check_misc(const struct vcpu_state *st, char *why, size_t n)
{
	uint32_t i;

	if (st->tsc_khz == 0 || st->tsc_khz > VCPU_STATE_MAX_TSC_KHZ)
		return fail(why, n, "TSC frequency %u kHz", st->tsc_khz);
	if (st->pad || st->pad2)
		return fail(why, n, "vCPU state: reserved fields set");
	if (!(st->regs.rflags & RFLAGS_FIXED) || (st->regs.rflags & ~RFLAGS_MASK))
		return fail(why, n, "RFLAGS 0x%llx is impossible",
			    (unsigned long long)st->regs.rflags);
	if (st->mp_state.mp_state > KVM_MP_STATE_SIPI_RECEIVED)
		return fail(why, n, "MP state %u", st->mp_state.mp_state);
	if (st->xcrs.nr_xcrs > KVM_MAX_XCRS || st->xcrs.flags ||
	    !all_zero(st->xcrs.padding, sizeof(st->xcrs.padding)))
		return fail(why, n, "XCRs: count %u or reserved fields", st->xcrs.nr_xcrs);
	for (i = 0; i < st->xcrs.nr_xcrs; i++)
		if (st->xcrs.xcrs[i].xcr != 0 || st->xcrs.xcrs[i].reserved ||
		    !(st->xcrs.xcrs[i].value & 1))
			return fail(why, n, "XCR%u = 0x%llx is impossible", st->xcrs.xcrs[i].xcr,
				    (unsigned long long)st->xcrs.xcrs[i].value);
	if (st->debugregs.flags || (st->debugregs.dr6 >> 32) || (st->debugregs.dr7 >> 32) ||
	    !all_zero(st->debugregs.reserved, sizeof(st->debugregs.reserved)))
		return fail(why, n, "debug registers: DR6/DR7 high bits or reserved fields set");
	return 0;
}

int vcpu_state_check(const struct vcpu_state *st, char *why, size_t n)
{
	int ret = check_misc(st, why, n);

	if (!ret)
		ret = check_sregs(&st->sregs, why, n);
	if (!ret)
		ret = check_events(&st->events, why, n);
	if (!ret)
		ret = check_msrs(st, why, n);
	if (!ret)
		ret = check_cpuid(&st->cpuid, why, n);
	if (!ret)
		ret = check_xsave(st, why, n);
	return ret;
}
