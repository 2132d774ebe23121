/* vmgenid.c - see vmgenid.h. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "vmgenid.h"

static int new_id(struct vmgenid *g, struct errbuf *e)
{
	uint8_t id[VMGENID_LEN];
	ssize_t n;

	do
		n = getrandom(id, sizeof(id), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(id))
		return errf(e, n < 0 ? -errno : -EIO, "VMGenID: getrandom: %s",
			    n < 0 ? strerror(errno) : "short read");
	if (gm_write(g->gm, g->gpa, id, sizeof(id)))
		return errf(e, -EFAULT, "VMGenID: 0x%llx is not in guest RAM",
			    (unsigned long long)g->gpa);
	memcpy(g->id, id, sizeof(id));
	return 0;
}

int vmgenid_init(struct vmgenid *g, struct guest_mem *gm, uint64_t gpa, struct irq_line irq,
		 struct errbuf *e)
{
	memset(g, 0, sizeof(*g));
	g->gm = gm;
	g->gpa = gpa;
	g->irq = irq;
	return new_id(g, e);
}

int vmgenid_regenerate(struct vmgenid *g, struct errbuf *e)
{
	int ret = new_id(g, e);

	if (!ret)
		irq_raise(&g->irq);
	return ret;
}
