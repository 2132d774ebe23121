/*
 * virtio_blk.c - virtio-blk device; see virtio_blk.h.
 *
 * Queue processing runs on the event-loop thread with the device lock held
 * (virtio.h). Requests go through the drive's engine (blk_req.h); when it
 * has no room for another (all Async slots in flight) the remaining chains
 * stay in the avail ring and the next completion resumes the queue.
 *
 * Features offered: VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC, SEG_MAX
 * (so Linux sends requests of many segments), RO for read-only drives, and
 * FLUSH only with cache_type "Writeback" (Firecracker's meaning):
 *
 *   Unsafe (default)  FLUSH is not offered. Linux then treats the disk as a
 *		       write-through cache and never flushes. Every completed
 *		       write is in the host page cache: it survives the VMM
 *		       being killed, but not a host crash or power loss.
 *   Writeback	       FLUSH is offered and runs fdatasync on the image; a
 *		       flush completes only once the data it covers is on
 *		       stable storage. A guest's fsync/sync is then durable
 *		       against host crashes too.
 *
 * In both modes a request is completed (used ring, interrupt) only after
 * its I/O has finished on the host, so nothing the guest saw acknowledged
 * is ever held only in ember's memory. Host I/O errors become
 * VIRTIO_BLK_S_IOERR for that request.
 *
 * One request queue of 256 entries. Engines: "Sync" runs each request with
 * blocking I/O on the event-loop thread; "Async" submits them to io_uring
 * (up to BLK_URING_DEPTH in flight) and completes them when the event loop
 * sees the ring's eventfd.
 *
 * Rate limiter (rate_limiter.h): each request costs its data bytes and one
 * op. A refused chain goes back to the avail ring and the queue is left
 * alone until the drive's timerfd fires; nothing is dropped or failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
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

struct virtio_blk {
	struct virtio_dev vd;
	int fd;
	bool read_only;
	bool draining; /* reset: completions are dropped, not pushed */
	char drive_id[CFG_ID_MAX + 1];
	char id[VIRTIO_BLK_ID_BYTES];
	uint64_t nsectors;
	struct blk_config cfg;
	struct vq_chain chain;	  /* scratch for the chain being parsed */
	struct blk_engine *eng;	  /* Sync or Async */
	struct loop_handler io_h; /* the engine's completions */
	uint64_t io_errors, bad_chains;
	struct rate_limiter rl;	  /* Firecracker's per-drive limiter */
	int rl_fd;		  /* timerfd: resume a throttled queue */
	struct loop_handler rl_h; /* its handler on the event loop */
	bool throttled;		  /* waiting for rl_fd; the queue is left alone */
	uint64_t throttled_events;
};

static uint64_t blk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The limiter refused @r: arm the timer; the queue resumes when it fires. */
static void throttle(struct virtio_blk *b)
{
	uint64_t ns = rate_limiter_wait_ns(&b->rl);
	struct itimerspec its = {
	    .it_value = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)}};

	if (!b->throttled)
		b->throttled_events++;
	b->throttled = true;
	if (timerfd_settime(b->rl_fd, 0, &its, NULL))
		b->throttled = false; /* cannot wait: run unthrottled */
}

/* True if @r may run now; IN/OUT cost their bytes, every request one op. */
static bool admit(struct virtio_blk *b, const struct blk_req *r)
{
	uint64_t bytes =
	    r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT ? r->data_len : 0;

	if (b->rl_fd < 0 || rate_limiter_unlimited(&b->rl))
		return true;
	return rate_limiter_consume(&b->rl, bytes, 1, blk_now_ns());
}

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

/* Returns false if the limiter gave the chain back to the avail ring. */
static bool handle_chain(struct virtio_blk *b, uint64_t bad)
{
	struct blk_req *r = b->eng->ops->next_req(b->eng);
	int st = blk_req_parse(&b->chain, b->nsectors, b->read_only, r);

	if (st < 0) {
		/* No status byte to write: refuse the chain. */
		b->bad_chains++;
		vq_push(&b->vd.vq[0], b->chain.head, 0);
		return true;
	}
	if (st == VIRTIO_BLK_S_OK && !admit(b, r) && vq_unpop(&b->vd.vq[0], 1, bad)) {
		throttle(b);
		return false;
	}
	if (st == VIRTIO_BLK_S_OK) {
		if (r->type == VIRTIO_BLK_T_GET_ID)
			blk_req_get_id(r, b->id);
		else
			st = b->eng->ops->start(b->eng, r);
		if (st == BLK_PENDING)
			return true;
	}
	complete(b, r, st);
	return true;
}

static void process_queue(struct virtio_blk *b)
{
	struct virtqueue *vq = &b->vd.vq[0];
	uint64_t bad;
	int ret;

	if (b->throttled) /* the timer resumes the queue */
		goto out;
	do {
		vq_disable_notify(vq);
		while (b->eng->ops->next_req(b->eng)) {
			bad = vq->bad_chains;
			ret = vq_pop(vq, &b->chain);
			if (ret < 0) {
				virtio_fail(&b->vd, "the request queue is corrupt");
				goto out;
			}
			if (ret == 0)
				break;
			if (!handle_chain(b, bad))
				goto out;
		}
		/* Out of slots: the next completion picks the queue up again. */
		if (!b->eng->ops->next_req(b->eng))
			break;
	} while (vq_enable_notify(vq));
out:
	b->eng->ops->submit(b->eng);
	virtio_signal_used(&b->vd, vq);
}

/* A request the engine finished later (BLK_PENDING). */
static void io_done(void *ctx, struct blk_req *r, int32_t res)
{
	struct virtio_blk *b = ctx;
	int st;

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
	return b->eng->ops->event_fd(b->eng);
}

void virtio_blk_io_ready(struct virtio_blk *b)
{
	pthread_mutex_lock(&b->vd.lock);
	b->eng->ops->reap(b->eng, false, io_done, b);
	if (b->vd.active && !(b->vd.status & VIRTIO_STATUS_NEEDS_RESET))
		process_queue(b);
	else
		virtio_signal_used(&b->vd, &b->vd.vq[0]);
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

	/* The driver may reuse the rings' memory once reset: wait for the
	 * kernel to finish with it and complete nothing. */
	b->draining = true;
	b->eng->ops->reap(b->eng, true, io_done, b);
	b->draining = false;
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

int virtio_blk_open_image(const char *path, bool read_only)
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
	int fd = virtio_blk_open_image(path, b->read_only);

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
	/* Finish what the old image has in flight before it goes. The reap
	 * consumes the completion eventfd, so the event loop will not signal
	 * these completions: do it here. */
	if (b->eng->ops->reap(b->eng, true, io_done, b))
		virtio_signal_used(&b->vd, &b->vd.vq[0]);
	ret = b->eng->ops->replace_file(b->eng, fd);
	if (ret) {
		close(fd);
		errf(e, ret, "drive \"%s\": io_uring cannot switch files: %s", b->drive_id,
		     strerror(-ret));
		goto out;
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

/* Snapshot: every request in flight completed into the used ring. */
static int blk_quiesce(struct virtio_dev *vd)
{
	struct virtio_blk *b = to_blk(vd);

	b->eng->ops->submit(b->eng);
	b->eng->ops->reap(b->eng, true, io_done, b);
	virtio_signal_used(vd, &vd->vq[0]);
	return 0;
}

/* The device's own state: the capacity and mode the guest was shown. */
static int blk_save(const struct virtio_dev *vd, uint8_t *buf, size_t len)
{
	const struct virtio_blk *b = (const struct virtio_blk *)vd;
	uint64_t ns = b->nsectors;

	if (len < 9)
		return -ENOSPC;
	memcpy(buf, &ns, 8);
	buf[8] = b->read_only;
	return 9;
}

/* Restoring onto another image size or mode would lie to the guest. */
static int blk_restore(struct virtio_dev *vd, const uint8_t *buf, size_t len)
{
	struct virtio_blk *b = to_blk(vd);
	uint64_t ns;

	if (len != 9)
		return -EINVAL;
	memcpy(&ns, buf, 8);
	return ns == b->nsectors && buf[8] == b->read_only ? 0 : -EINVAL;
}

static const struct virtio_dev_ops blk_ops = {
    .config_read = blk_config_read,
    .activate = blk_activate,
    .reset = blk_reset,
    .notify = blk_notify,
    .quiesce = blk_quiesce,
    .save = blk_save,
    .restore = blk_restore,
};

static int open_image(struct virtio_blk *b, const struct cfg_drive *d, struct errbuf *e)
{
	off_t size;

	b->fd = virtio_blk_open_image(d->path_on_host, d->is_read_only);
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

static const struct blk_engine_ops *const engines[] = {
    [IO_ENGINE_SYNC] = &blk_io_sync_ops,
    [IO_ENGINE_ASYNC] = &blk_uring_ops,
};

static const struct blk_engine_ops *engine_ops(enum cfg_io_engine id)
{
	return (unsigned int)id < sizeof(engines) / sizeof(engines[0]) && engines[id]
		   ? engines[id]
		   : &blk_io_sync_ops;
}

static void on_rl_timer(void *ctx, uint32_t events)
{
	struct virtio_blk *b = ctx;
	uint64_t n;

	if (read(b->rl_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&b->vd.lock);
	b->throttled = false;
	if (b->vd.active && !(b->vd.status & VIRTIO_STATUS_NEEDS_RESET))
		process_queue(b);
	pthread_mutex_unlock(&b->vd.lock);
}

/* The limiter's timerfd, made even for an unlimited drive (PATCH may limit it). */
static int watch_rl(struct virtio_blk *b, const struct cfg_drive *d, const struct dev_ctx *ctx,
		    struct errbuf *e)
{
	int ret;

	rate_limiter_init(&b->rl, &d->rate_limiter, blk_now_ns());
	if (!ctx->loop)
		return 0;
	b->rl_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (b->rl_fd < 0)
		return errf(e, -errno, "drive \"%s\": rate limiter timer: %s", b->drive_id,
			    strerror(errno));
	b->rl_h = (struct loop_handler){.fn = on_rl_timer, .ctx = b};
	ret = loop_add(ctx->loop, b->rl_fd, EPOLLIN, &b->rl_h);
	if (ret)
		return errf(e, ret, "drive \"%s\": watching the rate limiter timer: %s",
			    b->drive_id, strerror(-ret));
	return 0;
}

void virtio_blk_set_rate_limiter(struct virtio_blk *b, const struct cfg_rate_limiter *c)
{
	pthread_mutex_lock(&b->vd.lock);
	rate_limiter_update(&b->rl, c, blk_now_ns());
	pthread_mutex_unlock(&b->vd.lock);
}

uint64_t virtio_blk_throttled_events(struct virtio_blk *b)
{
	uint64_t n;

	pthread_mutex_lock(&b->vd.lock);
	n = b->throttled_events;
	pthread_mutex_unlock(&b->vd.lock);
	return n;
}

static void on_io(void *ctx, uint32_t events)
{
	virtio_blk_io_ready(ctx);
}

/* The Async engine's completion eventfd, watched by @ctx's loop. */
static int watch_io(struct virtio_blk *b, const struct dev_ctx *ctx, struct errbuf *e)
{
	int fd = virtio_blk_io_fd(b), ret;

	if (fd < 0 || !ctx->loop)
		return 0;
	b->io_h = (struct loop_handler){.fn = on_io, .ctx = b};
	ret = loop_add(ctx->loop, fd, EPOLLIN, &b->io_h);
	if (ret)
		return errf(e, ret, "drive \"%s\": watching I/O completions: %s", b->drive_id,
			    strerror(-ret));
	return 0;
}

int virtio_blk_create(struct virtio_blk **out, const struct cfg_drive *d, const struct dev_ctx *ctx,
		      struct errbuf *e)
{
	struct logger *log = ctx->log;
	struct virtio_blk *b;
	uint64_t features;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return errf(e, -ENOMEM, "drive \"%s\": out of memory", d->drive_id);
	b->fd = -1;
	b->rl_fd = -1;
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
	ret = virtio_dev_init(&b->vd, &blk_ops, VIRTIO_ID_BLOCK, features, sizeof(b->cfg), 1,
			      ctx->mem, log);
	if (ret) {
		errf(e, ret, "drive \"%s\": cannot initialise the device", d->drive_id);
		goto err;
	}
	snprintf(b->vd.name, sizeof(b->vd.name), "block \"%s\"", d->drive_id);
	ret = engine_ops(d->io_engine)->create(&b->eng, b->fd, b->vd.name, e);
	if (ret)
		goto err_dev;
	ret = watch_io(b, ctx, e);
	if (!ret)
		ret = watch_rl(b, d, ctx, e);
	if (ret)
		goto err_dev;
	*out = b;
	return 0;

err_dev:
	virtio_dev_destroy(&b->vd);
err:
	if (b->eng)
		b->eng->ops->destroy(b->eng);
	if (b->fd >= 0)
		close(b->fd);
	if (b->rl_fd >= 0)
		close(b->rl_fd);
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
	if (b->eng)
		b->eng->ops->destroy(b->eng);
	if (b->fd >= 0)
		close(b->fd);
	if (b->rl_fd >= 0)
		close(b->rl_fd);
	virtio_dev_destroy(&b->vd);
	free(b);
}
