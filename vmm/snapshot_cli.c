/* snapshot_cli.c - --snapshot-version and --describe-snapshot; see snapshot_file.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "snapshot_file.h"
#include "vm_exit.h"

int snapshot_cli(const struct cli_opts *o)
{
	uint8_t head[SNAP_HEADER_LEN + SNAP_TRAILER_LEN];
	struct errbuf e = {""};
	uint32_t version;
	ssize_t n;
	int fd;

	if (o->action == CLI_SNAPSHOT_VERSION) {
		printf("v%u\n", SNAP_VERSION);
		return EMBER_EXIT_OK;
	}
	fd = open(o->describe_snapshot, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ember: %s: %s\n", o->describe_snapshot, strerror(errno));
		return EMBER_EXIT_GENERIC;
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (snap_file_version(head, n > 0 ? (size_t)n : 0, &version, &e)) {
		fprintf(stderr, "ember: %s: %s\n", o->describe_snapshot, e.msg);
		return EMBER_EXIT_GENERIC;
	}
	printf("v%u\n", version);
	return EMBER_EXIT_OK;
}
