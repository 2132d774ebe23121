/*
 * config_mmds.c - the mmds-config section (config.h), shared by the config
 * file and PUT /mmds/config: {"network_interfaces": [ids] (required),
 * "version": "V1" | "V2", "ipv4_address": dotted quad, "imds_compat": bool}.
 * Parsing checks the form; config_mmds_check() the rules that depend on
 * the rest of the configuration, with Firecracker's messages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "config.h"
#include "config_json.h"

#define SECT "mmds-config"

static const char *const version_names[] = {"V1", "V2"};

const char *config_mmds_version_name(enum cfg_mmds_version v)
{
	return v == CFG_MMDS_V2 ? version_names[1] : version_names[0];
}

static int parse_ifaces(const json_t *a, struct cfg_mmds *m, struct errbuf *e)
{
	char q[CJ_QBUF];
	size_t i;

	if (!json_is_array(a))
		return errf(e, -EINVAL,
			    SECT ": field \"network_interfaces\" must be an array, got %s",
			    cj_kind(a));
	if (json_array_size(a) > CFG_MAX_NETS)
		return errf(e, -EINVAL, SECT ": at most %d network_interfaces, got %zu",
			    CFG_MAX_NETS, json_array_size(a));
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		const char *s = json_string_value(v);

		if (!json_is_string(v))
			return errf(e, -EINVAL,
				    SECT ": network_interfaces[%zu] must be a string, got %s", i,
				    cj_kind(v));
		/* Any string, as Firecracker; one that names no interface is refused
		 * by config_mmds_check(). Longer than an id can be: refused here. */
		if (json_string_length(v) > CFG_ID_MAX || strlen(s) != json_string_length(v))
			return errf(e, -EINVAL,
				    SECT
				    ": network_interfaces[%zu] is longer than %d characters or "
				    "holds a NUL: \"%s\"",
				    i, CFG_ID_MAX, err_printable(s, q, sizeof(q)));
		strcpy(m->network_interfaces[i], s);
	}
	m->nr_interfaces = (unsigned int)i;
	return 0;
}

static int parse_version(const json_t *v, struct cfg_mmds *m, struct errbuf *e)
{
	char q[CJ_QBUF];

	if (!json_is_string(v))
		return errf(e, -EINVAL, SECT ": field \"version\" must be a string, got %s",
			    cj_kind(v));
	if (!strcmp(json_string_value(v), "V1"))
		m->version = CFG_MMDS_V1;
	else if (!strcmp(json_string_value(v), "V2"))
		m->version = CFG_MMDS_V2;
	else
		return errf(e, -EINVAL, SECT ": unknown variant `%s`, expected `V1` or `V2`",
			    err_printable(json_string_value(v), q, sizeof(q)));
	return 0;
}

static int parse_ipv4(const json_t *v, struct cfg_mmds *m, struct errbuf *e)
{
	struct in_addr a;

	if (!json_is_string(v))
		return errf(e, -EINVAL, SECT ": field \"ipv4_address\" must be a string, got %s",
			    cj_kind(v));
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    inet_pton(AF_INET, json_string_value(v), &a) != 1)
		return errf(e, -EINVAL, SECT ": invalid IPv4 address syntax");
	m->ipv4_address = ntohl(a.s_addr);
	return 0;
}

int config_parse_mmds(const json_t *j, struct cfg_mmds *out, struct errbuf *e)
{
	struct cfg_mmds m = {.set = true, .ipv4_address = 0xa9fea9feu};
	const char *key;
	json_t *v;
	char q[CJ_QBUF];
	int ret = 0;

	if (!json_is_object(j))
		return errf(e, -EINVAL, SECT ": must be a JSON object, got %s", cj_kind(j));
	json_object_foreach((json_t *)j, key, v)
	{
		if (!strcmp(key, "network_interfaces"))
			ret = parse_ifaces(v, &m, e);
		else if (!strcmp(key, "version"))
			ret = json_is_null(v) ? 0 : parse_version(v, &m, e);
		else if (!strcmp(key, "ipv4_address"))
			ret = json_is_null(v) ? 0 : parse_ipv4(v, &m, e);
		else if (!strcmp(key, "imds_compat") && (json_is_boolean(v) || json_is_null(v)))
			m.imds_compat = json_is_true(v);
		else if (!strcmp(key, "imds_compat"))
			ret = errf(e, -EINVAL,
				   SECT ": field \"imds_compat\" must be a boolean, got %s",
				   cj_kind(v));
		else
			ret = errf(e, -EINVAL, SECT ": unknown field \"%s\"",
				   err_printable(key, q, sizeof(q)));
		if (ret)
			return ret;
	}
	if (!json_object_get(j, "network_interfaces"))
		return errf(e, -EINVAL, SECT ": missing field `network_interfaces`");
	*out = m;
	return 0;
}

int config_mmds_check(const struct cfg_mmds *m, const struct vm_config *cfg, struct errbuf *e)
{
	unsigned int i, k;

	if (!m->nr_interfaces)
		return errf(e, -EINVAL,
			    "The list of network interface IDs that allow forwarding MMDS requests "
			    "is empty.");
	for (i = 0; i < m->nr_interfaces; i++) {
		for (k = 0; k < cfg->nr_nets && k < CFG_MAX_NETS; k++)
			if (!strcmp(m->network_interfaces[i], cfg->net[k].iface_id))
				break;
		if (k == cfg->nr_nets || k == CFG_MAX_NETS)
			return errf(
			    e, -EINVAL,
			    "The list of network interface IDs provided contains at least one "
			    "ID that does not correspond to any existing network interface.");
	}
	/* 169.254.0.0/16 (RFC 3927) */
	if ((m->ipv4_address >> 16) != 0xa9fe)
		return errf(e, -EINVAL, "The MMDS IPv4 address is not link local.");
	return 0;
}
