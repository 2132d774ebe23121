/*
 * snapshot_file.h - the snapshot state file: a header, typed sections and a
 * CRC-64 trailer, all little-endian. The writer builds the file in memory;
 * the reader treats its input as hostile: magic, size, version and checksum
 * first, then every section header bounded by the file and by per-type
 * count and size limits, before any caller looks at a payload. Errors are
 * one sentence in the errbuf. What a payload means (vCPU registers, device
 * blobs) belongs to its owner; this file only frames and indexes them.
 *
 *   header:  u8 magic[8] "EMBERSNP", u32 version, u32 nr_sections,
 *            u64 total_len (the whole file, trailer included), u64 zero
 *   section: u32 type, u32 index, u64 len, len bytes, zero padding to 8
 *   trailer: u64 CRC-64/XZ of every byte before it
 */
#ifndef EMBER_SNAPSHOT_FILE_H
#define EMBER_SNAPSHOT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SNAP_MAGIC	  "EMBERSNP"
#define SNAP_VERSION	  1
#define SNAP_HEADER_LEN	  32
#define SNAP_SECTION_HDR  16
#define SNAP_TRAILER_LEN  8
#define SNAP_MAX_FILE	  (64u << 20) /* far above any real state file */
#define SNAP_MAX_SECTIONS 128
#define SNAP_MAX_MEM_RGN  2
#define SNAP_PAGE	  4096ULL

enum snap_section {
	SNAP_SEC_META = 1, /* struct snap_meta, encoded */
	SNAP_SEC_CONFIG,   /* the VM's config as config-file JSON */
	SNAP_SEC_MEMORY,   /* struct snap_mem_layout, encoded */
	SNAP_SEC_VM,	   /* VM state (vm_state.h), index 0 */
	SNAP_SEC_VCPU,	   /* one vCPU's state (vcpu_state.h), index = vCPU id */
	SNAP_SEC_VIRTIO,   /* one virtio device (virtio_save), index = attach order */
	SNAP_SEC_UART,	   /* legacy devices' state, index 0 */
	SNAP_SEC_I8042,
	SNAP_SEC_BOOT_TIMER,
	SNAP_SEC_COUNT
};

/* SNAP_SEC_META: what kind of snapshot, for whom. */
struct snap_meta {
	uint32_t snapshot_type; /* 0 Full, 1 Diff */
	uint32_t nr_vcpus;
	uint64_t mem_size; /* bytes of guest RAM */
};

/* SNAP_SEC_MEMORY: where each guest RAM region lives in the memory file. */
struct snap_mem_region {
	uint64_t gpa, size, file_offset;
};
struct snap_mem_layout {
	uint32_t nr_regions;
	struct snap_mem_region region[SNAP_MAX_MEM_RGN];
};

struct snap_sec_ref {
	uint32_t type, index;
	const uint8_t *data;
	uint64_t len;
};

/* A parsed file: sections point into the caller's buffer. */
struct snap_file {
	uint32_t version;
	unsigned int nr_sections;
	struct snap_sec_ref sec[SNAP_MAX_SECTIONS];
	struct snap_meta meta;
	struct snap_mem_layout mem;
	const struct snap_sec_ref *config;
};

/* The writer: sections appended into a growing buffer; errors stick. */
struct snap_writer {
	uint8_t *buf;
	size_t len, cap;
	unsigned int nr_sections;
	int err; /* 0 or the first -errno */
};

/* snap_crc64 - CRC-64/XZ (ECMA-182, reflected) of @len bytes, chained from @crc (0 to start). */
uint64_t snap_crc64(uint64_t crc, const void *data, size_t len);

void snap_writer_init(struct snap_writer *w);
/* snap_writer_add - one section; -ENOSPC past the limits, -ENOMEM. */
int snap_writer_add(struct snap_writer *w, uint32_t type, uint32_t index, const void *data,
		    size_t len);
int snap_writer_add_meta(struct snap_writer *w, const struct snap_meta *m);
int snap_writer_add_mem(struct snap_writer *w, const struct snap_mem_layout *l);
/* snap_writer_finish - header and trailer; the file is w->buf[0, w->len). */
int snap_writer_finish(struct snap_writer *w);
void snap_writer_free(struct snap_writer *w);

/*
 * snap_file_parse - check and index @len bytes of @data into @f. Refuses,
 * with a sentence in @e and -EINVAL (-EPROTO for a version mismatch), a
 * short or oversized file, a wrong magic, version or total length, a bad
 * checksum, a section past the end, an unknown type, a section over its
 * size limit or count, a duplicate index, a vCPU count over MAX_VCPUS or
 * not matching the meta section, and a memory layout that does not add up.
 */
int snap_file_parse(const uint8_t *data, size_t len, struct snap_file *f, struct errbuf *e);

/* snap_file_find - section @type with @index, or NULL. */
const struct snap_sec_ref *snap_file_find(const struct snap_file *f, uint32_t type, uint32_t index);

/* snap_file_count - how many sections of @type. */
unsigned int snap_file_count(const struct snap_file *f, uint32_t type);

/* snap_file_version - the format version in a file's header, read from the
 * first bytes only (--describe-snapshot); -EINVAL if it is not a snapshot. */
int snap_file_version(const uint8_t *data, size_t len, uint32_t *version, struct errbuf *e);

/* snapshot_cli - --snapshot-version (prints "v<N>") or --describe-snapshot
 * FILE (prints FILE's format version); returns the exit status. */
struct cli_opts;
int snapshot_cli(const struct cli_opts *o);

#endif
