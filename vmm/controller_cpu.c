/*
 * controller_cpu.c - see controller_cpu.h.
 *
 * Firecracker keeps one template slot: PUT /cpu-config fills it with a
 * custom template, a machine-config naming "cpu_template" (even "None")
 * fills it with a static one or empties it, and a machine-config without
 * the field leaves it alone. The router marks a body that names the field
 * as deprecated, which is what controller_cpu_machine_set reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "controller_cpu.h"
#include "cpu_config.h"

int controller_put_cpu_config(struct vm_config *cfg, struct api_request *req, struct errbuf *e)
{
	cpu_config_destroy(cfg->cpu_config);
	cfg->cpu_config = req->u.cpu_config;
	req->u.cpu_config = NULL;
	cfg->machine.cpu_template = 0;
	return 0;
}

void controller_cpu_machine_set(struct vm_config *cfg, const struct api_request *req)
{
	if (!req->deprecated)
		return;
	cpu_config_destroy(cfg->cpu_config);
	cfg->cpu_config = NULL;
}

int controller_cpu_check(const struct vm_config *cfg, struct errbuf *e)
{
	int fd, ret;

	if (!cfg->cpu_config || !cfg->cpu_config->nr_caps)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errf(e, -errno, "cannot open /dev/kvm: %s", strerror(errno));
	ret = cpu_config_check_caps(cfg->cpu_config, fd, e);
	close(fd);
	return ret;
}
