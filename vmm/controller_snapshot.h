/*
 * controller_snapshot.h - PUT /snapshot/create and PUT /snapshot/load, on
 * the event-loop thread for controller.c's dispatch.
 *
 * Create (the VM paused): devices quiesced, the VM's, every vCPU's and
 * every device's state and the configuration into the state file
 * (snapshot_file.h), guest RAM into the memory file (zero pages left as
 * holes). Load (a fresh ember: nothing but logger and metrics configured):
 * the state file checked whole before anything is built, the VM built from
 * its configuration with guest RAM mapped MAP_PRIVATE from the memory file,
 * no kernel loaded, the saved state put back, VMGenID changed; the VM then
 * runs (resume_vm) or stays Paused. Both return 0 or -errno with
 * Firecracker's message in @e.
 */
#ifndef EMBER_CONTROLLER_SNAPSHOT_H
#define EMBER_CONTROLLER_SNAPSHOT_H

#include "controller.h"

int controller_snapshot_create(struct controller *c, const struct snapshot_create_req *r,
			       struct errbuf *e);
int controller_snapshot_load(struct controller *c, const struct snapshot_load_req *r,
			     struct errbuf *e);

#endif
