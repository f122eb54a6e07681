// SPDX-License-Identifier: GPL-2.0
/*
 * Accounting: when the vmon module is loaded (/dev/vmon exists), register
 * this VM with it by its KVM VM fd, so that steal time, device counters and
 * KSM figures appear in 'vmon stats' and 'vmon top'; vmon-net and vmon-blk
 * devices are attached to the registered VM. Without the module the VMM
 * runs unaccounted; registration failures are logged, never fatal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <vmon/ctl.h>

#include "vmm.h"
#include "config.h"

static int ctl_fd = -1;
static uint32_t vm_id;

uint32_t accounting_id(void)
{
	return vm_id;
}

int accounting_register(struct vm *vm, const char *name)
{
	struct vmon_vm_register r = { .vm_fd = vm->vm_fd };
	int fd;

	if (access(vmon_ctl_path(), F_OK) < 0)
		return 0;
	fd = vmon_ctl_open();
	if (fd < 0) {
		vmm_log("accounting: %s", vmon_ctl_strerror(fd));
		return -1;
	}
	if (name)
		snprintf(r.name, sizeof(r.name), "%s", name);
	else
		snprintf(r.name, sizeof(r.name), "vmm-%d", getpid());
	if (ioctl(fd, VMON_VM_REGISTER, &r) < 0) {
		vmm_log("accounting: cannot register VM '%s' with %s: %s", r.name, vmon_ctl_path(),
			strerror(errno));
		close(fd);
		return -1;
	}
	ctl_fd = fd;
	vm_id = r.id;
	vmm_log("accounting: registered as VM %u '%s'", r.id, r.name);
	return 0;
}

int accounting_attach(int dev_fd, const char *what)
{
	uint32_t id = vm_id;

	if (!id)
		return 0;
	if (ioctl(dev_fd, VMON_DEV_SET_VM, &id) < 0) {
		vmm_log("accounting: cannot attach %s to VM %u: %s", what, id, strerror(errno));
		return -1;
	}
	return 0;
}

void accounting_unregister(void)
{
	if (ctl_fd < 0)
		return;
	if (ioctl(ctl_fd, VMON_VM_UNREGISTER, (unsigned long)vm_id) < 0)
		vmm_log("accounting: unregister: %s", strerror(errno));
	close(ctl_fd);
	ctl_fd = -1;
	vm_id = 0;
}
