/*
 * blk_io_sync.c - the synchronous block engine (io_engine "Sync"): blocking
 * preadv/pwritev straight between the image and guest memory, fdatasync
 * for FLUSH. Runs on the event-loop thread; see blk_req.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "blk_req.h"

/* Drop the first @n bytes of @iov[0..*cnt) in place. */
static struct iovec *advance(struct iovec *iov, unsigned int *cnt, size_t n)
{
	while (*cnt && n >= iov->iov_len) {
		n -= iov->iov_len;
		iov++;
		(*cnt)--;
	}
	if (*cnt && n) {
		iov->iov_base = (uint8_t *)iov->iov_base + n;
		iov->iov_len -= n;
	}
	return iov;
}

uint8_t blk_io_sync(int fd, struct blk_req *r, uint32_t done)
{
	unsigned int cnt = r->niov;
	struct iovec *iov;
	ssize_t n;

	if (r->type == VIRTIO_BLK_T_FLUSH) {
		while (fdatasync(fd) < 0)
			if (errno != EINTR)
				return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	}
	if (r->type != VIRTIO_BLK_T_IN && r->type != VIRTIO_BLK_T_OUT)
		return VIRTIO_BLK_S_UNSUPP;
	if (done > r->data_len)
		return VIRTIO_BLK_S_IOERR;
	/* The request's iovecs are scratch from here on. */
	iov = advance(r->iov, &cnt, done);
	while (done < r->data_len) {
		int c = cnt > IOV_MAX ? IOV_MAX : (int)cnt;

		if (r->type == VIRTIO_BLK_T_IN)
			n = preadv(fd, iov, c, (off_t)(r->offset + done));
		else
			n = pwritev(fd, iov, c, (off_t)(r->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		/* An error, or end of file: the image shrank under us. */
		if (n <= 0)
			return VIRTIO_BLK_S_IOERR;
		done += (uint32_t)n;
		iov = advance(iov, &cnt, (size_t)n);
	}
	return VIRTIO_BLK_S_OK;
}

/* The Sync engine: one request at a time, finished before start returns. */
struct blk_sync {
	struct blk_engine base;
	struct blk_req req;
};

static int sync_create(struct blk_engine **out, int fd, const char *name, struct errbuf *e)
{
	struct blk_sync *s = calloc(1, sizeof(*s));

	if (!s)
		return errf(e, -ENOMEM, "%s: out of memory", name);
	s->base = (struct blk_engine){.ops = &blk_io_sync_ops, .fd = fd};
	*out = &s->base;
	return 0;
}

static struct blk_req *sync_next_req(struct blk_engine *eng)
{
	return &((struct blk_sync *)eng)->req;
}

static int sync_start(struct blk_engine *eng, struct blk_req *r)
{
	return blk_io_sync(eng->fd, r, 0);
}

static void sync_submit(struct blk_engine *eng)
{
}

static unsigned int sync_reap(struct blk_engine *eng, bool wait, blk_done_fn done, void *ctx)
{
	return 0;
}

static int sync_event_fd(const struct blk_engine *eng)
{
	return -1;
}

static int sync_replace_file(struct blk_engine *eng, int fd)
{
	eng->fd = fd;
	return 0;
}

static void sync_destroy(struct blk_engine *eng)
{
	free(eng);
}

const struct blk_engine_ops blk_io_sync_ops = {
    .create = sync_create,
    .next_req = sync_next_req,
    .start = sync_start,
    .submit = sync_submit,
    .reap = sync_reap,
    .event_fd = sync_event_fd,
    .replace_file = sync_replace_file,
    .destroy = sync_destroy,
};
