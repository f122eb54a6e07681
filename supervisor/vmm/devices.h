/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The legacy devices of the platform: the 8250 console UART, the i8042 (for
 * reset and ctrl-alt-del) and the CMOS real-time clock.
 */
#ifndef VMON_VMM_DEVICES_H
#define VMON_VMM_DEVICES_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/*
 * The console UART at 0x3f8, IRQ 4. Output goes to @out_fd; input is read
 * from @in_fd (-1: none). The last few KiB of output are kept for crash
 * reports.
 */
int serial_init(struct vm *vm, int in_fd, int out_fd);
/* Make @fd (a connected socket) the console's input and output. */
void serial_attach(int fd);
/*
 * Copy the tail of the console output into @buf: from the line of the last
 * kernel panic message on when @len holds that much, else the last @len
 * bytes. Returns its length.
 */
size_t serial_tail(char *buf, size_t len);
/* True once the guest printed a kernel panic. */
int serial_saw_panic(void);
uint64_t serial_tx_bytes(void);

int i8042_init(struct vm *vm);
/* Press and release ctrl-alt-del on the guest keyboard. */
void i8042_ctrl_alt_del(void);

int rtc_init(struct vm *vm);

#endif /* VMON_VMM_DEVICES_H */
