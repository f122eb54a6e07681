// SPDX-License-Identifier: GPL-2.0
/*
 * An 8250/16550A UART at 0x3f8 (COM1, IRQ 4): the guest console. Transmit
 * is immediate; receive has a 16-byte FIFO fed from the host's input fd.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "vmm.h"
#include "devices.h"
#include "snapshot.h"

#define COM1 0x3f8
#define COM1_IRQ 4
#define FIFO_LEN 16
#define TAIL_LEN 16384

/* Registers and bits (16550A). */
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10
#define MSR_DCD 0x80
#define MSR_DSR 0x20
#define MSR_CTS 0x10

static struct uart {
	struct vm *vm;
	int in_fd, out_fd;
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint8_t dll, dlm;
	bool thri_pending;
	uint8_t fifo[FIFO_LEN];
	int head, count;
	int irq_level;
	bool in_paused;
	bool sock_client; /* in_fd/out_fd are an accepted unix socket */
	/* Console tail and panic detection. */
	char tail[TAIL_LEN];
	size_t tail_pos;
	uint64_t tx_bytes;
	bool panic;
	size_t panic_pos; /* tail_pos just after the last panic marker */
	int match;
} u;

static const char panic_marker[] = "Kernel panic - not syncing";

static uint8_t iir(void)
{
	if ((u.ier & IER_RDI) && u.count)
		return IIR_RDI;
	if ((u.ier & IER_THRI) && u.thri_pending)
		return IIR_THRI;
	return IIR_NONE;
}

static void update_irq(void)
{
	int level = iir() != IIR_NONE;

	if (level != u.irq_level) {
		u.irq_level = level;
		kvm_irq_line(u.vm, COM1_IRQ, level);
	}
}

static void tx(uint8_t c)
{
	u.tail[u.tail_pos++ % TAIL_LEN] = (char)c;
	u.tx_bytes++;
	if (c == (uint8_t)panic_marker[u.match]) {
		if (!panic_marker[++u.match])
			u.panic = true, u.match = 0, u.panic_pos = u.tail_pos;
	} else {
		u.match = c == (uint8_t)panic_marker[0];
	}
	if (u.out_fd >= 0 && write(u.out_fd, &c, 1) < 0 && errno != EAGAIN)
		u.out_fd = -1;
}

static void rx_resume(void);

static void uart_io(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	uint8_t v = write ? data[0] : 0;

	(void)opaque;
	if (size != 1) {
		if (!write)
			memset(data, 0xff, (size_t)size);
		return;
	}
	if (write) {
		switch (off) {
		case 0:
			if (u.lcr & LCR_DLAB) {
				u.dll = v;
			} else if (u.mcr & MCR_LOOP) {
				if (u.count < FIFO_LEN)
					u.fifo[(u.head + u.count++) % FIFO_LEN] = v;
				u.thri_pending = true;
			} else {
				tx(v);
				u.thri_pending = true;
			}
			break;
		case 1:
			if (u.lcr & LCR_DLAB) {
				u.dlm = v;
			} else {
				/* Enabling THRI with an empty THR raises it at once. */
				if (!(u.ier & IER_THRI) && (v & IER_THRI))
					u.thri_pending = true;
				u.ier = v & 0x0f;
			}
			break;
		case 2:
			u.fcr = v;
			if (v & 0x02) { /* clear RX FIFO */
				u.count = 0;
				rx_resume();
			}
			break;
		case 3:
			u.lcr = v;
			break;
		case 4:
			u.mcr = v & 0x1f;
			break;
		case 7:
			u.scr = v;
			break;
		}
	} else {
		switch (off) {
		case 0:
			if (u.lcr & LCR_DLAB) {
				data[0] = u.dll;
			} else {
				data[0] = u.count ? u.fifo[u.head] : 0;
				if (u.count) {
					u.head = (u.head + 1) % FIFO_LEN;
					u.count--;
					if (!u.count)
						rx_resume();
				}
			}
			break;
		case 1:
			data[0] = (u.lcr & LCR_DLAB) ? u.dlm : u.ier;
			break;
		case 2:
			data[0] = iir() | ((u.fcr & 1) ? IIR_FIFO : 0);
			if (data[0] & IIR_THRI && iir() == IIR_THRI)
				u.thri_pending = false;
			break;
		case 3:
			data[0] = u.lcr;
			break;
		case 4:
			data[0] = u.mcr;
			break;
		case 5:
			data[0] = LSR_THRE | LSR_TEMT | (u.count ? LSR_DR : 0);
			break;
		case 6:
			if (u.mcr & MCR_LOOP)
				data[0] = (uint8_t)(((u.mcr & 0x0c) << 4) | ((u.mcr & 0x03) << 4));
			else
				data[0] = MSR_DCD | MSR_DSR | MSR_CTS;
			break;
		case 7:
			data[0] = u.scr;
			break;
		}
	}
	update_irq();
}

static void rx_event(void *opaque, uint32_t events)
{
	uint8_t buf[FIFO_LEN];
	int room = FIFO_LEN - u.count;
	ssize_t n;

	(void)opaque;
	if (room <= 0) {
		ev_del(u.vm, u.in_fd);
		u.in_paused = true;
		return;
	}
	n = read(u.in_fd, buf, (size_t)room);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		/* End of input: stop listening, the guest keeps running. */
		ev_del(u.vm, u.in_fd);
		if (u.in_fd == u.out_fd && u.sock_client) {
			close(u.in_fd); /* a socket client went away */
			u.out_fd = -1;
		}
		u.in_fd = -1;
		return;
	}
	(void)events;
	for (ssize_t i = 0; i < n; i++)
		u.fifo[(u.head + u.count++) % FIFO_LEN] = buf[i];
	if (u.count == FIFO_LEN) {
		ev_del(u.vm, u.in_fd);
		u.in_paused = true;
	}
	update_irq();
}

static void rx_resume(void)
{
	if (u.in_paused && u.in_fd >= 0) {
		u.in_paused = false;
		ev_add(u.vm, u.in_fd, EPOLLIN, rx_event, NULL);
	}
}

int serial_init(struct vm *vm, int in_fd, int out_fd)
{
	u.vm = vm;
	u.in_fd = in_fd;
	u.out_fd = out_fd;
	u.thri_pending = false;
	/* Input that cannot be polled (a regular file, /dev/null) is none. */
	if (in_fd >= 0 && ev_add(vm, in_fd, EPOLLIN, rx_event, NULL) < 0)
		u.in_fd = -1;
	return io_register_pio(COM1, 8, uart_io, NULL);
}

void serial_attach(int fd)
{
	if (u.sock_client && u.out_fd >= 0) { /* one client at a time: the newest */
		if (u.in_fd >= 0)
			ev_del(u.vm, u.in_fd);
		close(u.out_fd);
	}
	u.sock_client = true;
	u.in_fd = u.out_fd = fd;
	u.in_paused = false;
	if (ev_add(u.vm, fd, EPOLLIN, rx_event, NULL) < 0)
		u.in_fd = -1;
}

size_t serial_tail(char *buf, size_t len)
{
	size_t have = u.tail_pos < TAIL_LEN ? u.tail_pos : TAIL_LEN;
	size_t n = have < len ? have : len;
	size_t from;

	/* from the line of the last panic message on, when it fits */
	if (u.panic && u.tail_pos - u.panic_pos + sizeof(panic_marker) - 1 <= n) {
		from = u.panic_pos - (sizeof(panic_marker) - 1);
		while (u.tail_pos - from < n && u.tail[(from - 1) % TAIL_LEN] != '\n')
			from--;
		n = u.tail_pos - from;
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = u.tail[(u.tail_pos - n + i) % TAIL_LEN];
	return n;
}

int serial_saw_panic(void)
{
	return u.panic;
}

uint64_t serial_tx_bytes(void)
{
	return u.tx_bytes;
}

/* The registers and FIFO, ier through irq_level, for snapshots. */
#define UART_STATE_START offsetof(struct uart, ier)
#define UART_STATE_LEN (offsetof(struct uart, in_paused) - UART_STATE_START)

size_t serial_save(void *buf, size_t len)
{
	if (len < UART_STATE_LEN)
		return 0;
	memcpy(buf, (char *)&u + UART_STATE_START, UART_STATE_LEN);
	return UART_STATE_LEN;
}

void serial_load(const void *buf, size_t len)
{
	if (len != UART_STATE_LEN)
		return;
	memcpy((char *)&u + UART_STATE_START, buf, UART_STATE_LEN);
	if (u.head >= FIFO_LEN || u.count > FIFO_LEN || u.head < 0 || u.count < 0)
		u.head = u.count = 0;
}
