/* dirty_log.c - see dirty_log.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "dirty_log.h"

/* set_logging - re-register slot @i as kvm.c did, with or without logging. */
static int set_logging(struct dirty_log *dl, unsigned int i, bool on)
{
	const struct gm_region *r = &dl->gm->region[i];
	struct kvm_userspace_memory_region m = {
	    .slot = i,
	    .flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
	    .guest_phys_addr = r->gpa,
	    .memory_size = r->size,
	    .userspace_addr = (uint64_t)(uintptr_t)r->hva,
	};

	return ioctl(dl->vm_fd, KVM_SET_USER_MEMORY_REGION, &m) < 0 ? -errno : 0;
}

static void free_slots(struct dirty_log *dl)
{
	unsigned int i;

	for (i = 0; i < GM_MAX_REGIONS; i++) {
		dbm_free(&dl->slot[i].vmm);
		dbm_free(&dl->slot[i].result);
		free(dl->slot[i].kvm_words);
		dl->slot[i].kvm_words = NULL;
	}
}

int dirty_log_start(struct dirty_log *dl, int vm_fd, struct guest_mem *gm)
{
	struct dirty_log_slot *s;
	unsigned int i;
	int ret = 0;

	memset(dl, 0, sizeof(*dl));
	dl->vm_fd = vm_fd;
	dl->gm = gm;
	if (!gm->nr_regions || gm->nr_regions > GM_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; !ret && i < gm->nr_regions; i++) {
		s = &dl->slot[i];
		s->gpa = gm->region[i].gpa;
		s->size = gm->region[i].size;
		if (s->size % DBM_PAGE_SIZE)
			ret = -EINVAL;
		if (!ret)
			ret = dbm_init(&s->vmm, s->size / DBM_PAGE_SIZE);
		if (!ret)
			ret = dbm_init(&s->result, s->size / DBM_PAGE_SIZE);
		if (!ret) {
			s->kvm_words = calloc(s->vmm.nr_words, sizeof(uint64_t));
			if (!s->kvm_words)
				ret = -ENOMEM;
		}
	}
	dl->nr_slots = gm->nr_regions;
	/* The VMM's bitmaps first: a page written while KVM's logging turns
	 * on is then in one of the two. */
	for (i = 0; !ret && i < dl->nr_slots; i++)
		gm->vmm_dirty[i] = &dl->slot[i].vmm;
	for (i = 0; !ret && i < dl->nr_slots; i++)
		ret = set_logging(dl, i, true);
	if (ret) {
		while (i-- > 0)
			set_logging(dl, i, false);
		for (i = 0; i < GM_MAX_REGIONS; i++)
			gm->vmm_dirty[i] = NULL;
		free_slots(dl);
		dl->nr_slots = 0;
		return ret;
	}
	dl->on = true;
	return 0;
}

int dirty_log_fetch(struct dirty_log *dl)
{
	struct dirty_log_slot *s;
	struct kvm_dirty_log log;
	unsigned int i;
	int ret;

	if (!dl->on)
		return -EINVAL;
	for (i = 0; i < dl->nr_slots; i++) {
		s = &dl->slot[i];
		memset(s->kvm_words, 0, s->vmm.nr_words * sizeof(uint64_t));
		memset(&log, 0, sizeof(log));
		log.slot = i;
		log.dirty_bitmap = s->kvm_words;
		/* Without manual protection KVM hands over and clears at once. */
		if (ioctl(dl->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
			return -errno;
		dbm_clear(&s->result);
		dbm_or_words(&s->result, s->kvm_words, s->vmm.nr_words);
		ret = dbm_move(&s->result, &s->vmm);
		if (ret)
			return ret;
	}
	return 0;
}

uint64_t dirty_log_count(const struct dirty_log *dl)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < dl->nr_slots; i++)
		n += dbm_count(&dl->slot[i].result);
	return n;
}

bool dirty_log_next_run(const struct dirty_log *dl, struct dirty_log_iter *it, uint64_t *gpa,
			uint64_t *len)
{
	const struct dirty_log_slot *s;
	uint64_t page, nr;

	for (; it->slot < dl->nr_slots; it->slot++, it->page = 0) {
		s = &dl->slot[it->slot];
		page = it->page;
		if (dbm_next_run(&s->result, &page, &nr)) {
			*gpa = s->gpa + page * DBM_PAGE_SIZE;
			*len = nr * DBM_PAGE_SIZE;
			it->page = page + nr;
			return true;
		}
	}
	return false;
}

bool dirty_log_next_page(const struct dirty_log *dl, struct dirty_log_iter *it, uint64_t *gpa)
{
	const struct dirty_log_slot *s;
	uint64_t page, nr;

	for (; it->slot < dl->nr_slots; it->slot++, it->page = 0) {
		s = &dl->slot[it->slot];
		page = it->page;
		if (dbm_next_run(&s->result, &page, &nr)) {
			*gpa = s->gpa + page * DBM_PAGE_SIZE;
			it->page = page + 1;
			return true;
		}
	}
	return false;
}

void dirty_log_stop(struct dirty_log *dl)
{
	unsigned int i;

	if (dl->on)
		for (i = 0; i < GM_MAX_REGIONS; i++)
			dl->gm->vmm_dirty[i] = NULL;
	free_slots(dl);
	dl->nr_slots = 0;
	dl->on = false;
}
