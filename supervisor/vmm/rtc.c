// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS real-time clock at 0x70/0x71, read-only: the host's UTC time in
 * BCD, never "update in progress", so the guest's clock starts right.
 */
#include <string.h>
#include <time.h>

#include "vmm.h"
#include "devices.h"

static uint8_t index_reg;

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static void rtc_io(void *opaque, uint64_t off, uint8_t *data, int size, bool write)
{
	time_t now = time(NULL);
	struct tm tm;

	(void)opaque;
	if (size != 1) {
		if (!write)
			memset(data, 0xff, (size_t)size);
		return;
	}
	if (off == 0) {
		if (write)
			index_reg = data[0] & 0x7f;
		else
			data[0] = index_reg;
		return;
	}
	if (write)
		return;
	gmtime_r(&now, &tm);
	switch (index_reg) {
	case 0x00:
		data[0] = bcd(tm.tm_sec);
		break;
	case 0x02:
		data[0] = bcd(tm.tm_min);
		break;
	case 0x04:
		data[0] = bcd(tm.tm_hour);
		break;
	case 0x06:
		data[0] = bcd(tm.tm_wday + 1);
		break;
	case 0x07:
		data[0] = bcd(tm.tm_mday);
		break;
	case 0x08:
		data[0] = bcd(tm.tm_mon + 1);
		break;
	case 0x09:
		data[0] = bcd(tm.tm_year % 100);
		break;
	case 0x32:
		data[0] = bcd(19 + tm.tm_year / 100);
		break;
	case 0x0a:
		data[0] = 0x26; /* 32.768 kHz, 1024 Hz, no update in progress */
		break;
	case 0x0b:
		data[0] = 0x02; /* 24 hour, BCD */
		break;
	case 0x0d:
		data[0] = 0x80; /* valid RAM and time */
		break;
	default:
		data[0] = 0;
		break;
	}
}

int rtc_init(struct vm *vm)
{
	(void)vm;
	/*
	 * glibc's gmtime_r() loads the time zone on its first call, opening
	 * /etc/localtime: the sandbox refuses that open, so load it now.
	 */
	tzset();
	return io_register_pio(0x70, 2, rtc_io, NULL);
}
