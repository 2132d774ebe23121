/* fuzz_cpu_config.c - libFuzzer target: the custom CPU template parser
 * (vmm/cpu_config.c) on arbitrary bytes, as PUT /cpu-config and the config
 * file hand it over. Whatever it accepts holds cpu_config.h's promises (the
 * limits, at most one modifier per register, no value bit outside its
 * filter), dumps to JSON that parses back to the same template, and applies
 * to a CPUID table without overflowing it; whatever it refuses leaves
 * nothing allocated and says why. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cpu_config *c)
{
	unsigned int i, k, j;

	if (c->nr_leaves > CPU_CONFIG_MAX_LEAVES || c->nr_msrs > CPU_CONFIG_MAX_MSRS ||
	    c->nr_caps > CPU_CONFIG_MAX_CAPS)
		abort();
	for (i = 0; i < c->nr_leaves; i++) {
		const struct cpu_config_leaf *l = &c->leaves[i];

		if (l->nr_mods > 4)
			abort();
		for (k = 0; k < l->nr_mods; k++) {
			if (l->mod[k].reg > CPU_CONFIG_EDX || (l->mod[k].value & ~l->mod[k].filter))
				abort();
			for (j = 0; j < k; j++)
				if (l->mod[j].reg == l->mod[k].reg)
					abort();
		}
	}
	for (i = 0; i < c->nr_msrs; i++)
		if (c->msrs[i].value & ~c->msrs[i].filter)
			abort();
}

static void same(const struct cpu_config *a, const struct cpu_config *b)
{
	unsigned int i;

	if (a->nr_leaves != b->nr_leaves || a->nr_msrs != b->nr_msrs || a->nr_caps != b->nr_caps)
		abort();
	for (i = 0; i < a->nr_leaves; i++)
		if (memcmp(&a->leaves[i], &b->leaves[i], sizeof(a->leaves[i])))
			abort();
	for (i = 0; i < a->nr_msrs; i++)
		if (a->msrs[i].addr != b->msrs[i].addr || a->msrs[i].filter != b->msrs[i].filter ||
		    a->msrs[i].value != b->msrs[i].value)
			abort();
	for (i = 0; i < a->nr_caps; i++)
		if (a->caps[i].cap != b->caps[i].cap || a->caps[i].remove != b->caps[i].remove)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cpuid_table tbl;
	struct cpu_config *c = NULL, *back = NULL;
	struct errbuf e = {""};
	json_t *d;
	int ret;

	ret = cpu_config_parse_text((const char *)data, size, &c, &e);
	if (ret) {
		if (c || !e.msg[0] || strncmp(e.msg, "cpu-config: ", 12))
			abort();
		return 0;
	}
	check(c);
	d = cpu_config_dump(c);
	if (!d || cpu_config_parse(d, &back, &e))
		abort();
	same(c, back);
	json_decref(d);
	memset(&tbl, 0, sizeof(tbl));
	tbl.hdr.nent = 1; /* leaf 0 */
	ret = cpu_config_apply_cpuid(c, &tbl, &e);
	if ((ret && ret != -ENOSPC) || tbl.hdr.nent > CPUID_MAX_ENTRIES)
		abort();
	cpu_config_destroy(back);
	cpu_config_destroy(c);
	return 0;
}
