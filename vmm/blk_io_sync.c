/*
 * blk_io_sync.c - the synchronous block engine (io_engine "Sync"): blocking
 * preadv/pwritev straight between the image and guest memory, fdatasync
 * for FLUSH. Runs on the event-loop thread; see blk_req.h.
 */
#include <errno.h>
#include <limits.h>
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
