/* Unit tests for the config file parser and the per-section parsers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "config_dump.h"
#include "config_json.h"

/* tests/configs/<name>, found from this file's own path. */
static const char *cfg_path(char *buf, size_t n, const char *name)
{
	const char *f = __FILE__, *slash = strstr(f, "unit/test_config.c");

	snprintf(buf, n, "%.*sconfigs/%s", (int)(slash - f), f, name);
	return buf;
}

/* JSON written with ' for " so the tables stay readable. */
static char *q2j(const char *s)
{
	char *j = strdup(s), *p;

	assert_non_null(j);
	for (p = j; *p; p++)
		if (*p == '\'')
			*p = '"';
	return j;
}

static int load(struct vm_config *cfg, const char *s, struct errbuf *e)
{
	char *j = q2j(s);
	int ret = config_load_json(cfg, j, strlen(j), e);

	free(j);
	return ret;
}

#define BS "'boot-source':{'kernel_image_path':'/k'}"

static void full_config(void **state)
{
	struct vm_config cfg;
	struct errbuf e = {""};
	char p[512];
	const struct cfg_drive *d;
	const struct cfg_net *n;

	config_init(&cfg);
	assert_int_equal(config_load_file(&cfg, cfg_path(p, sizeof(p), "full.json"), &e), 0);
	assert_true(cfg.has_boot_source);
	assert_string_equal(cfg.boot_source.kernel_image_path, "/srv/vm/vmlinux");
	assert_string_equal(cfg.boot_source.boot_args, "console=ttyS0 reboot=k panic=1");
	assert_string_equal(cfg.boot_source.initrd_path, "/srv/vm/initrd.cpio");
	assert_int_equal(cfg.machine.vcpu_count, 4);
	assert_int_equal(cfg.machine.mem_size_mib, 2048);
	assert_true(cfg.machine.smt);
	assert_true(cfg.machine.track_dirty_pages);
	assert_int_equal(cfg.machine.huge_pages, HUGE_PAGES_2M);

	assert_int_equal(cfg.nr_drives, 2);
	d = &cfg.drive[0];
	assert_string_equal(d->drive_id, "rootfs");
	assert_string_equal(d->path_on_host, "/srv/vm/rootfs.ext4");
	assert_true(d->is_root_device);
	assert_false(d->is_read_only);
	assert_string_equal(d->partuuid, "0eaa91a0-01");
	assert_int_equal(d->cache_type, CACHE_WRITEBACK);
	assert_int_equal(d->io_engine, IO_ENGINE_ASYNC);
	assert_true(d->rate_limiter.bandwidth.set);
	assert_int_equal(d->rate_limiter.bandwidth.size, 104857600);
	assert_int_equal(d->rate_limiter.bandwidth.refill_time_ms, 1000);
	assert_int_equal(d->rate_limiter.bandwidth.one_time_burst, 52428800);
	assert_true(d->rate_limiter.ops.set);
	assert_int_equal(d->rate_limiter.ops.size, 1000);
	assert_int_equal(d->rate_limiter.ops.refill_time_ms, 100);
	assert_int_equal(d->rate_limiter.ops.one_time_burst, 0);
	d = &cfg.drive[1];
	assert_string_equal(d->drive_id, "data_1");
	assert_false(d->is_root_device);
	assert_true(d->is_read_only);
	assert_null(d->partuuid);
	assert_int_equal(d->cache_type, CACHE_UNSAFE);
	assert_int_equal(d->io_engine, IO_ENGINE_SYNC);
	assert_false(d->rate_limiter.bandwidth.set);
	assert_false(d->rate_limiter.ops.set);

	assert_int_equal(cfg.nr_nets, 2);
	n = &cfg.net[0];
	assert_string_equal(n->iface_id, "eth0");
	assert_string_equal(n->host_dev_name, "tap0");
	assert_true(n->has_guest_mac);
	assert_memory_equal(n->guest_mac, "\x06\x00\xac\x10\x00\x02", 6);
	assert_int_equal(n->mtu, 1500);
	assert_true(n->rx_rate_limiter.bandwidth.set);
	assert_int_equal(n->rx_rate_limiter.bandwidth.size, 1000);
	assert_false(n->rx_rate_limiter.ops.set);
	assert_false(n->tx_rate_limiter.bandwidth.set);
	assert_true(n->tx_rate_limiter.ops.set);
	assert_int_equal(n->tx_rate_limiter.ops.size, 5);
	n = &cfg.net[1];
	assert_false(n->has_guest_mac);
	assert_int_equal(n->mtu, 0);

	assert_true(cfg.logger.set);
	assert_string_equal(cfg.logger.log_path, "/var/log/ember.log");
	assert_int_equal(cfg.logger.level, LOG_DEBUG);
	assert_false(cfg.logger.show_level);
	assert_true(cfg.logger.show_log_origin);
	assert_string_equal(cfg.logger.module, "vmm");
	assert_true(cfg.metrics.set);
	assert_string_equal(cfg.metrics.metrics_path, "/var/log/ember.metrics");
	config_free(&cfg);
	assert_null(cfg.boot_source.kernel_image_path);
	assert_int_equal(cfg.nr_drives, 0);
	assert_int_equal(cfg.machine.vcpu_count, 1);
}

static void minimal_config(void **state)
{
	struct vm_config cfg;
	struct errbuf e = {""};
	char p[512];

	config_init(&cfg);
	assert_false(cfg.has_boot_source);
	assert_int_equal(config_load_file(&cfg, cfg_path(p, sizeof(p), "minimal.json"), &e), 0);
	assert_string_equal(cfg.boot_source.kernel_image_path, "vmlinux");
	assert_null(cfg.boot_source.boot_args);
	assert_null(cfg.boot_source.initrd_path);
	assert_int_equal(cfg.machine.vcpu_count, 1);
	assert_int_equal(cfg.machine.mem_size_mib, 128);
	assert_false(cfg.machine.smt);
	assert_int_equal(cfg.machine.huge_pages, HUGE_PAGES_NONE);
	assert_int_equal(cfg.nr_drives, 0);
	assert_int_equal(cfg.nr_nets, 0);
	assert_false(cfg.logger.set);
	assert_false(cfg.metrics.set);
	config_free(&cfg);
}

/* The entropy section: present or not, its limiter, shown by GET /vm/config. */
static void entropy_section(void **state)
{
	static const char doc[] = "{\"boot-source\":{\"kernel_image_path\":\"k\"},"
				  "\"entropy\":{\"rate_limiter\":{\"bandwidth\":{\"size\":1000,"
				  "\"refill_time\":100}}}}";
	struct vm_config cfg;
	struct errbuf e = {""};
	json_t *dump;
	char *text;

	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_json(&cfg, doc, strlen(doc), &e), 0);
	assert_true(cfg.entropy.set);
	assert_true(cfg.entropy.rate_limiter.bandwidth.set);
	assert_int_equal(cfg.entropy.rate_limiter.bandwidth.size, 1000);
	assert_int_equal(cfg.entropy.rate_limiter.bandwidth.refill_time_ms, 100);
	assert_false(cfg.entropy.rate_limiter.ops.set);
	dump = config_dump(&cfg);
	text = json_dumps(json_object_get(dump, "entropy"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"rate_limiter\":{\"bandwidth\":{\"one_time_burst\":0,"
				  "\"refill_time\":100,\"size\":1000},\"ops\":null}}");
	free(text);
	json_decref(dump);
	config_free(&cfg);
	config_init(&cfg);
	dump = config_dump(&cfg);
	assert_true(json_is_null(json_object_get(dump, "entropy")));
	json_decref(dump);
}

/* nulls for optional things, empty pmem and an unknown top-level key pass */
static void firecracker_style_config(void **state)
{
	struct vm_config cfg;
	struct errbuf e = {""};
	char p[512];

	config_init(&cfg);
	assert_int_equal(
	    config_load_file(&cfg, cfg_path(p, sizeof(p), "firecracker-style.json"), &e), 0);
	assert_null(cfg.boot_source.initrd_path);
	assert_int_equal(cfg.nr_drives, 1);
	assert_null(cfg.drive[0].partuuid);
	assert_int_equal(cfg.machine.vcpu_count, 2);
	assert_false(cfg.logger.set);
	config_free(&cfg);
}

static void accepted_variants(void **state)
{
	static const char *const ok[] = {
	    "{" BS ",'pmem':[],'balloon':null,'foo':{'bar':1}}",
	    "{" BS ",'logger':{'level':'warn'}}",
	    "{" BS ",'logger':{'level':'OFF'}}",
	    "{" BS ",'machine-config':{'vcpu_count':1,'mem_size_mib':1048576,'smt':true}}",
	    "{" BS ",'machine-config':{'vcpu_count':32,'mem_size_mib':1,'smt':true}}",
	    "{" BS ",'machine-config':null,'logger':null,'metrics':null}",
	    "{" BS ",'drives':[],'network-interfaces':[]}",
	    "{" BS ",'network-interfaces':[{'iface_id':'a','host_dev_name':'tap-0.x_y',"
	    "'mtu':68},{'iface_id':'b','host_dev_name':'tap1','mtu':65535}]}",
	    "{" BS ",'drives':[{'drive_id':'r','path_on_host':'/r','is_root_device':true,"
	    "'partuuid':'00112233-4455-6677-8899-AABBCCDDEEFF/PARTNROFF=1',"
	    "'rate_limiter':{'bandwidth':{'size':0,'refill_time':0}}}]}",
	    "{" BS ",'metrics':{'metrics_path':'/m','emit_id':false,'properties':null}}",
	    "{" BS ",'metrics':{'metrics_path':'/m','properties':{'instance':'a','n':1}}}",
	    "{" BS
	    ",'balloon':{'amount_mib':64,'deflate_on_oom':false,'stats_polling_interval_s':1,"
	    "'free_page_hinting':true,'free_page_reporting':true}}",
	};
	struct vm_config cfg;
	struct errbuf e = {""};
	size_t i;

	config_init(&cfg);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (load(&cfg, ok[i], &e))
			fail_msg("case %zu rejected: %s", i, e.msg);
	}
	config_free(&cfg);
}

/* mmds-config: defaults, every field, and GET /vm/config's dump of it. */
static void mmds_config_section(void **state)
{
	struct vm_config cfg;
	struct errbuf e = {""};
	json_t *d;
	char *t;

	config_init(&cfg);
	assert_int_equal(load(&cfg,
			      "{" BS
			      ",'network-interfaces':[{'iface_id':'eth0','host_dev_name':'t0'},"
			      "{'iface_id':'eth1','host_dev_name':'t1'}],"
			      "'mmds-config':{'network_interfaces':['eth1']}}",
			      &e),
			 0);
	assert_true(cfg.mmds.set);
	assert_int_equal(cfg.mmds.version, CFG_MMDS_V1);
	assert_int_equal(cfg.mmds.ipv4_address, 0xa9fea9fe);
	assert_false(cfg.mmds.imds_compat);
	assert_int_equal(cfg.mmds.nr_interfaces, 1);
	assert_string_equal(cfg.mmds.network_interfaces[0], "eth1");
	assert_int_equal(load(&cfg,
			      "{" BS
			      ",'network-interfaces':[{'iface_id':'eth0','host_dev_name':'t0'}],"
			      "'mmds-config':{'network_interfaces':['eth0','eth0'],'version':'V2',"
			      "'ipv4_address':'169.254.1.2','imds_compat':true}}",
			      &e),
			 0);
	assert_int_equal(cfg.mmds.version, CFG_MMDS_V2);
	assert_int_equal(cfg.mmds.ipv4_address, 0xa9fe0102);
	assert_true(cfg.mmds.imds_compat);
	d = config_dump(&cfg);
	t = json_dumps(json_object_get(d, "mmds-config"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(t, "{\"imds_compat\":true,\"ipv4_address\":\"169.254.1.2\","
			       "\"network_interfaces\":[\"eth0\",\"eth0\"],\"version\":\"V2\"}");
	free(t);
	json_decref(d);
	assert_int_equal(load(&cfg, "{" BS ",'mmds-config':null}", &e), 0);
	assert_false(cfg.mmds.set);
	d = config_dump(&cfg);
	assert_true(json_is_null(json_object_get(d, "mmds-config")));
	json_decref(d);
	config_free(&cfg);
}

struct bad {
	const char *json;
	const char *msg;
};

#define DRV(x) "{" BS ",'drives':[{'drive_id':'r','path_on_host':'/r','is_root_device':true" x "}]}"
#define NET(x) "{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':'t'" x "}]}"
#define MC(x)  "{" BS ",'machine-config':{" x "}}"

static const struct bad bad_cases[] = {
    /* the document */
    {"", "invalid JSON at line 1"},
    {"{" BS "} trailing", "invalid JSON at line 1"},
    {"[]", "the top level must be a JSON object, got an array"},
    {"{" BS ",'boot-source':{'kernel_image_path':'/j'}}", "duplicate object key"},
    {"{'boot-source':{'kernel_image_path':'/k'}},", "invalid JSON"},
    /* boot-source */
    {"{}", "missing required section \"boot-source\""},
    {"{'boot-source':null}", "boot-source: must be a JSON object, got null"},
    {"{'boot-source':{}}", "boot-source: missing field `kernel_image_path`"},
    {"{'boot-source':{'kernel_image_path':5}}",
     "boot-source: field \"kernel_image_path\" must be a string, got 5"},
    {"{'boot-source':{'kernel_image_path':null}}", "must be a string, got null"},
    {"{'boot-source':{'kernel_image_path':''}}", "\"kernel_image_path\" must not be empty"},
    {"{'boot-source':{'kernel_image_path':'/k','foo':1}}", "boot-source: unknown field \"foo\""},
    {"{'boot-source':{'kernel_image_path':'/k','initrd_path':[]}}",
     "\"initrd_path\" must be a string, got an array"},
    /* machine-config */
    {MC("'vcpu_count':33,'mem_size_mib':128"),
     "machine-config: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an "
     "even number if SMT is enabled."},
    {MC("'vcpu_count':0,'mem_size_mib':128"),
     "machine-config: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an "
     "even number if SMT is enabled."},
    {MC("'vcpu_count':256,'mem_size_mib':128"), "between 0 and 255, got 256"},
    {MC("'vcpu_count':-1,'mem_size_mib':128"), "between 0 and 255, got -1"},
    {MC("'vcpu_count':2.0,'mem_size_mib':128"), "got a real number"},
    {MC("'vcpu_count':true,'mem_size_mib':128"), "\"vcpu_count\" must be an integer between "
						 "0 and 255, got a boolean"},
    {MC("'vcpu_count':'2','mem_size_mib':128"), "got a string"},
    {MC("'mem_size_mib':128"), "machine-config: missing field `vcpu_count`"},
    {MC("'vcpu_count':1"), "machine-config: missing field `mem_size_mib`"},
    {MC(""), "missing field `vcpu_count`"},
    {MC("'vcpu_count':1,'mem_size_mib':0"), "machine-config: The memory size (MiB) is either 0, or "
					    "not a multiple of the configured page size."},
    {MC("'vcpu_count':1,'mem_size_mib':-128"), "between 0 and 9223372036854775807, got -128"},
    {MC("'vcpu_count':1,'mem_size_mib':1048577"), "larger than ember's limit of 1048576."},
    {MC("'vcpu_count':1,'mem_size_mib':9223372036854775807"), "ember's limit of 1048576"},
    {MC("'vcpu_count':1,'mem_size_mib':18446744073709551616"), "invalid JSON"},
    {MC("'vcpu_count':1,'mem_size_mib':1e3"), "got a real number"},
    {MC("'vcpu_count':3,'mem_size_mib':128,'smt':true"),
     "machine-config: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an "
     "even number if SMT is enabled."},
    {MC("'vcpu_count':2,'mem_size_mib':128,'smt':'yes'"),
     "\"smt\" must be a boolean, got a string"},
    {MC("'vcpu_count':2,'mem_size_mib':128,'track_dirty_pages':1"),
     "\"track_dirty_pages\" must be a boolean, got 1"},
    {MC("'vcpu_count':2,'mem_size_mib':128,'huge_pages':'1G'"),
     "\"huge_pages\" must be one of \"None\", \"Transparent\", \"2M\", got \"1G\""},
    {MC("'vcpu_count':2,'mem_size_mib':129,'huge_pages':'2M'"),
     "not a multiple of the configured page size."},
    {MC("'vcpu_count':2,'mem_size_mib':128,'cpu_template':'V1N1'"),
     "\"T2S\", \"T2CL\", got \"V1N1\""},
    {MC("'vcpu_count':2,'mem_size_mib':128,'foo':1"), "machine-config: unknown field \"foo\""},
    {"{" BS ",'machine-config':[1]}", "machine-config: must be a JSON object, got an array"},
    /* drives */
    {"{" BS ",'drives':{}}", "drives: must be a JSON array, got an object"},
    {"{" BS ",'drives':null}", "drives: must be a JSON array, got null"},
    {"{" BS ",'drives':[5]}", "drives[0]: must be a JSON object, got 5"},
    {"{" BS ",'drives':[{'path_on_host':'/r','is_root_device':true}]}",
     "drives[0]: missing field `drive_id`"},
    {"{" BS ",'drives':[{'drive_id':'r','path_on_host':'/r'}]}",
     "drives[0]: missing field `is_root_device`"},
    {"{" BS ",'drives':[{'drive_id':'r','is_root_device':true}]}",
     "drives[0]: missing field `path_on_host`"},
    {"{" BS ",'drives':[{'drive_id':'a-b','path_on_host':'/r','is_root_device':true}]}",
     "\"drive_id\" must be 1 to 64 characters of [A-Za-z0-9_], got \"a-b\""},
    {"{" BS ",'drives':[{'drive_id':'','path_on_host':'/r','is_root_device':true}]}",
     "\"drive_id\" must be 1 to 64"},
    {"{" BS ",'drives':[{'drive_id':7,'path_on_host':'/r','is_root_device':true}]}",
     "\"drive_id\" must be a string, got 7"},
    {DRV(",'foo':1"), "drives[0]: unknown field \"foo\""},
    {DRV(",'is_read_only':'no'"), "\"is_read_only\" must be a boolean"},
    {DRV(",'cache_type':'None'"), "\"cache_type\" must be one of \"Unsafe\", \"Writeback\""},
    {DRV(",'io_engine':'sync'"), "\"io_engine\" must be one of \"Sync\", \"Async\", got"},
    {DRV(",'socket':'/s'"), "drives[0]: field \"socket\" is not supported by ember"},
    {DRV(",'partuuid':'x y'"), "\"partuuid\" must be a partition UUID"},
    {DRV(",'partuuid':''"), "\"partuuid\" must be a partition UUID"},
    {DRV(",'rate_limiter':5"), "drives[0]: field \"rate_limiter\" must be an object, got 5"},
    {DRV(",'rate_limiter':{'foo':{}}"), "drives[0]: unknown field \"rate_limiter.foo\""},
    {DRV(",'rate_limiter':{'bandwidth':{'refill_time':1}}"),
     "drives[0]: missing field `rate_limiter.bandwidth.size`"},
    {DRV(",'rate_limiter':{'ops':{'size':1}}"), "missing field `rate_limiter.ops.refill_time`"},
    {DRV(",'rate_limiter':{'ops':{'size':1,'refill_time':-1}}"),
     "field \"rate_limiter.ops.refill_time\" must be an integer between 0 and"},
    {DRV(",'rate_limiter':{'ops':{'size':1,'refill_time':1,'one_time_burst':0.5}}"),
     "\"rate_limiter.ops.one_time_burst\" must be an integer"},
    {DRV(",'rate_limiter':{'ops':{'size':1,'refill_time':1,'x':1}}"),
     "unknown field \"rate_limiter.ops.x\""},
    {DRV(",'rate_limiter':{'ops':[]}"), "field \"rate_limiter.ops\" must be an object"},
    {"{" BS ",'drives':[{'drive_id':'a','path_on_host':'/a','is_root_device':false},"
     "{'drive_id':'b','path_on_host':'/b','is_root_device':false,'foo':1}]}",
     "drives[1]: unknown field \"foo\""},
    {"{" BS ",'drives':[{'drive_id':'rootfs','path_on_host':'/a','is_root_device':false},"
     "{'drive_id':'rootfs','path_on_host':'/b','is_root_device':false}]}",
     "drives: duplicate drive_id \"rootfs\""},
    {"{" BS ",'drives':[{'drive_id':'a','path_on_host':'/a','is_root_device':true},"
     "{'drive_id':'b','path_on_host':'/b','is_root_device':true}]}",
     "drives: more than one root device (\"a\" and \"b\")"},
    /* network-interfaces */
    {"{" BS ",'network-interfaces':{}}", "network-interfaces: must be a JSON array"},
    {"{" BS ",'network-interfaces':[{'host_dev_name':'t'}]}",
     "network-interfaces[0]: missing field `iface_id`"},
    {"{" BS ",'network-interfaces':[{'iface_id':'e'}]}",
     "network-interfaces[0]: missing field `host_dev_name`"},
    {"{" BS ",'network-interfaces':[{'iface_id':'e.0','host_dev_name':'t'}]}",
     "\"iface_id\" must be 1 to 64 characters"},
    {"{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':''}]}",
     "\"host_dev_name\" must be an interface name"},
    {"{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':'0123456789abcdef'}]}",
     "\"host_dev_name\" must be an interface name of 1 to 15 characters"},
    {"{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':'a/b'}]}", "got \"a/b\""},
    {"{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':'a b'}]}", "got \"a b\""},
    {"{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':'..'}]}",
     "\"host_dev_name\" must be"},
    {NET(",'guest_mac':'06:00:ac:10:00'"),
     "\"guest_mac\" must be a MAC address like \"06:00:ac:10:00:02\", got \"06:00:ac:10:00\""},
    {NET(",'guest_mac':'06:00:ac:10:00:0g'"), "\"guest_mac\" must be a MAC address"},
    {NET(",'guest_mac':'06-00-ac-10-00-02'"), "\"guest_mac\" must be a MAC address"},
    {NET(",'guest_mac':'06:00:ac:10:00:02:'"), "\"guest_mac\" must be a MAC address"},
    {NET(",'guest_mac':6"), "\"guest_mac\" must be a string"},
    {NET(",'mtu':67"), "\"mtu\" must be an integer between 68 and 65535, got 67"},
    {NET(",'mtu':65536"), "got 65536"},
    {NET(",'rx_rate_limiter':{'bandwidth':{'size':-1,'refill_time':1}}"),
     "network-interfaces[0]: field \"rx_rate_limiter.bandwidth.size\" must be an integer"},
    {NET(",'tx_rate_limiter':{'bw':{}}"), "unknown field \"tx_rate_limiter.bw\""},
    {NET(",'foo':1"), "network-interfaces[0]: unknown field \"foo\""},
    {"{" BS ",'network-interfaces':[{'iface_id':'a','host_dev_name':'tap0'},"
     "{'iface_id':'a','host_dev_name':'tap1'}]}",
     "network-interfaces: duplicate iface_id \"a\""},
    {"{" BS ",'network-interfaces':[{'iface_id':'a','host_dev_name':'tap0'},"
     "{'iface_id':'b','host_dev_name':'tap0'}]}",
     "network-interfaces: duplicate host_dev_name \"tap0\""},
    {"{" BS ",'network-interfaces':[{'iface_id':'a','host_dev_name':'tap0',"
     "'guest_mac':'06:00:00:00:00:01'},{'iface_id':'b','host_dev_name':'tap1',"
     "'guest_mac':'06:00:00:00:00:01'}]}",
     "network-interfaces: duplicate guest_mac \"06:00:00:00:00:01\""},
    /* logger, metrics */
    {"{" BS ",'logger':{'level':'Loud'}}",
     "logger: field \"level\" must be one of \"Error\", \"Warning\", \"Info\", \"Debug\", "
     "\"Trace\", \"Off\", got \"Loud\""},
    {"{" BS ",'logger':{'level':3}}", "logger: field \"level\" must be a string, got 3"},
    {"{" BS ",'logger':{'show_level':1}}", "logger: field \"show_level\" must be a boolean"},
    {"{" BS ",'logger':{'log_path':''}}", "logger: field \"log_path\" must not be empty"},
    {"{" BS ",'logger':{'colour':true}}", "logger: unknown field \"colour\""},
    {"{" BS ",'logger':'x'}", "logger: must be a JSON object, got a string"},
    {"{" BS ",'metrics':{}}", "metrics: missing field `metrics_path`"},
    {"{" BS ",'metrics':{'metrics_path':'/m','emit_id':'yes'}}",
     "metrics: field \"emit_id\" must be a boolean"},
    {"{" BS ",'metrics':{'metrics_path':'/m','x':1}}", "metrics: unknown field \"x\""},
    /* balloon */
    {"{" BS ",'balloon':{'amount_mib':1}}", "balloon: missing field `deflate_on_oom`"},
    {"{" BS ",'balloon':{'amount_mib':-1,'deflate_on_oom':true}}", "balloon: field \"amount_mib\""},
    {"{" BS ",'balloon':{'amount_mib':1,'deflate_on_oom':true,'stats_polling_interval_s':65536}}",
     "balloon: field \"stats_polling_interval_s\""},
    {"{" BS ",'balloon':{'amount_mib':1,'deflate_on_oom':true,'free_page_hinting':1}}",
     "balloon: field \"free_page_hinting\" must be a boolean"},
    {"{" BS ",'balloon':{'amount_mib':1,'deflate_on_oom':true,'x':1}}",
     "balloon: unknown field \"x\""},
    {"{" BS ",'machine-config':{'vcpu_count':1,'mem_size_mib':64},"
     "'balloon':{'amount_mib':65,'deflate_on_oom':true}}",
     "balloon: Amount of pages requested is too large."},
    /* mmds-config */
    {"{" BS ",'mmds-config':{}}", "mmds-config: missing field `network_interfaces`"},
    {"{" BS ",'mmds-config':[]}", "mmds-config: must be a JSON object"},
    {"{" BS ",'mmds-config':{'network_interfaces':'eth0'}}",
     "mmds-config: field \"network_interfaces\" must be an array"},
    {"{" BS ",'mmds-config':{'network_interfaces':[1]}}",
     "mmds-config: network_interfaces[0] must be a string"},
    {"{" BS ",'mmds-config':{'network_interfaces':['e'],'version':'foo'}}",
     "mmds-config: unknown variant `foo`, expected `V1` or `V2`"},
    {"{" BS ",'mmds-config':{'network_interfaces':['e'],'ipv4_address':'1.2.3'}}",
     "mmds-config: invalid IPv4 address syntax"},
    {"{" BS ",'mmds-config':{'network_interfaces':['e'],'imds_compat':1}}",
     "mmds-config: field \"imds_compat\" must be a boolean"},
    {"{" BS ",'mmds-config':{'network_interfaces':['e'],'x':1}}",
     "mmds-config: unknown field \"x\""},
    {"{" BS ",'mmds-config':{'network_interfaces':[]}}",
     "mmds-config: The list of network interface IDs that allow forwarding MMDS requests is "
     "empty."},
    {"{" BS ",'mmds-config':{'network_interfaces':['eth0']}}",
     "mmds-config: The list of network interface IDs provided contains at least one ID that "
     "does not correspond to any existing network interface."},
    {"{" BS ",'network-interfaces':[{'iface_id':'e','host_dev_name':'t'}],"
     "'mmds-config':{'network_interfaces':['e'],'ipv4_address':'10.0.0.1'}}",
     "mmds-config: The MMDS IPv4 address is not link local."},
    /* sections ember does not implement */
    {"{" BS ",'entropy':{'foo':1}}", "entropy: unknown field \"foo\""},
    {"{" BS ",'entropy':{'rate_limiter':{'bandwidth':{'size':1}}}}",
     "entropy: missing field `rate_limiter.bandwidth.refill_time`"},
    {"{" BS ",'vsock':{}}", "vsock: missing field `guest_cid`"},
    {"{" BS ",'vsock':{'guest_cid':3}}", "vsock: missing field `uds_path`"},
    {"{" BS ",'vsock':{'guest_cid':4294967296,'uds_path':'/v'}}", "vsock: field \"guest_cid\""},
    {"{" BS ",'vsock':{'guest_cid':-1,'uds_path':'/v'}}", "vsock: field \"guest_cid\""},
    {"{" BS ",'vsock':{'guest_cid':3,'uds_path':''}}", "vsock: field \"uds_path\""},
    {"{" BS ",'vsock':{'guest_cid':3,'uds_path':'/v','cid':3}}", "vsock: unknown field \"cid\""},
    {"{" BS ",'cpu-config':'/nonexistent/t.json'}", "cpu-config: cannot load /nonexistent/t.json"},
    {"{" BS ",'cpu-config':{'foo':1}}", "cpu-config: unknown field `foo`"},
    {"{" BS ",'memory-hotplug':{}}", "memory-hotplug: not supported by ember"},
    {"{" BS ",'pmem':[{'id':'p'}]}", "pmem: not supported by ember"},
    {"{" BS ",'pmem':{}}", "pmem: not supported by ember"},
};

/* Every bad document fails with -EINVAL and a message naming the problem,
 * and leaves the config that was loaded before untouched. */
static void bad_inputs(void **state)
{
	struct vm_config cfg, snap;
	struct errbuf e;
	char p[512];
	size_t i;

	config_init(&cfg);
	assert_int_equal(config_load_file(&cfg, cfg_path(p, sizeof(p), "full.json"), &e), 0);
	memcpy(&snap, &cfg, sizeof(snap));
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		memset(e.msg, 0, sizeof(e.msg));
		if (load(&cfg, bad_cases[i].json, &e) != -EINVAL)
			fail_msg("case %zu (%s) was not rejected", i, bad_cases[i].json);
		if (!strstr(e.msg, bad_cases[i].msg))
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, e.msg,
				 bad_cases[i].msg);
		assert_memory_equal(&cfg, &snap, sizeof(cfg));
	}
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 30);
	config_free(&cfg);
}

/* A syntax error reports the line and column jansson found it at. */
static void syntax_error_position(void **state)
{
	struct vm_config cfg;
	struct errbuf e;
	char p[512], want[600];

	config_init(&cfg);
	cfg_path(p, sizeof(p), "bad-syntax.json");
	assert_int_equal(config_load_file(&cfg, p, &e), -EINVAL);
	snprintf(want, sizeof(want), "config file %s: invalid JSON at line 4, column 3: ", p);
	assert_non_null(strstr(e.msg, want));
	assert_int_equal(load(&cfg, "{\n'boot-source':\n  {'kernel_image_path' 1}}", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid JSON at line 3, column"));
	config_free(&cfg);
}

static void bad_files(void **state)
{
	static const struct {
		const char *file, *msg;
	} cases[] = {
	    {"bad-two-roots.json", ": drives: more than one root device (\"a\" and \"b\")"},
	    {"bad-unknown-field.json", ": drives[1]: unknown field \"foo\""},
	    {"bad-duplicate-key.json", "duplicate object key"},
	    {"bad-vcpus.json", ": machine-config: The number of vCPUs must be greater than 0"},
	    {"bad-vsock.json", ": vsock: missing field `uds_path`"},
	};
	struct vm_config cfg;
	struct errbuf e;
	char p[512];
	size_t i;

	config_init(&cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg_path(p, sizeof(p), cases[i].file);
		assert_int_equal(config_load_file(&cfg, p, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "config file "));
		assert_non_null(strstr(e.msg, p));
		if (!strstr(e.msg, cases[i].msg))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].file, e.msg, cases[i].msg);
		assert_false(cfg.has_boot_source);
	}
	config_free(&cfg);
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void file_limits(void **state)
{
	const size_t max = 1u << 20;
	char dir[] = "/tmp/ember-cfg-XXXXXX", path[128];
	struct vm_config cfg;
	struct errbuf e;
	char *big;

	assert_non_null(mkdtemp(dir));
	config_init(&cfg);
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	assert_int_equal(config_load_file(&cfg, path, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "cannot open: No such file or directory"));
	assert_int_equal(config_load_file(&cfg, dir, &e), -EISDIR);
	assert_non_null(strstr(e.msg, "cannot read: Is a directory"));

	/* exactly 1 MiB (a valid document padded with spaces) is accepted */
	big = malloc(max + 1);
	assert_non_null(big);
	memset(big, ' ', max + 1);
	memcpy(big, "{\"boot-source\":{\"kernel_image_path\":\"/k\"}}", 42);
	snprintf(path, sizeof(path), "%s/big.json", dir);
	write_file(path, big, max);
	assert_int_equal(config_load_file(&cfg, path, &e), 0);
	assert_string_equal(cfg.boot_source.kernel_image_path, "/k");
	/* one byte more is refused, and the config stays as it was */
	write_file(path, big, max + 1);
	assert_int_equal(config_load_file(&cfg, path, &e), -EFBIG);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "larger than the limit of 1048576 bytes"));
	assert_string_equal(cfg.boot_source.kernel_image_path, "/k");
	unlink(path);
	free(big);
	/* a character device that never ends is cut off too */
	assert_int_equal(config_load_file(&cfg, "/dev/zero", &e), -EFBIG);
	rmdir(dir);
	config_free(&cfg);
}

/* Growable text buffer for generated documents. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static void too_many_devices(void **state)
{
	struct sbuf b = {0};
	struct vm_config cfg;
	struct errbuf e;
	char item[160];
	unsigned int i;

	config_init(&cfg);
	sb_add(&b, "{" BS ",'drives':[");
	for (i = 0; i <= CFG_MAX_DRIVES; i++) {
		snprintf(item, sizeof(item),
			 "%s{'drive_id':'d%u','path_on_host':'/d',"
			 "'is_root_device':false}",
			 i ? "," : "", i);
		sb_add(&b, item);
		if (i == CFG_MAX_DRIVES - 1) {
			/* exactly the maximum is fine */
			assert_int_equal(load(&cfg, (sb_add(&b, "]}"), b.s), &e), 0);
			assert_int_equal(cfg.nr_drives, CFG_MAX_DRIVES);
			b.len -= 2;
		}
	}
	sb_add(&b, "]}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "drives: 17 entries given, ember supports at most 16"));
	assert_int_equal(cfg.nr_drives, CFG_MAX_DRIVES);

	b.len = 0;
	sb_add(&b, "{" BS ",'network-interfaces':[");
	for (i = 0; i <= CFG_MAX_NETS; i++) {
		snprintf(item, sizeof(item), "%s{'iface_id':'e%u','host_dev_name':'tap%u'}",
			 i ? "," : "", i, i);
		sb_add(&b, item);
	}
	sb_add(&b, "]}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(
	    strstr(e.msg, "network-interfaces: 9 entries given, ember supports at most 8"));

	/* a huge array is refused by its size, before any element is looked at */
	b.len = 0;
	sb_add(&b, "{" BS ",'drives':[0");
	for (i = 0; i < 100000; i++)
		sb_add(&b, ",0");
	sb_add(&b, "]}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "drives: 100001 entries given"));
	free(b.s);
	config_free(&cfg);
}

static void deep_nesting_and_long_strings(void **state)
{
	struct sbuf b = {0};
	struct vm_config cfg;
	struct errbuf e;
	char *s;
	unsigned int i;

	config_init(&cfg);
	/* far deeper than jansson's parser allows: refused as invalid JSON */
	sb_add(&b, "{" BS ",'x':");
	for (i = 0; i < 100000; i++)
		sb_add(&b, "[");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid JSON"));
	/* nesting inside a known section, within jansson's limit */
	b.len = 0;
	sb_add(&b, "{" BS ",'logger':{'module':");
	for (i = 0; i < 1000; i++)
		sb_add(&b, "[");
	for (i = 0; i < 1000; i++)
		sb_add(&b, "]");
	sb_add(&b, "}}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "logger: field \"module\" must be a string, got an array"));

	/* a kernel command line longer than ember's cap */
	s = malloc(5000);
	assert_non_null(s);
	memset(s, 'a', 4999);
	s[4999] = '\0';
	b.len = 0;
	sb_add(&b, "{'boot-source':{'kernel_image_path':'/k','boot_args':'");
	sb_add(&b, s);
	sb_add(&b, "'}}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(
	    strstr(e.msg, "boot-source: field \"boot_args\" is longer than 4095 bytes"));
	/* a path longer than PATH_MAX */
	b.len = 0;
	sb_add(&b, "{'boot-source':{'kernel_image_path':'");
	sb_add(&b, s);
	sb_add(&b, "'}}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "\"kernel_image_path\" is longer than 4095 bytes"));
	/* an unknown key is echoed truncated and without control characters */
	b.len = 0;
	sb_add(&b, "{'boot-source':{'kernel_image_path':'/k','\\u001b[31m");
	sb_add(&b, s);
	sb_add(&b, "':1}}");
	assert_int_equal(load(&cfg, b.s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "boot-source: unknown field \"?[31maaaa"));
	assert_non_null(strstr(e.msg, "aaa...\""));
	assert_true(strlen(e.msg) < 120);
	free(s);
	free(b.s);
	config_free(&cfg);
}

static void parse_boot_source_direct(void **state)
{
	struct cfg_boot_source bs = {0}, snap;
	struct errbuf e;
	json_t *j;

	j = json_pack("{s:s, s:s}", "kernel_image_path", "/a", "boot_args", "x=1");
	assert_int_equal(config_parse_boot_source(j, &bs, &e), 0);
	json_decref(j);
	assert_string_equal(bs.kernel_image_path, "/a");
	/* replacing frees the old strings (LeakSanitizer checks) */
	j = json_pack("{s:s}", "kernel_image_path", "/b");
	assert_int_equal(config_parse_boot_source(j, &bs, &e), 0);
	json_decref(j);
	assert_string_equal(bs.kernel_image_path, "/b");
	assert_null(bs.boot_args);
	memcpy(&snap, &bs, sizeof(snap));
	/* a string with an embedded NUL, as an API body could carry it */
	j = json_pack("{s:s#}", "kernel_image_path", "/c\0d", (size_t)4);
	assert_int_equal(config_parse_boot_source(j, &bs, &e), -EINVAL);
	assert_string_equal(e.msg, "boot-source: field \"kernel_image_path\" contains a NUL "
				   "character");
	json_decref(j);
	assert_memory_equal(&bs, &snap, sizeof(bs));
	/* the inner message only: no file name, no JSON wrapper */
	j = json_pack("{s:s, s:i}", "kernel_image_path", "/c", "x", 1);
	assert_int_equal(config_parse_boot_source(j, &bs, &e), -EINVAL);
	assert_string_equal(e.msg, "boot-source: unknown field \"x\"");
	json_decref(j);
	assert_memory_equal(&bs, &snap, sizeof(bs));
	free(bs.kernel_image_path);
}

static void parse_machine_partial(void **state)
{
	struct cfg_machine m = {.vcpu_count = 2, .mem_size_mib = 256}, snap;
	struct errbuf e;
	json_t *j;

	j = json_pack("{s:i}", "mem_size_mib", 512);
	assert_int_equal(config_parse_machine(j, &m, true, &e), 0);
	assert_int_equal(m.vcpu_count, 2);
	assert_int_equal(m.mem_size_mib, 512);
	/* the same body as a full PUT misses vcpu_count */
	assert_int_equal(config_parse_machine(j, &m, false, &e), -EINVAL);
	assert_string_equal(e.msg, "machine-config: missing field `vcpu_count`");
	json_decref(j);

	j = json_pack("{s:b, s:s}", "smt", 1, "huge_pages", "Transparent");
	assert_int_equal(config_parse_machine(j, &m, true, &e), 0);
	assert_true(m.smt);
	assert_int_equal(m.huge_pages, HUGE_PAGES_TRANSPARENT);
	json_decref(j);
	memcpy(&snap, &m, sizeof(snap));
	/* cross-field rules apply to the merged result */
	j = json_pack("{s:i}", "vcpu_count", 3);
	assert_int_equal(config_parse_machine(j, &m, true, &e), -EDOM);
	assert_string_equal(e.msg, "The number of vCPUs must be greater than 0, less than 32 and "
				   "must be 1 or an even number if SMT is enabled.");
	json_decref(j);
	assert_memory_equal(&m, &snap, sizeof(m));

	j = json_object();
	assert_int_equal(config_parse_machine(j, &m, true, &e), -ENODATA);
	assert_string_equal(e.msg, "Empty PATCH request.");
	json_decref(j);
	j = json_pack("{s:i, s:i}", "vcpu_count", 1, "mem_size_mib", 0);
	assert_int_equal(config_parse_machine(j, &m, true, &e), -EDOM);
	assert_string_equal(
	    e.msg,
	    "The memory size (MiB) is either 0, or not a multiple of the configured page size.");
	json_decref(j);
	assert_memory_equal(&m, &snap, sizeof(m));

	/* a full PUT resets what it does not name to the defaults */
	j = json_pack("{s:i, s:i}", "vcpu_count", 1, "mem_size_mib", 64);
	assert_int_equal(config_parse_machine(j, &m, false, &e), 0);
	assert_false(m.smt);
	assert_int_equal(m.huge_pages, HUGE_PAGES_NONE);
	json_decref(j);
	j = json_string("x");
	assert_int_equal(config_parse_machine(j, &m, true, &e), -EINVAL);
	assert_string_equal(e.msg, "machine-config: must be a JSON object, got a string");
	json_decref(j);
}

static void parse_drive_direct(void **state)
{
	struct cfg_drive d = {0}, snap;
	struct errbuf e;
	json_t *j;

	j = json_pack("{s:s, s:s, s:b, s:s}", "drive_id", "root", "path_on_host", "/r",
		      "is_root_device", 1, "partuuid", "abcd-01");
	assert_int_equal(config_parse_drive(j, &d, &e), 0);
	json_decref(j);
	memcpy(&snap, &d, sizeof(snap));
	j = json_pack("{s:s, s:s, s:b, s:s}", "drive_id", "root", "path_on_host", "/s",
		      "is_root_device", 1, "cache_type", "Bogus");
	assert_int_equal(config_parse_drive(j, &d, &e), -EINVAL);
	assert_string_equal(e.msg, "drive: field \"cache_type\" must be one of \"Unsafe\", "
				   "\"Writeback\", got \"Bogus\"");
	json_decref(j);
	assert_memory_equal(&d, &snap, sizeof(d));
	assert_string_equal(d.path_on_host, "/r");
	/* 64 characters is the longest id */
	j = json_pack("{s:s, s:s, s:b}", "drive_id",
		      "a123456789012345678901234567890123456789012345678901234567890123",
		      "path_on_host", "/s", "is_root_device", 0);
	assert_int_equal(config_parse_drive(j, &d, &e), 0);
	assert_int_equal(strlen(d.drive_id), 64);
	assert_null(d.partuuid);
	json_decref(j);
	j = json_pack("{s:s, s:s, s:b}", "drive_id",
		      "a1234567890123456789012345678901234567890123456789012345678901234",
		      "path_on_host", "/s", "is_root_device", 0);
	assert_int_equal(config_parse_drive(j, &d, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "drive: field \"drive_id\" must be 1 to 64 characters"));
	json_decref(j);
	free(d.path_on_host);
}

static void parse_net_logger_metrics_direct(void **state)
{
	struct cfg_net n = {0};
	struct cfg_logger l = {0};
	struct cfg_metrics m = {0};
	struct errbuf e;
	json_t *j;

	j = json_pack("{s:s, s:s, s:s}", "iface_id", "eth0", "host_dev_name", "tap0", "guest_mac",
		      "aa:BB:cc:dd:ee:ff");
	assert_int_equal(config_parse_net(j, &n, &e), 0);
	assert_memory_equal(n.guest_mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	json_decref(j);
	j = json_pack("{s:s, s:s}", "iface_id", "eth0", "host_dev_name", "tap0/x");
	assert_int_equal(config_parse_net(j, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "network-interface: field \"host_dev_name\""));
	json_decref(j);
	assert_string_equal(n.host_dev_name, "tap0");

	j = json_pack("{s:s}", "log_path", "/l");
	assert_int_equal(config_parse_logger(j, &l, &e), 0);
	assert_true(l.set);
	assert_int_equal(l.level, LOG_INFO);
	assert_true(l.show_level);
	assert_false(l.show_log_origin);
	json_decref(j);
	j = json_pack("{s:s, s:s}", "level", "trace", "module", "x");
	assert_int_equal(config_parse_logger(j, &l, &e), 0);
	assert_int_equal(l.level, LOG_TRACE);
	assert_null(l.log_path);
	json_decref(j);
	free(l.module);

	j = json_pack("{s:s}", "metrics_path", "/m");
	assert_int_equal(config_parse_metrics(j, &m, &e), 0);
	json_decref(j);
	j = json_pack("{s:s}", "metrics_path", "/n");
	assert_int_equal(config_parse_metrics(j, &m, &e), 0);
	assert_string_equal(m.metrics_path, "/n");
	json_decref(j);
	j = json_pack("{s:i}", "metrics_path", 1);
	assert_int_equal(config_parse_metrics(j, &m, &e), -EINVAL);
	assert_string_equal(e.msg, "metrics: field \"metrics_path\" must be a string, got 1");
	json_decref(j);
	assert_string_equal(m.metrics_path, "/n");
	free(m.metrics_path);
}

/* Firecracker's VsockDeviceConfig: guest_cid 0 (firecracker-containerd)
 * and the deprecated vsock_id (Kata) are accepted; a later section
 * replaces an earlier one. */
static void parse_vsock_direct(void **state)
{
	struct cfg_vsock v = {0};
	struct vm_config cfg;
	struct errbuf e;
	json_t *j;

	j = json_pack("{s:i, s:s}", "guest_cid", 0, "uds_path", "/run/v.sock");
	assert_int_equal(config_parse_vsock(j, &v, &e), 0);
	assert_true(v.set);
	assert_int_equal(v.guest_cid, 0);
	assert_string_equal(v.uds_path, "/run/v.sock");
	assert_null(v.vsock_id);
	json_decref(j);
	j = json_pack("{s:I, s:s, s:s}", "guest_cid", (json_int_t)UINT32_MAX, "uds_path",
		      "/k.hvsock", "vsock_id", "root");
	assert_int_equal(config_parse_vsock(j, &v, &e), 0);
	assert_int_equal(v.guest_cid, UINT32_MAX);
	assert_string_equal(v.uds_path, "/k.hvsock");
	assert_string_equal(v.vsock_id, "root");
	json_decref(j);
	config_vsock_free(&v);
	assert_null(v.uds_path);

	config_init(&cfg);
	assert_int_equal(load(&cfg,
			      "{" BS ",'vsock':{'guest_cid':3,'uds_path':'/kata.hvsock',"
			      "'vsock_id':'root'}}",
			      &e),
			 0);
	assert_true(cfg.vsock.set);
	assert_int_equal(cfg.vsock.guest_cid, 3);
	assert_string_equal(cfg.vsock.uds_path, "/kata.hvsock");
	config_free(&cfg);
	assert_int_equal(load(&cfg, "{" BS ",'vsock':null}", &e), 0);
	assert_false(cfg.vsock.set);
	config_free(&cfg);
}

static void ids_and_macs(void **state)
{
	uint8_t mac[6] = {1, 2, 3, 4, 5, 6};

	assert_true(config_id_valid("rootfs"));
	assert_true(config_id_valid("A_9"));
	assert_false(config_id_valid(""));
	assert_false(config_id_valid("a-b"));
	assert_false(config_id_valid("a b"));
	assert_false(config_id_valid("\xc3\xa9"));
	assert_int_equal(cj_parse_mac("06:00:ac:10:00:02", mac), 0);
	assert_memory_equal(mac, "\x06\x00\xac\x10\x00\x02", 6);
	assert_int_equal(cj_parse_mac("", mac), -EINVAL);
	assert_int_equal(cj_parse_mac("06:00:ac:10:00:2", mac), -EINVAL);
	assert_int_equal(cj_parse_mac("06:00:ac:10:00:022", mac), -EINVAL);
	assert_int_equal(cj_parse_mac("06:00:ac:10:00-02", mac), -EINVAL);
	assert_int_equal(cj_parse_mac(" 6:00:ac:10:00:02", mac), -EINVAL);
	assert_int_equal(cj_parse_mac("+6:00:ac:10:00:02", mac), -EINVAL);
	assert_memory_equal(mac, "\x06\x00\xac\x10\x00\x02", 6);
}

/* config_check on configs assembled piece by piece, as the API does. */
static void check_assembled(void **state)
{
	struct vm_config cfg;
	struct errbuf e;

	config_init(&cfg);
	assert_int_equal(config_check(&cfg, &e), -EINVAL);
	assert_string_equal(e.msg, "boot-source: missing required section \"boot-source\"");
	cfg.has_boot_source = true;
	cfg.boot_source.kernel_image_path = strdup("/k");
	assert_int_equal(config_check(&cfg, &e), 0);
	cfg.nr_nets = 2;
	strcpy(cfg.net[0].iface_id, "a");
	strcpy(cfg.net[1].iface_id, "b");
	strcpy(cfg.net[0].host_dev_name, "t");
	strcpy(cfg.net[1].host_dev_name, "t");
	assert_int_equal(config_check(&cfg, &e), -EINVAL);
	assert_string_equal(e.msg, "network-interfaces: duplicate host_dev_name \"t\"");
	cfg.nr_nets = 0;
	cfg.machine.smt = true;
	cfg.machine.vcpu_count = 5;
	assert_int_equal(config_check(&cfg, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "machine-config: The number of vCPUs must be greater than 0, less than "
			    "32 and must be 1 or an even number if SMT is enabled.");
	cfg.machine.vcpu_count = 6;
	assert_int_equal(config_check(&cfg, &e), 0);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(full_config),
	    cmocka_unit_test(minimal_config),
	    cmocka_unit_test(entropy_section),
	    cmocka_unit_test(firecracker_style_config),
	    cmocka_unit_test(accepted_variants),
	    cmocka_unit_test(mmds_config_section),
	    cmocka_unit_test(bad_inputs),
	    cmocka_unit_test(syntax_error_position),
	    cmocka_unit_test(bad_files),
	    cmocka_unit_test(file_limits),
	    cmocka_unit_test(too_many_devices),
	    cmocka_unit_test(deep_nesting_and_long_strings),
	    cmocka_unit_test(parse_boot_source_direct),
	    cmocka_unit_test(parse_machine_partial),
	    cmocka_unit_test(parse_drive_direct),
	    cmocka_unit_test(parse_net_logger_metrics_direct),
	    cmocka_unit_test(parse_vsock_direct),
	    cmocka_unit_test(ids_and_macs),
	    cmocka_unit_test(check_assembled),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
