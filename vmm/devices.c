/* devices.c - the device manager; see devices.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "test_hook.h"
#include "virtio_balloon.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"
#include "virtio_net.h"
#include "virtio_rng.h"
#include "virtio_vsock.h"

#define DEVICES_CMDLINE_MAX 2048

struct devices {
	struct virtio_mmio mmio[DEVICES_MAX];
	unsigned int nr;
	struct virtio_blk *blk[CFG_MAX_DRIVES];
	unsigned int nr_blk;
	struct virtio_net *net[CFG_MAX_NETS];
	unsigned int nr_net;
	struct virtio_rng *rng;
	struct virtio_vsock *vsock; /* NULL: none configured */
	char cmdline[DEVICES_CMDLINE_MAX];
	struct virtio_balloon *balloon; /* NULL: none configured */
};

unsigned int devices_drive_order(const struct vm_config *cfg, unsigned int order[CFG_MAX_DRIVES])
{
	unsigned int i, n = 0,
			nr = cfg->nr_drives < CFG_MAX_DRIVES ? cfg->nr_drives : CFG_MAX_DRIVES;

	for (i = 0; i < nr; i++)
		if (cfg->drive[i].is_root_device)
			order[n++] = i;
	for (i = 0; i < nr; i++)
		if (!cfg->drive[i].is_root_device)
			order[n++] = i;
	return n;
}

int devices_root_args(const struct vm_config *cfg, char *buf, size_t len)
{
	const struct cfg_drive *root = NULL;
	unsigned int i;
	int n;

	for (i = 0; i < cfg->nr_drives && i < CFG_MAX_DRIVES && !root; i++)
		if (cfg->drive[i].is_root_device)
			root = &cfg->drive[i];
	if (!root) {
		n = snprintf(buf, len, "%s", "");
	} else if (root->partuuid) {
		n = snprintf(buf, len, " root=PARTUUID=%s %s", root->partuuid,
			     root->is_read_only ? "ro" : "rw");
	} else {
		/* The root drive is attached first, so it is the first disk. */
		n = snprintf(buf, len, " root=/dev/vda %s", root->is_read_only ? "ro" : "rw");
	}
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

/* The next device's context: its GSI and an irqfd on it. */
static int next_ctx(struct devices *d, const struct dev_ctx *base, struct dev_ctx *ctx,
		    const char *kind, const char *id, struct errbuf *e)
{
	*ctx = *base;
	ctx->irqfd = -1;
	ctx->mmds = NULL; /* attach_net() gives it to the interfaces mmds-config lists */
	if (d->nr == DEVICES_MAX)
		return errf(e, -ENOSPC, "%s \"%s\": no free interrupt line (at most %d devices)",
			    kind, id, DEVICES_MAX);
	ctx->gsi = IRQ_FIRST_FREE + d->nr;
	if (!base->kvm)
		return 0;
	ctx->irqfd = kvm_irqfd(base->kvm, ctx->gsi, e);
	return ctx->irqfd < 0 ? ctx->irqfd : 0;
}

/* Append " virtio_mmio.device=..." for @m, for kernels that find devices on
 * their command line (no ACPI, or acpi=off). An ACPI kernel that also has
 * VIRTIO_MMIO_CMDLINE_DEVICES finds each device in the DSDT first and its
 * command-line copy fails to claim the window (-EBUSY): one device each. */
static int announce_mmio(struct devices *d, const struct virtio_mmio *m, struct errbuf *e)
{
	size_t used = strlen(d->cmdline);
	int ret;

	if (!test_hook_cmdline_devices())
		return 0; /* build/ember-test only: the DSDT alone */
	if (used + 1 >= sizeof(d->cmdline))
		return errf(e, -E2BIG, "too many devices for the kernel command line");
	d->cmdline[used] = ' ';
	ret = virtio_mmio_cmdline(m, d->cmdline + used + 1, sizeof(d->cmdline) - used - 1);
	if (ret)
		return errf(e, ret, "too many devices for the kernel command line");
	return 0;
}

/* Put @vd behind the next MMIO window and announce it on the cmdline. */
static int add_mmio(struct devices *d, struct virtio_dev *vd, const struct dev_ctx *ctx,
		    struct errbuf *e)
{
	struct virtio_mmio *m = &d->mmio[d->nr];
	int ret;

	virtio_mmio_init(m, vd, VIRTIO_MMIO_BASE + d->nr * VIRTIO_MMIO_SIZE, ctx->gsi);
	d->nr++;
	ret = virtio_mmio_attach(m, ctx, e);
	if (ret)
		return ret;
	ret = announce_mmio(d, m, e);
	if (ret)
		return ret;
	if (ctx->log)
		log_info(ctx->log, "%s: virtio-mmio at 0x%llx, GSI %u", vd->name,
			 (unsigned long long)m->base, m->gsi);
	return 0;
}

unsigned int devices_windows(const struct devices *d, uint64_t *base, unsigned int *gsi,
			     unsigned int max)
{
	unsigned int i;

	for (i = 0; d && i < d->nr && i < max; i++) {
		base[i] = d->mmio[i].base;
		gsi[i] = d->mmio[i].gsi;
	}
	return i;
}

static int attach_drive(struct devices *d, const struct dev_ctx *base, const struct cfg_drive *cd,
			struct errbuf *e)
{
	struct virtio_blk *b;
	struct dev_ctx ctx;
	int ret;

	ret = next_ctx(d, base, &ctx, "block", cd->drive_id, e);
	if (!ret)
		ret = virtio_blk_create(&b, cd, &ctx, e);
	if (ret) {
		if (ctx.irqfd >= 0)
			close(ctx.irqfd);
		return ret;
	}
	d->blk[d->nr_blk++] = b;
	log_info(base->log, "drive \"%s\": %s, %llu sectors, %s, %s engine, cache %s", cd->drive_id,
		 cd->path_on_host, (unsigned long long)virtio_blk_nsectors(b),
		 cd->is_read_only ? "read-only" : "read-write",
		 config_io_engine_name(cd->io_engine), config_cache_type_name(cd->cache_type));
	return add_mmio(d, virtio_blk_dev(b), &ctx, e);
}

/* mmds_listed - @mmds-config names interface @id. */
static bool mmds_listed(const struct cfg_mmds *m, const char *id)
{
	unsigned int i;

	for (i = 0; m->set && i < m->nr_interfaces && i < CFG_MAX_NETS; i++)
		if (!strcmp(m->network_interfaces[i], id))
			return true;
	return false;
}

static int attach_net(struct devices *d, const struct dev_ctx *base, const struct cfg_net *cn,
		      const struct cfg_mmds *mmds, struct errbuf *e)
{
	struct virtio_net *n;
	struct dev_ctx ctx;
	int ret;

	ret = next_ctx(d, base, &ctx, "net", cn->iface_id, e);
	if (!ret && mmds_listed(mmds, cn->iface_id))
		ctx.mmds = base->mmds;
	if (!ret)
		ret = virtio_net_create(&n, cn, &ctx, e);
	if (ret) {
		if (ctx.irqfd >= 0)
			close(ctx.irqfd);
		return ret;
	}
	d->net[d->nr_net++] = n;
	return add_mmio(d, virtio_net_dev(n), &ctx, e);
}

static int attach_balloon(struct devices *d, const struct dev_ctx *base,
			  const struct cfg_balloon *cb, struct errbuf *e)
{
	struct dev_ctx ctx;
	int ret;

	ret = next_ctx(d, base, &ctx, "balloon", "balloon", e);
	if (!ret)
		ret = virtio_balloon_create(&d->balloon, cb, &ctx, e);
	if (ret) {
		if (ctx.irqfd >= 0)
			close(ctx.irqfd);
		return ret;
	}
	return add_mmio(d, virtio_balloon_dev(d->balloon), &ctx, e);
}

struct virtio_balloon *devices_balloon(struct devices *d)
{
	return d ? d->balloon : NULL;
}

static int attach_vsock(struct devices *d, const struct dev_ctx *base, const struct cfg_vsock *cv,
			struct errbuf *e)
{
	struct dev_ctx ctx;
	int ret;

	ret = next_ctx(d, base, &ctx, "vsock", cv->vsock_id ? cv->vsock_id : "vsock", e);
	if (!ret)
		ret = virtio_vsock_create(&d->vsock, cv->guest_cid, cv->uds_path, &ctx, e);
	if (ret) {
		if (ctx.irqfd >= 0)
			close(ctx.irqfd);
		return ret;
	}
	log_info(base->log, "vsock: guest CID %llu, host socket %s",
		 (unsigned long long)cv->guest_cid, cv->uds_path);
	return add_mmio(d, virtio_vsock_dev(d->vsock), &ctx, e);
}

static int attach_entropy(struct devices *d, const struct dev_ctx *base,
			  const struct cfg_entropy *cfg, struct errbuf *e)
{
	struct dev_ctx ctx;
	int ret;

	ret = next_ctx(d, base, &ctx, "entropy", "rng", e);
	if (!ret)
		ret = virtio_rng_create(&d->rng, cfg, &ctx, e);
	if (ret) {
		if (ctx.irqfd >= 0)
			close(ctx.irqfd);
		return ret;
	}
	return add_mmio(d, virtio_rng_dev(d->rng), &ctx, e);
}

bool devices_entropy_stats(struct devices *d, struct virtio_rng_stats *s)
{
	if (!d || !d->rng)
		return false;
	virtio_rng_stats(d->rng, s);
	return true;
}

int devices_attach(struct devices **out, const struct vm_config *cfg, const struct dev_ctx *base,
		   struct errbuf *e)
{
	unsigned int order[CFG_MAX_DRIVES], n, i;
	struct devices *d;
	int ret;

	if (cfg->nr_drives > CFG_MAX_DRIVES || cfg->nr_nets > CFG_MAX_NETS ||
	    cfg->nr_drives + cfg->nr_nets > DEVICES_MAX)
		return errf(e, -ENOSPC,
			    "%u drives and %u network interfaces: at most %d devices in total",
			    cfg->nr_drives, cfg->nr_nets, DEVICES_MAX);
	d = calloc(1, sizeof(*d));
	if (!d)
		return errf(e, -ENOMEM, "devices: out of memory");
	*out = d;
	ret = devices_root_args(cfg, d->cmdline, sizeof(d->cmdline));
	if (ret)
		return errf(e, ret, "root drive: the partuuid is too long");
	n = devices_drive_order(cfg, order);
	for (i = 0; i < n; i++) {
		ret = attach_drive(d, base, &cfg->drive[order[i]], e);
		if (ret)
			return ret;
	}
	for (i = 0; i < cfg->nr_nets; i++) {
		ret = attach_net(d, base, &cfg->net[i], &cfg->mmds, e);
		if (ret)
			return ret;
	}
	/* Last, so the drives and interfaces keep their windows and GSIs. */
	if (cfg->balloon.set && (ret = attach_balloon(d, base, &cfg->balloon, e)))
		return ret;
	if (cfg->vsock.set && cfg->vsock.uds_path && (ret = attach_vsock(d, base, &cfg->vsock, e)))
		return ret;
	if (cfg->entropy.set)
		return attach_entropy(d, base, &cfg->entropy, e);
	return 0;
}

const char *devices_cmdline(const struct devices *d)
{
	return d ? d->cmdline : "";
}

unsigned int devices_tap_fds(const struct devices *d, int *fds, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; d && i < d->nr_net && n < max; i++)
		fds[n++] = virtio_net_tap_fd(d->net[i]);
	return n;
}

void devices_destroy(struct devices *d)
{
	unsigned int i;

	if (!d)
		return;
	for (i = 0; i < d->nr; i++)
		virtio_mmio_detach(&d->mmio[i]);
	for (i = 0; i < d->nr_blk; i++)
		virtio_blk_destroy(d->blk[i]);
	for (i = 0; i < d->nr_net; i++)
		virtio_net_destroy(d->net[i]);
	virtio_balloon_destroy(d->balloon);
	virtio_rng_destroy(d->rng);
	virtio_vsock_destroy(d->vsock);
	free(d);
}

int devices_set_drive_path(struct devices *d, const char *drive_id, const char *path,
			   struct errbuf *e)
{
	unsigned int i;

	for (i = 0; d && i < d->nr_blk; i++)
		if (!strcmp(virtio_blk_drive_id(d->blk[i]), drive_id))
			return virtio_blk_set_path(d->blk[i], path, e);
	return errf(e, -ENOENT, "drive \"%s\" is not attached", drive_id);
}

void devices_throttled(struct devices *d, struct devices_throttled *t)
{
	uint64_t rx, tx;
	unsigned int i;

	for (i = 0; d && i < d->nr_blk; i++)
		t->blk += virtio_blk_throttled_events(d->blk[i]);
	for (i = 0; d && i < d->nr_net; i++) {
		virtio_net_throttled_events(d->net[i], &rx, &tx);
		t->net_rx += rx;
		t->net_tx += tx;
	}
}

int devices_set_net_rate_limiters(struct devices *d, unsigned int idx,
				  const struct cfg_rate_limiter *rx,
				  const struct cfg_rate_limiter *tx)
{
	if (!d || idx >= d->nr_net)
		return -ENOENT;
	virtio_net_set_rate_limiters(d->net[idx], rx, tx);
	return 0;
}

int devices_set_drive_rate_limiter(struct devices *d, const char *drive_id,
				   const struct cfg_rate_limiter *rl, struct errbuf *e)
{
	unsigned int i;

	for (i = 0; d && i < d->nr_blk; i++)
		if (!strcmp(virtio_blk_drive_id(d->blk[i]), drive_id)) {
			virtio_blk_set_rate_limiter(d->blk[i], rl);
			return 0;
		}
	return errf(e, -ENOENT, "drive \"%s\" is not attached", drive_id);
}

bool devices_vsock_stats(struct devices *d, struct vsock_stats *out)
{
	if (!d || !d->vsock)
		return false;
	virtio_vsock_stats(d->vsock, out);
	return true;
}

struct virtio_vsock *devices_vsock(struct devices *d)
{
	return d ? d->vsock : NULL;
}

/* --- snapshots (controller_snapshot.c) --- */

unsigned int devices_count(const struct devices *d)
{
	return d ? d->nr : 0;
}

int devices_quiesce(struct devices *d, struct errbuf *e)
{
	unsigned int i;
	int ret;

	for (i = 0; d && i < d->nr; i++) {
		ret = virtio_quiesce(d->mmio[i].vd);
		if (ret)
			return errf(e, ret, "%s: cannot be quiesced: %s", d->mmio[i].vd->name,
				    strerror(-ret));
	}
	return 0;
}

int devices_save(struct devices *d, unsigned int i, uint8_t *buf, size_t len)
{
	if (!d || i >= d->nr)
		return -ENOENT;
	return virtio_save(d->mmio[i].vd, buf, len);
}

int devices_restore(struct devices *d, unsigned int i, const uint8_t *buf, size_t len,
		    struct errbuf *e)
{
	int ret;

	if (!d || i >= d->nr)
		return errf(e, -ENOENT,
			    "The snapshot has state for virtio device %u, which the "
			    "configuration does not create.",
			    i);
	ret = virtio_restore(d->mmio[i].vd, buf, len);
	if (ret)
		return errf(e, ret, "%s: its saved state does not fit this device: %s",
			    d->mmio[i].vd->name, strerror(-ret));
	return 0;
}
