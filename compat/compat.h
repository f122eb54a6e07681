/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon compat: one helper per kernel API that changed between the kernels
 * vmon builds against (Debian's 6.1 and 6.12), so that the driver code has
 * no version tests. Kbuild includes this header first in every object.
 *
 * Where a feature can be seen in the target kernel's headers, compat/probe.mk
 * greps for it at build time and passes a VMON_HAVE_* flag; otherwise the
 * test would be on LINUX_VERSION_CODE (none is, so far). Each helper takes
 * the newer kernel's form.
 * Bios need no helper: bio_release_pages() puts (6.1) or unpins (6.5 on)
 * the pages bio_iov_iter_get_pages() took, on both.
 * See Documentation/compat.rst.
 */
#ifndef VMON_COMPAT_H
#define VMON_COMPAT_H

#include <linux/version.h>

/*
 * The helpers are macros: this header comes before everything else in a
 * file (even its pr_fmt), so it can include no kernel header that uses
 * them; each helper expands where the file's own includes declare its types.
 */

/*
 * Linux 6.8 dropped the count of eventfd_signal(): it always adds 1.
 * vmon_eventfd_signal(ctx) adds 1 on every kernel.
 */
#ifdef VMON_HAVE_EVENTFD_SIGNAL_NOCOUNT
#define vmon_eventfd_signal(ctx) eventfd_signal(ctx)
#else
#define vmon_eventfd_signal(ctx) eventfd_signal(ctx, 1)
#endif

/*
 * Linux 6.11 made struct fd opaque: its file is read with fd_file(). The
 * accessor is given to older kernels, where it is the field.
 */
#ifndef VMON_HAVE_FD_FILE
#define fd_file(f) ((f).file)
#endif

/*
 * Linux 6.5 dropped the vmas argument of get_user_pages_remote();
 * vmon_get_user_pages_remote() has the new signature.
 */
#ifdef VMON_HAVE_GUP_VMAS
#define vmon_get_user_pages_remote(mm, start, nr, flags, pages, locked) \
	get_user_pages_remote(mm, start, nr, flags, pages, NULL, locked)
#else
#define vmon_get_user_pages_remote(mm, start, nr, flags, pages, locked) \
	get_user_pages_remote(mm, start, nr, flags, pages, locked)
#endif

/*
 * Linux 6.3 made vma->vm_flags read-only: with per-VMA locks a writer
 * write-locks the VMA first (vm_flags_reset() only asserts that it is).
 * The caller holds the mmap lock for writing, on every kernel.
 */
#ifdef VMON_HAVE_VM_FLAGS_RESET
#define vmon_vm_flags_reset(vma, flags)			\
	do {						\
		struct vm_area_struct *__vma = (vma);	\
							\
		vma_start_write(__vma);			\
		vm_flags_reset(__vma, flags);		\
	} while (0)
#else
#define vmon_vm_flags_reset(vma, flags) ((vma)->vm_flags = (flags))
#endif

/*
 * Linux 6.10 dropped bdev->bd_inode; the inode of a block device is the
 * host of its page cache mapping there.
 */
#ifdef VMON_HAVE_BD_INODE
#define vmon_bdev_inode(bdev) ((bdev)->bd_inode)
#else
#define vmon_bdev_inode(bdev) ((bdev)->bd_mapping->host)
#endif

/*
 * Linux 6.6 moved a dump's parsed attributes into a struct genl_info
 * (genl_info_dump()); before, they were in struct genl_dumpit_info.
 * vmon_genl_dump_attrs(cb) is the struct nlattr ** of either.
 */
#ifdef VMON_HAVE_GENL_INFO_DUMP
#define vmon_genl_dump_attrs(cb) (genl_info_dump(cb)->attrs)
#else
#define vmon_genl_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

#endif /* VMON_COMPAT_H */
