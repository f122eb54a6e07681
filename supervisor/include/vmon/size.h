/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmon: sizes in libvirt's units, for XML unit= attributes and for the
 * sizes users type (virsh's scaled integers): b / bytes; KB, MB, ... EB
 * (powers of 1000); k / KiB, M / MiB, ... E / EiB (powers of 1024). Units
 * take either case, as libvirt's virScaleInteger does ("kb" is 1000, "kib"
 * and "k" are 1024).
 */
#ifndef VMON_SIZE_H
#define VMON_SIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * @value (a whole number) times @unit (NULL or "": bytes) in *bytes; 0, or
 * -1 (bad number, unknown unit, overflow) with why in @err.
 */
int vmon_size_scale(const char *value, const char *unit, uint64_t *bytes, char *err, size_t errlen);

/*
 * A size as typed: "10G", "512MiB", or a bare number of @unit (NULL:
 * bytes; setmem's is "KiB"). 0 and *bytes, or -1 with why in @err.
 */
int vmon_size_parse(const char *s, const char *unit, uint64_t *bytes, char *err, size_t errlen);

#endif
