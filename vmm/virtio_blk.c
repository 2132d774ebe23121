/*
 * virtio_blk.c - virtio-blk device; see virtio_blk.h.
 *
 * Queue processing runs on the event-loop thread with the device lock held
 * (virtio.h). With the Async engine each request in flight owns a slot
 * (struct blk_req with its iovecs) until its completion is reaped; when all
 * slots are busy the remaining chains stay in the avail ring and the next
 * completion resumes the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "virtio_blk.h"

/* struct virtio_blk_config up to blk_size (spec 5.2.4); fields past it
 * belong to features ember does not offer. */
struct blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
} __attribute__((packed));

_Static_assert(sizeof(struct blk_config) == 24, "virtio_blk_config layout");

struct blk_slot {
	struct blk_req req;
};

struct virtio_blk {
	struct virtio_dev vd;
	int fd;
	bool read_only;
	bool async;
	bool draining; /* reset: completions are dropped, not pushed */
	char drive_id[CFG_ID_MAX + 1];
	char id[VIRTIO_BLK_ID_BYTES];
	uint64_t nsectors;
	struct blk_config cfg;
	struct vq_chain chain; /* scratch for the chain being parsed */
	struct blk_req req;    /* the Sync engine's one request */
	struct blk_uring *uring;
	struct blk_slot *slots;
	uint16_t free_slot[BLK_URING_DEPTH];
	unsigned int nr_free;
	bool unsubmitted;
	uint64_t io_errors, bad_chains;
};

static struct virtio_blk *to_blk(struct virtio_dev *vd)
{
	return (struct virtio_blk *)vd; /* vd is the first member */
}

static void note_io_error(struct virtio_blk *b, const struct blk_req *r)
{
	/* Log the first few; a dying disk must not flood the log. */
	if (++b->io_errors <= 5 && b->vd.log)
		log_warn(b->vd.log, "%s: I/O error on %s request at sector %llu (%u bytes)",
			 b->vd.name,
			 r->type == VIRTIO_BLK_T_IN    ? "read"
			 : r->type == VIRTIO_BLK_T_OUT ? "write"
						       : "flush",
			 (unsigned long long)r->sector, r->data_len);
}

static void complete(struct virtio_blk *b, struct blk_req *r, int status)
{
	/* The status byte is written before vq_push publishes the chain. */
	*r->status = (uint8_t)status;
	if (status == VIRTIO_BLK_S_IOERR &&
	    (r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT ||
	     r->type == VIRTIO_BLK_T_FLUSH))
		note_io_error(b, r);
	vq_push(&b->vd.vq[0], r->head, status == VIRTIO_BLK_S_OK ? r->used_len : 1);
}

/* Hand @r (in a free slot) to io_uring. */
static int queue_async(struct virtio_blk *b, struct blk_req *r)
{
	uint16_t slot = b->free_slot[b->nr_free - 1];
	int ret = blk_uring_queue(b->uring, r, slot);

	if (ret == -EBUSY) {
		blk_uring_submit(b->uring);
		ret = blk_uring_queue(b->uring, r, slot);
	}
	if (ret)
		return ret;
	b->nr_free--;
	b->unsubmitted = true;
	return 0;
}

static void handle_chain(struct virtio_blk *b)
{
	struct blk_req *r = b->async ? &b->slots[b->free_slot[b->nr_free - 1]].req : &b->req;
	int st = blk_req_parse(&b->chain, b->nsectors, b->read_only, r);

	if (st < 0) {
		/* No status byte to write: refuse the chain. */
		b->bad_chains++;
		vq_push(&b->vd.vq[0], b->chain.head, 0);
		return;
	}
	if (st == VIRTIO_BLK_S_OK) {
		if (r->type == VIRTIO_BLK_T_GET_ID)
			blk_req_get_id(r, b->id);
		else if (!b->async)
			st = blk_io_sync(b->fd, r, 0);
		else if (queue_async(b, r) == 0)
			return;
		else
			st = VIRTIO_BLK_S_IOERR;
	}
	complete(b, r, st);
}

static void process_queue(struct virtio_blk *b)
{
	struct virtqueue *vq = &b->vd.vq[0];
	int ret;

	do {
		vq_disable_notify(vq);
		while (!b->async || b->nr_free) {
			ret = vq_pop(vq, &b->chain);
			if (ret < 0) {
				virtio_fail(&b->vd, "the request queue is corrupt");
				goto out;
			}
			if (ret == 0)
				break;
			handle_chain(b);
		}
		/* Out of slots: the next completion picks the queue up again. */
		if (b->async && !b->nr_free)
			break;
	} while (vq_enable_notify(vq));
out:
	if (b->unsubmitted && blk_uring_submit(b->uring) == 0)
		b->unsubmitted = false;
	virtio_signal_used(&b->vd, vq);
}

static void uring_done(void *ctx, uint64_t tag, int32_t res)
{
	struct virtio_blk *b = ctx;
	struct blk_req *r;
	int st;

	if (tag >= BLK_URING_DEPTH)
		return;
	r = &b->slots[tag].req;
	b->free_slot[b->nr_free++] = (uint16_t)tag;
	if (b->draining)
		return;
	if (res < 0)
		st = VIRTIO_BLK_S_IOERR;
	else if (r->type == VIRTIO_BLK_T_FLUSH || (uint32_t)res == r->data_len)
		st = VIRTIO_BLK_S_OK;
	else /* A short transfer: finish it here. */
		st = blk_io_sync(b->fd, r, (uint32_t)res);
	complete(b, r, st);
}

int virtio_blk_io_fd(const struct virtio_blk *b)
{
	return b->uring ? blk_uring_eventfd(b->uring) : -1;
}

void virtio_blk_io_ready(struct virtio_blk *b)
{
	pthread_mutex_lock(&b->vd.lock);
	if (b->uring) {
		blk_uring_reap(b->uring, uring_done, b, false);
		if (b->vd.active && !(b->vd.status & VIRTIO_STATUS_NEEDS_RESET))
			process_queue(b);
		else
			virtio_signal_used(&b->vd, &b->vd.vq[0]);
	}
	pthread_mutex_unlock(&b->vd.lock);
}

static void blk_config_read(struct virtio_dev *vd, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_blk *b = to_blk(vd);

	virtio_config_copy(&b->cfg, sizeof(b->cfg), off, data, len);
}

static int blk_activate(struct virtio_dev *vd)
{
	if (!vd->vq[0].active) {
		if (vd->log)
			log_warn(vd->log, "%s: driver did not set up the request queue", vd->name);
		return -EINVAL;
	}
	return 0;
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *b = to_blk(vd);

	if (!b->uring)
		return;
	/* The driver may reuse the rings' memory once reset: wait for the
	 * kernel to finish with it and complete nothing. */
	b->draining = true;
	blk_uring_reap(b->uring, uring_done, b, true);
	b->draining = false;
	b->unsubmitted = false;
}

static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	process_queue(to_blk(vd));
}

/* fd_stat - fstat(2) itself. glibc's fstat() is newfstatat(fd, "",
 * AT_EMPTY_PATH), a call that also looks up paths, which the event loop's
 * seccomp filter does not allow; the kernel's struct stat is glibc's on
 * x86-64. */
static int fd_stat(int fd, struct stat *st)
{
	return syscall(SYS_fstat, fd, st) < 0 ? -errno : 0;
}

/* open_checked - open an image: O_NONBLOCK so that a FIFO cannot block
 * the event loop, O_NOCTTY so that a terminal cannot become ember's; then
 * only a regular file or block device is kept, in blocking mode again (an
 * O_NONBLOCK file can make io_uring fail reads with EAGAIN). Returns the
 * fd, or -errno with errno set (-EINVAL: another kind of file). */
static int open_checked(const char *path, bool read_only)
{
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fd_stat(fd, &st) < 0 || fcntl(fd, F_SETFL, 0) < 0) {
		close(fd);
		return -errno;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -EINVAL;
	}
	return fd;
}

/* Open @path the way the drive was opened; its size in sectors in *@ns. */
static int open_new_image(struct virtio_blk *b, const char *path, uint64_t *ns, struct errbuf *e)
{
	off_t size;
	int fd = open_checked(path, b->read_only);

	if (fd == -EINVAL)
		return errf(e, -EINVAL, "drive \"%s\": %s is not a usable image", b->drive_id,
			    path);
	if (fd < 0)
		return errf(e, fd, "drive \"%s\": cannot open %s: %s", b->drive_id, path,
			    strerror(-fd));
	size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		close(fd);
		return errf(e, -EINVAL, "drive \"%s\": %s is not a usable image", b->drive_id,
			    path);
	}
	*ns = (uint64_t)size >> BLK_SECTOR_SHIFT;
	return fd;
}

int virtio_blk_set_path(struct virtio_blk *b, const char *path, struct errbuf *e)
{
	uint64_t ns = 0;
	int fd, ret = 0;

	pthread_mutex_lock(&b->vd.lock);
	fd = open_new_image(b, path, &ns, e);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if (b->uring) {
		/* Finish what the old image has in flight before it goes. The
		 * reap consumed the completion eventfd, so the event loop will
		 * not signal these completions: do it here. */
		if (blk_uring_reap(b->uring, uring_done, b, true))
			virtio_signal_used(&b->vd, &b->vd.vq[0]);
		ret = blk_uring_replace_file(b->uring, fd);
		if (ret) {
			close(fd);
			errf(e, ret, "drive \"%s\": io_uring cannot switch files: %s", b->drive_id,
			     strerror(-ret));
			goto out;
		}
	}
	close(b->fd);
	b->fd = fd;
	b->nsectors = ns;
	b->cfg.capacity = ns;
	virtio_config_changed(&b->vd);
out:
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}

const char *virtio_blk_drive_id(const struct virtio_blk *b)
{
	return b->drive_id;
}

static const struct virtio_dev_ops blk_ops = {
    .config_read = blk_config_read,
    .activate = blk_activate,
    .reset = blk_reset,
    .notify = blk_notify,
};

static int open_image(struct virtio_blk *b, const struct cfg_drive *d, struct errbuf *e)
{
	off_t size;

	b->fd = open_checked(d->path_on_host, d->is_read_only);
	if (b->fd == -EINVAL)
		return errf(e, -EINVAL, "drive \"%s\": %s is not a regular file or block device",
			    d->drive_id, d->path_on_host);
	if (b->fd < 0)
		return errf(e, b->fd, "drive \"%s\": cannot open %s%s: %s", d->drive_id,
			    d->path_on_host, d->is_read_only ? "" : " for writing",
			    strerror(-b->fd));
	size = lseek(b->fd, 0, SEEK_END);
	if (size < 0)
		return errf(e, -errno, "drive \"%s\": cannot size %s: %s", d->drive_id,
			    d->path_on_host, strerror(errno));
	b->nsectors = (uint64_t)size >> BLK_SECTOR_SHIFT;
	if (size % BLK_SECTOR_SIZE && b->vd.log)
		log_warn(b->vd.log,
			 "drive \"%s\": %s is not a multiple of 512 bytes; the last %lld "
			 "bytes are not visible to the guest",
			 d->drive_id, d->path_on_host, (long long)(size % BLK_SECTOR_SIZE));
	return 0;
}

static int setup_async(struct virtio_blk *b, struct errbuf *e)
{
	unsigned int i;
	int ret;

	b->slots = calloc(BLK_URING_DEPTH, sizeof(*b->slots));
	if (!b->slots)
		return errf(e, -ENOMEM, "%s: out of memory", b->vd.name);
	ret = blk_uring_create(&b->uring, b->fd, BLK_URING_DEPTH, e);
	if (ret)
		return ret;
	for (i = 0; i < BLK_URING_DEPTH; i++)
		b->free_slot[i] = (uint16_t)(BLK_URING_DEPTH - 1 - i);
	b->nr_free = BLK_URING_DEPTH;
	b->async = true;
	return 0;
}

int virtio_blk_create(struct virtio_blk **out, const struct cfg_drive *d,
		      const struct guest_mem *mem, struct logger *log, struct errbuf *e)
{
	struct virtio_blk *b;
	uint64_t features;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return errf(e, -ENOMEM, "drive \"%s\": out of memory", d->drive_id);
	b->fd = -1;
	b->vd.log = log;
	snprintf(b->drive_id, sizeof(b->drive_id), "%s", d->drive_id);
	ret = open_image(b, d, e);
	if (ret)
		goto err;
	b->read_only = d->is_read_only;
	features = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
		   VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX);
	if (d->is_read_only)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	if (d->cache_type == CACHE_WRITEBACK)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	b->cfg.capacity = b->nsectors;
	b->cfg.seg_max = BLK_SEG_MAX;
	/* The serial (GET_ID): the drive id, NUL padded, not terminated at 20. */
	memcpy(b->id, d->drive_id, strnlen(d->drive_id, sizeof(b->id)));
	ret = virtio_dev_init(&b->vd, &blk_ops, VIRTIO_ID_BLOCK, features, sizeof(b->cfg), 1, mem,
			      log);
	if (ret) {
		errf(e, ret, "drive \"%s\": cannot initialise the device", d->drive_id);
		goto err;
	}
	snprintf(b->vd.name, sizeof(b->vd.name), "block \"%s\"", d->drive_id);
	if (d->io_engine == IO_ENGINE_ASYNC) {
		ret = setup_async(b, e);
		if (ret)
			goto err_dev;
	}
	*out = b;
	return 0;

err_dev:
	virtio_dev_destroy(&b->vd);
err:
	blk_uring_destroy(b->uring);
	free(b->slots);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	return ret;
}

struct virtio_dev *virtio_blk_dev(struct virtio_blk *b)
{
	return &b->vd;
}

uint64_t virtio_blk_nsectors(const struct virtio_blk *b)
{
	return b->nsectors;
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	if (!b)
		return;
	blk_uring_destroy(b->uring);
	free(b->slots);
	if (b->fd >= 0)
		close(b->fd);
	virtio_dev_destroy(&b->vd);
	free(b);
}
