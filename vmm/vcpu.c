/* vcpu.c - see vcpu.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bootparams.h"
#include "cpu_template.h"
#include "cpu_config.h"
#include "layout.h"
#include "test_hook.h"
#include "vcpu.h"

#define VCPU_STACK_SIZE (256 * 1024)

/* x86 architectural constants used for the boot state. */
#define X86_CR0_PE	 (1ULL << 0)
#define X86_CR0_ET	 (1ULL << 4)
#define X86_CR0_PG	 (1ULL << 31)
#define X86_CR4_PAE	 (1ULL << 5)
#define EFER_LME	 (1ULL << 8)
#define EFER_LMA	 (1ULL << 10)
#define APIC_LVT0	 0x350
#define APIC_LVT1	 0x360
#define APIC_MODE_NMI	 0x4
#define APIC_MODE_EXTINT 0x7

#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_IA32_TSC		0x10
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MISC_ENABLE_FAST_STRING 1
#define MTRR_ENABLE_WB		((1 << 11) | 6)

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_signal_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) ? -errno : 0;
}

/* Decode a GDT descriptor into KVM's segment form. */
static struct kvm_segment seg_from_gdt(uint64_t d, uint16_t selector)
{
	struct kvm_segment s = {
	    .base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24),
	    .limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16)),
	    .selector = selector,
	    .type = (d >> 40) & 0xf,
	    .s = (d >> 44) & 1,
	    .dpl = (d >> 45) & 3,
	    .present = (d >> 47) & 1,
	    .avl = (d >> 52) & 1,
	    .l = (d >> 53) & 1,
	    .db = (d >> 54) & 1,
	    .g = (d >> 55) & 1,
	};

	if (s.g)
		s.limit = (s.limit << 12) | 0xfff;
	s.unusable = !s.present;
	return s;
}

static int set_sregs(struct vcpu *v, enum boot_protocol proto)
{
	struct kvm_sregs sr;
	uint64_t gdt[4];

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	bootparams_gdt(proto, gdt);
	sr.gdt.base = BOOT_GDT_ADDR;
	sr.gdt.limit = sizeof(gdt) - 1;
	sr.idt.base = BOOT_IDT_ADDR;
	sr.idt.limit = 7;
	sr.cs = seg_from_gdt(gdt[1], 0x08);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = seg_from_gdt(gdt[2], 0x10);
	sr.tr = seg_from_gdt(gdt[3], 0x18);
	if (proto == BOOT_PROTO_PVH) {
		/* PVH: 32-bit protected mode, paging off (PVH ABI). */
		sr.cr0 = X86_CR0_PE | X86_CR0_ET;
		sr.cr4 = 0;
		sr.efer = 0;
	} else {
		sr.cr0 |= X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
		sr.cr3 = PML4_ADDR;
		sr.cr4 |= X86_CR4_PAE;
		sr.efer |= EFER_LME | EFER_LMA;
	}
	return ioctl(v->fd, KVM_SET_SREGS, &sr) < 0 ? -errno : 0;
}

static int set_regs(struct vcpu *v, const struct kernel_info *ki)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rflags = 0x2; /* bit 1 is reserved and always set */
	r.rip = ki->entry;
	if (ki->proto == BOOT_PROTO_PVH) {
		r.rbx = PVH_INFO_ADDR;
	} else {
		r.rsp = r.rbp = BOOT_STACK_ADDR;
		r.rsi = ZERO_PAGE_ADDR;
	}
	return ioctl(v->fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

static int set_msrs(struct vcpu *v)
{
	static const struct {
		uint32_t index;
		uint64_t data;
	} boot_msrs[] = {
	    {MSR_IA32_SYSENTER_CS, 0},
	    {MSR_IA32_SYSENTER_ESP, 0},
	    {MSR_IA32_SYSENTER_EIP, 0},
	    {MSR_STAR, 0},
	    {MSR_CSTAR, 0},
	    {MSR_KERNEL_GS_BASE, 0},
	    {MSR_SYSCALL_MASK, 0},
	    {MSR_LSTAR, 0},
	    {MSR_IA32_TSC, 0},
	    {MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
	    {MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WB},
	};
	enum { N = sizeof(boot_msrs) / sizeof(boot_msrs[0]) };
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[N];
	} m;
	int ret;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = N;
	for (i = 0; i < N; i++) {
		m.e[i].index = boot_msrs[i].index;
		m.e[i].data = boot_msrs[i].data;
	}
	ret = ioctl(v->fd, KVM_SET_MSRS, &m);
	if (ret < 0)
		return -errno;
	return ret == N ? 0 : -EINVAL; /* KVM returns how many it set */
}

/* set_template_msrs - the CPU template's MSR bits over what KVM holds. */
static int set_template_msrs(struct vcpu *v, unsigned int template)
{
	const struct cpu_template_msr *t;
	unsigned int i, n = cpu_template_msrs(template, &t);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.hdr.nmsrs = 1;
		m.e.index = t[i].index;
		if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
			return -ENOTSUP;
		m.e.data = (m.e.data & ~t[i].filter) | (t[i].value & t[i].filter);
		if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
			return -ENOTSUP;
	}
	return 0;
}

/* set_custom_msrs - a custom CPU template's MSR bits over what KVM holds. */
static int set_custom_msrs(struct vcpu *v, const struct cpu_config *c)
{
	struct errbuf e = {""};
	int ret = cpu_config_set_msrs(c, v->fd, &e);

	if (ret)
		log_error(v->env->log, "vCPU %u: %s", v->index, e.msg);
	return ret;
}

static int set_fpu(struct vcpu *v)
{
	struct kvm_fpu f;

	memset(&f, 0, sizeof(f));
	f.fcw = 0x37f; /* x87 default: all exceptions masked, 64-bit precision */
	f.mxcsr = 0x1f80;
	return ioctl(v->fd, KVM_SET_FPU, &f) < 0 ? -errno : 0;
}

static void lapic_set_lvt_mode(struct kvm_lapic_state *l, unsigned int reg, uint32_t mode)
{
	uint32_t val;

	memcpy(&val, &l->regs[reg], 4);
	val = (val & ~0x700u) | (mode << 8); /* delivery mode, bits 10:8 */
	memcpy(&l->regs[reg], &val, 4);
}

static int set_lapic(struct vcpu *v)
{
	struct kvm_lapic_state l;

	if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	lapic_set_lvt_mode(&l, APIC_LVT0, APIC_MODE_EXTINT);
	lapic_set_lvt_mode(&l, APIC_LVT1, APIC_MODE_NMI);
	return ioctl(v->fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

static int set_cpuid(struct vcpu *v, const struct vcpu_boot *b)
{
	struct cpuid_table *t = b->scratch;
	struct errbuf e = {""};
	int ret;

	memcpy(t, b->supported, sizeof(*t));
	ret = cpu_template_apply(b->cpu_template, t, &e);
	if (!ret)
		ret = cpu_config_apply_cpuid(b->custom, t, &e);
	if (ret) {
		log_error(v->env->log, "%s", e.msg);
		return ret;
	}
	ret = cpuid_normalize(t, v->index, b->nr_vcpus, b->smt);
	if (ret)
		return ret;
	return ioctl(v->fd, KVM_SET_CPUID2, t) < 0 ? -errno : 0;
}

static int load_boot_state(struct vcpu *v, const struct vcpu_boot *b)
{
	int ret;

	/* CPUID first: KVM decides which MSRs exist from it. */
	ret = set_cpuid(v, b);
	if (ret) {
		log_error(v->env->log, "vCPU %u: setting CPUID failed: %s", v->index,
			  strerror(-ret));
		return ret;
	}
	ret = set_msrs(v);
	if (!ret)
		ret = set_template_msrs(v, b->cpu_template);
	if (!ret)
		ret = set_custom_msrs(v, b->custom);
	if (!ret)
		ret = set_sregs(v, b->kernel->proto);
	if (!ret)
		ret = set_regs(v, b->kernel);
	if (!ret)
		ret = set_fpu(v);
	if (!ret)
		ret = set_lapic(v);
	if (ret)
		log_error(v->env->log, "vCPU %u: loading the boot state failed: %s", v->index,
			  strerror(-ret));
	return ret;
}

int vcpu_create(struct vcpu *v, unsigned int index, const struct vcpu_env *env,
		const struct vcpu_boot *boot)
{
	void *run;
	int ret;

	memset(v, 0, sizeof(*v));
	v->env = env;
	v->index = index;
	pthread_mutex_init(&v->pause_lock, NULL);
	pthread_cond_init(&v->pause_cond, NULL);
	v->pause_sync = true;
	v->fd = ioctl(env->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		ret = -errno;
		log_error(env->log, "KVM_CREATE_VCPU %u: %s", index, strerror(errno));
		goto err_sync;
	}
	run = mmap(NULL, env->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		log_error(env->log, "mmap of vCPU %u run area: %s", index, strerror(errno));
		goto err_close;
	}
	v->run = run;
	ret = load_boot_state(v, boot);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(v->run, env->run_size);
	v->run = NULL;
err_close:
	close(v->fd);
	v->fd = -1;
err_sync:
	pthread_cond_destroy(&v->pause_cond);
	pthread_mutex_destroy(&v->pause_lock);
	v->pause_sync = false;
	return ret;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *r = v->run;
	uint64_t bytes, end;
	uint8_t *data;
	uint32_t i;

	/* KVM lays the data out inside the run area; check it stays there. */
	if (__builtin_mul_overflow((uint64_t)r->io.size, (uint64_t)r->io.count, &bytes) ||
	    __builtin_add_overflow(bytes, (uint64_t)r->io.data_offset, &end) ||
	    end > (uint64_t)v->env->run_size || r->io.size == 0 || r->io.size > 4)
		return;
	data = (uint8_t *)r + r->io.data_offset;
	atomic_fetch_add(r->io.direction == KVM_EXIT_IO_OUT ? &v->stats.io_out : &v->stats.io_in,
			 1);
	for (i = 0; i < r->io.count; i++, data += r->io.size) {
		if (r->io.direction == KVM_EXIT_IO_OUT)
			bus_write(v->env->pio, r->io.port, data, r->io.size);
		else
			bus_read(v->env->pio, r->io.port, data, r->io.size);
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *r = v->run;

	if (r->mmio.len == 0 || r->mmio.len > sizeof(r->mmio.data))
		return;
	atomic_fetch_add(r->mmio.is_write ? &v->stats.mmio_write : &v->stats.mmio_read, 1);
	if (r->mmio.is_write)
		bus_write(v->env->mmio, r->mmio.phys_addr, r->mmio.data, r->mmio.len);
	else
		bus_read(v->env->mmio, r->mmio.phys_addr, r->mmio.data, r->mmio.len);
}

bool vcpu_handle_exit(struct vcpu *v)
{
	const struct vcpu_env *env = v->env;
	struct kvm_run *r = v->run;

	atomic_fetch_add(&v->stats.exits, 1);
	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		atomic_fetch_add(&v->stats.io_exits, 1);
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		atomic_fetch_add(&v->stats.mmio_exits, 1);
		handle_mmio(v);
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		atomic_fetch_add(&v->stats.other_exits, 1);
		return true;
	case KVM_EXIT_SHUTDOWN:
		log_error(env->log, "vCPU %u: the guest triple-faulted (KVM_EXIT_SHUTDOWN)",
			  v->index);
		vm_exit_request(env->exit, EMBER_EXIT_GENERIC);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		log_info(env->log, "vCPU %u: guest system event %u (%s): stopping", v->index,
			 r->system_event.type,
			 r->system_event.type == KVM_SYSTEM_EVENT_RESET ? "reset" : "shutdown");
		vm_exit_request(env->exit, r->system_event.type == KVM_SYSTEM_EVENT_RESET ||
						   r->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN
					       ? EMBER_EXIT_OK
					       : EMBER_EXIT_GENERIC);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		log_error(env->log, "vCPU %u: KVM entry failed, hardware reason 0x%llx", v->index,
			  (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
		vm_exit_request(env->exit, EMBER_EXIT_GENERIC);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		log_error(env->log, "vCPU %u: KVM internal error, suberror %u%s", v->index,
			  r->internal.suberror,
			  r->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
			      ? " (instruction emulation failed)"
			      : "");
		vm_exit_request(env->exit, EMBER_EXIT_GENERIC);
		return false;
	default:
		log_error(env->log, "vCPU %u: unhandled KVM exit reason %u", v->index,
			  r->exit_reason);
		vm_exit_request(env->exit, EMBER_EXIT_GENERIC);
		return false;
	}
}

/* vcpu_park - wait outside the guest while a pause is requested. */
static void vcpu_park(struct vcpu *v)
{
	pthread_mutex_lock(&v->pause_lock);
	v->parked = true;
	pthread_cond_broadcast(&v->pause_cond);
	while (v->pause_req && !vm_exit_pending(v->env->exit))
		pthread_cond_wait(&v->pause_cond, &v->pause_lock);
	v->parked = false;
	pthread_mutex_unlock(&v->pause_lock);
}

/* The exits that end the VM with an error (not a guest reset). */
static void count_failure(struct vcpu *v)
{
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
	case KVM_EXIT_MMIO:
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (v->run->system_event.type == KVM_SYSTEM_EVENT_RESET ||
		    v->run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			break;
		/* fallthrough */
	default:
		atomic_fetch_add(&v->stats.failures, 1);
	}
}

/* confine - name the thread (itself: naming another thread goes through
 * /proc, which a jail lacks), install the vCPU filter before the first
 * KVM_RUN, and report the result to vcpu_wait_confined(). */
static int confine(struct vcpu *v)
{
	const struct sc_prog *filter = v->env->filter;
	char name[16];
	int ret = 0;

	snprintf(name, sizeof(name), "fc_vcpu %u", v->index);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	if (filter->insns)
		ret = sc_install(filter);
	if (ret) {
		log_error(v->env->log, "vCPU %u: cannot install its seccomp filter: %s", v->index,
			  strerror(-ret));
		atomic_fetch_add(&v->stats.failures, 1);
	}
	pthread_mutex_lock(&v->pause_lock);
	v->confined = true;
	v->confine_err = ret;
	pthread_cond_broadcast(&v->pause_cond);
	pthread_mutex_unlock(&v->pause_lock);
	return ret;
}

/*
 * The run loop. A pause request is seen at the top of the loop: the kick's
 * immediate_exit makes a KVM_RUN that starts after the request return at
 * once (EINTR), and the signal interrupts one already running, so the
 * thread always comes back here to notice it.
 */
static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	const struct vcpu_env *env = v->env;
	bool ran = false;

	if (confine(v))
		goto out;
	while (!vm_exit_pending(env->exit)) {
		if (atomic_load(&v->pause_flag)) {
			if (ran) /* a pause, not the start-up hold */
				test_hook_forbidden(SC_VCPU, v->fd);
			vcpu_park(v);
			continue;
		}
		ran = true;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			log_error(env->log, "vCPU %u: KVM_RUN failed: %s", v->index,
				  strerror(errno));
			atomic_fetch_add(&v->stats.failures, 1);
			vm_exit_request(env->exit, EMBER_EXIT_GENERIC);
			break;
		}
		if (!vcpu_handle_exit(v)) {
			count_failure(v);
			break;
		}
	}
out:
	pthread_mutex_lock(&v->pause_lock);
	v->finished = true;
	pthread_cond_broadcast(&v->pause_cond);
	pthread_mutex_unlock(&v->pause_lock);
	return NULL;
}

int vcpu_start(struct vcpu *v, bool held)
{
	int ret;

	pthread_attr_t attr;

	/* A held thread parks at the top of its run loop until vcpu_resume(). */
	pthread_mutex_lock(&v->pause_lock);
	v->pause_req = held;
	atomic_store(&v->pause_flag, held);
	pthread_mutex_unlock(&v->pause_lock);

	/* A small stack: the run loop is shallow, and a stack under 2 MiB can
	 * never be backed by a transparent huge page (private memory). */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VCPU_STACK_SIZE);
	ret = pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (ret)
		return -ret;
	v->thread_started = true;
	return 0;
}

int vcpu_wait_confined(struct vcpu *v)
{
	int ret;

	if (!v->thread_started)
		return -ESRCH;
	pthread_mutex_lock(&v->pause_lock);
	while (!v->confined)
		pthread_cond_wait(&v->pause_cond, &v->pause_lock);
	ret = v->confine_err;
	pthread_mutex_unlock(&v->pause_lock);
	return ret;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->thread_started)
		return;
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	/* A parked thread sleeps on the condition variable, not in KVM_RUN. */
	pthread_mutex_lock(&v->pause_lock);
	pthread_cond_broadcast(&v->pause_cond);
	pthread_mutex_unlock(&v->pause_lock);
}

void vcpu_pause(struct vcpu *v)
{
	if (!v->thread_started)
		return;
	pthread_mutex_lock(&v->pause_lock);
	v->pause_req = true;
	atomic_store(&v->pause_flag, true);
	pthread_mutex_unlock(&v->pause_lock);
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

void vcpu_wait_parked(struct vcpu *v)
{
	if (!v->thread_started)
		return;
	pthread_mutex_lock(&v->pause_lock);
	while (v->pause_req && !v->parked && !v->finished)
		pthread_cond_wait(&v->pause_cond, &v->pause_lock);
	pthread_mutex_unlock(&v->pause_lock);
}

void vcpu_resume(struct vcpu *v)
{
	if (!v->pause_sync)
		return;
	pthread_mutex_lock(&v->pause_lock);
	v->pause_req = false;
	atomic_store(&v->pause_flag, false);
	pthread_cond_broadcast(&v->pause_cond);
	pthread_mutex_unlock(&v->pause_lock);
}

void vcpu_join_destroy(struct vcpu *v)
{
	if (v->thread_started) {
		pthread_join(v->thread, NULL);
		v->thread_started = false;
	}
	if (v->run)
		munmap(v->run, v->env->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
	if (v->pause_sync) {
		pthread_cond_destroy(&v->pause_cond);
		pthread_mutex_destroy(&v->pause_lock);
		v->pause_sync = false;
	}
}
