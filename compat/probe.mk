# SPDX-License-Identifier: GPL-2.0
#
# compat/probe.mk: feature tests of the target kernel, by symbol presence in
# its headers, turned into -D flags for compat/compat.h. Included by Kbuild,
# where $(srctree) is the kernel's source (for Debian's split headers, the
# -common tree). A test is a fixed string or an extended regex without commas or parentheses
# (write . for a parenthesis).

vmon-probe = $(if $(shell grep -qsE '$(2)' $(srctree)/include/$(1) && echo y),-D$(3))

# 6.8: eventfd_signal() lost its count argument
ccflags-y += $(call vmon-probe,linux/eventfd.h,void eventfd_signal.struct eventfd_ctx \*ctx.,VMON_HAVE_EVENTFD_SIGNAL_NOCOUNT)
# 6.11: struct fd is opaque, read through fd_file()
ccflags-y += $(call vmon-probe,linux/file.h,define fd_file.,VMON_HAVE_FD_FILE)
# 6.5: get_user_pages() and friends lost their vmas argument
ccflags-y += $(call vmon-probe,linux/mm.h,struct vm_area_struct \*\*vmas,VMON_HAVE_GUP_VMAS)
# 6.3: vma->vm_flags is read-only, written through vm_flags_*()
ccflags-y += $(call vmon-probe,linux/mm.h,void vm_flags_reset.,VMON_HAVE_VM_FLAGS_RESET)
# 6.10: struct block_device lost bd_inode (the inode is bd_mapping->host)
ccflags-y += $(call vmon-probe,linux/blk_types.h,struct inode[[:space:]]*\*[[:space:]]*bd_inode;,VMON_HAVE_BD_INODE)
# 6.6: a dump's attributes are in the struct genl_info of genl_info_dump()
ccflags-y += $(call vmon-probe,net/genetlink.h,genl_info_dump.,VMON_HAVE_GENL_INFO_DUMP)
