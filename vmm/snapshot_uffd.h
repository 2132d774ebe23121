/*
 * snapshot_uffd.h - the Uffd memory backend of PUT /snapshot/load, in
 * Firecracker's protocol: guest RAM is anonymous memory registered with a
 * userfaultfd (missing-page mode) before anything touches it; ember
 * connects to the page-fault handler's Unix socket at backend_path and
 * sends one message: a JSON array with one object per guest RAM region,
 *   {"base_host_virt_addr": N, "size": N, "offset": N, "page_size": 4096}
 * (offset: where the region starts in the snapshot's memory file), with
 * the userfaultfd attached (SCM_RIGHTS). The handler then serves every
 * first touch of a page, by the guest or by ember, with UFFDIO_COPY.
 */
#ifndef EMBER_SNAPSHOT_UFFD_H
#define EMBER_SNAPSHOT_UFFD_H

#include <stddef.h>

#include "err.h"
#include "guest_mem.h"

/* snapshot_uffd_json - the region message for @gm into @buf; its length,
 * or -ENOSPC. */
int snapshot_uffd_json(const struct guest_mem *gm, char *buf, size_t len);

/* snapshot_uffd_setup - register @gm with a new userfaultfd and hand it to
 * the handler at @sock_path. ember keeps no copy: the handler owns it.
 * 0 or -errno with @e set. */
int snapshot_uffd_setup(const struct guest_mem *gm, const char *sock_path, struct errbuf *e);

#endif
