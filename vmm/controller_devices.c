/*
 * controller_devices.c - see controller_devices.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller_devices.h"
#include "devices.h"
#include "virtio_blk.h"

int controller_check_drive_file(const struct cfg_drive *d, struct errbuf *e)
{
	struct errbuf inner;
	int fd = virtio_blk_open_image(d->path_on_host, d->is_read_only);

	if (fd == -EINVAL)
		errf(&inner, fd, "The backing file %s is not a regular file.", d->path_on_host);
	else if (fd < 0)
		errf(&inner, fd, "%s (os error %d) %s", strerror(-fd), -fd, d->path_on_host);
	else
		close(fd);
	if (fd < 0)
		return errf(e, fd,
			    "Unable to create the virtio block device: Virtio backend error: Error "
			    "manipulating the backing file: %s",
			    inner.msg);
	return 0;
}

int controller_put_drive(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct vm_config *cfg = &c->vm->cfg;
	struct cfg_drive *d = &req->u.drive;
	unsigned int i, slot = cfg->nr_drives;
	int ret;

	for (i = 0; i < cfg->nr_drives; i++) {
		if (!strcmp(cfg->drive[i].drive_id, d->drive_id))
			slot = i;
		else if (d->is_root_device && cfg->drive[i].is_root_device)
			return errf(e, -EEXIST, "A root block device already exists!");
	}
	if (slot == CFG_MAX_DRIVES)
		return errf(e, -ENOSPC, "ember supports at most %d drives.", CFG_MAX_DRIVES);
	ret = controller_check_drive_file(d, e);
	if (ret)
		return ret;
	if (slot < cfg->nr_drives) {
		free(cfg->drive[slot].path_on_host);
		free(cfg->drive[slot].partuuid);
	} else {
		cfg->nr_drives++;
	}
	cfg->drive[slot] = *d;
	memset(d, 0, sizeof(*d));
	return 0;
}

int controller_put_net(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct vm_config *cfg = &c->vm->cfg;
	const struct cfg_net *n = &req->u.net;
	unsigned int i, slot = cfg->nr_nets;

	for (i = 0; i < cfg->nr_nets; i++) {
		const struct cfg_net *o = &cfg->net[i];

		if (!strcmp(o->iface_id, n->iface_id)) {
			slot = i;
			continue;
		}
		if (!strcmp(o->host_dev_name, n->host_dev_name))
			return errf(e, -EBUSY,
				    "Could not create the network device: Open tap device failed: "
				    "Resource busy (os error 16). The tap %s is already used by "
				    "network interface \"%s\".",
				    n->host_dev_name, o->iface_id);
		if (n->has_guest_mac && o->has_guest_mac && !memcmp(n->guest_mac, o->guest_mac, 6))
			return errf(e, -EEXIST,
				    "The MAC address is already in use: "
				    "%02x:%02x:%02x:%02x:%02x:%02x",
				    n->guest_mac[0], n->guest_mac[1], n->guest_mac[2],
				    n->guest_mac[3], n->guest_mac[4], n->guest_mac[5]);
	}
	if (slot == CFG_MAX_NETS)
		return errf(e, -ENOSPC, "ember supports at most %d network interfaces.",
			    CFG_MAX_NETS);
	if (slot == cfg->nr_nets)
		cfg->nr_nets++;
	cfg->net[slot] = *n;
	return 0;
}

/* A PATCH replaces the buckets it names and keeps the others. */
static void merge_rate_limiter(struct cfg_rate_limiter *to, const struct cfg_rate_limiter *u)
{
	if (u->bandwidth.set)
		to->bandwidth = u->bandwidth;
	if (u->ops.set)
		to->ops = u->ops;
}

/* PATCH /drives/{id} after boot: a new backing file (the guest sees the new
 * capacity through a config-change interrupt) and/or a rate limiter. */
static int patch_drive(struct controller *c, struct cfg_drive *d, struct cfg_drive_update *u,
		       struct errbuf *e)
{
	char *path;
	int ret;

	if (u->path_on_host) {
		path = strdup(u->path_on_host);
		if (!path)
			return errf(e, -ENOMEM, "out of memory");
		ret = devices_set_drive_path(c->vm->devices, d->drive_id, path, e);
		if (ret) {
			free(path);
			return ret;
		}
		free(d->path_on_host);
		d->path_on_host = path;
		log_info(&c->vm->log, "drive \"%s\" now backed by %s", d->drive_id, path);
	}
	if (u->has_rate_limiter) {
		ret = devices_set_drive_rate_limiter(c->vm->devices, d->drive_id, &u->rate_limiter,
						     e);
		if (ret)
			return ret;
		merge_rate_limiter(&d->rate_limiter, &u->rate_limiter);
		log_info(&c->vm->log, "drive \"%s\": rate limiter updated", d->drive_id);
	}
	return 0;
}

/* PATCH /network-interfaces/{id} after boot: Firecracker only updates the
 * rate limiters there; interface @idx gets them at once. */
static int patch_net(struct controller *c, unsigned int idx, struct cfg_net_update *u,
		     struct errbuf *e)
{
	struct cfg_net *n = &c->vm->cfg.net[idx];

	if (!u->has_rx && !u->has_tx)
		return 0;
	if (devices_set_net_rate_limiters(c->vm->devices, idx, u->has_rx ? &u->rx : NULL,
					  u->has_tx ? &u->tx : NULL))
		return errf(e, -ENOENT, "network interface \"%s\" is not attached", n->iface_id);
	if (u->has_rx)
		merge_rate_limiter(&n->rx_rate_limiter, &u->rx);
	if (u->has_tx)
		merge_rate_limiter(&n->tx_rate_limiter, &u->tx);
	log_info(&c->vm->log, "network interface \"%s\": rate limiters updated", n->iface_id);
	return 0;
}

int controller_patch_device(struct controller *c, struct api_request *req, struct errbuf *e)
{
	struct vm_config *cfg = &c->vm->cfg;
	bool drive = req->op == API_PATCH_DRIVE;
	const char *id = drive ? req->u.drive_update.drive_id : req->u.net_update.iface_id;
	unsigned int i, n = drive ? cfg->nr_drives : cfg->nr_nets;

	for (i = 0; i < n; i++)
		if (!strcmp(drive ? cfg->drive[i].drive_id : cfg->net[i].iface_id, id))
			break;
	if (i == n)
		return errf(e, -ENOENT, "No %s with id \"%s\" is configured.",
			    drive ? "drive" : "network interface", id);
	if (drive)
		return patch_drive(c, &cfg->drive[i], &req->u.drive_update, e);
	return patch_net(c, i, &req->u.net_update, e);
}
