/* fuzz_seccomp_file.c - libFuzzer target: the --seccomp-filter file parser
 * (vmm/sc_file.c) on arbitrary bytes. Whatever it accepts must hold the
 * promises of sc_file.h: three programs, each within BPF_MAXINSNS, ending
 * in a return, with every jump inside it; whatever it refuses must leave
 * nothing allocated and say why. */
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "sc_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sc_prog *p)
{
	unsigned int i;

	if (p->len > BPF_MAXINSNS || (p->len && !p->insns) || (!p->len && p->insns))
		abort();
	if (!p->len)
		return;
	if (BPF_CLASS(p->insns[p->len - 1].code) != BPF_RET)
		abort();
	for (i = 0; i < p->len; i++) {
		const struct sock_filter *f = &p->insns[i];

		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (BPF_OP(f->code) == BPF_JA
			? i + 1 + (uint64_t)f->k >= p->len
			: (i + 1u + f->jt >= p->len || i + 1u + f->jf >= p->len))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_prog p[SC_NR_KINDS];
	struct errbuf e = {""};
	int k, ret;

	ret = sc_file_parse(data, size, p, &e);
	for (k = 0; k < SC_NR_KINDS; k++) {
		if (ret && (p[k].insns || p[k].len || !e.msg[0]))
			abort();
		if (!ret)
			check(&p[k]);
	}
	sc_file_free(p);
	return 0;
}
