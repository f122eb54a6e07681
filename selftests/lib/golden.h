/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Golden-file tests of the XML libraries: a file's text, libvirt's schema
 * as the oracle, and every NAME.xml of a golden folder.
 */
#ifndef VMON_TEST_GOLDEN_H
#define VMON_TEST_GOLDEN_H

/* The whole file at @path, NUL-terminated, malloc'd; NULL if it cannot be read. */
char *golden_slurp(const char *path);

/* virt-xml-validate of @xml against libvirt's @schema ("domain", ...): its exit status. */
int golden_schema_valid(const char *xml, const char *schema);

/*
 * @one(@ctx, NAME) for every NAME.xml in @dir. Returns how many there were
 * (-1 if @dir cannot be read); *@failed counts the calls that returned non-zero.
 */
int golden_for_each(const char *dir, int (*one)(void *ctx, const char *name), void *ctx,
		    int *failed);

#endif /* VMON_TEST_GOLDEN_H */
