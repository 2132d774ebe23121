/* fuzz_snapshot.c - libFuzzer target: the snapshot state file reader
 * (vmm/snapshot_file.c) on arbitrary bytes. Whatever it accepts must keep
 * the promises of snapshot_file.h: every section inside the input, counts
 * and indices within their limits, a memory layout that adds up; whatever
 * it refuses must say why and leave the index empty. The checksum would
 * stop almost every mutation at the door, so each input is parsed as it
 * is and once more with a valid trailer recomputed. */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "snapshot_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct snap_file *f, const uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	unsigned int i;

	if (f->nr_sections > SNAP_MAX_SECTIONS || !f->config)
		abort();
	for (i = 0; i < f->nr_sections; i++) {
		const struct snap_sec_ref *s = &f->sec[i];

		if (s->data < buf || s->data + s->len > buf + len)
			abort();
		if (s->type == SNAP_SEC_VCPU && s->index >= f->meta.nr_vcpus)
			abort();
	}
	if (f->meta.nr_vcpus == 0 || f->meta.nr_vcpus > MAX_VCPUS)
		abort();
	for (i = 0; i < f->mem.nr_regions; i++)
		sum += f->mem.region[i].size;
	if (sum != f->meta.mem_size || f->mem.nr_regions > SNAP_MAX_MEM_RGN)
		abort();
}

static void parse_one(const uint8_t *buf, size_t len)
{
	struct snap_file *f = malloc(sizeof(*f));
	struct errbuf e = {""};
	int ret;

	if (!f)
		return;
	ret = snap_file_parse(buf, len, f, &e);
	if (ret && (!e.msg[0] || f->nr_sections))
		abort();
	if (!ret)
		check(f, buf, len);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	uint64_t crc;
	unsigned int i;

	parse_one(data, size);
	if (size < 8 || !(buf = malloc(size)))
		return 0;
	memcpy(buf, data, size);
	crc = snap_crc64(0, buf, size - 8);
	for (i = 0; i < 8; i++)
		buf[size - 8 + i] = (uint8_t)(crc >> (8 * i));
	parse_one(buf, size);
	free(buf);
	return 0;
}
