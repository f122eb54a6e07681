// SPDX-License-Identifier: GPL-2.0
/*
 * Who the VMM runs as once the VM is built. Started as root, it drops to a
 * dedicated unprivileged user (VMM_DEFAULT_USER, which make install
 * creates), as libvirt runs QEMU as libvirt-qemu: /dev/kvm, the devices,
 * disks and sockets are open by then, and a compromised VMM holds only
 * those fds. --user picks another (a name or UID:GID); --user root keeps
 * root, on purpose. Supplementary groups are cleared.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"
#include "config.h"

int vmm_user_parse(const char *arg, struct vmm_user *u)
{
	unsigned int uid, gid;
	struct passwd *pw;
	char end;

	memset(u, 0, sizeof(*u));
	if (!strcmp(arg, "root")) {
		u->keep = true;
		return 0;
	}
	if (sscanf(arg, "%u:%u%c", &uid, &gid, &end) == 2) {
		u->uid = (uid_t)uid;
		u->gid = (gid_t)gid;
		u->keep = uid == 0;
		return 0;
	}
	errno = 0;
	pw = getpwnam(arg);
	if (!pw) {
		fprintf(stderr, "vmon-vmm: --user '%s': %s\n", arg,
			errno ? strerror(errno) : "no such user (a name, UID:GID or root)");
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->keep = pw->pw_uid == 0;
	return 0;
}

int vmm_user_default(const char *arg, struct vmm_user *u)
{
	if (arg)
		return vmm_user_parse(arg, u);
	if (geteuid() != 0) { /* not root: nothing to drop */
		memset(u, 0, sizeof(*u));
		u->keep = true;
		return 0;
	}
	if (!getpwnam(VMM_DEFAULT_USER)) {
		fprintf(stderr,
			"vmon-vmm: started as root, and the user '" VMM_DEFAULT_USER
			"' to run as does not exist: create it (make install does), name another "
			"with --user, or run as root on purpose with --user root\n");
		return -1;
	}
	return vmm_user_parse(VMM_DEFAULT_USER, u);
}

int vmm_user_drop(const struct vmm_user *u)
{
	if (u->keep)
		return 0;
	if (setgroups(0, NULL) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0) {
		vmm_log("cannot run as uid %u gid %u: %s", (unsigned)u->uid, (unsigned)u->gid,
			strerror(errno));
		return -1;
	}
	/* and no way back */
	if (setuid(0) == 0) {
		vmm_log("uid %u could become root again", (unsigned)u->uid);
		return -1;
	}
	return 0;
}
