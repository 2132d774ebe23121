/*
 * cpu_config_kvm.c - the parts of a custom CPU template that ask KVM: the
 * capabilities it requires and its MSR modifiers; see cpu_config.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "cpu_config.h"

int cpu_config_check_caps(const struct cpu_config *c, int kvm_fd, struct errbuf *e)
{
	unsigned int i;

	for (i = 0; c && i < c->nr_caps; i++) {
		if (c->caps[i].remove)
			continue;
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, (unsigned long)c->caps[i].cap) <= 0)
			return errf(e, -ENOTSUP, "Missing KVM capabilities: %#x", c->caps[i].cap);
	}
	return 0;
}

int cpu_config_set_msrs(const struct cpu_config *c, int vcpu_fd, struct errbuf *e)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;
	unsigned int i;

	for (i = 0; c && i < c->nr_msrs; i++) {
		const struct cpu_config_msr *t = &c->msrs[i];

		memset(&m, 0, sizeof(m));
		m.hdr.nmsrs = 1;
		m.e.index = t->addr;
		if (ioctl(vcpu_fd, KVM_GET_MSRS, &m) != 1)
			return errf(e, -ENOTSUP, "cpu-config: KVM does not have MSR %#x", t->addr);
		m.e.data = (m.e.data & ~t->filter) | (t->value & t->filter);
		if (ioctl(vcpu_fd, KVM_SET_MSRS, &m) != 1)
			return errf(e, -EINVAL, "cpu-config: KVM refused MSR %#x = %#llx", t->addr,
				    (unsigned long long)m.e.data);
	}
	return 0;
}
