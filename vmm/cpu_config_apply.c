/*
 * cpu_config_apply.c - a custom CPU template over a CPUID table, and back
 * to JSON; see cpu_config.h. Pure: unit-tested without /dev/kvm.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpu_config.h"

static const char *const reg_names[] = {"eax", "ebx", "ecx", "edx"};

int cpu_config_apply_cpuid(const struct cpu_config *c, struct cpuid_table *tbl, struct errbuf *e)
{
	unsigned int i, k;

	for (i = 0; c && i < c->nr_leaves; i++) {
		const struct cpu_config_leaf *l = &c->leaves[i];
		struct kvm_cpuid_entry2 *ent =
		    cpuid_find_or_add(tbl, l->leaf, l->subleaf, l->flags);

		if (!ent)
			return errf(e, -ENOSPC,
				    "cpu-config: no room for CPUID leaf %#x subleaf %#x", l->leaf,
				    l->subleaf);
		for (k = 0; k < l->nr_mods; k++)
			cpuid_mask(ent, l->mod[k].reg, l->mod[k].filter, l->mod[k].value);
	}
	return 0;
}

/* bitmap - "0b" and @bits characters, most significant first. */
static json_t *bitmap(uint64_t filter, uint64_t value, unsigned int bits)
{
	char s[2 + 64 + 1] = "0b";
	unsigned int i;

	for (i = 0; i < bits; i++) {
		uint64_t bit = 1ull << (bits - 1 - i);

		s[2 + i] = !(filter & bit) ? 'x' : (value & bit) ? '1' : '0';
	}
	s[2 + bits] = '\0';
	return json_string(s);
}

static json_t *hex(uint32_t v)
{
	char s[16];

	snprintf(s, sizeof(s), "0x%x", v);
	return json_string(s);
}

static json_t *dump_leaf(const struct cpu_config_leaf *l)
{
	json_t *mods = json_array();
	unsigned int k;

	for (k = 0; mods && k < l->nr_mods; k++)
		if (json_array_append_new(
			mods, json_pack("{s:s, s:o}", "register", reg_names[l->mod[k].reg],
					"bitmap", bitmap(l->mod[k].filter, l->mod[k].value, 32)))) {
			json_decref(mods);
			return NULL;
		}
	return mods ? json_pack("{s:o, s:o, s:I, s:o}", "leaf", hex(l->leaf), "subleaf",
				hex(l->subleaf), "flags", (json_int_t)l->flags, "modifiers", mods)
		    : NULL;
}

static json_t *dump_cap(const struct cpu_config_cap *c)
{
	char s[16];

	snprintf(s, sizeof(s), "%s%u", c->remove ? "!" : "", c->cap);
	return json_string(s);
}

json_t *cpu_config_dump(const struct cpu_config *c)
{
	json_t *leaves = json_array(), *msrs = json_array(), *caps = json_array();
	bool ok = leaves && msrs && caps;
	unsigned int i;

	for (i = 0; ok && i < c->nr_leaves; i++)
		ok = !json_array_append_new(leaves, dump_leaf(&c->leaves[i]));
	for (i = 0; ok && i < c->nr_msrs; i++)
		ok = !json_array_append_new(
		    msrs, json_pack("{s:o, s:o}", "addr", hex(c->msrs[i].addr), "bitmap",
				    bitmap(c->msrs[i].filter, c->msrs[i].value, 64)));
	for (i = 0; ok && i < c->nr_caps; i++)
		ok = !json_array_append_new(caps, dump_cap(&c->caps[i]));
	if (!ok) {
		json_decref(leaves);
		json_decref(msrs);
		json_decref(caps);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:o}", "kvm_capabilities", caps, "cpuid_modifiers", leaves,
			 "msr_modifiers", msrs);
}
