// SPDX-License-Identifier: GPL-2.0
/*
 * An i8042 keyboard controller, just enough for two jobs: the guest resets
 * the machine through it (pulse of the reset line, command 0xfe), and the
 * host presses ctrl-alt-del on its keyboard for a graceful shutdown. The
 * keyboard speaks translated set 1 and answers every command with an ACK.
 */
#include <stddef.h>
#include <string.h>

#include "vmm.h"
#include "devices.h"
#include "snapshot.h"

#define KBD_IRQ 1
#define STS_OBF 0x01
#define STS_SYS 0x04
#define STS_CMD 0x08
#define STS_UNLOCKED 0x10
#define CTR_KBDINT 0x01
#define QLEN 32

static struct kbc {
	struct vm *vm;
	uint8_t ctr; /* controller command byte */
	uint8_t status_cmd;
	uint8_t pending;     /* controller command awaiting its data byte */
	uint8_t kbd_pending; /* keyboard command awaiting its data byte */
	uint8_t q[QLEN];
	int head, count;
	int level;
} k;

static void update_irq(void)
{
	int level = k.count && (k.ctr & CTR_KBDINT);

	if (level != k.level) {
		k.level = level;
		kvm_irq_line(k.vm, KBD_IRQ, level);
	}
}

static void push(uint8_t b)
{
	if (k.count < QLEN)
		k.q[(k.head + k.count++) % QLEN] = b;
}

static void kbd_write(uint8_t v)
{
	if (k.kbd_pending) {
		k.kbd_pending = 0;
		push(0xfa);
		return;
	}
	switch (v) {
	case 0xff: /* reset */
		push(0xfa);
		push(0xaa);
		break;
	case 0xf2: /* identify */
		push(0xfa);
		push(0xab);
		push(0x41);
		break;
	case 0xee: /* echo */
		push(0xee);
		break;
	case 0xed: /* LEDs */
	case 0xf3: /* typematic rate */
	case 0xf0: /* scancode set */
		k.kbd_pending = v;
		push(0xfa);
		break;
	default:
		push(0xfa);
		break;
	}
}

static void ctl_command(uint8_t v)
{
	switch (v) {
	case 0x20: /* read command byte */
		push(k.ctr);
		break;
	case 0x60: /* write command byte */
	case 0xd1: /* write output port */
	case 0xd2: /* write keyboard output buffer */
		k.pending = v;
		break;
	case 0xaa: /* self test */
		push(0x55);
		break;
	case 0xab: /* keyboard interface test */
		push(0x00);
		break;
	case 0xad:
		k.ctr |= 0x10;
		break;
	case 0xae:
		k.ctr &= (uint8_t)~0x10;
		break;
	case 0xfe: /* pulse the reset line */
		vmm_log("guest reset through the i8042");
		vm_request_reboot(k.vm);
		break;
	default: /* no aux port: everything else is ignored */
		break;
	}
}

static void kbc_io(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	(void)opaque;
	if (size != 1 || (off != 0 && off != 4)) {
		if (!write)
			memset(data, 0xff, (size_t)size);
		return;
	}
	if (off == 0) { /* 0x60 data */
		if (!write) {
			data[0] = k.count ? k.q[k.head] : 0;
			if (k.count) {
				k.head = (k.head + 1) % QLEN;
				k.count--;
				/*
				 * One interrupt per byte, as the real chip: the
				 * guest reads one byte per IRQ 1 edge, so drop
				 * the line; the next byte raises it again.
				 */
				if (k.level) {
					k.level = 0;
					kvm_irq_line(k.vm, KBD_IRQ, 0);
				}
			}
		} else if (k.pending) {
			uint8_t cmd = k.pending;

			k.pending = 0;
			if (cmd == 0x60)
				k.ctr = data[0];
			else if (cmd == 0xd2)
				push(data[0]);
			else if (cmd == 0xd1 && !(data[0] & 1))
				vm_request_reboot(k.vm);
		} else {
			kbd_write(data[0]);
		}
		k.status_cmd = 0;
	} else { /* 0x64 status/command */
		if (!write) {
			data[0] = (uint8_t)((k.count ? STS_OBF : 0) | STS_SYS | STS_UNLOCKED |
					    k.status_cmd);
		} else {
			k.status_cmd = STS_CMD;
			ctl_command(data[0]);
		}
	}
	update_irq();
}

void i8042_ctrl_alt_del(void)
{
	static const uint8_t seq[] = { 0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d };

	for (size_t i = 0; i < sizeof(seq); i++)
		push(seq[i]);
	update_irq();
}

int i8042_init(struct vm *vm)
{
	k.vm = vm;
	k.ctr = 0x65; /* kbd interrupt, system flag, aux disabled, translation */
	/* 0x61 (port B) is KVM's in-kernel PIT speaker and never exits. */
	return io_register_pio(0x60, 5, kbc_io, NULL);
}

#define KBC_STATE_START offsetof(struct kbc, ctr)
#define KBC_STATE_LEN (sizeof(struct kbc) - KBC_STATE_START)

size_t i8042_save(void *buf, size_t len)
{
	if (len < KBC_STATE_LEN)
		return 0;
	memcpy(buf, (char *)&k + KBC_STATE_START, KBC_STATE_LEN);
	return KBC_STATE_LEN;
}

void i8042_load(const void *buf, size_t len)
{
	if (len != KBC_STATE_LEN)
		return;
	memcpy((char *)&k + KBC_STATE_START, buf, KBC_STATE_LEN);
	if (k.head < 0 || k.head >= QLEN || k.count < 0 || k.count > QLEN)
		k.head = k.count = 0;
}
