// SPDX-License-Identifier: GPL-2.0
/*
 * The domain state machine (libdomain's vmon/dstate.h) applied to vmond's
 * domains: inputs in, the new state kept and written to the status file,
 * the lifecycle events logged.
 */
#include <stdio.h>
#include <time.h>

#include <vmon/domain.h>

#include "vmond.h"

int vmond_next(struct vdom *v, enum vmon_dstate_input in, struct vmon_dstate_result *r, char *err,
	       size_t errlen)
{
	struct vmon_dstate_actions a = {
		.on_poweroff = v->def->on_poweroff,
		.on_reboot = v->def->on_reboot,
		.on_crash = v->def->on_crash,
	};

	return vmon_dstate_next(v->ds, in, &a, r, err, errlen);
}

void vmond_commit(struct vmond *d, struct vdom *v, const struct vmon_dstate_result *r)
{
	v->ds = r->next;
	for (int i = 0; i < 2; i++)
		if (r->ev[i].type >= 0)
			vmond_event(d, v, r->ev[i].type, r->ev[i].detail);
	v->st.state = v->ds.state;
	v->st.reason = v->ds.reason;
	/* A failed status write never touches the guest: it is logged. */
	if (vdom_active(v) && v->st.pid > 0 && v->st.id > 0)
		vmond_save_status(d, v);
}

void vmond_fact(struct vmond *d, struct vdom *v, enum vmon_dstate_input in)
{
	struct vmon_dstate_result r;
	char err[256];

	if (vmond_next(v, in, &r, err, sizeof(err))) {
		vmond_log("%s: %s", v->name, err);
		return;
	}
	vmond_commit(d, v, &r);
}

void vmond_event(struct vmond *d, const struct vdom *v, int type, int detail)
{
	struct json_object *o = json_object_new_object();
	struct timespec ts;

	vmond_log("%s: event '%s' %s", v->name, vmon_ds_event_name(type),
		  vmon_ds_event_detail_name(type, detail));
	if (!d->nsubs) {
		json_object_put(o);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_object_add(o, "event", json_object_new_string("lifecycle"));
	json_object_object_add(o, "domain", json_object_new_string(v->name));
	json_object_object_add(o, "uuid", json_object_new_string(v->uuid));
	json_object_object_add(o, "type", json_object_new_string(vmon_ds_event_name(type)));
	json_object_object_add(o, "detail",
			       json_object_new_string(vmon_ds_event_detail_name(type, detail)));
	/* libvirt's numbers: virDomainEventType and its detail enum */
	json_object_object_add(o, "type_num", json_object_new_int(type));
	json_object_object_add(o, "detail_num", json_object_new_int(detail));
	json_object_object_add(
		o, "time_ms",
		json_object_new_int64((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
	vmond_broadcast(d, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}
