/*
 * blk_io_uring.c - the asynchronous block engine (io_engine "Async") on
 * io_uring; see blk_req.h.
 *
 * The ring is created disabled, the image is registered as its only fixed
 * file, and a restriction list (Linux 5.10+) allows nothing but READV,
 * WRITEV and FSYNC on that fixed file before the ring is enabled: even a
 * bug in ember cannot make this ring touch anything else. Completions are
 * signalled on an eventfd the event loop watches; requests in flight keep
 * pointing into guest memory and into their own struct blk_req, which the
 * device keeps untouched until the completion is reaped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <liburing.h>

#include "blk_req.h"

struct blk_uring {
	struct io_uring ring;
	bool ring_ready;
	int efd;
	unsigned int inflight; /* submitted or prepared, not yet reaped */
};

/* Raw io_uring_register(2): Debian's liburing.so does not export
 * io_uring_register_restrictions / io_uring_enable_rings (only the static
 * library has them), and unit tests link the shared one. */
static int ring_register(struct blk_uring *u, unsigned int op, const void *arg, unsigned int nr)
{
	return syscall(__NR_io_uring_register, u->ring.ring_fd, op, arg, nr) < 0 ? -errno : 0;
}

static int restrict_ring(struct blk_uring *u, int fd)
{
	struct io_uring_restriction res[] = {
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_READV},
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_WRITEV},
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_FSYNC},
	    {.opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED, .sqe_flags = IOSQE_FIXED_FILE},
	    /* Post-boot PATCH /drives swaps the image in fixed-file slot 0. */
	    {.opcode = IORING_RESTRICTION_REGISTER_OP, .register_op = IORING_REGISTER_FILES_UPDATE},
	};
	int ret;

	/* Once enabled, a restricted ring refuses every registration but the
	 * fixed-file update listed above. */
	ret = io_uring_register_files(&u->ring, &fd, 1);
	if (!ret)
		ret = io_uring_register_eventfd(&u->ring, u->efd);
	if (!ret)
		ret = ring_register(u, IORING_REGISTER_RESTRICTIONS, res,
				    sizeof(res) / sizeof(res[0]));
	if (!ret)
		ret = ring_register(u, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	return ret;
}

int blk_uring_create(struct blk_uring **out, int fd, unsigned int depth, struct errbuf *e)
{
	struct io_uring_params p;
	struct blk_uring *u;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return errf(e, -ENOMEM, "io_uring engine: out of memory");
	u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->efd < 0) {
		ret = errf(e, -errno, "io_uring engine: eventfd: %s", strerror(errno));
		goto err_free;
	}
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED;
	ret = io_uring_queue_init_params(depth, &u->ring, &p);
	if (ret < 0) {
		ret = errf(e, ret,
			   "io_engine Async: cannot create an io_uring (%s); Linux 5.10 or newer "
			   "without an io_uring ban is needed, or use io_engine Sync",
			   strerror(-ret));
		goto err_efd;
	}
	u->ring_ready = true;
	ret = restrict_ring(u, fd);
	if (ret < 0) {
		ret = errf(e, ret, "io_engine Async: setting up the io_uring: %s", strerror(-ret));
		goto err_ring;
	}
	*out = u;
	return 0;

err_ring:
	io_uring_queue_exit(&u->ring);
err_efd:
	close(u->efd);
err_free:
	free(u);
	return ret;
}

int blk_uring_eventfd(const struct blk_uring *u)
{
	return u->efd;
}

int blk_uring_queue(struct blk_uring *u, struct blk_req *r, uint64_t tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe)
		return -EBUSY;
	/* Index 0: the image, the ring's only registered file. */
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		io_uring_prep_readv(sqe, 0, r->iov, r->niov, r->offset);
		break;
	case VIRTIO_BLK_T_OUT:
		io_uring_prep_writev(sqe, 0, r->iov, r->niov, r->offset);
		break;
	default:
		io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
		break;
	}
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, tag);
	u->inflight++;
	return 0;
}

int blk_uring_submit(struct blk_uring *u)
{
	int ret;

	do
		ret = io_uring_submit(&u->ring);
	while (ret == -EINTR);
	return ret < 0 ? ret : 0;
}

unsigned int blk_uring_reap(struct blk_uring *u, blk_uring_done_fn done, void *ctx, bool wait)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;
	uint64_t cnt, tag;
	int32_t res;
	int ret;

	if (read(u->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing signalled; completions may still be there. */
	}
	while (u->inflight) {
		if (wait) {
			blk_uring_submit(u);
			ret = io_uring_wait_cqe(&u->ring, &cqe);
		} else {
			ret = io_uring_peek_cqe(&u->ring, &cqe);
		}
		if (ret == -EINTR)
			continue;
		if (ret < 0 || !cqe)
			break;
		tag = io_uring_cqe_get_data64(cqe);
		res = cqe->res;

		io_uring_cqe_seen(&u->ring, cqe);
		u->inflight--;
		n++;
		if (done)
			done(ctx, tag, res);
	}
	return n;
}

void blk_uring_destroy(struct blk_uring *u)
{
	if (!u)
		return;
	/* The kernel may still be writing into guest memory: wait for it. */
	if (u->ring_ready) {
		blk_uring_reap(u, NULL, NULL, true);
		io_uring_queue_exit(&u->ring);
	}
	close(u->efd);
	free(u);
}

int blk_uring_replace_file(struct blk_uring *u, int fd)
{
	int ret;

	if (u->inflight)
		return -EBUSY;
	ret = io_uring_register_files_update(&u->ring, 0, &fd, 1);
	return ret < 0 ? ret : 0;
}

/* The Async engine: up to BLK_URING_DEPTH requests in flight, each in its
 * own slot (a struct blk_req the kernel's iovecs point into) until reaped;
 * prepared requests are submitted in one batch per queue pass. */

struct blk_async {
	struct blk_engine base;
	struct blk_uring *u;
	struct blk_req *slots;
	uint16_t free_slot[BLK_URING_DEPTH];
	unsigned int nr_free;
	bool unsubmitted;
	blk_done_fn done; /* during reap */
	void *done_ctx;
};

static void async_destroy(struct blk_engine *eng)
{
	struct blk_async *a = (struct blk_async *)eng;

	if (!a)
		return;
	blk_uring_destroy(a->u); /* waits for what is in flight */
	free(a->slots);
	free(a);
}

static int async_create(struct blk_engine **out, int fd, const char *name, struct errbuf *e)
{
	struct blk_async *a = calloc(1, sizeof(*a));
	unsigned int i;
	int ret;

	if (a)
		a->slots = calloc(BLK_URING_DEPTH, sizeof(*a->slots));
	if (!a || !a->slots) {
		free(a);
		return errf(e, -ENOMEM, "%s: out of memory", name);
	}
	a->base = (struct blk_engine){.ops = &blk_uring_ops, .fd = fd};
	ret = blk_uring_create(&a->u, fd, BLK_URING_DEPTH, e);
	if (ret) {
		async_destroy(&a->base);
		return ret;
	}
	for (i = 0; i < BLK_URING_DEPTH; i++)
		a->free_slot[i] = (uint16_t)(BLK_URING_DEPTH - 1 - i);
	a->nr_free = BLK_URING_DEPTH;
	*out = &a->base;
	return 0;
}

static struct blk_req *async_next_req(struct blk_engine *eng)
{
	struct blk_async *a = (struct blk_async *)eng;

	return a->nr_free ? &a->slots[a->free_slot[a->nr_free - 1]] : NULL;
}

/* Queue @r, which sits in the slot next_req returned. */
static int async_start(struct blk_engine *eng, struct blk_req *r)
{
	struct blk_async *a = (struct blk_async *)eng;
	uint16_t slot = a->free_slot[a->nr_free - 1];
	int ret = blk_uring_queue(a->u, r, slot);

	if (ret == -EBUSY) {
		blk_uring_submit(a->u);
		ret = blk_uring_queue(a->u, r, slot);
	}
	if (ret)
		return VIRTIO_BLK_S_IOERR;
	a->nr_free--;
	a->unsubmitted = true;
	return BLK_PENDING;
}

static void async_submit(struct blk_engine *eng)
{
	struct blk_async *a = (struct blk_async *)eng;

	if (a->unsubmitted && blk_uring_submit(a->u) == 0)
		a->unsubmitted = false;
}

static void async_done(void *ctx, uint64_t tag, int32_t res)
{
	struct blk_async *a = ctx;

	if (tag >= BLK_URING_DEPTH)
		return;
	a->free_slot[a->nr_free++] = (uint16_t)tag;
	if (a->done)
		a->done(a->done_ctx, &a->slots[tag], res);
}

static unsigned int async_reap(struct blk_engine *eng, bool wait, blk_done_fn done, void *ctx)
{
	struct blk_async *a = (struct blk_async *)eng;
	unsigned int n;

	a->done = done;
	a->done_ctx = ctx;
	n = blk_uring_reap(a->u, async_done, a, wait);
	a->done = NULL;
	if (wait)
		a->unsubmitted = false; /* reaping with wait submitted everything */
	return n;
}

static int async_event_fd(const struct blk_engine *eng)
{
	return blk_uring_eventfd(((const struct blk_async *)eng)->u);
}

static int async_replace_file(struct blk_engine *eng, int fd)
{
	int ret = blk_uring_replace_file(((struct blk_async *)eng)->u, fd);

	if (!ret)
		eng->fd = fd;
	return ret;
}

const struct blk_engine_ops blk_uring_ops = {
    .create = async_create,
    .next_req = async_next_req,
    .start = async_start,
    .submit = async_submit,
    .reap = async_reap,
    .event_fd = async_event_fd,
    .replace_file = async_replace_file,
    .destroy = async_destroy,
};
