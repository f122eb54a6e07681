// SPDX-License-Identifier: GPL-2.0
/*
 * A domain's interfaces of type 'network' and 'bridge': vmond makes a tap
 * for each (named vtUUID8.N after the domain's uuid and the interface's
 * index, so that it is found again after a restart of vmond), puts it on
 * the network's or the named bridge and up, and deletes it when the VMM
 * ends. type='ethernet' keeps its own target dev=. The taps are the VMM's
 * user's (TUNSETOWNER), as libvirt gives its taps to the qemu user.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/domain.h>

#include "vnet.h"

static void tap_name(const struct vdom *v, size_t i, char *buf)
{
	char hex[9];
	size_t k = 0;

	for (const char *s = v->uuid; *s && k < 8; s++)
		if (*s != '-')
			hex[k++] = *s;
	hex[k] = 0;
	snprintf(buf, 16, "vt%s.%zu", hex, i % 100);
}

/* The bridge interface @f goes on, or NULL with @err. */
static const char *bridge_of(const struct vmon_interface *f, char *err, size_t errlen)
{
	struct vnet *n;

	if (f->type == VMON_IF_BRIDGE)
		return f->source;
	n = vmond_net_find(f->source);
	if (!n)
		snprintf(err, errlen, "interface %s: network '%s' not found", f->mac_str,
			 f->source);
	else if (!n->run)
		snprintf(err, errlen, "interface %s: network '%s' is not active", f->mac_str,
			 f->source);
	return n && n->run ? n->run->bridge : NULL;
}

/* Who the VMM runs as: VMON_VMM_USER, or root when there is no such user. */
static uid_t vmm_uid(void)
{
	struct passwd *pw = getpwnam(VMON_VMM_USER);

	return pw ? pw->pw_uid : 0;
}

int vmond_net_taps_up(struct vmond *d, struct vdom *v, char (*taps)[16], char *err, size_t errlen)
{
	uid_t owner = vmm_uid();

	(void)d;
	for (size_t i = 0; i < v->def->n_ifaces; i++) {
		const struct vmon_interface *f = &v->def->ifaces[i];
		const char *br;

		taps[i][0] = 0;
		if (f->type == VMON_IF_ETHERNET)
			continue;
		if (!(br = bridge_of(f, err, errlen)))
			goto fail;
		tap_name(v, i, taps[i]);
		vmon_net_link_delete(taps[i]); /* a stale one of a crashed run */
		if (vmon_net_tap_create(taps[i], owner, err, errlen) ||
		    vmon_net_bridge_attach(br, taps[i], err, errlen) ||
		    vmon_domain_set_if_target(v->def, i, taps[i])) {
			vmon_net_link_delete(taps[i]);
			goto fail;
		}
	}
	return 0;
fail:
	vmond_net_taps_down(v);
	return -1;
}

void vmond_net_taps_down(struct vdom *v)
{
	char tap[16];

	for (size_t i = 0; i < v->def->n_ifaces; i++) {
		if (v->def->ifaces[i].type == VMON_IF_ETHERNET)
			continue;
		tap_name(v, i, tap);
		vmon_net_link_delete(tap);
	}
}

int vmond_net_users(struct vmond *d, const char *name, char *first, size_t len)
{
	int users = 0;

	for (size_t k = 0; k < d->n; k++) {
		struct vdom *v = d->doms[k];
		bool uses = false;

		for (size_t i = 0; vdom_active(v) && i < v->def->n_ifaces; i++)
			uses = uses || (v->def->ifaces[i].type == VMON_IF_NETWORK &&
					!strcmp(v->def->ifaces[i].source, name));
		if (uses && !users++)
			snprintf(first, len, "%s", v->name);
	}
	return users;
}
