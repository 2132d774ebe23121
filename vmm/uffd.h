/*
 * uffd.h - mem_backend "Uffd": guest memory served by a page-fault handler
 * process, with Firecracker's handshake, so handlers written for
 * Firecracker work unchanged.
 *
 * ember creates a userfaultfd, registers every guest memory region in
 * MISSING mode, connects to the handler's Unix stream socket (backend_path)
 * and sends, in one message, the region layout as JSON with the uffd
 * attached (SCM_RIGHTS). The layout is an array with one object per region:
 *   {"base_host_virt_addr": <hva>, "size": <bytes>, "offset": <bytes>,
 *    "page_size": <bytes>, "page_size_kib": <bytes>}
 * where offset is the region's place in the memory file (regions follow
 * each other there, the MMIO gap left out) and page_size_kib repeats
 * page_size in bytes, as Firecracker does for older handlers. The handler
 * then answers each fault with UFFDIO_COPY (or ZEROPAGE) from the file.
 *
 * Threads: once, on the event-loop thread, during a snapshot load before
 * the vCPUs run and before the seccomp filters are installed (userfaultfd,
 * socket, connect and sendmsg are on no allow-list). Guest memory must be
 * anonymous (not the file mapping) for MISSING faults to reach the handler.
 */
#ifndef EMBER_UFFD_H
#define EMBER_UFFD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "guest_mem.h"

#define UFFD_LAYOUT_MAX 1024 /* bytes of JSON for GM_MAX_REGIONS regions */

/* uffd_layout_json - @gm's layout as above into @buf; its length, or
 * -ENOSPC if @n is too small. */
int uffd_layout_json(const struct guest_mem *gm, uint64_t page_size, char *buf, size_t n);

/* uffd_create - a userfaultfd (the system call, else /dev/userfaultfd)
 * with every region of @gm registered for missing-page faults. The fd, or
 * -errno with @e filled. */
int uffd_create(const struct guest_mem *gm, struct errbuf *e);

/* uffd_send - @json with @uffd attached, in one message on the connected
 * stream socket @sock. 0 or -errno. */
int uffd_send(int sock, int uffd, const char *json, size_t len);

/* uffd_connect_send - uffd_create, connect to @path, send the layout. The
 * uffd (ember keeps it open for the VM's life), or -errno with @e filled. */
int uffd_connect_send(const struct guest_mem *gm, const char *path, struct errbuf *e);

#endif
