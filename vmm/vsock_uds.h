/*
 * vsock_uds.h - the Unix-socket side of Firecracker's hybrid vsock, the
 * parts that need no connection state: the listening socket on uds_path
 * (a stale socket file replaced, anything else refused), the host's
 * "CONNECT <port>" line (client-supplied bytes: pure and fuzzed,
 * tests/fuzz/fuzz_vsock.c) and the monotonic clock the handshake timeouts
 * are measured on.
 */
#ifndef EMBER_VSOCK_UDS_H
#define EMBER_VSOCK_UDS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Longest handshake line ember reads, newline included. */
#define VSOCK_UDS_LINE_MAX 32

/*
 * vsock_uds_listen - a non-blocking listening Unix stream socket bound to
 * @path. The fd, or -errno with @e naming the problem.
 */
int vsock_uds_listen(const char *path, struct errbuf *e);

/*
 * vsock_uds_parse_connect - @line (@len bytes, without the newline) must be
 * "CONNECT <port>" as Firecracker reads it: two words separated by blanks
 * (space, tab, CR), the first "connect" in any case, the second a decimal
 * port no larger than UINT32_MAX. 0 with *@port set, or -EINVAL.
 */
int vsock_uds_parse_connect(const char *line, size_t len, uint32_t *port);

/* vsock_uds_now_ms - CLOCK_MONOTONIC in milliseconds. */
uint64_t vsock_uds_now_ms(void);

#endif
