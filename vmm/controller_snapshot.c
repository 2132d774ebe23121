/*
 * controller_snapshot.c - snapshot create and load; see controller_snapshot.h.
 *
 * The state file is untrusted on load: snapshot_file.c checks its framing
 * (version, checksum, every length and count), then everything it carries
 * is checked against the configuration it also carries (vCPU count, RAM
 * size, one device state per device) and by its owner's check function
 * (vcpu_state_check, vm_state_check, virtio_restore), and the memory file's
 * size against the layout — all before the VM is built. A failure after
 * the build has begun cannot be undone: the instance then exits, as a
 * failed InstanceStart does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "config_dump.h"
#include "controller_snapshot.h"
#include "devices.h"
#include "snapshot_file.h"
#include "snapshot_legacy.h"
#include "snapshot_mem.h"
#include "vcpu_state.h"
#include "virtio_blk.h"
#include "vm_state.h"

#define CREATE_ERROR "Create snapshot error: "
#define LOAD_ERROR   "Load snapshot error: "
#define LOAD_NOT_ALLOWED                                                                           \
	"Loading a microVM snapshot not allowed after configuring boot-specific resources."
#define DEV_STATE_MAX (16u << 10) /* one virtio device's saved state */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* wrapped - @e's message between @prefix and @suffix (a copy is
 * formatted: errf must not read the buffer it writes). */
static int wrapped(struct errbuf *e, int ret, const char *prefix, const char *suffix)
{
	struct errbuf inner = *e;

	return errf(e, ret, "%s%s%s", prefix, inner.msg, suffix);
}

static int prefixed(struct errbuf *e, int ret, const char *prefix)
{
	return wrapped(e, ret, prefix, "");
}

/* --- create ------------------------------------------------------------------- */

static int add_config(struct snap_writer *w, const struct vm_config *cfg, struct errbuf *e)
{
	json_t *j = config_dump(cfg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int ret;

	json_decref(j);
	if (!text)
		return errf(e, -ENOMEM, "Cannot serialize the configuration: out of memory");
	ret = snap_writer_add(w, SNAP_SEC_CONFIG, 0, text, strlen(text));
	free(text);
	return ret;
}

static int add_kvm_state(struct snap_writer *w, struct vm *vm, struct errbuf *e)
{
	struct vcpu_state *st = malloc(sizeof(*st));
	struct vm_state vs;
	unsigned int i;
	int ret;

	if (!st)
		return errf(e, -ENOMEM, "out of memory");
	ret = vm_state_save(vm->kvm.vm_fd, &vs);
	if (ret) {
		errf(e, ret, "Cannot save the VM state: %s", strerror(-ret));
		goto out;
	}
	snap_writer_add(w, SNAP_SEC_VM, 0, &vs, sizeof(vs));
	for (i = 0; i < vm->nr_vcpus_created; i++) {
		memset(st, 0, sizeof(*st));
		ret = vcpu_state_save(vm->vcpu[i].fd, st);
		if (ret) {
			errf(e, ret, "Cannot save the state of vCPU %u: %s", i, strerror(-ret));
			goto out;
		}
		snap_writer_add(w, SNAP_SEC_VCPU, i, st, sizeof(*st));
	}
out:
	free(st);
	return ret;
}

static int add_devices(struct snap_writer *w, struct vm *vm, struct errbuf *e)
{
	uint8_t *buf = malloc(DEV_STATE_MAX);
	unsigned int i, n = devices_count(vm->devices);
	int len = 0;

	if (!buf)
		return errf(e, -ENOMEM, "out of memory");
	for (i = 0; i < n && len >= 0; i++) {
		len = devices_save(vm->devices, i, buf, DEV_STATE_MAX);
		if (len >= 0)
			snap_writer_add(w, SNAP_SEC_VIRTIO, i, buf, (size_t)len);
	}
	free(buf);
	if (len < 0)
		return errf(e, len, "Cannot save the state of virtio device %u: %s", i - 1,
			    strerror(-len));
	return 0;
}

/* write_file - @len bytes into @path, created or truncated, fsync'ed. */
static int write_file(const char *path, const uint8_t *data, size_t len, struct errbuf *e)
{
	int fd = snapshot_file_create(path), ret = 0;
	ssize_t n;

	if (fd < 0)
		return errf(e, fd, "Cannot create the snapshot file %s: %s", path, strerror(-fd));
	while (len && !ret) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			data += n, len -= (size_t)n;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		return errf(e, ret, "Cannot write the snapshot file %s: %s", path, strerror(-ret));
	return 0;
}

/* build_state - the whole state file of the paused @vm into @w. */
static int build_state(struct snap_writer *w, struct vm *vm, enum snapshot_type type,
		       struct errbuf *e)
{
	struct snap_meta meta = {
	    .snapshot_type = type, .nr_vcpus = vm->nr_vcpus_created, .mem_size = vm->mem.ram_size};
	struct snap_mem_layout layout;
	int ret;

	snapshot_mem_layout(&vm->mem, &layout);
	snap_writer_add_meta(w, &meta);
	ret = add_config(w, &vm->cfg, e);
	if (!ret)
		ret = snap_writer_add_mem(w, &layout);
	if (!ret)
		ret = add_kvm_state(w, vm, e);
	if (!ret)
		ret = add_devices(w, vm, e);
	if (!ret && snapshot_legacy_add(w, &vm->uart, &vm->i8042,
					vm->opts && vm->opts->boot_timer ? &vm->boot_timer : NULL))
		ret = errf(e, w->err, "Cannot save the legacy devices: %s", strerror(-w->err));
	if (!ret && snap_writer_finish(w))
		ret = errf(e, w->err, "Cannot build the snapshot: %s", strerror(-w->err));
	return ret;
}

int controller_snapshot_create(struct controller *c, const struct snapshot_create_req *r,
			       struct errbuf *e)
{
	struct vm *vm = c->vm;
	struct snap_writer w;
	uint64_t t0 = now_us();
	int ret;

	if (r->type == SNAPSHOT_DIFF && !vm->cfg.machine.track_dirty_pages)
		return errf(e, -EINVAL,
			    "The requested operation is not supported: Diff snapshots are not "
			    "allowed on uVMs with dirty page tracking disabled.");
	if (!c->pause.paused)
		return errf(e, -EBUSY,
			    CREATE_ERROR "Cannot save the microVM state: Operation not allowed: "
					 "save/restore unavailable while running");
	snap_writer_init(&w);
	ret = devices_quiesce(vm->devices, e);
	if (!ret)
		ret = build_state(&w, vm, r->type, e);
	/* The dirty log restarts at every snapshot: a Diff holds what changed
	 * since the previous one, Full or Diff. */
	if (!ret && vm->dirty.on) {
		ret = dirty_log_fetch(&vm->dirty);
		if (ret)
			errf(e, ret, "Cannot read the dirty page log: %s", strerror(-ret));
	}
	if (!ret && r->type == SNAPSHOT_DIFF)
		ret = snapshot_mem_write_diff(&vm->mem, &vm->dirty, r->mem_file_path, e);
	else if (!ret)
		ret = snapshot_mem_write(&vm->mem, r->mem_file_path, e);
	if (!ret)
		ret = write_file(r->snapshot_path, w.buf, w.len, e);
	snap_writer_free(&w);
	if (ret)
		return prefixed(e, ret, CREATE_ERROR);
	metrics_set(&c->metrics,
		    r->type == SNAPSHOT_DIFF ? MET_DIFF_CREATE_SNAPSHOT_US
					     : MET_FULL_CREATE_SNAPSHOT_US,
		    now_us() - t0);
	log_info(&vm->log, "snapshot created: %s (state), %s (memory) in %llu us", r->snapshot_path,
		 r->mem_file_path, (unsigned long long)(now_us() - t0));
	return 0;
}

/* --- load: checks ------------------------------------------------------------- */

/* boot_configured - anything beyond logger and metrics was set, through
 * the API (the controller notes it) or a config file. */
static bool boot_configured(const struct controller *c)
{
	const struct vm_config *cfg = &c->vm->cfg;

	return c->boot_configured || cfg->has_boot_source || cfg->nr_drives || cfg->nr_nets;
}

/* read_state - the state file, whole, at most SNAP_MAX_FILE bytes. */
static int read_state(const char *path, uint8_t **out, size_t *len, struct errbuf *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0)
		return errf(e, -errno, "Cannot open the snapshot file %s: %s", path,
			    strerror(errno));
	if (syscall(SYS_fstat, fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > SNAP_MAX_FILE)
		ret =
		    errf(e, -EINVAL, "The snapshot file %s is not a regular file of 1 to %u bytes.",
			 path, SNAP_MAX_FILE);
	if (!ret && !(*out = malloc((size_t)st.st_size)))
		ret = errf(e, -ENOMEM, "out of memory");
	if (!ret) {
		n = pread(fd, *out, (size_t)st.st_size, 0);
		*len = n > 0 ? (size_t)n : 0;
		if (n != st.st_size) {
			free(*out);
			*out = NULL;
			ret = errf(e, -EIO, "Cannot read the snapshot file %s.", path);
		}
	}
	close(fd);
	return ret;
}

/* The loaded snapshot, checked, ready to be applied. */
struct loaded {
	uint8_t *raw;
	size_t raw_len;
	struct snap_file f;
	struct vm_config cfg;
	struct vm_state vm;
	struct vcpu_state *vcpu; /* f.meta.nr_vcpus of them */
	struct snapshot_legacy legacy;
	int mem_fd;
};

static void loaded_free(struct loaded *l)
{
	free(l->raw);
	free(l->vcpu);
	config_free(&l->cfg);
	if (l->mem_fd >= 0)
		close(l->mem_fd);
	l->raw = NULL;
	l->vcpu = NULL;
	l->mem_fd = -1;
}

/* check_kvm_state - the VM's and every vCPU's state: sizes, then contents. */
static int check_kvm_state(struct loaded *l, struct errbuf *e)
{
	const struct snap_sec_ref *s = snap_file_find(&l->f, SNAP_SEC_VM, 0);
	char why[256] = "";
	unsigned int i;

	if (!s || s->len != sizeof(l->vm))
		return errf(e, -EINVAL,
			    "The snapshot's VM state is missing or has the wrong size.");
	memcpy(&l->vm, s->data, sizeof(l->vm));
	if (vm_state_check(&l->vm, why, sizeof(why)))
		return errf(e, -EINVAL, "The snapshot's VM state is invalid: %s", why);
	l->vcpu = calloc(l->f.meta.nr_vcpus, sizeof(*l->vcpu));
	if (!l->vcpu)
		return errf(e, -ENOMEM, "out of memory");
	for (i = 0; i < l->f.meta.nr_vcpus; i++) {
		s = snap_file_find(&l->f, SNAP_SEC_VCPU, i);
		if (!s || s->len != sizeof(*l->vcpu))
			return errf(e, -EINVAL, "The state of vCPU %u has the wrong size.", i);
		memcpy(&l->vcpu[i], s->data, sizeof(*l->vcpu));
		if (vcpu_state_check(&l->vcpu[i], why, sizeof(why)))
			return errf(e, -EINVAL, "The state of vCPU %u is invalid: %s", i, why);
	}
	return 0;
}

/* check_config - the saved configuration agrees with the rest of the file. */
static int check_config(struct loaded *l, struct errbuf *e)
{
	const struct cfg_machine *m = &l->cfg.machine;
	unsigned int nr_dev;
	int ret;

	ret = config_load_json(&l->cfg, (const char *)l->f.config->data, l->f.config->len, e);
	if (!ret)
		ret = config_check(&l->cfg, e);
	if (ret)
		return wrapped(e, ret, "The snapshot's configuration is invalid: ", "");
	if (m->vcpu_count != l->f.meta.nr_vcpus)
		return errf(e, -EINVAL,
			    "The snapshot configures %u vCPUs but holds %u vCPU states.",
			    m->vcpu_count, l->f.meta.nr_vcpus);
	if (m->mem_size_mib > (GM_MAX_RAM >> 20) || (m->mem_size_mib << 20) != l->f.meta.mem_size)
		return errf(e, -EINVAL,
			    "The snapshot configures %llu MiB but its memory layout holds %llu "
			    "bytes.",
			    (unsigned long long)m->mem_size_mib,
			    (unsigned long long)l->f.meta.mem_size);
	nr_dev = l->cfg.nr_drives + l->cfg.nr_nets;
	if (snap_file_count(&l->f, SNAP_SEC_VIRTIO) != nr_dev)
		return errf(e, -EINVAL,
			    "The snapshot holds %u device states for %u configured devices.",
			    snap_file_count(&l->f, SNAP_SEC_VIRTIO), nr_dev);
	return 0;
}

/* apply_overrides - network_overrides name configured interfaces. */
static int apply_overrides(struct loaded *l, const struct snapshot_load_req *r, struct logger *log,
			   struct errbuf *e)
{
	unsigned int i, j;

	for (i = 0; i < r->nr_net_overrides; i++) {
		const struct snapshot_net_override *o = &r->net_override[i];

		for (j = 0; j < l->cfg.nr_nets && strcmp(l->cfg.net[j].iface_id, o->iface_id); j++)
			;
		if (j == l->cfg.nr_nets)
			return errf(e, -ENOENT,
				    "Invalid network override: the snapshot has no network "
				    "interface \"%s\".",
				    o->iface_id);
		memcpy(l->cfg.net[j].host_dev_name, o->host_dev_name, sizeof(o->host_dev_name));
	}
	if (!r->vsock_uds_path)
		return 0;
	if (!l->cfg.vsock.set)
		return errf(e, -ENOENT,
			    "Invalid vsock override: the snapshot has no vsock device.");
	/* Each clone listens on its own socket: the override replaces the path. */
	free(l->cfg.vsock.uds_path);
	l->cfg.vsock.uds_path = strdup(r->vsock_uds_path);
	if (!l->cfg.vsock.uds_path)
		return errf(e, -ENOMEM, "vsock override: out of memory");
	log_info(log, "snapshot load: vsock socket %s", r->vsock_uds_path);
	return 0;
}

static int check_drives(const struct vm_config *cfg, struct errbuf *e)
{
	unsigned int i;
	int fd;

	for (i = 0; i < cfg->nr_drives; i++) {
		fd = virtio_blk_open_image(cfg->drive[i].path_on_host, cfg->drive[i].is_read_only);
		if (fd < 0)
			return errf(e, fd, "drive \"%s\": cannot open %s: %s",
				    cfg->drive[i].drive_id, cfg->drive[i].path_on_host,
				    strerror(-fd));
		close(fd);
	}
	return 0;
}

/* load_check - everything about the request and its files, nothing built. */
static int load_check(struct loaded *l, const struct snapshot_load_req *r, struct logger *log,
		      struct errbuf *e)
{
	int ret;

	ret = read_state(r->snapshot_path, &l->raw, &l->raw_len, e);
	if (!ret)
		ret = snap_file_parse(l->raw, l->raw_len, &l->f, e);
	if (!ret)
		ret = check_config(l, e);
	if (!ret)
		ret = check_kvm_state(l, e);
	if (!ret)
		ret = snapshot_legacy_check(&l->f, &l->legacy, e);
	if (!ret)
		ret = apply_overrides(l, r, log, e);
	if (!ret)
		ret = check_drives(&l->cfg, e);
	if (ret || r->backend == SNAPSHOT_BACKEND_UFFD) /* the handler has the file */
		return ret;
	l->mem_fd = snapshot_mem_open(r->backend_path, l->f.meta.mem_size, e);
	return l->mem_fd < 0 ? l->mem_fd : 0;
}

/* --- load: build and restore -------------------------------------------------- */

/* take_config - the snapshot's configuration becomes the VM's; the logger
 * and metrics configured in this process stay. */
static void take_config(struct vm *vm, struct loaded *l, const struct snapshot_load_req *r)
{
	struct cfg_logger logger = l->cfg.logger;
	struct cfg_metrics metrics = l->cfg.metrics;
	struct vm_config old;

	/* Swap the logger and metrics, then the whole configs: l->cfg ends up
	 * with what is to be freed. */
	l->cfg.logger = vm->cfg.logger;
	l->cfg.metrics = vm->cfg.metrics;
	vm->cfg.logger = logger;
	vm->cfg.metrics = metrics;
	old = vm->cfg;
	vm->cfg = l->cfg;
	l->cfg = old;
	vm->cfg.machine.track_dirty_pages = r->track_dirty_pages;
}

/* restore_state - the saved state onto the freshly built VM. */
static int restore_state(struct vm *vm, struct loaded *l, bool clock_realtime, struct errbuf *e)
{
	const struct snap_sec_ref *s;
	char why[256] = "";
	unsigned int i;
	int ret;

	ret = vm_state_restore_why(vm->kvm.vm_fd, &l->vm, clock_realtime, why, sizeof(why));
	if (ret)
		return errf(e, ret, "Cannot restore the VM state: %s", why);
	for (i = 0; i < vm->nr_vcpus_created; i++) {
		ret = vcpu_state_restore_why(vm->vcpu[i].fd, &l->vcpu[i], why, sizeof(why));
		if (ret)
			return errf(e, ret, "Cannot restore the state of vCPU %u: %s", i, why);
	}
	for (i = 0; i < devices_count(vm->devices); i++) {
		s = snap_file_find(&l->f, SNAP_SEC_VIRTIO, i);
		ret = s ? devices_restore(vm->devices, i, s->data, s->len, e)
			: errf(e, -EINVAL, "The snapshot has no state for virtio device %u.", i);
		if (ret)
			return ret;
	}
	snapshot_legacy_restore(&l->legacy, &vm->uart, &vm->i8042,
				vm->opts && vm->opts->boot_timer ? &vm->boot_timer : NULL,
				&vm->log);
	/* Clones must not share a generation ID: the guest reseeds its RNG. */
	ret = vmgenid_regenerate(&vm->vmgenid, e);
	return ret;
}

/* build_restored - build, restore, start (the vCPUs parked unless @r->resume_vm). */
static int build_restored(struct controller *c, struct loaded *l, const struct snapshot_load_req *r,
			  struct errbuf *e)
{
	struct vm *vm = c->vm;
	int ret;

	vm->restore_mem_fd = l->mem_fd;
	l->mem_fd = -1;
	if (r->backend == SNAPSHOT_BACKEND_UFFD)
		vm->restore_uffd_path = r->backend_path;
	ret = vm_build(vm);
	if (vm->restore_mem_fd >= 0)
		close(vm->restore_mem_fd); /* the mapping keeps the file */
	vm->restore_mem_fd = -1;
	vm->restore_uffd_path = NULL;
	if (ret)
		return errf(e, ret, "Cannot build the microVM: %s (ember's log has the details)",
			    strerror(-ret));
	ret = restore_state(vm, l, r->clock_realtime, e);
	if (!ret) {
		ret = vm_start_built(vm, r->resume_vm);
		if (ret)
			errf(e, ret, "Cannot start the vCPUs: %s", strerror(-ret));
	}
	if (!ret && !r->resume_vm)
		pause_vm(vm, &c->pause); /* Paused until PATCH /vm Resumed */
	return ret;
}

int controller_snapshot_load(struct controller *c, const struct snapshot_load_req *r,
			     struct errbuf *e)
{
	struct vm *vm = c->vm;
	struct loaded *l;
	uint64_t t0 = now_us();
	int ret;

	if (boot_configured(c))
		return errf(e, -EINVAL, LOAD_NOT_ALLOWED);
	l = calloc(1, sizeof(*l));
	if (!l)
		return errf(e, -ENOMEM, LOAD_ERROR "out of memory");
	l->mem_fd = -1;
	config_init(&l->cfg);
	ret = load_check(l, r, &vm->log, e);
	if (ret) {
		loaded_free(l);
		free(l);
		return prefixed(e, ret, LOAD_ERROR);
	}
	take_config(vm, l, r);
	ret = build_restored(c, l, r, e);
	loaded_free(l);
	free(l);
	if (ret) {
		/* A half-built VM cannot be built again: end this instance. */
		vm_request_exit(vm, EMBER_EXIT_GENERIC);
		return wrapped(e, ret, LOAD_ERROR, " This instance exits.");
	}
	metrics_set(&c->metrics, MET_LOAD_SNAPSHOT_US, now_us() - t0);
	log_info(&vm->log, "snapshot %s loaded in %llu us, %s", r->snapshot_path,
		 (unsigned long long)(now_us() - t0), r->resume_vm ? "running" : "paused");
	return 0;
}
