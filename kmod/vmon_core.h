/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of vmon.ko.
 */
#ifndef _VMON_CORE_H
#define _VMON_CORE_H

#define VMON_RELEASE	"0.1.0"

int vmon_ctl_init(void);
void vmon_ctl_exit(void);

int vmon_net_init(void);
void vmon_net_exit(void);

int vmon_blk_init(void);
void vmon_blk_exit(void);

#endif /* _VMON_CORE_H */
