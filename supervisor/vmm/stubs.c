// SPDX-License-Identifier: GPL-2.0
#include "vmm.h"
#include "config.h"
int devices_create(struct vm *vm, const struct vmm_config *cfg)
{
	(void)vm;
	(void)cfg;
	return 0;
}
void devices_stop(struct vm *vm)
{
	(void)vm;
}
int api_init(struct vm *vm, const char *path)
{
	(void)vm;
	(void)path;
	return 0;
}
void api_exit(void)
{
}
int seccomp_install(void)
{
	return 0;
}
