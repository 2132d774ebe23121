/* kvm.c - see kvm.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvm.h"
#include "layout.h"

struct kvm_cap_need {
	int cap;
	const char *name;
};

/* Every capability a code path below or in vcpu.c depends on. */
static const struct kvm_cap_need needed_caps[] = {
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
    {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE"},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
    {KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS"},
};

static int open_error(const char *path, int err, struct errbuf *e)
{
	switch (err) {
	case ENOENT:
		return errf(
		    e, -err,
		    "%s does not exist: load the KVM module (modprobe kvm_intel or kvm_amd) and "
		    "check that hardware virtualization (or nested virtualization in a VM) is on",
		    path);
	case EACCES:
	case EPERM:
		return errf(
		    e, -err,
		    "no permission to open %s: run as root or add your user to the group owning "
		    "it (usually 'kvm')",
		    path);
	case ENXIO:
	case ENODEV:
		return errf(
		    e, -err,
		    "%s exists but no KVM driver is behind it: kvm_intel/kvm_amd is not loaded or "
		    "virtualization is disabled in the firmware",
		    path);
	default:
		return errf(e, -err, "cannot open %s: %s", path, strerror(err));
	}
}

static int check_caps(struct kvm *k, struct errbuf *e)
{
	unsigned int i;
	int v = ioctl(k->fd, KVM_GET_API_VERSION, 0);

	if (v != KVM_API_VERSION)
		return errf(e, -ENOTSUP, "KVM API version %d, ember needs %d", v, KVM_API_VERSION);
	for (i = 0; i < sizeof(needed_caps) / sizeof(needed_caps[0]); i++) {
		if (ioctl(k->fd, KVM_CHECK_EXTENSION, needed_caps[i].cap) <= 0)
			return errf(e, -ENOTSUP, "this KVM lacks %s, which ember needs",
				    needed_caps[i].name);
	}
	if (ioctl(k->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) < GM_MAX_REGIONS)
		return errf(e, -ENOTSUP, "this KVM offers fewer than %d memory slots",
			    GM_MAX_REGIONS);
	return 0;
}

int kvm_open(struct kvm *k, const char *path, struct errbuf *e)
{
	int ret;

	memset(k, 0, sizeof(*k));
	k->vm_fd = -1;
	k->fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->fd < 0)
		return open_error(path, errno, e);
	ret = check_caps(k, e);
	if (ret)
		goto err_close;
	k->run_size = ioctl(k->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < (int)sizeof(struct kvm_run)) {
		ret = errf(e, -ENOTSUP, "KVM_GET_VCPU_MMAP_SIZE returned %d", k->run_size);
		goto err_close;
	}
	k->supported.hdr.nent = CPUID_MAX_ENTRIES;
	if (ioctl(k->fd, KVM_GET_SUPPORTED_CPUID, &k->supported) < 0) {
		ret = errf(e, -errno, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto err_close;
	}
	return 0;

err_close:
	close(k->fd);
	k->fd = -1;
	return ret;
}

static int set_memslots(struct kvm *k, const struct guest_mem *gm, struct errbuf *e)
{
	unsigned int i;

	for (i = 0; i < gm->nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
		    .slot = i,
		    .guest_phys_addr = gm->region[i].gpa,
		    .memory_size = gm->region[i].size,
		    .userspace_addr = (uint64_t)(uintptr_t)gm->region[i].hva,
		};

		if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return errf(e, -errno, "KVM_SET_USER_MEMORY_REGION (slot %u, %llu MiB): %s",
				    i, (unsigned long long)(r.memory_size >> 20), strerror(errno));
	}
	return 0;
}

/*
 * When a vCPU halts, KVM by default spins up to halt_poll_ns in the host
 * kernel before sleeping. That CPU is charged to ember, not to the guest,
 * and on a dense host it is taken from other tenants; turn it off for this
 * VM where KVM lets us (KVM_CAP_HALT_POLL, Linux 5.15+). Best effort.
 */
static void disable_halt_polling(struct kvm *k)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_HALT_POLL, .args = {0}};

	if (ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HALT_POLL) > 0)
		ioctl(k->vm_fd, KVM_ENABLE_CAP, &cap);
}

int kvm_create_vm(struct kvm *k, const struct guest_mem *gm, struct errbuf *e)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	uint64_t identity = KVM_IDENTITY_MAP_ADDR;
	int ret;

	k->vm_fd = ioctl(k->fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		return errf(e, -errno, "KVM_CREATE_VM: %s", strerror(errno));
	/* Intel VMX needs the TSS and identity-map pages for real-mode
	 * emulation; both sit in the MMIO gap, away from RAM. */
	if (ioctl(k->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) {
		ret = errf(e, -errno, "KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
		goto err;
	}
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
		ret = errf(e, -errno, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto err;
	}
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		ret = errf(e, -errno, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		goto err;
	}
	if (ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		ret = errf(e, -errno, "KVM_CREATE_PIT2: %s", strerror(errno));
		goto err;
	}
	ret = set_memslots(k, gm, e);
	if (ret)
		goto err;
	disable_halt_polling(k);
	return 0;

err:
	close(k->vm_fd);
	k->vm_fd = -1;
	return ret;
}

int kvm_irqfd(struct kvm *k, unsigned int gsi, struct errbuf *e)
{
	struct kvm_irqfd req = {.gsi = gsi};
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return errf(e, -errno, "eventfd for GSI %u: %s", gsi, strerror(errno));
	req.fd = fd;
	if (ioctl(k->vm_fd, KVM_IRQFD, &req) < 0) {
		int err = errno;

		close(fd);
		return errf(e, -err, "KVM_IRQFD for GSI %u: %s", gsi, strerror(err));
	}
	return fd;
}

void kvm_close(struct kvm *k)
{
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->fd >= 0)
		close(k->fd);
	k->vm_fd = k->fd = -1;
}
