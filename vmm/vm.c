/* vm.c - building and tearing down the microVM; see vm.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi.h"
#include "bootparams.h"
#include "devices.h"
#include "mptable.h"
#include "mmds_store.h"
#include "uffd.h"
#include "vm.h"

void vm_init(struct vm *vm, const struct cli_opts *opts)
{
	unsigned int i;

	memset(vm, 0, sizeof(*vm));
	vm->opts = opts;
	log_init(&vm->log, opts ? opts->id : NULL);
	config_init(&vm->cfg);
	vm->kvm.fd = vm->kvm.vm_fd = -1;
	vm->uart_irqfd = vm->i8042_irqfd = -1;
	vm->serial_out_fd = -1;
	loop_init(&vm->loop);
	vm_exit_init(&vm->exit);
	console_init(&vm->console);
	vm->vmgenid_irqfd = -1;		       /* ACPI */
	vm->restore_mem_fd = vm->uffd_fd = -1; /* snapshot restore */
	vm->seccomp_on = opts && !opts->no_seccomp;
	for (i = 0; i < MAX_VCPUS; i++)
		vm->vcpu[i].fd = -1;
}

/* vm_restoring - a snapshot load builds this VM: no boot state. */
static bool vm_restoring(const struct vm *vm)
{
	return vm->restore_mem_fd >= 0 || vm->restore_uffd_path;
}

/* A whole file mapped read-only; the loaders bound-check everything in it. */
struct file_map {
	const uint8_t *data;
	size_t len;
};

static int map_file(const char *what, const char *path, uint64_t max, struct file_map *m,
		    struct errbuf *e)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block */
	if (fd < 0)
		return errf(e, -errno, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = errf(e, -errno, "%s %s: %s", what, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = errf(e, -EINVAL, "%s %s: not a regular file", what, path);
		goto out;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > max) {
		ret = errf(e, -EFBIG, "%s %s: size %lld is %s", what, path, (long long)st.st_size,
			   st.st_size ? "larger than guest RAM can hold" : "zero");
		goto out;
	}
	m->len = st.st_size;
	m->data = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m->data == MAP_FAILED) {
		m->data = NULL;
		ret = errf(e, -errno, "%s %s: mmap: %s", what, path, strerror(errno));
	}
out:
	close(fd);
	return ret;
}

static void unmap_file(struct file_map *m)
{
	if (m->data)
		munmap((void *)m->data, m->len);
	m->data = NULL;
}

/* The kernel command line: the user's (or Firecracker's default) plus what
 * ember's platform requires, then the devices (root=, virtio_mmio.device=). */
static int build_cmdline(struct vm *vm, struct errbuf *e)
{
	const char *base =
	    vm->cfg.boot_source.boot_args ? vm->cfg.boot_source.boot_args : CFG_DEFAULT_CMDLINE;
	/* There is no PCI bus: spare the guest 256 buses of config-space probes. */
	const char *extra = strstr(base, "pci=off") ? "" : " pci=off";
	int n = snprintf(vm->cmdline, sizeof(vm->cmdline), "%s%s%s", base, extra,
			 devices_cmdline(vm->devices));

	if (n < 0 || (size_t)n >= sizeof(vm->cmdline))
		return errf(e, -E2BIG, "kernel command line is longer than %zu bytes",
			    sizeof(vm->cmdline) - 1);
	return 0;
}

static int load_images(struct vm *vm, struct errbuf *e)
{
	const struct cfg_boot_source *bs = &vm->cfg.boot_source;
	struct file_map kernel = {0}, initrd = {0};
	uint64_t initrd_gpa = 0, initrd_size = 0;
	int ret;

	ret = map_file("kernel image", bs->kernel_image_path, gm_low_end(&vm->mem), &kernel, e);
	if (ret)
		return ret;
	ret = loader_kernel(&vm->mem, kernel.data, kernel.len, &vm->kernel, e);
	unmap_file(&kernel);
	if (ret)
		return ret;
	log_info(&vm->log, "Kernel loaded using %s boot protocol (%s), entry 0x%llx",
		 vm->kernel.proto == BOOT_PROTO_PVH ? "PVH" : "Linux 64-bit",
		 vm->kernel.format == KERNEL_ELF ? "ELF vmlinux" : "bzImage",
		 (unsigned long long)vm->kernel.entry);
	if (bs->initrd_path) {
		ret = map_file("initrd", bs->initrd_path, gm_low_end(&vm->mem), &initrd, e);
		if (ret)
			return ret;
		ret = loader_initrd(&vm->mem, &vm->kernel, initrd.data, initrd.len, &initrd_gpa, e);
		initrd_size = initrd.len;
		unmap_file(&initrd);
		if (ret)
			return ret;
	}
	ret = build_cmdline(vm, e);
	if (ret)
		return ret;
	return bootparams_setup(&vm->mem, &vm->kernel, vm->cmdline, initrd_gpa, initrd_size, e);
}

static void irqfd_raise(void *ctx)
{
	int fd = *(int *)ctx;
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: an interrupt is pending anyway. */
	if (write(fd, &one, sizeof(one)) < 0) {
	}
}

static void i8042_reset(void *ctx)
{
	struct vm *vm = ctx;

	/* Linux's reboot=k path writes 0xFE up to ten times; report it once. */
	if (vm_exit_pending(&vm->exit))
		return;
	log_info(&vm->log, "guest reset through the i8042 controller: stopping the VM");
	vm_exit_request(&vm->exit, EMBER_EXIT_OK);
}

static int open_serial_out(struct vm *vm, struct errbuf *e)
{
	const char *path = vm->opts ? vm->opts->serial_out : NULL;

	if (!path) {
		vm->serial_out_fd = dup(STDOUT_FILENO);
		if (vm->serial_out_fd < 0)
			return errf(e, -errno, "dup(stdout): %s", strerror(errno));
		return 0;
	}
	vm->serial_out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (vm->serial_out_fd < 0)
		return errf(e, -errno, "serial output %s: %s", path, strerror(errno));
	return 0;
}

static int add_legacy_devices(struct vm *vm, struct errbuf *e)
{
	int ret;

	ret = open_serial_out(vm, e);
	if (ret)
		return ret;
	vm->uart_irqfd = kvm_irqfd(&vm->kvm, SERIAL_IRQ, e);
	if (vm->uart_irqfd < 0)
		return vm->uart_irqfd;
	vm->i8042_irqfd = kvm_irqfd(&vm->kvm, I8042_IRQ, e);
	if (vm->i8042_irqfd < 0)
		return vm->i8042_irqfd;
	uart_init(&vm->uart, vm->serial_out_fd,
		  (struct irq_line){.raise = irqfd_raise, .ctx = &vm->uart_irqfd});
	i8042_init(&vm->i8042, (struct irq_line){.raise = irqfd_raise, .ctx = &vm->i8042_irqfd},
		   i8042_reset, vm);
	vm->legacy_ready = true;
	ret = bus_add(&vm->pio, SERIAL_PORT_BASE, 8, &uart_bus_ops, &vm->uart);
	if (!ret)
		ret = bus_add(&vm->pio, 0x60, 1, &i8042_data_ops, &vm->i8042);
	if (!ret)
		ret = bus_add(&vm->pio, 0x64, 1, &i8042_command_ops, &vm->i8042);
	if (!ret)
		ret = legacy_ports_register(&vm->legacy, &vm->pio);
	if (!ret && vm->opts && vm->opts->boot_timer)
		ret = bus_add(&vm->mmio, BOOT_TIMER_ADDR, BOOT_TIMER_SIZE, &boot_timer_ops,
			      &vm->boot_timer);
	if (ret)
		return errf(e, ret, "registering legacy devices: %s", strerror(-ret));
	return 0;
}

/* --- ACPI: tables, power-off registers, VMGenID (acpi.h, acpi_sleep.h, vmgenid.h) --- */

static void acpi_power_off(void *ctx)
{
	struct vm *vm = ctx;

	if (vm_exit_pending(&vm->exit))
		return;
	log_info(&vm->log, "guest powered off through ACPI: stopping the VM");
	vm_exit_request(&vm->exit, EMBER_EXIT_OK);
}

/* Whether the kernel command line holds WORD as a whole argument. */
static bool cmdline_has_word(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(cmdline, word); p; p = strstr(p + 1, word))
		if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * "noapic" (firecracker-containerd's default arguments) asks for the legacy
 * PIC, which a hardware-reduced ACPI platform does not have: Linux would run
 * with no interrupt controller for its devices, and KVM's never-programmed
 * PIC would deliver them as exception vectors. Such a guest gets no ACPI
 * tables and boots as before ACPI: MP table, command-line devices.
 */
static bool vm_acpi_wanted(struct vm *vm)
{
	if (!cmdline_has_word(vm->cmdline, "noapic"))
		return true;
	log_info(&vm->log, "boot args hold \"noapic\": no ACPI tables (a hardware-reduced ACPI "
			   "platform has no legacy PIC); MP table and command-line devices only");
	return false;
}

static int vm_acpi_setup(struct vm *vm, struct errbuf *e)
{
	struct irq_line genid_irq = {0};
	uint64_t base[ACPI_MAX_MMIO];
	unsigned int gsi[ACPI_MAX_MMIO], i;
	struct acpi_desc d = {.nr_vcpus = vm->nr_vcpus, .sleep_port = ACPI_SLEEP_PORT};
	uint64_t rsdp;
	int ret;

	d.nr_mmio = devices_windows(vm->devices, base, gsi, ACPI_MAX_MMIO);
	for (i = 0; i < d.nr_mmio; i++)
		d.mmio[i] = (struct acpi_mmio_dev){
		    .base = base[i], .size = VIRTIO_MMIO_SIZE, .gsi = gsi[i]};
	/* VMGenID's notification takes the next free GSI, if one is left. */
	d.vmgenid_gpa = VMGENID_ADDR;
	if (IRQ_FIRST_FREE + d.nr_mmio <= IRQ_LAST) {
		d.vmgenid_gsi = IRQ_FIRST_FREE + d.nr_mmio;
		vm->vmgenid_irqfd = kvm_irqfd(&vm->kvm, d.vmgenid_gsi, e);
		if (vm->vmgenid_irqfd < 0)
			return vm->vmgenid_irqfd;
		genid_irq = (struct irq_line){.raise = irqfd_raise, .ctx = &vm->vmgenid_irqfd};
	} else {
		log_warn(&vm->log, "VMGenID: no GSI left for its change notification");
	}
	ret = vmgenid_init(&vm->vmgenid, &vm->mem, VMGENID_ADDR, genid_irq, e);
	/* A restored guest has its tables already (snapshot restore). */
	if (!ret && !vm_restoring(vm) && vm_acpi_wanted(vm)) {
		ret = acpi_write(&vm->mem, &d, &rsdp, e);
		if (!ret)
			ret = bootparams_set_rsdp(&vm->mem, vm->kernel.proto, rsdp, e);
	}
	if (ret)
		return ret;
	acpi_sleep_init(&vm->acpi_sleep, acpi_power_off, vm);
	ret = bus_add(&vm->pio, ACPI_SLEEP_PORT, ACPI_SLEEP_REGS, &acpi_sleep_ops, &vm->acpi_sleep);
	if (ret)
		return errf(e, ret, "registering the ACPI sleep registers: %s", strerror(-ret));
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	const struct vcpu_boot boot = {
	    .supported = &vm->kvm.supported,
	    .scratch = &vm->cpuid,
	    .nr_vcpus = vm->nr_vcpus,
	    .smt = vm->cfg.machine.smt,
	    .cpu_template = vm->cfg.machine.cpu_template,
	    .custom = vm->cfg.cpu_config,
	    .kernel = &vm->kernel,
	};
	unsigned int i;
	int ret;

	vm->vcpu_env = (struct vcpu_env){
	    .vm_fd = vm->kvm.vm_fd,
	    .run_size = vm->kvm.run_size,
	    .pio = &vm->pio,
	    .mmio = &vm->mmio,
	    .log = &vm->log,
	    .exit = &vm->exit,
	    .filter = &vm->seccomp[SC_VCPU],
	};
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_create(&vm->vcpu[i], i, &vm->vcpu_env, &boot);
		if (ret)
			return ret;
		vm->nr_vcpus_created++;
	}
	return 0;
}

/* The virtio devices, each given a dev_ctx on this VM's loop and MMIO bus. */
static int attach_devices(struct vm *vm, struct errbuf *e)
{
	const struct dev_ctx base = {
	    .loop = &vm->loop,
	    .kvm = &vm->kvm,
	    .bus = &vm->mmio,
	    .mem = &vm->mem,
	    .log = &vm->log,
	    .irqfd = -1,
	    .mmds = vm->mmds,
	};

	return devices_attach(&vm->devices, &vm->cfg, &base, e);
}

int vm_build(struct vm *vm)
{
	struct errbuf e = {""};
	uint64_t ram;
	int ret;

	boot_timer_start(&vm->boot_timer, &vm->log);
	vm->nr_vcpus = vm->cfg.machine.vcpu_count;
	if (__builtin_mul_overflow(vm->cfg.machine.mem_size_mib, 1ULL << 20, &ram)) {
		log_error(&vm->log, "mem_size_mib %llu is too large",
			  (unsigned long long)vm->cfg.machine.mem_size_mib);
		return -E2BIG;
	}
	if (vm->restore_mem_fd >= 0) /* snapshot restore: RAM from the memory file */
		ret = gm_init_file(&vm->mem, ram, vm->restore_mem_fd, &e);
	else
		ret = gm_init(&vm->mem, ram, &e);
	if (!ret && vm->restore_uffd_path) { /* before anything touches guest RAM */
		vm->uffd_fd = uffd_connect_send(&vm->mem, vm->restore_uffd_path, &e);
		ret = vm->uffd_fd < 0 ? vm->uffd_fd : 0;
	}
	if (!ret && vm->cfg.machine.huge_pages == HUGE_PAGES_TRANSPARENT &&
	    gm_advise_hugepages(&vm->mem))
		log_warn(&vm->log, "transparent huge pages not available for guest RAM");
	if (!ret)
		ret = kvm_open(&vm->kvm, "/dev/kvm", &e);
	if (!ret)
		ret = kvm_create_vm(&vm->kvm, &vm->mem, &e);
	if (!ret && vm->cfg.machine.track_dirty_pages) { /* Diff snapshots */
		ret = dirty_log_start(&vm->dirty, vm->kvm.vm_fd, &vm->mem);
		if (ret)
			errf(&e, ret, "cannot track dirty pages: %s", strerror(-ret));
	}
	if (!ret)
		ret = attach_devices(vm, &e);
	if (!ret && !vm_restoring(vm))
		ret = load_images(vm, &e);
	if (!ret && !vm_restoring(vm))
		ret = mptable_write(&vm->mem, vm->nr_vcpus, &e);
	if (!ret)
		ret = vm_acpi_setup(vm, &e); /* ACPI */
	if (!ret)
		ret = add_legacy_devices(vm, &e);
	if (ret) {
		log_error(&vm->log, "%s", e.msg);
		return ret;
	}
	ret = create_vcpus(vm);
	if (ret)
		return ret;
	log_info(&vm->log, "microVM built: %u vCPU(s), %llu MiB, cmdline \"%s\"", vm->nr_vcpus,
		 (unsigned long long)vm->cfg.machine.mem_size_mib, vm->cmdline);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	vm_exit_halt(&vm->exit);
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_kick(&vm->vcpu[i]);
	for (i = 0; i < vm->nr_vcpus_created; i++)
		vcpu_join_destroy(&vm->vcpu[i]);
	vm->nr_vcpus_created = 0;
	devices_destroy(vm->devices);
	vm->devices = NULL;
	console_close(&vm->console);
	vm_exit_close(&vm->exit);
	loop_close(&vm->loop);
	if (vm->legacy_ready) {
		uart_destroy(&vm->uart);
		i8042_destroy(&vm->i8042);
		vm->legacy_ready = false;
	}
	close_fd(&vm->i8042_irqfd);
	close_fd(&vm->vmgenid_irqfd); /* ACPI */
	close_fd(&vm->uart_irqfd);
	close_fd(&vm->serial_out_fd);
	close_fd(&vm->restore_mem_fd); /* snapshot restore */
	close_fd(&vm->uffd_fd);
	dirty_log_stop(&vm->dirty); /* snapshots */
	kvm_close(&vm->kvm);
	gm_destroy(&vm->mem);
	config_free(&vm->cfg);
	mmds_store_free(vm->mmds); /* after the net devices that read it */
	vm->mmds = NULL;
	for (i = 0; i < SC_NR_KINDS; i++) {
		sc_prog_free(&vm->seccomp[i]);
		sc_prog_free(&vm->seccomp_user[i]);
	}
	/* The logger is about to go; the filters stay until the process ends. */
	sc_sigsys_forget();
	log_close(&vm->log);
}
