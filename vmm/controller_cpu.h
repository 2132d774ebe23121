/*
 * controller_cpu.h - custom CPU templates on the event-loop thread, for
 * controller.c's dispatch: PUT /cpu-config (before boot), the rule that a
 * custom template and machine-config's static "cpu_template" replace each
 * other, and the check of the template's KVM capabilities at InstanceStart.
 * The template itself is vm->cfg.cpu_config (cpu_config.h); vm.c applies
 * it to every vCPU.
 */
#ifndef EMBER_CONTROLLER_CPU_H
#define EMBER_CONTROLLER_CPU_H

#include "api_request.h"

/* controller_put_cpu_config - @req's template becomes @cfg's (moved), and
 * any static template goes. 0. */
int controller_put_cpu_config(struct vm_config *cfg, struct api_request *req, struct errbuf *e);

/* controller_cpu_machine_set - after a PUT or PATCH /machine-config that
 * applied: one naming "cpu_template" drops the custom template. */
void controller_cpu_machine_set(struct vm_config *cfg, const struct api_request *req);

/* controller_cpu_check - before InstanceStart builds anything: the
 * capabilities the custom template adds are all in /dev/kvm. 0 or -errno. */
int controller_cpu_check(const struct vm_config *cfg, struct errbuf *e);

#endif
