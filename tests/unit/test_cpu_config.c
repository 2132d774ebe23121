/*
 * Unit tests for custom CPU templates (vmm/cpu_config*.c): parsing of
 * Firecracker's x86_64 template JSON (numbers in hex and decimal, bitmaps
 * with x and '_', capabilities with '!'), the refusals and their messages,
 * the bitmaps applied to a crafted CPUID table, the dump read back, the
 * config file's "cpu-config" (an object or a path), and the rule that a
 * custom and a static template replace each other.
 */
#include <errno.h>
#include <jansson.h>
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
#include "controller_cpu.h"
#include "cpu_config.h"
#include "cpu_template.h"
#include "router.h"

#define X8  "xxxxxxxx"
#define X32 X8 X8 X8 X8

static const char *const good =
    "{\"kvm_capabilities\": [\"171\", \"!172\"],"
    " \"cpuid_modifiers\": ["
    "  {\"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": ["
    "    {\"register\": \"ecx\", \"bitmap\": \"0b0xxxxxxx_xxxxxxxx_xxxxxxxx_xxxxxx10\"},"
    "    {\"register\": \"edx\", \"bitmap\": \"0b1" X8 X8 X8 "xxxxxxx\"}]},"
    "  {\"leaf\": \"7\", \"subleaf\": 0, \"flags\": 1, \"modifiers\": ["
    "    {\"register\": \"ebx\", \"bitmap\": \"0b10\"}]}],"
    " \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b" X32 X32 "\"},"
    "                     {\"addr\": \"3221225600\", \"bitmap\": \"0b1" X32
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0\"}]}";

static struct cpu_config *parse_ok(const char *text)
{
	struct cpu_config *c = NULL;
	struct errbuf e = {""};

	if (cpu_config_parse_text(text, strlen(text), &c, &e))
		fail_msg("refused: %s", e.msg);
	return c;
}

static void parses_a_full_template(void **state)
{
	struct cpu_config *c = parse_ok(good);

	assert_int_equal(c->nr_caps, 2);
	assert_int_equal(c->caps[0].cap, 171);
	assert_false(c->caps[0].remove);
	assert_int_equal(c->caps[1].cap, 172);
	assert_true(c->caps[1].remove);
	assert_int_equal(c->nr_leaves, 2);
	assert_int_equal(c->leaves[0].leaf, 1);
	assert_int_equal(c->leaves[0].nr_mods, 2);
	assert_int_equal(c->leaves[0].mod[0].reg, CPU_CONFIG_ECX);
	assert_int_equal(c->leaves[0].mod[0].filter, 0x80000003u);
	assert_int_equal(c->leaves[0].mod[0].value, 0x00000002u);
	assert_int_equal(c->leaves[0].mod[1].reg, CPU_CONFIG_EDX);
	assert_int_equal(c->leaves[0].mod[1].filter, 0x80000000u);
	assert_int_equal(c->leaves[0].mod[1].value, 0x80000000u);
	assert_int_equal(c->leaves[1].leaf, 7); /* decimal string */
	assert_int_equal(c->leaves[1].flags, 1);
	assert_int_equal(c->leaves[1].mod[0].filter, 0x3); /* short: high bits x */
	assert_int_equal(c->leaves[1].mod[0].value, 0x2);
	assert_int_equal(c->nr_msrs, 2);
	assert_int_equal(c->msrs[0].addr, 0x10a);
	assert_int_equal(c->msrs[0].filter, 0);
	assert_int_equal(c->msrs[1].addr, 0xc0000080u);
	assert_true(c->msrs[1].filter == 0x8000000000000001ull);
	assert_true(c->msrs[1].value == 0x8000000000000000ull);
	cpu_config_destroy(c);
	/* Every key is optional. */
	c = parse_ok("{}");
	assert_int_equal(c->nr_leaves + c->nr_msrs + c->nr_caps, 0);
	cpu_config_destroy(c);
}

static const struct {
	const char *json, *msg;
} bad_cases[] = {
    {"[]", "the template must be a JSON object"},
    {"{\"foo\": false}", "unknown field `foo`, expected one of `kvm_capabilities`"},
    {"{\"reg_modifiers\": []}", "unknown field `reg_modifiers`"},
    {"{\"vcpu_features\": []}", "unknown field `vcpu_features`"},
    {"{\"cpuid_modifiers\": {}}", "cpuid_modifiers must be an array"},
    {"{\"cpuid_modifiers\": [{\"leaf\": \"0x1\", \"subleaf\": \"0\", \"modifiers\": []}]}",
     "cpuid_modifiers[0]: missing field `flags`"},
    {"{\"cpuid_modifiers\": [{\"leaf\": \"0xzz\", \"subleaf\": \"0\", \"flags\": 0, "
     "\"modifiers\": []}]}",
     "cpuid_modifiers[0]: leaf \"0xzz\" is not a 32-bit number"},
    {"{\"cpuid_modifiers\": [{\"leaf\": \"0x100000000\", \"subleaf\": \"0\", \"flags\": 0, "
     "\"modifiers\": []}]}",
     "is not a 32-bit number"},
    {"{\"cpuid_modifiers\": [{\"leaf\": \"-1\", \"subleaf\": \"0\", \"flags\": 0, "
     "\"modifiers\": []}]}",
     "is not a 32-bit number"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": -1, \"modifiers\": []}]}",
     "flags must be a 32-bit unsigned integer"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"esp\", \"bitmap\": \"0b1\"}]}]}",
     "unknown variant of register"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"eax\", \"bitmap\": \"0b12\"}]}]}",
     "a bitmap holds only 0, 1, x and _"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"eax\", \"bitmap\": \"1010\"}]}]}",
     "must start with 0b"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"eax\", \"bitmap\": \"0b1" X32 "\"}]}]}",
     "is longer than 32 bits"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"eax\", \"bitmap\": \"0b__\"}]}]}",
     "holds no bits"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"eax\", \"bitmap\": \"0b1\"}, {\"register\": \"eax\", \"bitmap\": "
     "\"0b0\"}]}]}",
     "register eax modified twice"},
    {"{\"cpuid_modifiers\": [{\"leaf\": 1, \"subleaf\": 0, \"flags\": 0, \"modifiers\": "
     "[{\"register\": \"eax\"}]}]}",
     "missing field `bitmap`"},
    {"{\"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1" X32 X32 "\"}]}",
     "is longer than 64 bits"},
    {"{\"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1\", \"x\": 1}]}",
     "msr_modifiers[0]: unknown field `x`, expected `addr`, `bitmap`"},
    {"{\"msr_modifiers\": [{\"bitmap\": \"0b1\"}]}", "msr_modifiers[0]: missing field `addr`"},
    {"{\"kvm_capabilities\": [171]}", "kvm_capabilities[0] must be a string"},
    {"{\"kvm_capabilities\": [\"!x\"]}", "kvm_capabilities[0] \"x\" is not a 32-bit number"},
    {"{\"kvm_capabilities\": [\"0xab\"]}", "must be a decimal number"},
    {"{\"kvm_capabilities\": \"171\"}", "kvm_capabilities must be an array"},
};

static void refuses_bad_templates(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct cpu_config *c = NULL;
		struct errbuf e = {""};

		if (cpu_config_parse_text(bad_cases[i].json, strlen(bad_cases[i].json), &c, &e) !=
		    -EINVAL)
			fail_msg("case %zu (%s) was not refused", i, bad_cases[i].json);
		assert_null(c);
		if (!strstr(e.msg, bad_cases[i].msg) || strncmp(e.msg, "cpu-config: ", 12))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, bad_cases[i].msg);
	}
}

static void refuses_too_many_leaves(void **state)
{
	json_t *arr = json_array(), *doc;
	struct cpu_config *c = NULL;
	struct errbuf e = {""};
	unsigned int i;

	for (i = 0; i <= CPU_CONFIG_MAX_LEAVES; i++)
		json_array_append_new(arr, json_pack("{s:i, s:i, s:i, s:[]}", "leaf", i, "subleaf",
						     0, "flags", 0, "modifiers"));
	doc = json_pack("{s:o}", "cpuid_modifiers", arr);
	assert_int_equal(cpu_config_parse(doc, &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "more than 256 cpuid_modifiers"));
	json_decref(doc);
}

static void add_entry(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t flags, uint32_t v)
{
	struct kvm_cpuid_entry2 *en = &t->entry[t->hdr.nent++];

	memset(en, 0, sizeof(*en));
	en->function = fn;
	en->index = idx;
	en->flags = flags;
	en->eax = en->ebx = en->ecx = en->edx = v;
}

/* 0 and 1 set the bit, x keeps the host's; untouched registers stay. */
static void applies_bitmaps(void **state)
{
	struct cpu_config *c = parse_ok(good);
	struct kvm_cpuid_entry2 *l1, *l7;
	struct errbuf e = {""};
	struct cpuid_table t;

	memset(&t, 0, sizeof(t));
	add_entry(&t, 0x1, 0, 0, 0x0000ff01);
	assert_int_equal(cpu_config_apply_cpuid(c, &t, &e), 0);
	l1 = cpuid_find(&t, 0x1, 0);
	assert_int_equal(l1->ecx, 0x0000ff02); /* bit 31 was 0, bits 1:0 = 10 */
	assert_int_equal(l1->edx, 0x8000ff01); /* bit 31 set */
	assert_int_equal(l1->eax, 0x0000ff01);
	assert_int_equal(l1->ebx, 0x0000ff01);
	/* Leaf 7 was missing: added with the template's flags, from zeroes. */
	assert_int_equal(t.hdr.nent, 2);
	l7 = cpuid_find(&t, 0x7, 0);
	assert_non_null(l7);
	assert_int_equal(l7->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	assert_int_equal(l7->ebx, 0x2);
	assert_int_equal(l7->eax, 0);
	/* Clearing over an all-ones register. */
	memset(&t, 0, sizeof(t));
	add_entry(&t, 0x1, 0, 0, 0xffffffff);
	assert_int_equal(cpu_config_apply_cpuid(c, &t, &e), 0);
	assert_int_equal(cpuid_find(&t, 0x1, 0)->ecx, 0x7ffffffe);
	/* No room for the missing leaf. */
	memset(&t, 0, sizeof(t));
	while (t.hdr.nent < CPUID_MAX_ENTRIES)
		add_entry(&t, 0x40000100 + t.hdr.nent, 0, 0, 0);
	assert_int_equal(cpu_config_apply_cpuid(c, &t, &e), -ENOSPC);
	assert_non_null(strstr(e.msg, "no room for CPUID leaf 0x1"));
	/* No template: nothing changes. */
	assert_int_equal(cpu_config_apply_cpuid(NULL, &t, &e), 0);
	cpu_config_destroy(c);
}

/* The dump parses back into the same template. */
static void dump_reads_back(void **state)
{
	struct cpu_config *a = parse_ok(good), *b = NULL;
	struct errbuf e = {""};
	json_t *d = cpu_config_dump(a);
	unsigned int i;

	assert_non_null(d);
	assert_int_equal(cpu_config_parse(d, &b, &e), 0);
	assert_int_equal(b->nr_leaves, a->nr_leaves);
	assert_int_equal(b->nr_msrs, a->nr_msrs);
	assert_int_equal(b->nr_caps, a->nr_caps);
	assert_memory_equal(b->leaves, a->leaves, a->nr_leaves * sizeof(a->leaves[0]));
	for (i = 0; i < a->nr_msrs; i++) {
		assert_int_equal(b->msrs[i].addr, a->msrs[i].addr);
		assert_true(b->msrs[i].filter == a->msrs[i].filter);
		assert_true(b->msrs[i].value == a->msrs[i].value);
	}
	assert_memory_equal(b->caps, a->caps, a->nr_caps * sizeof(a->caps[0]));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(d, "kvm_capabilities"), 1)), "!172");
	json_decref(d);
	cpu_config_destroy(a);
	cpu_config_destroy(b);
}

#define BOOT "\"boot-source\": {\"kernel_image_path\": \"/k\"}"

/* The config file's "cpu-config": an object, or a path to a file holding
 * one; it replaces machine-config's static template; GET /vm/config shows it. */
static void config_file_key(void **state)
{
	char path[] = "/tmp/ember-cpu-config-XXXXXX", doc[512];
	struct vm_config cfg;
	struct errbuf e = {""};
	json_t *d;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(good, f);
	fclose(f);
	config_init(&cfg);
	snprintf(doc, sizeof(doc),
		 "{" BOOT ", \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128, "
		 "\"cpu_template\": \"T2\"}, \"cpu-config\": \"%s\"}",
		 path);
	assert_int_equal(config_load_json(&cfg, doc, strlen(doc), &e), 0);
	assert_non_null(cfg.cpu_config);
	assert_int_equal(cfg.cpu_config->nr_leaves, 2);
	assert_int_equal(cfg.machine.cpu_template, CPU_TEMPLATE_NONE);
	d = config_dump(&cfg);
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(d, "cpu-config"), "msr_modifiers")), 2);
	assert_null(json_object_get(json_object_get(d, "machine-config"), "cpu_template"));
	json_decref(d);
	snprintf(doc, sizeof(doc), "{" BOOT ", \"cpu-config\": {\"msr_modifiers\": []}}");
	assert_int_equal(config_load_json(&cfg, doc, strlen(doc), &e), 0);
	assert_int_equal(cfg.cpu_config->nr_leaves, 0);
	snprintf(doc, sizeof(doc), "{" BOOT ", \"cpu-config\": \"%s.missing\"}", path);
	assert_int_equal(config_load_json(&cfg, doc, strlen(doc), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "cpu-config: cannot load"));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	assert_non_null(cfg.cpu_config); /* the earlier config stays */
	/* A file over the limit is refused before it is parsed. */
	f = fopen(path, "w");
	for (fd = 0; fd < (1 << 20) / 64 + 1; fd++)
		fputs("                                                               \n", f);
	fclose(f);
	snprintf(doc, sizeof(doc), "{" BOOT ", \"cpu-config\": \"%s\"}", path);
	assert_int_equal(config_load_json(&cfg, doc, strlen(doc), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "larger than 1048576 bytes"));
	config_free(&cfg);
	assert_null(cfg.cpu_config);
	unlink(path);
}

/* PUT /cpu-config drops a static template; a machine-config naming
 * cpu_template drops the custom one; one without the field keeps it. */
static void custom_and_static_replace_each_other(void **state)
{
	struct api_request req;
	struct vm_config cfg;
	struct errbuf e = {""};

	config_init(&cfg);
	cfg.machine.cpu_template = CPU_TEMPLATE_T2;
	memset(&req, 0, sizeof(req));
	req.op = API_PUT_CPU_CONFIG;
	req.u.cpu_config = parse_ok(good);
	assert_int_equal(controller_put_cpu_config(&cfg, &req, &e), 0);
	assert_null(req.u.cpu_config);
	assert_non_null(cfg.cpu_config);
	assert_int_equal(cfg.machine.cpu_template, CPU_TEMPLATE_NONE);
	api_request_free(&req);
	memset(&req, 0, sizeof(req));
	req.op = API_PUT_MACHINE;
	controller_cpu_machine_set(&cfg, &req);
	assert_non_null(cfg.cpu_config);
	req.deprecated = true; /* the body named cpu_template */
	controller_cpu_machine_set(&cfg, &req);
	assert_null(cfg.cpu_config);
	config_free(&cfg);
}

/* The API route: PUT /cpu-config carries the parsed template; a bad one
 * is refused in Firecracker's deserialization wrapping; GET is no route. */
static void api_route_put(void **state)
{
	struct api_request req;
	struct errbuf e = {""};
	const char *bad = "{\"cpuid_modifiers\": [{\"leaf\": \"0x1\"}]}";

	assert_int_equal(api_route("PUT", "/cpu-config", good, strlen(good), &req, &e), 0);
	assert_int_equal(req.op, API_PUT_CPU_CONFIG);
	assert_non_null(req.u.cpu_config);
	assert_int_equal(req.u.cpu_config->nr_msrs, 2);
	assert_string_equal(api_op_name(req.op), "PUT /cpu-config");
	api_request_free(&req);
	assert_int_equal(api_route("PUT", "/cpu-config", bad, strlen(bad), &req, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "An error occurred when deserializing the json body of a "
				      "request: "));
	assert_non_null(strstr(e.msg, "missing field `subleaf`"));
	assert_int_equal(api_route("GET", "/cpu-config", NULL, 0, &req, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "Invalid request method and/or path: GET /cpu-config."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_a_full_template),
	    cmocka_unit_test(refuses_bad_templates),
	    cmocka_unit_test(refuses_too_many_leaves),
	    cmocka_unit_test(applies_bitmaps),
	    cmocka_unit_test(dump_reads_back),
	    cmocka_unit_test(config_file_key),
	    cmocka_unit_test(custom_and_static_replace_each_other),
	    cmocka_unit_test(api_route_put),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
