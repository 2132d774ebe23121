/*
 * cpu_config.h - custom CPU templates (PUT /cpu-config, the config file's
 * "cpu-config"), in Firecracker's x86_64 JSON schema.
 *
 * A template lists CPUID modifiers (leaf, subleaf, flags, and per register
 * a 32-character bitmap of 0/1/x), MSR modifiers (addr and a 64-character
 * bitmap) and KVM capabilities ("171" must be present, "!172" is not
 * required). In a bitmap, 0 and 1 set the bit and x keeps the host's. The
 * parser is pure (client bytes: fuzzed); applying to a CPUID table is pure
 * too; cpu_config_check_caps and cpu_config_set_msrs (cpu_config_kvm.c)
 * talk to KVM. A custom template replaces a static one and the reverse.
 */
#ifndef EMBER_CPU_CONFIG_H
#define EMBER_CPU_CONFIG_H

#include <stdint.h>

#include <jansson.h>

#include "cpuid.h"
#include "err.h"

#define CPU_CONFIG_MAX_LEAVES 256 /* as many as a CPUID table holds */
#define CPU_CONFIG_MAX_MSRS   256
#define CPU_CONFIG_MAX_CAPS   64

enum cpu_config_reg { CPU_CONFIG_EAX, CPU_CONFIG_EBX, CPU_CONFIG_ECX, CPU_CONFIG_EDX };

/* Bits in filter take the bits of value; the others keep the host's. */
struct cpu_config_reg_mod {
	enum cpu_config_reg reg;
	uint32_t filter, value;
};

struct cpu_config_leaf {
	uint32_t leaf, subleaf, flags;
	unsigned int nr_mods; /* at most one per register */
	struct cpu_config_reg_mod mod[4];
};

struct cpu_config_msr {
	uint32_t addr;
	uint64_t filter, value;
};

struct cpu_config_cap {
	uint32_t cap;
	bool remove; /* "!N": not required */
};

struct cpu_config {
	unsigned int nr_leaves, nr_msrs, nr_caps;
	struct cpu_config_leaf *leaves;
	struct cpu_config_msr *msrs;
	struct cpu_config_cap *caps;
};

/*
 * cpu_config_parse - the template object @j into a new *@out (free it with
 * cpu_config_destroy). Unknown keys (the aarch64 ones too) are refused in
 * serde's words, as Firecracker's x86_64 build does. 0 or -errno.
 */
int cpu_config_parse(const json_t *j, struct cpu_config **out, struct errbuf *e);

/* cpu_config_parse_text - the same from JSON text (a file, the fuzzer). */
int cpu_config_parse_text(const char *text, size_t len, struct cpu_config **out, struct errbuf *e);

/* cpu_config_parse_value - the config file's "cpu-config": an object, or
 * a string naming a file that holds one. */
int cpu_config_parse_value(const json_t *v, struct cpu_config **out, struct errbuf *e);

/* cpu_config_destroy - free @c (NULL is fine). */
void cpu_config_destroy(struct cpu_config *c);

/* cpu_config_dump - @c back in the input schema (bitmaps in full); NULL
 * on allocation failure. */
json_t *cpu_config_dump(const struct cpu_config *c);

/*
 * cpu_config_apply_cpuid - @c's CPUID modifiers over @tbl (KVM's supported
 * CPUID, before normalization, as Firecracker orders it). A leaf @tbl lacks
 * is added (zeroes, the template's flags, then the bits); -ENOSPC when full.
 */
int cpu_config_apply_cpuid(const struct cpu_config *c, struct cpuid_table *tbl, struct errbuf *e);

/* cpu_config_check_caps - every capability @c adds must be reported by KVM
 * (@kvm_fd: /dev/kvm); removed ones are not checked. 0 or -ENOTSUP. */
int cpu_config_check_caps(const struct cpu_config *c, int kvm_fd, struct errbuf *e);

/* cpu_config_set_msrs - @c's MSR modifiers over what vCPU @vcpu_fd holds
 * (after its CPUID is set). 0 or -errno with @e set. */
int cpu_config_set_msrs(const struct cpu_config *c, int vcpu_fd, struct errbuf *e);

#endif
