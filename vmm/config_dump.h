/*
 * config_dump.h - struct vm_config back to JSON, in the config-file schema.
 *
 * GET /vm/config and GET /machine-config answer with these documents, so a
 * dump can be fed back as a config file (or to PUT /vm) and gives the same
 * configuration. Sections ember does not support appear as null, as
 * Firecracker shows unconfigured devices.
 */
#ifndef EMBER_CONFIG_DUMP_H
#define EMBER_CONFIG_DUMP_H

#include <jansson.h>

#include "config.h"

/* config_dump - the whole configuration; NULL on allocation failure. */
json_t *config_dump(const struct vm_config *cfg);

/* config_dump_machine - the "machine-config" object alone. */
json_t *config_dump_machine(const struct cfg_machine *m);

/* config_dump_balloon - the "balloon" object alone (GET /balloon). */
json_t *config_dump_balloon(const struct cfg_balloon *b);

#endif
