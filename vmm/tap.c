/* tap.c - see tap.h. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "tap.h"

/* Turn TUNSETIFF's errno into advice. */
static int attach_error(const char *name, int err, struct errbuf *e)
{
	switch (err) {
	case EBUSY:
		return errf(e, -err,
			    "tap \"%s\" is busy: another process (another microVM?) has it open",
			    name);
	case EINVAL:
		return errf(e, -err, "\"%s\" is not a single-queue tap device", name);
	case EPERM:
	case EACCES:
		return errf(e, -err,
			    "no permission to attach to tap \"%s\": run as root or create it with "
			    "`ip tuntap add %s mode tap user <uid>`",
			    name, name);
	default:
		return errf(e, -err, "cannot attach to tap \"%s\": %s", name, strerror(err));
	}
}

int tap_open(const char *name, struct errbuf *e)
{
	struct ifreq ifr;
	unsigned int features = 0;
	int fd, hdr = TAP_VNET_HDR_LEN, err;

	if (strlen(name) >= IFNAMSIZ)
		return errf(e, -EINVAL, "tap name \"%s\" is longer than %d characters", name,
			    IFNAMSIZ - 1);
	/* TUNSETIFF would create a missing tap instead of failing (with
	 * CAP_NET_ADMIN): look it up first. */
	if (if_nametoindex(name) == 0)
		return errf(
		    e, -ENODEV,
		    "tap \"%s\" does not exist (create it first: ip tuntap add %s mode tap)", name,
		    name);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errf(e, -errno,
			    "cannot open /dev/net/tun for tap \"%s\": %s (is the tun "
			    "module loaded?)",
			    name, strerror(errno));
	if (ioctl(fd, TUNGETFEATURES, &features) == 0 && !(features & IFF_VNET_HDR)) {
		close(fd);
		return errf(e, -ENOTSUP, "this kernel's tun driver lacks IFF_VNET_HDR");
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		close(fd);
		return attach_error(name, err, e);
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		err = errno;
		close(fd);
		return errf(e, -err, "tap \"%s\": setting the vnet header: %s", name,
			    strerror(err));
	}
	return fd;
}

int tap_set_offload(int fd, unsigned int flags)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0 ? -errno : 0;
}
