/*
 * config.h - the microVM's configuration, in Firecracker's schema.
 *
 * One struct vm_config is built either from a config file (--config-file,
 * Firecracker's VmmConfig document with kebab-case keys) or, later, piece by
 * piece through the API. Both paths go through the same per-section parsers
 * below, so validation rules and messages are identical.
 *
 * Parsers reject unknown fields, wrong JSON types, missing required fields,
 * bad enum values and out-of-range numbers; the errbuf names the field and
 * the problem, e.g. "machine-config: vcpu_count must be between 1 and 32".
 */
#ifndef EMBER_CONFIG_H
#define EMBER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "log.h"

#define CFG_MAX_DRIVES 16
#define CFG_MAX_NETS   8
#define CFG_ID_MAX     64
#define CFG_DEFAULT_CMDLINE                                                                        \
	"reboot=k panic=1 nomodule 8250.nr_uarts=0 i8042.noaux i8042.nomux i8042.dumbkbd "         \
	"swiotlb=noforce"

enum cfg_huge_pages { HUGE_PAGES_NONE, HUGE_PAGES_TRANSPARENT, HUGE_PAGES_2M };
enum cfg_cache_type { CACHE_UNSAFE, CACHE_WRITEBACK };
enum cfg_io_engine { IO_ENGINE_SYNC, IO_ENGINE_ASYNC };

struct cfg_boot_source {
	char *kernel_image_path; /* required */
	char *initrd_path;	 /* NULL if none */
	char *boot_args;	 /* NULL: CFG_DEFAULT_CMDLINE is used */
};

struct cfg_machine {
	unsigned int vcpu_count; /* 1..32, default 1 */
	uint64_t mem_size_mib;	 /* default 128 */
	bool smt;
	bool track_dirty_pages;
	enum cfg_huge_pages huge_pages;
	unsigned int cpu_template; /* enum cpu_template (cpu_template.h) */
};

struct cfg_token_bucket {
	bool set;
	uint64_t size;
	uint64_t refill_time_ms;
	uint64_t one_time_burst;
};

struct cfg_rate_limiter {
	struct cfg_token_bucket bandwidth;
	struct cfg_token_bucket ops;
};

struct cfg_drive {
	char drive_id[CFG_ID_MAX + 1];
	bool is_root_device;
	char *path_on_host;
	bool is_read_only;
	char *partuuid; /* NULL if none */
	enum cfg_cache_type cache_type;
	enum cfg_io_engine io_engine;
	struct cfg_rate_limiter rate_limiter;
};

/* PATCH /drives/{id}: what may change on a running drive. */
struct cfg_drive_update {
	char drive_id[CFG_ID_MAX + 1];
	char *path_on_host; /* NULL: unchanged */
	bool has_rate_limiter;
	struct cfg_rate_limiter rate_limiter;
};

struct cfg_net {
	char iface_id[CFG_ID_MAX + 1];
	char host_dev_name[16]; /* IFNAMSIZ */
	bool has_guest_mac;
	uint8_t guest_mac[6];
	unsigned int mtu; /* 0: not set */
	struct cfg_rate_limiter rx_rate_limiter;
	struct cfg_rate_limiter tx_rate_limiter;
};

/* PATCH /network-interfaces/{id}: only the rate limiters change. */
struct cfg_net_update {
	char iface_id[CFG_ID_MAX + 1];
	bool has_rx, has_tx;
	struct cfg_rate_limiter rx, tx;
};

struct cfg_logger {
	bool set;
	char *log_path;
	enum log_level level;
	bool show_level;
	bool show_log_origin;
	char *module;
};

struct cfg_metrics {
	bool set;
	char *metrics_path;
};

/* The balloon device (PUT /balloon, the "balloon" section). */
struct cfg_balloon {
	bool set;
	uint32_t amount_mib;
	bool deflate_on_oom;
	uint32_t stats_polling_interval_s; /* 0: no statistics; at most 65535 */
	bool free_page_hinting;
	bool free_page_reporting;
};

/* The entropy device (PUT /entropy); its limiter charges bytes and chains. */
struct cfg_entropy {
	bool set;
	struct cfg_rate_limiter rate_limiter;
};

/* mmds-config (PUT /mmds/config): which interfaces reach the metadata
 * service, and how it answers. set is false when it is not configured. */
enum cfg_mmds_version { CFG_MMDS_V1, CFG_MMDS_V2 };
struct cfg_mmds {
	bool set;
	enum cfg_mmds_version version;
	uint32_t ipv4_address; /* host order; default 169.254.169.254 */
	bool imds_compat;
	char network_interfaces[CFG_MAX_NETS][CFG_ID_MAX + 1];
	unsigned int nr_interfaces;
};

/* The vsock device (Firecracker's hybrid vsock over Unix sockets). */
struct cfg_vsock {
	bool set;
	uint64_t guest_cid;
	char *uds_path;
	char *vsock_id; /* deprecated; NULL when not given */
};

struct cpu_config; /* cpu_config.h */

struct vm_config {
	bool has_boot_source;
	struct cfg_boot_source boot_source;
	struct cfg_machine machine;
	struct cfg_drive drive[CFG_MAX_DRIVES];
	unsigned int nr_drives;
	struct cfg_net net[CFG_MAX_NETS];
	unsigned int nr_nets;
	struct cfg_logger logger;
	struct cfg_metrics metrics;
	struct cfg_balloon balloon;
	struct cfg_entropy entropy;
	struct cfg_mmds mmds;
	struct cfg_vsock vsock;
	struct cpu_config *cpu_config; /* a custom CPU template, owned; NULL: none */
};

/* config_init - defaults: no boot source, 1 vCPU, 128 MiB, no devices. */
void config_init(struct vm_config *cfg);

/* config_free - release every string the config owns; leaves it re-init'ed. */
void config_free(struct vm_config *cfg);

/*
 * config_load_file - parse and validate the JSON config file at @path into
 * @cfg (which must be config_init'ed). Unknown top-level keys are ignored, as
 * Firecracker does; everything below them is strict. Also checks cross-field
 * rules: boot-source present, unique drive/iface ids, at most one root
 * drive, unique tap names. Does not open images or taps.
 */
int config_load_file(struct vm_config *cfg, const char *path, struct errbuf *e);
int config_load_json(struct vm_config *cfg, const char *text, size_t len, struct errbuf *e);

/*
 * Per-section parsers, shared with the API. Each validates one JSON object.
 * @out must be initialised (zeroed, config_init'ed or filled by an earlier
 * parse): on success the strings it held are freed and replaced; on failure
 * it is left untouched. Messages start with the section ("drive: ...",
 * "network-interface: ..."). With partial=true every machine field is
 * optional and the update is merged into @out (an empty object is refused).
 */
int config_parse_boot_source(const json_t *j, struct cfg_boot_source *out, struct errbuf *e);
int config_parse_machine(const json_t *j, struct cfg_machine *out, bool partial, struct errbuf *e);
int config_parse_drive(const json_t *j, struct cfg_drive *out, struct errbuf *e);
int config_parse_drive_update(const json_t *j, struct cfg_drive_update *out, struct errbuf *e);
int config_parse_net(const json_t *j, struct cfg_net *out, struct errbuf *e);
int config_parse_net_update(const json_t *j, struct cfg_net_update *out, struct errbuf *e);
int config_parse_logger(const json_t *j, struct cfg_logger *out, struct errbuf *e);
int config_parse_metrics(const json_t *j, struct cfg_metrics *out, struct errbuf *e);
int config_parse_entropy(const json_t *j, struct cfg_entropy *out, struct errbuf *e);

/* The balloon's bodies (config_balloon.c): PUT /balloon and the file's
 * section; PATCH /balloon (amount_mib); PATCH /balloon/statistics
 * (stats_polling_interval_s); PATCH /balloon/hinting/start (NULL @j: no
 * body, acknowledge_on_stop defaults to true). */
int config_parse_balloon(const json_t *j, struct cfg_balloon *out, struct errbuf *e);
int config_parse_balloon_update(const json_t *j, uint32_t *amount_mib, struct errbuf *e);
int config_parse_balloon_stats_update(const json_t *j, uint32_t *interval_s, struct errbuf *e);
int config_parse_balloon_hint_start(const json_t *j, bool *ack_on_stop, struct errbuf *e);

/*
 * config_parse_mmds - the mmds-config object (config_mmds.c): syntax,
 * types, the version and the address's form; config_mmds_check - the rules
 * against the rest of @cfg, in Firecracker's words without a prefix: a
 * non-empty interface list naming configured interfaces, a link-local
 * address. config_mmds_version_name - "V1" or "V2".
 */
int config_parse_mmds(const json_t *j, struct cfg_mmds *out, struct errbuf *e);
int config_mmds_check(const struct cfg_mmds *m, const struct vm_config *cfg, struct errbuf *e);
const char *config_mmds_version_name(enum cfg_mmds_version v);
int config_parse_vsock(const json_t *j, struct cfg_vsock *out, struct errbuf *e);
/* config_vsock_free - free the section's strings and clear it. */
void config_vsock_free(struct cfg_vsock *v);

/* config_huge_pages_name, config_cache_type_name, config_io_engine_name -
 * the API's spelling of a value ("Transparent", "Writeback", "Async"), or
 * "?" for one no parser produces. */
const char *config_huge_pages_name(enum cfg_huge_pages v);
const char *config_cache_type_name(enum cfg_cache_type v);
const char *config_io_engine_name(enum cfg_io_engine v);

/* config_id_valid - Firecracker resource ids: non-empty, [A-Za-z0-9_]. */
bool config_id_valid(const char *id);

/* config_check - cross-field validation of a complete config (see above). */
int config_check(const struct vm_config *cfg, struct errbuf *e);

#endif
