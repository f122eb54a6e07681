// SPDX-License-Identifier: GPL-2.0
/*
 * setvcpus: a domain's vCPU count, as virsh setvcpus. Live, through the
 * VMM's ACPI CPU hotplug ({"cmd":"set-vcpus","count":N}): the new vCPUs
 * are there when the request returns and the guest onlines them; fewer is
 * a request to the guest, which offlines and ejects them when it agrees.
 * In the definition, <vcpu current='N'>, saved when the domain is
 * persistent; with --maximum (only with --config), the <vcpu> maximum.
 * A domain runs with hot add when its current count is below its maximum
 * (vmon-vmm --cpus N --max-cpus M).
 */
#include <stdio.h>
#include <string.h>

#include <vmon/domain.h>

#include "vmond.h"

static int live(struct vdom *v, unsigned int count, char *err, size_t errlen)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "{\"cmd\":\"set-vcpus\",\"count\":%u}", count);
	return vmond_vm_call(v, cmd, NULL, err, errlen);
}

int vmond_req_setvcpus(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct vdom *v = vmond_req_domain(d, req, err, errlen);
	unsigned int count, old_cur, old_max, live_cur;
	struct vmon_domain *cfg;
	struct vmon_xml_error xe = { 0 };
	bool want_live, want_config, maximum;
	struct json_object *k;

	if (!v)
		return -1;
	if (!json_object_object_get_ex(req, "count", &k) ||
	    !json_object_is_type(k, json_type_int) || json_object_get_int64(k) < 1 ||
	    json_object_get_int64(k) > 255) {
		snprintf(err, errlen, "invalid argument: \"count\" must be a number from 1 to 255");
		return -1;
	}
	count = (unsigned int)json_object_get_int64(k);
	maximum = vmond_req_flag(req, "maximum");
	if (vmond_req_where(v, req, &want_live, &want_config, err, errlen))
		return -1;
	/* as virsh: --maximum only with --config, never live */
	if (maximum && (want_live || !vmond_req_flag(req, "config"))) {
		snprintf(err, errlen,
			 "invalid argument: --maximum changes the persistent definition only "
			 "(use --config)");
		return -1;
	}
	/* the persistent definition first (checked there), then the guest */
	cfg = vdom_config_def(v);
	old_cur = cfg->vcpus_current;
	old_max = cfg->vcpus_max;
	live_cur = v->def->vcpus_current;
	if (want_config && (maximum ? vmon_domain_set_vcpus_max(cfg, count, &xe)
				    : vmon_domain_set_vcpus(cfg, count, &xe))) {
		snprintf(err, errlen, "%s", xe.msg);
		return -1;
	}
	if (want_live &&
	    (vmon_domain_set_vcpus(v->def, count, &xe) || live(v, count, err, errlen))) {
		if (xe.msg[0])
			snprintf(err, errlen, "%s", xe.msg);
		v->def->vcpus_current = live_cur;
		goto undo_config;
	}
	if (want_live)
		vmond_save_status(d, v);
	/* a definition not saved: what runs keeps the new count, if it has it */
	if (want_config && vmond_save_def(d, v, err, errlen))
		goto undo_config;
	json_object_object_add(r, "name", json_object_new_string(v->name));
	return 0;
undo_config:
	if (want_config) {
		cfg->vcpus_current = old_cur;
		cfg->vcpus_max = old_max;
	}
	return -1;
}
