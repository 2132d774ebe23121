/*
 * controller_mmds.h - the controller's part for the metadata service (MMDS):
 * PUT/PATCH/GET /mmds (before and after boot), PUT /mmds/config (before
 * boot), the config file's mmds-config and --metadata. Runs on the
 * event-loop thread; the store is vm->mmds (mmds_store.h), made on first
 * use. Called only by controller.c.
 */
#ifndef EMBER_CONTROLLER_MMDS_H
#define EMBER_CONTROLLER_MMDS_H

#include "api_request.h"
#include "vm.h"

/* controller_mmds_setup - at start-up, after the config file: its
 * mmds-config, then --metadata FILE (a JSON object within the limit). */
int controller_mmds_setup(struct vm *vm, struct errbuf *e);

/* controller_mmds_prepare - before InstanceStart builds the devices: the
 * store follows vm->cfg.mmds (which PUT /vm may have replaced). */
int controller_mmds_prepare(struct vm *vm, struct errbuf *e);

/* controller_mmds_handle - one MMDS request: 1 when @r got a JSON body, 0
 * for 204, or -errno with @e set (-EFBIG: over the limit, answer 413). */
int controller_mmds_handle(struct vm *vm, struct api_request *req, struct api_reply *r,
			   struct errbuf *e);

#endif
