// SPDX-License-Identifier: GPL-2.0
/*
 * The machine's PCI devices, made from the configuration, and the list the
 * control API reports on.
 */
#include <stdio.h>

#include "vmm.h"
#include "agent.h"
#include "vdev.h"

struct virtio_dev *vmm_devs[VMM_MAX_DEVS];
int vmm_ndevs;

static int add(struct virtio_dev *d)
{
	if (!d)
		return -1;
	vmm_devs[vmm_ndevs++] = d;
	return 0;
}

int devices_create(struct vm *vm, const struct vmm_config *cfg)
{
	for (int i = 0; i < cfg->ndisks; i++)
		if (add(virtio_blk_create(vm, &cfg->disks[i])) < 0)
			return -1;
	for (int i = 0; i < cfg->nnets; i++)
		if (add(virtio_net_create(vm, &cfg->nets[i])) < 0)
			return -1;
	if (cfg->rng && add(virtio_rng_create(vm)) < 0)
		return -1;
	if (cfg->balloon && add(virtio_balloon_create(vm)) < 0)
		return -1;
	if ((cfg->agent || cfg->hvc) &&
	    add(virtio_console_create(vm, cfg->hvc != NULL, cfg->agent != NULL)) < 0)
		return -1;
	return 0;
}

void devices_stop(struct vm *vm)
{
	(void)vm;
	for (int i = 0; i < vmm_ndevs; i++)
		if (vmm_devs[i]->ops->reset)
			vmm_devs[i]->ops->reset(vmm_devs[i]);
	for (int i = 0; i < vmm_ndevs; i++)
		if (vmm_devs[i]->ops->release)
			vmm_devs[i]->ops->release(vmm_devs[i]);
}
