/* Unit tests for the snapshot state file (snapshot_file.c): a written file
 * parses back to the same sections; every truncation, every single-bit flip,
 * a wrong version, oversized counts and lengths and bad memory layouts are
 * refused with a message. With SNAP_SEED_OUT set, the small file written
 * here is saved there (the fuzzer's seed corpus). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"
#include "snapshot_file.h"

static const char config_json[] = "{\"boot-source\":{\"kernel_image_path\":\"/k\"},"
				  "\"machine-config\":{\"vcpu_count\":2,\"mem_size_mib\":128}}";

static void build(struct snap_writer *w, unsigned int nr_vcpus, uint64_t mem)
{
	struct snap_meta m = {.snapshot_type = 0, .nr_vcpus = nr_vcpus, .mem_size = mem};
	struct snap_mem_layout l = {.nr_regions = 1, .region = {{0, mem, 0}}};
	uint8_t vcpu[40], dev[13];
	unsigned int i;

	snap_writer_init(w);
	assert_int_equal(snap_writer_add_meta(w, &m), 0);
	assert_int_equal(
	    snap_writer_add(w, SNAP_SEC_CONFIG, 0, config_json, sizeof(config_json) - 1), 0);
	assert_int_equal(snap_writer_add_mem(w, &l), 0);
	for (i = 0; i < nr_vcpus; i++) {
		memset(vcpu, 0x10 + i, sizeof(vcpu));
		assert_int_equal(snap_writer_add(w, SNAP_SEC_VCPU, i, vcpu, sizeof(vcpu)), 0);
	}
	memset(dev, 0xab, sizeof(dev));
	assert_int_equal(snap_writer_add(w, SNAP_SEC_VIRTIO, 0, dev, sizeof(dev)), 0);
	assert_int_equal(snap_writer_add(w, SNAP_SEC_UART, 0, dev, 5), 0);
	assert_int_equal(snap_writer_finish(w), 0);
}

static void crc_check_value(void **state)
{
	/* The CRC-64/XZ catalogue check value. */
	assert_true(snap_crc64(0, "123456789", 9) == 0x995dc9bbdf1939faULL);
	/* Chaining equals one pass. */
	assert_true(snap_crc64(snap_crc64(0, "1234", 4), "56789", 5) == 0x995dc9bbdf1939faULL);
}

static void round_trip(void **state)
{
	struct snap_writer w;
	struct snap_file *f = malloc(sizeof(*f));
	struct errbuf e = {""};
	const struct snap_sec_ref *s;
	const char *seed = getenv("SNAP_SEED_OUT");
	FILE *out;

	build(&w, 2, 128ULL << 20);
	assert_int_equal(snap_file_parse(w.buf, w.len, f, &e), 0);
	assert_int_equal(f->version, SNAP_VERSION);
	assert_int_equal(f->meta.nr_vcpus, 2);
	assert_true(f->meta.mem_size == 128ULL << 20);
	assert_int_equal(f->mem.nr_regions, 1);
	assert_true(f->mem.region[0].size == 128ULL << 20);
	assert_non_null(f->config);
	assert_int_equal(f->config->len, sizeof(config_json) - 1);
	assert_memory_equal(f->config->data, config_json, f->config->len);
	s = snap_file_find(f, SNAP_SEC_VCPU, 1);
	assert_non_null(s);
	assert_int_equal(s->len, 40);
	assert_int_equal(s->data[39], 0x11);
	assert_int_equal(snap_file_count(f, SNAP_SEC_VIRTIO), 1);
	assert_null(snap_file_find(f, SNAP_SEC_VCPU, 2));
	if (seed && (out = fopen(seed, "wb"))) {
		assert_int_equal(fwrite(w.buf, 1, w.len, out), w.len);
		fclose(out);
	}
	snap_writer_free(&w);
	free(f);
}

static void every_truncation_refused(void **state)
{
	struct snap_writer w;
	struct snap_file *f = malloc(sizeof(*f));
	struct errbuf e;
	size_t n;

	build(&w, 1, 1ULL << 20);
	for (n = 0; n < w.len; n++) {
		e.msg[0] = '\0';
		assert_int_equal(snap_file_parse(w.buf, n, f, &e), -EINVAL);
		assert_true(e.msg[0] != '\0');
		assert_int_equal(f->nr_sections, 0);
	}
	snap_writer_free(&w);
	free(f);
}

static void every_bit_flip_refused(void **state)
{
	struct snap_writer w;
	struct snap_file *f = malloc(sizeof(*f));
	struct errbuf e;
	size_t i;
	unsigned int b;

	build(&w, 1, 1ULL << 20);
	for (i = 0; i < w.len; i++) {
		for (b = 0; b < 8; b++) {
			w.buf[i] ^= 1u << b;
			e.msg[0] = '\0';
			assert_true(snap_file_parse(w.buf, w.len, f, &e) < 0);
			assert_true(e.msg[0] != '\0');
			w.buf[i] ^= 1u << b;
		}
	}
	assert_int_equal(snap_file_parse(w.buf, w.len, f, &e), 0);
	snap_writer_free(&w);
	free(f);
}

/* refix - recompute the trailer after editing a finished file. */
static void refix(struct snap_writer *w)
{
	uint64_t crc = snap_crc64(0, w->buf, w->len - 8);
	unsigned int i;

	for (i = 0; i < 8; i++)
		w->buf[w->len - 8 + i] = (uint8_t)(crc >> (8 * i));
}

static void wrong_version_refused(void **state)
{
	struct snap_writer w;
	struct snap_file *f = malloc(sizeof(*f));
	struct errbuf e = {""};
	uint32_t v;

	build(&w, 1, 1ULL << 20);
	w.buf[8] = SNAP_VERSION + 1;
	refix(&w);
	assert_int_equal(snap_file_parse(w.buf, w.len, f, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "format version 2"));
	assert_int_equal(snap_file_version(w.buf, w.len, &v, &e), 0);
	assert_int_equal(v, SNAP_VERSION + 1);
	memcpy(w.buf, "NOTASNAP", 8);
	assert_int_equal(snap_file_version(w.buf, w.len, &v, &e), -EINVAL);
	snap_writer_free(&w);
	free(f);
}

static int parse_built(struct snap_writer *w, struct errbuf *e)
{
	struct snap_file *f = malloc(sizeof(*f));
	int ret;

	assert_int_equal(snap_writer_finish(w), 0);
	ret = snap_file_parse(w->buf, w->len, f, e);
	free(f);
	snap_writer_free(w);
	return ret;
}

static void bad_contents_refused(void **state)
{
	struct snap_meta m = {.nr_vcpus = 1, .mem_size = 1 << 20};
	struct snap_mem_layout l = {.nr_regions = 1, .region = {{0, 1 << 20, 0}}};
	struct snap_writer w;
	struct errbuf e = {""};
	uint8_t b[8] = {0};
	unsigned int i;

	/* More vCPUs than ember supports. */
	snap_writer_init(&w);
	m.nr_vcpus = MAX_VCPUS + 1;
	snap_writer_add_meta(&w, &m);
	snap_writer_add(&w, SNAP_SEC_CONFIG, 0, "{}", 2);
	snap_writer_add_mem(&w, &l);
	for (i = 0; i < MAX_VCPUS; i++)
		snap_writer_add(&w, SNAP_SEC_VCPU, i, b, sizeof(b));
	assert_int_equal(parse_built(&w, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "vCPUs"));

	/* A vCPU index beyond the count. */
	m.nr_vcpus = 1;
	snap_writer_init(&w);
	snap_writer_add_meta(&w, &m);
	snap_writer_add(&w, SNAP_SEC_CONFIG, 0, "{}", 2);
	snap_writer_add_mem(&w, &l);
	snap_writer_add(&w, SNAP_SEC_VCPU, 3, b, sizeof(b));
	assert_int_equal(parse_built(&w, &e), -EINVAL);

	/* Regions that do not add up to the memory size. */
	l.region[0].size = 1 << 19;
	snap_writer_init(&w);
	snap_writer_add_meta(&w, &m);
	snap_writer_add(&w, SNAP_SEC_CONFIG, 0, "{}", 2);
	snap_writer_add_mem(&w, &l);
	snap_writer_add(&w, SNAP_SEC_VCPU, 0, b, sizeof(b));
	assert_int_equal(parse_built(&w, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "add up"));

	/* No config section. */
	l.region[0].size = 1 << 20;
	snap_writer_init(&w);
	snap_writer_add_meta(&w, &m);
	snap_writer_add_mem(&w, &l);
	snap_writer_add(&w, SNAP_SEC_VCPU, 0, b, sizeof(b));
	assert_int_equal(parse_built(&w, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "config"));

	/* The writer refuses a section over its limit. */
	snap_writer_init(&w);
	assert_int_equal(snap_writer_add(&w, SNAP_SEC_UART, 0, b, 5000), -ENOSPC);
	snap_writer_free(&w);
}

/* A section whose length claims more than the file holds, checksum valid. */
static void long_section_refused(void **state)
{
	struct snap_writer w;
	struct snap_file *f = malloc(sizeof(*f));
	struct errbuf e = {""};

	build(&w, 1, 1ULL << 20);
	/* The first section (meta) length field sits at header + 8. */
	w.buf[SNAP_HEADER_LEN + 8] = 0xff;
	w.buf[SNAP_HEADER_LEN + 9] = 0xff;
	refix(&w);
	assert_int_equal(snap_file_parse(w.buf, w.len, f, &e), -EINVAL);
	/* An unknown section type. */
	w.buf[SNAP_HEADER_LEN + 8] = 16;
	w.buf[SNAP_HEADER_LEN + 9] = 0;
	w.buf[SNAP_HEADER_LEN] = 99;
	refix(&w);
	assert_int_equal(snap_file_parse(w.buf, w.len, f, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unknown type"));
	snap_writer_free(&w);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc_check_value),		cmocka_unit_test(round_trip),
	    cmocka_unit_test(every_truncation_refused), cmocka_unit_test(every_bit_flip_refused),
	    cmocka_unit_test(wrong_version_refused),	cmocka_unit_test(bad_contents_refused),
	    cmocka_unit_test(long_section_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
