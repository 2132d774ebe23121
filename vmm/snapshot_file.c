/* snapshot_file.c - the snapshot state file's framing; see snapshot_file.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "layout.h"
#include "snapshot_file.h"

#define CRC64_XZ_POLY	0xc96c5795d7870f42ULL
#define SNAP_MAX_VIRTIO 32

/* Per section type: how many may appear and how large one may be. */
static const struct sec_rule {
	const char *name;
	unsigned int min_count, max_count;
	uint64_t max_len;
} sec_rules[SNAP_SEC_COUNT] = {
    [SNAP_SEC_META] = {"meta", 1, 1, 16},
    [SNAP_SEC_CONFIG] = {"config", 1, 1, 1u << 20},
    [SNAP_SEC_MEMORY] = {"memory layout", 1, 1, 4 + 24 * SNAP_MAX_MEM_RGN},
    [SNAP_SEC_VM] = {"VM state", 0, 1, 64u << 10},
    [SNAP_SEC_VCPU] = {"vCPU state", 1, MAX_VCPUS, 64u << 10},
    [SNAP_SEC_VIRTIO] = {"virtio device", 0, SNAP_MAX_VIRTIO, 64u << 10},
    [SNAP_SEC_UART] = {"serial port", 0, 1, 4096},
    [SNAP_SEC_I8042] = {"i8042", 0, 1, 4096},
    [SNAP_SEC_BOOT_TIMER] = {"boot timer", 0, 1, 4096},
};

uint64_t snap_crc64(uint64_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	unsigned int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (CRC64_XZ_POLY & (0 - (crc & 1)));
	}
	return ~crc;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* --- writer ------------------------------------------------------------------ */

void snap_writer_init(struct snap_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void snap_writer_free(struct snap_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* reserve - room for @n more bytes, zeroed. */
static uint8_t *reserve(struct snap_writer *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 4096;
	uint8_t *p;

	if (w->err)
		return NULL;
	if (n > SNAP_MAX_FILE || w->len + n > SNAP_MAX_FILE) {
		w->err = -ENOSPC;
		return NULL;
	}
	while (cap < w->len + n)
		cap *= 2;
	if (cap != w->cap) {
		p = realloc(w->buf, cap);
		if (!p) {
			w->err = -ENOMEM;
			return NULL;
		}
		w->buf = p;
		w->cap = cap;
	}
	p = w->buf + w->len;
	memset(p, 0, n);
	w->len += n;
	return p;
}

int snap_writer_add(struct snap_writer *w, uint32_t type, uint32_t index, const void *data,
		    size_t len)
{
	size_t padded = (len + 7) & ~(size_t)7;
	uint8_t *p;

	if (!w->len && !reserve(w, SNAP_HEADER_LEN))
		return w->err;
	if (!w->err && (w->nr_sections == SNAP_MAX_SECTIONS || type == 0 ||
			type >= SNAP_SEC_COUNT || len > sec_rules[type].max_len))
		w->err = -ENOSPC;
	p = reserve(w, SNAP_SECTION_HDR + padded);
	if (!p)
		return w->err;
	put_le(p, type, 4);
	put_le(p + 4, index, 4);
	put_le(p + 8, len, 8);
	if (len)
		memcpy(p + SNAP_SECTION_HDR, data, len);
	w->nr_sections++;
	return 0;
}

int snap_writer_add_meta(struct snap_writer *w, const struct snap_meta *m)
{
	uint8_t b[16];

	put_le(b, m->snapshot_type, 4);
	put_le(b + 4, m->nr_vcpus, 4);
	put_le(b + 8, m->mem_size, 8);
	return snap_writer_add(w, SNAP_SEC_META, 0, b, sizeof(b));
}

int snap_writer_add_mem(struct snap_writer *w, const struct snap_mem_layout *l)
{
	uint8_t b[4 + 24 * SNAP_MAX_MEM_RGN];
	unsigned int i, n = l->nr_regions < SNAP_MAX_MEM_RGN ? l->nr_regions : SNAP_MAX_MEM_RGN;

	put_le(b, n, 4);
	for (i = 0; i < n; i++) {
		put_le(b + 4 + 24 * i, l->region[i].gpa, 8);
		put_le(b + 12 + 24 * i, l->region[i].size, 8);
		put_le(b + 20 + 24 * i, l->region[i].file_offset, 8);
	}
	return snap_writer_add(w, SNAP_SEC_MEMORY, 0, b, 4 + 24 * n);
}

int snap_writer_finish(struct snap_writer *w)
{
	uint8_t *p;

	if (!w->len && !reserve(w, SNAP_HEADER_LEN))
		return w->err;
	p = reserve(w, SNAP_TRAILER_LEN);
	if (!p)
		return w->err;
	memcpy(w->buf, SNAP_MAGIC, 8);
	put_le(w->buf + 8, SNAP_VERSION, 4);
	put_le(w->buf + 12, w->nr_sections, 4);
	put_le(w->buf + 16, w->len, 8);
	put_le(p, snap_crc64(0, w->buf, w->len - SNAP_TRAILER_LEN), 8);
	return 0;
}

/* --- reader ------------------------------------------------------------------- */

int snap_file_version(const uint8_t *data, size_t len, uint32_t *version, struct errbuf *e)
{
	if (len < SNAP_HEADER_LEN + SNAP_TRAILER_LEN)
		return errf(e, -EINVAL,
			    "The snapshot file is truncated: %zu bytes is shorter than "
			    "its header.",
			    len);
	if (memcmp(data, SNAP_MAGIC, 8))
		return errf(e, -EINVAL, "The file is not an ember snapshot (bad magic).");
	*version = (uint32_t)get_le(data + 8, 4);
	return 0;
}

static int check_header(const uint8_t *data, size_t len, struct snap_file *f, struct errbuf *e)
{
	uint64_t total, want, got;
	int ret;

	if (len > SNAP_MAX_FILE)
		return errf(e, -EINVAL, "The snapshot file is too large: %zu bytes (at most %u).",
			    len, SNAP_MAX_FILE);
	ret = snap_file_version(data, len, &f->version, e);
	if (ret)
		return ret;
	if (f->version != SNAP_VERSION)
		return errf(e, -EPROTO,
			    "The snapshot's format version %u is not supported (this ember "
			    "reads version %u).",
			    f->version, SNAP_VERSION);
	total = get_le(data + 16, 8);
	if (total != len)
		return errf(e, -EINVAL,
			    "The snapshot file is %zu bytes but its header says %llu: truncated "
			    "or extended.",
			    len, (unsigned long long)total);
	if (get_le(data + 24, 8))
		return errf(e, -EINVAL, "The snapshot header's reserved field is not zero.");
	want = get_le(data + len - SNAP_TRAILER_LEN, 8);
	got = snap_crc64(0, data, len - SNAP_TRAILER_LEN);
	if (want != got)
		return errf(e, -EINVAL,
			    "The snapshot file's checksum does not match (stored %016llx, "
			    "computed %016llx): the file is corrupted.",
			    (unsigned long long)want, (unsigned long long)got);
	return 0;
}

/* index_sections - every section header bounded by the file and the rules. */
static int index_sections(const uint8_t *data, size_t len, struct snap_file *f, struct errbuf *e)
{
	uint32_t nr = (uint32_t)get_le(data + 12, 4);
	size_t off = SNAP_HEADER_LEN, end = len - SNAP_TRAILER_LEN;
	unsigned int i, j;

	if (nr > SNAP_MAX_SECTIONS)
		return errf(e, -EINVAL, "The snapshot has %u sections (at most %u).", nr,
			    SNAP_MAX_SECTIONS);
	for (i = 0; i < nr; i++) {
		struct snap_sec_ref *s = &f->sec[i];
		uint64_t padded;

		if (end - off < SNAP_SECTION_HDR)
			return errf(e, -EINVAL,
				    "Snapshot section %u starts past the end of the file.", i);
		s->type = (uint32_t)get_le(data + off, 4);
		s->index = (uint32_t)get_le(data + off + 4, 4);
		s->len = get_le(data + off + 8, 8);
		off += SNAP_SECTION_HDR;
		if (s->type == 0 || s->type >= SNAP_SEC_COUNT)
			return errf(e, -EINVAL, "Snapshot section %u has an unknown type %u.", i,
				    s->type);
		if (s->len > sec_rules[s->type].max_len)
			return errf(e, -EINVAL,
				    "Snapshot section %u (%s) is %llu bytes (at most %llu).", i,
				    sec_rules[s->type].name, (unsigned long long)s->len,
				    (unsigned long long)sec_rules[s->type].max_len);
		padded = (s->len + 7) & ~7ULL;
		if (padded > end - off)
			return errf(e, -EINVAL,
				    "Snapshot section %u (%s) is longer than the rest of the file.",
				    i, sec_rules[s->type].name);
		s->data = data + off;
		off += padded;
		for (j = 0; j < i; j++)
			if (f->sec[j].type == s->type && f->sec[j].index == s->index)
				return errf(e, -EINVAL, "Snapshot section %u repeats %s %u.", i,
					    sec_rules[s->type].name, s->index);
	}
	if (off != end)
		return errf(e, -EINVAL, "The snapshot has %zu stray bytes after its sections.",
			    end - off);
	f->nr_sections = nr;
	return 0;
}

static int check_counts(const struct snap_file *f, struct errbuf *e)
{
	unsigned int t, n;

	for (t = 1; t < SNAP_SEC_COUNT; t++) {
		n = snap_file_count(f, t);
		if (n < sec_rules[t].min_count || n > sec_rules[t].max_count)
			return errf(
			    e, -EINVAL, "The snapshot has %u %s section(s); %u to %u are allowed.",
			    n, sec_rules[t].name, sec_rules[t].min_count, sec_rules[t].max_count);
	}
	return 0;
}

static int parse_meta(struct snap_file *f, struct errbuf *e)
{
	const struct snap_sec_ref *s = snap_file_find(f, SNAP_SEC_META, 0);

	if (!s || s->len != 16)
		return errf(e, -EINVAL, "The snapshot's meta section is missing or malformed.");
	f->meta.snapshot_type = (uint32_t)get_le(s->data, 4);
	f->meta.nr_vcpus = (uint32_t)get_le(s->data + 4, 4);
	f->meta.mem_size = get_le(s->data + 8, 8);
	if (f->meta.snapshot_type > 1)
		return errf(e, -EINVAL, "Unknown snapshot type %u.", f->meta.snapshot_type);
	if (f->meta.nr_vcpus == 0 || f->meta.nr_vcpus > MAX_VCPUS)
		return errf(e, -EINVAL, "The snapshot has %u vCPUs (1 to %u are allowed).",
			    f->meta.nr_vcpus, MAX_VCPUS);
	if (f->meta.mem_size == 0 || f->meta.mem_size % SNAP_PAGE || f->meta.mem_size > GM_MAX_RAM)
		return errf(e, -EINVAL, "The snapshot's guest memory size %llu is invalid.",
			    (unsigned long long)f->meta.mem_size);
	return 0;
}

/* check_indices - vCPUs 0..n-1 exactly; devices below the limit. */
static int check_indices(const struct snap_file *f, struct errbuf *e)
{
	unsigned int i;

	if (snap_file_count(f, SNAP_SEC_VCPU) != f->meta.nr_vcpus)
		return errf(e, -EINVAL, "The snapshot has %u vCPU states for %u vCPUs.",
			    snap_file_count(f, SNAP_SEC_VCPU), f->meta.nr_vcpus);
	for (i = 0; i < f->nr_sections; i++) {
		const struct snap_sec_ref *s = &f->sec[i];

		if (s->type == SNAP_SEC_VCPU && s->index >= f->meta.nr_vcpus)
			return errf(e, -EINVAL, "vCPU state %u is beyond the snapshot's %u vCPUs.",
				    s->index, f->meta.nr_vcpus);
		if (s->type == SNAP_SEC_VIRTIO && s->index >= SNAP_MAX_VIRTIO)
			return errf(e, -EINVAL, "Virtio device index %u is out of range.",
				    s->index);
		if (s->type != SNAP_SEC_VCPU && s->type != SNAP_SEC_VIRTIO && s->index)
			return errf(e, -EINVAL,
				    "Snapshot section %u has index %u; only 0 is valid.", i,
				    s->index);
	}
	return 0;
}

/* parse_mem - regions page aligned, in order, laid end to end in the file,
 * adding up to the meta section's size. */
static int parse_mem(struct snap_file *f, struct errbuf *e)
{
	const struct snap_sec_ref *s = snap_file_find(f, SNAP_SEC_MEMORY, 0);
	struct snap_mem_layout *l = &f->mem;
	uint64_t sum = 0, next_gpa = 0;
	unsigned int i;

	l->nr_regions = s->len >= 4 ? (uint32_t)get_le(s->data, 4) : 0;
	if (l->nr_regions == 0 || l->nr_regions > SNAP_MAX_MEM_RGN ||
	    s->len != 4 + 24ULL * l->nr_regions)
		return errf(e, -EINVAL, "The snapshot's memory layout is malformed.");
	for (i = 0; i < l->nr_regions; i++) {
		struct snap_mem_region *r = &l->region[i];

		r->gpa = get_le(s->data + 4 + 24 * i, 8);
		r->size = get_le(s->data + 12 + 24 * i, 8);
		r->file_offset = get_le(s->data + 20 + 24 * i, 8);
		if (!r->size || r->size % SNAP_PAGE || r->gpa % SNAP_PAGE || r->gpa < next_gpa ||
		    r->size > GM_MAX_RAM || r->gpa > GM_MAX_RAM || r->file_offset != sum)
			return errf(e, -EINVAL, "Snapshot memory region %u is invalid.", i);
		next_gpa = r->gpa + r->size;
		sum += r->size;
	}
	if (sum != f->meta.mem_size)
		return errf(e, -EINVAL,
			    "The snapshot's memory regions add up to %llu bytes, not %llu.",
			    (unsigned long long)sum, (unsigned long long)f->meta.mem_size);
	return 0;
}

int snap_file_parse(const uint8_t *data, size_t len, struct snap_file *f, struct errbuf *e)
{
	int ret;

	memset(f, 0, sizeof(*f));
	ret = check_header(data, len, f, e);
	if (!ret)
		ret = index_sections(data, len, f, e);
	if (!ret)
		ret = check_counts(f, e);
	if (!ret)
		ret = parse_meta(f, e);
	if (!ret)
		ret = check_indices(f, e);
	if (!ret)
		ret = parse_mem(f, e);
	if (ret) {
		memset(f, 0, sizeof(*f));
		return ret;
	}
	f->config = snap_file_find(f, SNAP_SEC_CONFIG, 0);
	return 0;
}

const struct snap_sec_ref *snap_file_find(const struct snap_file *f, uint32_t type, uint32_t index)
{
	unsigned int i;

	for (i = 0; i < f->nr_sections; i++)
		if (f->sec[i].type == type && f->sec[i].index == index)
			return &f->sec[i];
	return NULL;
}

unsigned int snap_file_count(const struct snap_file *f, uint32_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nr_sections; i++)
		n += f->sec[i].type == type;
	return n;
}
