/*
 * sc_file.c - see sc_file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc_file.h"

/* A cursor over the file's bytes. */
struct rd {
	const uint8_t *p;
	size_t left;
};

static int get_u64(struct rd *r, uint64_t *v)
{
	unsigned int i;

	if (r->left < 8)
		return -EINVAL;
	*v = 0;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	r->left -= 8;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *const names[SC_NR_KINDS] = {"api", "vmm", "vcpu"};

/* kind_of - the thread kind named by @name (@len bytes, any case). */
static int kind_of(const uint8_t *name, size_t len)
{
	char low[8];
	size_t i;
	int k;

	if (len >= sizeof(low))
		return -1;
	for (i = 0; i < len; i++) {
		if (!name[i])
			return -1;
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	}
	low[len] = '\0';
	for (k = 0; k < SC_NR_KINDS; k++)
		if (!strcmp(low, names[k]))
			return k;
	return -1;
}

/* check_prog - ends in a return, jumps only forward inside itself. */
static int check_prog(const struct sc_prog *p)
{
	unsigned int i;

	if (!p->len)
		return 0;
	if (BPF_CLASS(p->insns[p->len - 1].code) != BPF_RET)
		return -EINVAL;
	for (i = 0; i < p->len; i++) {
		const struct sock_filter *f = &p->insns[i];
		uint64_t left = p->len - i - 1;

		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (BPF_OP(f->code) == BPF_JA ? f->k >= left : (f->jt >= left || f->jf >= left))
			return -EINVAL;
	}
	return 0;
}

static int read_prog(struct rd *r, struct sc_prog *p)
{
	uint64_t n;
	unsigned int i;

	if (get_u64(r, &n))
		return -EINVAL;
	if (n > BPF_MAXINSNS)
		return -E2BIG;
	if (n * 8 > r->left)
		return -EINVAL;
	p->len = (unsigned short)n;
	if (!n)
		return 0;
	p->insns = malloc(n * sizeof(*p->insns));
	if (!p->insns)
		return -ENOMEM;
	for (i = 0; i < n; i++, r->p += 8) {
		p->insns[i].code = (uint16_t)(r->p[0] | r->p[1] << 8);
		p->insns[i].jt = r->p[2];
		p->insns[i].jf = r->p[3];
		p->insns[i].k = le32(r->p + 4);
	}
	r->left -= n * 8;
	return 0;
}

static int parse(struct rd *r, struct sc_prog *out, struct errbuf *e)
{
	bool seen[SC_NR_KINDS] = {false};
	uint64_t n, i, name_len;
	int k, ret;

	if (get_u64(r, &n))
		return errf(e, -EINVAL, "truncated before the number of filters");
	if (n != SC_NR_KINDS)
		return errf(e, -EINVAL, "%llu filters, expected one each for api, vmm and vcpu",
			    (unsigned long long)n);
	for (i = 0; i < n; i++) {
		if (get_u64(r, &name_len) || name_len > r->left)
			return errf(e, -EINVAL, "filter %llu: truncated name",
				    (unsigned long long)i);
		k = kind_of(r->p, (size_t)name_len);
		if (k < 0)
			return errf(
			    e, -EINVAL,
			    "filter %llu: unknown thread category (expected api, vmm or vcpu)",
			    (unsigned long long)i);
		if (seen[k])
			return errf(e, -EINVAL, "filter %llu: a second %s filter",
				    (unsigned long long)i, names[k]);
		seen[k] = true;
		r->p += name_len;
		r->left -= name_len;
		ret = read_prog(r, &out[k]);
		if (ret == -E2BIG)
			return errf(e, ret, "the %s filter: more than %d instructions", names[k],
				    BPF_MAXINSNS);
		if (ret)
			return errf(e, ret, "the %s filter: %s", names[k],
				    ret == -ENOMEM ? "out of memory" : "truncated");
		if (check_prog(&out[k]))
			return errf(e, -EINVAL,
				    "the %s filter: a jump leaves the program or it does not end "
				    "in a return",
				    names[k]);
	}
	if (r->left)
		return errf(e, -EINVAL, "%zu bytes after the last filter", r->left);
	return 0;
}

int sc_file_parse(const uint8_t *buf, size_t len, struct sc_prog out[SC_NR_KINDS], struct errbuf *e)
{
	struct rd r = {.p = buf, .left = len};
	int ret;

	memset(out, 0, SC_NR_KINDS * sizeof(*out));
	if (len > SC_FILE_MAX_BYTES)
		return errf(e, -E2BIG, "larger than %d bytes", SC_FILE_MAX_BYTES);
	ret = parse(&r, out, e);
	if (ret)
		sc_file_free(out);
	return ret;
}

int sc_file_load(const char *path, struct sc_prog out[SC_NR_KINDS], struct errbuf *e)
{
	uint8_t *buf = NULL;
	struct stat st;
	ssize_t n = 0;
	int fd, ret;

	memset(out, 0, SC_NR_KINDS * sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errf(e, -errno, "--seccomp-filter %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		ret = errf(e, -errno, "--seccomp-filter %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SC_FILE_MAX_BYTES) {
		ret =
		    errf(e, -EINVAL, "--seccomp-filter %s: not a regular file of at most %d bytes",
			 path, SC_FILE_MAX_BYTES);
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = errf(e, -ENOMEM, "--seccomp-filter %s: out of memory", path);
		goto out;
	}
	while (n < st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)(st.st_size - n));

		if (r <= 0) {
			ret =
			    errf(e, r ? -errno : -EIO, "--seccomp-filter %s: cannot read it", path);
			goto out;
		}
		n += r;
	}
	ret = sc_file_parse(buf, (size_t)n, out, e);
	if (ret)
		errf(e, ret, "--seccomp-filter %s: %s", path, strdupa(e->msg));
out:
	free(buf);
	close(fd);
	return ret;
}

void sc_file_free(struct sc_prog out[SC_NR_KINDS])
{
	int k;

	for (k = 0; k < SC_NR_KINDS; k++) {
		free(out[k].insns);
		out[k].insns = NULL;
		out[k].len = 0;
	}
}
