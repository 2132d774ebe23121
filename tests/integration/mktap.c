/*
 * mktap.c - create a persistent tap device owned by a uid and gid, for the
 * jailed-device test (busybox tunctl in the test host has no -u/-g).
 *
 *   test-mktap NAME UID GID
 *
 * The tap carries IFF_VNET_HDR like the ones ember opens. Delete it with
 * "ip link del NAME".
 */
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ifreq ifr;
	int fd;

	if (argc != 4 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "usage: test-mktap NAME UID GID\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, argv[1], strlen(argv[1]));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETOWNER, strtoul(argv[2], NULL, 10)) < 0 ||
	    ioctl(fd, TUNSETGROUP, strtoul(argv[3], NULL, 10)) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1) < 0) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	return 0;
}
