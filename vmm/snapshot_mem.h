/*
 * snapshot_mem.h - guest RAM to and from the snapshot memory file. The file
 * holds the regions end to end (snap_mem_layout: file offset = sum of the
 * sizes before), so one MAP_PRIVATE mapping of it is guest RAM again.
 * Writing leaves all-zero pages as holes (the file is sparse), so a fresh
 * guest's untouched RAM costs no disk.
 */
#ifndef EMBER_SNAPSHOT_MEM_H
#define EMBER_SNAPSHOT_MEM_H

#include "err.h"
#include "guest_mem.h"
#include "snapshot_file.h"

/* snapshot_mem_layout - @gm's regions as the file lays them out. */
void snapshot_mem_layout(const struct guest_mem *gm, struct snap_mem_layout *l);

/* snapshot_mem_write - every page of @gm into @path (created, truncated,
 * mode 0600), zero pages as holes; fsync'ed. 0 or -errno with @e set. */
int snapshot_mem_write(const struct guest_mem *gm, const char *path, struct errbuf *e);

/* snapshot_mem_write_diff - only the pages @dl's last fetch found dirty,
 * each at its offset in a file of the full size (holes elsewhere), so the
 * file can be laid over its base memory file. 0 or -errno with @e set. */
struct dirty_log;
int snapshot_mem_write_diff(const struct guest_mem *gm, const struct dirty_log *dl,
			    const char *path, struct errbuf *e);

/* snapshot_file_create - creat(2) of @path, mode 0600, through its own
 * system call (the event loop's seccomp filter allows openat only for
 * existing files). Returns the fd or -errno. */
int snapshot_file_create(const char *path);

/* snapshot_mem_open - @path opened read-only for mapping, checked to be a
 * regular file of exactly @size bytes. Returns the fd or -errno, @e set. */
int snapshot_mem_open(const char *path, uint64_t size, struct errbuf *e);

#endif
