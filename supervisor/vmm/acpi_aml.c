// SPDX-License-Identifier: GPL-2.0
/*
 * A small AML encoder (ACPI 6.x, chapter 20): name strings, integers,
 * strings, and the constructs with a PkgLength, which are opened with room
 * for the longest encoding and closed by moving the body to its final place.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi.h"

#define AML_ROOT '\\'
#define AML_DUAL_NAME 0x2e
#define AML_MULTI_NAME 0x2f
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_EXT_PREFIX 0x5b
#define AML_DEVICE_OP 0x82
#define AML_METHOD_OP 0x14
#define AML_OPREGION_OP 0x80
#define AML_FIELD_OP 0x81
#define AML_IF_OP 0xa0
#define AML_RETURN_OP 0xa4
#define AML_NOTIFY_OP 0x86
#define AML_STORE_OP 0x70
#define AML_AND_OP 0x7b
#define AML_XOR_OP 0x7f
#define AML_NULL_NAME 0x00
#define AML_LOCAL0 0x60
#define PKGLEN_ROOM 4

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->oom)
		return;
	if (a->len + n > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		uint8_t *b;

		while (cap < a->len + n)
			cap *= 2;
		b = realloc(a->buf, cap);
		if (!b) {
			a->oom = true;
			return;
		}
		a->buf = b;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void put_le(struct aml *a, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		aml_byte(a, (uint8_t)v);
}

void aml_name(struct aml *a, const char *path)
{
	const char *p = path;
	int nseg = 1;

	if (*p == AML_ROOT) {
		aml_byte(a, AML_ROOT);
		p++;
	}
	for (const char *q = p; *q; q++)
		nseg += *q == '.';
	if (nseg == 2) {
		aml_byte(a, AML_DUAL_NAME);
	} else if (nseg > 2) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (uint8_t)nseg);
	}
	for (int s = 0; s < nseg; s++) {
		char seg[4] = { '_', '_', '_', '_' };

		for (int i = 0; *p && *p != '.'; p++, i++)
			if (i < 4)
				seg[i] = *p;
		aml_bytes(a, seg, 4);
		if (*p == '.')
			p++;
	}
}

void aml_int(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO);
	} else if (v == 1) {
		aml_byte(a, AML_ONE);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		put_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		put_le(a, v, 2);
	} else if (v <= 0xffffffffULL) {
		aml_byte(a, AML_DWORD_PREFIX);
		put_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		put_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

/* "PNP0A08": three letters compressed into 15 bits, then four hex digits. */
uint32_t aml_eisaid(const char *id)
{
	uint32_t v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
		     ((uint32_t)(id[2] - 0x40) << 16) | (uint32_t)strtoul(id + 3, NULL, 16);

	/* stored big-endian as a DWord */
	return __builtin_bswap32(v);
}

size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen)
{
	static const uint8_t room[PKGLEN_ROOM];
	size_t mark;

	aml_bytes(a, op, oplen);
	mark = a->len;
	aml_bytes(a, room, PKGLEN_ROOM);
	return mark;
}

/* PkgLength (20.2.4): counts itself; 1 to 4 bytes. */
void aml_close(struct aml *a, size_t mark)
{
	size_t body, n, total;

	if (a->oom)
		return;
	body = a->len - mark - PKGLEN_ROOM;
	if (body + 1 < 0x40)
		n = 1;
	else if (body + 2 < 0x1000)
		n = 2;
	else if (body + 3 < 0x100000)
		n = 3;
	else
		n = 4;
	total = body + n;
	memmove(a->buf + mark + n, a->buf + mark + PKGLEN_ROOM, body);
	a->len = mark + n + body;
	if (n == 1) {
		a->buf[mark] = (uint8_t)total;
		return;
	}
	a->buf[mark] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
	for (size_t i = 1; i < n; i++)
		a->buf[mark + i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
}

size_t aml_scope(struct aml *a, const char *name)
{
	static const uint8_t op[] = { AML_SCOPE_OP };
	size_t mark = aml_open(a, op, sizeof(op));

	aml_name(a, name);
	return mark;
}

size_t aml_device(struct aml *a, const char *name)
{
	static const uint8_t op[] = { AML_EXT_PREFIX, AML_DEVICE_OP };
	size_t mark = aml_open(a, op, sizeof(op));

	aml_name(a, name);
	return mark;
}

size_t aml_package(struct aml *a, uint8_t count)
{
	static const uint8_t op[] = { AML_PACKAGE_OP };
	size_t mark = aml_open(a, op, sizeof(op));

	aml_byte(a, count);
	return mark;
}

void aml_name_decl(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name(a, name);
}

void aml_name_buffer(struct aml *a, const char *name, const uint8_t *p, size_t n)
{
	static const uint8_t op[] = { AML_BUFFER_OP };
	size_t mark;

	aml_name_decl(a, name);
	mark = aml_open(a, op, sizeof(op));
	aml_int(a, n);
	aml_bytes(a, p, n);
	aml_close(a, mark);
}

size_t aml_method(struct aml *a, const char *name, uint8_t nargs, bool serialized)
{
	static const uint8_t op[] = { AML_METHOD_OP };
	size_t mark = aml_open(a, op, sizeof(op));

	aml_name(a, name);
	aml_byte(a, (uint8_t)((nargs & 7) | (serialized ? 1u << 3 : 0)));
	return mark;
}

size_t aml_if(struct aml *a)
{
	static const uint8_t op[] = { AML_IF_OP };

	return aml_open(a, op, sizeof(op));
}

void aml_return(struct aml *a)
{
	aml_byte(a, AML_RETURN_OP);
}

void aml_notify(struct aml *a, const char *path, uint8_t value)
{
	aml_byte(a, AML_NOTIFY_OP);
	aml_name(a, path);
	aml_int(a, value);
}

void aml_store(struct aml *a)
{
	aml_byte(a, AML_STORE_OP);
}

void aml_and(struct aml *a)
{
	aml_byte(a, AML_AND_OP);
}

void aml_xor(struct aml *a)
{
	aml_byte(a, AML_XOR_OP);
}

void aml_null_target(struct aml *a)
{
	aml_byte(a, AML_NULL_NAME);
}

void aml_local(struct aml *a, unsigned int n)
{
	aml_byte(a, (uint8_t)(AML_LOCAL0 + (n & 7)));
}

void aml_opregion_io(struct aml *a, const char *name, uint16_t port, uint16_t len)
{
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_OPREGION_OP);
	aml_name(a, name);
	aml_byte(a, 0x01); /* SystemIO */
	aml_int(a, port);
	aml_int(a, len);
}

void aml_field_dwords(struct aml *a, const char *region, const char *const *names, size_t n)
{
	static const uint8_t op[] = { AML_EXT_PREFIX, AML_FIELD_OP };
	size_t mark = aml_open(a, op, sizeof(op));

	aml_name(a, region);
	aml_byte(a, 0x03 | 2u << 5); /* DWordAcc, NoLock, WriteAsZeros */
	for (size_t i = 0; i < n; i++) {
		aml_name(a, names[i]);
		aml_byte(a, 32); /* its width in bits, a one-byte PkgLength */
	}
	aml_close(a, mark);
}

void aml_free(struct aml *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}
