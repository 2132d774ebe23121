/* snapshot_mem.c - guest RAM and the snapshot memory file; see snapshot_mem.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirty_log.h"
#include "snapshot_mem.h"

#define PAGE 4096u

void snapshot_mem_layout(const struct guest_mem *gm, struct snap_mem_layout *l)
{
	uint64_t off = 0;
	unsigned int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < gm->nr_regions && i < SNAP_MAX_MEM_RGN; i++) {
		l->region[i] = (struct snap_mem_region){
		    .gpa = gm->region[i].gpa, .size = gm->region[i].size, .file_offset = off};
		off += gm->region[i].size;
	}
	l->nr_regions = i;
}

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[64];
	unsigned int i;

	for (i = 0; i < PAGE; i += sizeof(zero))
		if (memcmp(p + i, zero, sizeof(zero)))
			return false;
	return true;
}

/* write_all - @len bytes at @off, through short writes. */
static int write_all(int fd, const uint8_t *p, uint64_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len > (1u << 30) ? (1u << 30) : len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

/* write_region - runs of non-zero pages of @r at file offset @base. */
static int write_region(int fd, const struct gm_region *r, uint64_t base)
{
	uint64_t pg = 0, run, npages = r->size / PAGE;
	int ret;

	while (pg < npages) {
		if (page_is_zero(r->hva + pg * PAGE)) {
			pg++;
			continue;
		}
		for (run = pg + 1; run < npages && !page_is_zero(r->hva + run * PAGE); run++)
			;
		ret = write_all(fd, r->hva + pg * PAGE, (run - pg) * PAGE, base + pg * PAGE);
		if (ret)
			return ret;
		pg = run;
	}
	return 0;
}

int snapshot_file_create(const char *path)
{
	long fd = syscall(SYS_creat, path, 0600);

	return fd < 0 ? -errno : (int)fd;
}

int snapshot_mem_write(const struct guest_mem *gm, const char *path, struct errbuf *e)
{
	uint64_t off = 0;
	unsigned int i;
	int fd, ret = 0;

	fd = snapshot_file_create(path);
	if (fd < 0)
		return errf(e, fd, "Cannot create the memory file %s: %s", path, strerror(-fd));
	if (ftruncate(fd, (off_t)gm->ram_size) < 0)
		ret = -errno;
	for (i = 0; !ret && i < gm->nr_regions; i++) {
		ret = write_region(fd, &gm->region[i], off);
		off += gm->region[i].size;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		return errf(e, ret, "Cannot write the memory file %s: %s", path, strerror(-ret));
	return 0;
}

/* file_offset - where guest range [gpa, gpa + len) lives in the file and in
 * this process; false if it is not inside one region. */
static bool locate(const struct guest_mem *gm, uint64_t gpa, uint64_t len, uint64_t *off,
		   const uint8_t **hva)
{
	uint64_t base = 0;
	unsigned int i;

	for (i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[i];

		if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len) {
			*off = base + (gpa - r->gpa);
			*hva = r->hva + (gpa - r->gpa);
			return true;
		}
		base += r->size;
	}
	return false;
}

int snapshot_mem_write_diff(const struct guest_mem *gm, const struct dirty_log *dl,
			    const char *path, struct errbuf *e)
{
	struct dirty_log_iter it = {0};
	const uint8_t *hva;
	uint64_t gpa, len, off;
	int fd, ret = 0;

	fd = snapshot_file_create(path);
	if (fd < 0)
		return errf(e, fd, "Cannot create the memory file %s: %s", path, strerror(-fd));
	if (ftruncate(fd, (off_t)gm->ram_size) < 0)
		ret = -errno;
	while (!ret && dirty_log_next_run(dl, &it, &gpa, &len)) {
		if (!locate(gm, gpa, len, &off, &hva))
			ret = -EFAULT;
		else
			ret = write_all(fd, hva, len, off);
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret)
		return errf(e, ret, "Cannot write the memory file %s: %s", path, strerror(-ret));
	return 0;
}

int snapshot_mem_open(const char *path, uint64_t size, struct errbuf *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), ret;

	if (fd < 0)
		return errf(e, -errno, "Cannot open the memory file %s: %s", path, strerror(errno));
	/* The fstat system call itself: glibc's goes through newfstatat. */
	if (syscall(SYS_fstat, fd, &st) < 0) {
		ret = errf(e, -errno, "Cannot stat the memory file %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		ret = errf(e, -EINVAL, "The memory file %s is not a regular file.", path);
	} else if ((uint64_t)st.st_size != size) {
		ret = errf(e, -EINVAL,
			   "The memory file %s is %lld bytes but the snapshot's guest memory is "
			   "%llu bytes: it belongs to another snapshot.",
			   path, (long long)st.st_size, (unsigned long long)size);
	} else {
		return fd;
	}
	close(fd);
	return ret;
}
