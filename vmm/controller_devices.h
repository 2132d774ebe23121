/*
 * controller_devices.h - the drive and network-interface requests on the
 * event-loop thread, for controller.c's dispatch: PUT /drives/{id} and PUT
 * /network-interfaces/{id} before boot (they edit vm->cfg; a PUT with a
 * known id replaces that entry), PATCH of either after boot (a drive's
 * backing file, the rate limiters, applied to the running device). Each
 * validates first and changes state last; 0 or -errno with Firecracker's
 * message in @e.
 */
#ifndef EMBER_CONTROLLER_DEVICES_H
#define EMBER_CONTROLLER_DEVICES_H

#include "controller.h"

/* The drive's backing file opens as the device would open it. */
int controller_check_drive_file(const struct cfg_drive *d, struct errbuf *e);
int controller_put_drive(struct controller *c, struct api_request *req, struct errbuf *e);
int controller_put_net(struct controller *c, struct api_request *req, struct errbuf *e);
int controller_patch_device(struct controller *c, struct api_request *req, struct errbuf *e);

#endif
