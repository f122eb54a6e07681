/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every view of libvmontrace does with its skeleton (bpftool gen
 * skeleton ... name vmon_NAME): open it, set the filters in its read-only
 * data before the load, load and attach, and destroy it at the end.
 */
#ifndef VMON_TRACE_VIEW_H
#define VMON_TRACE_VIEW_H

#include <errno.h>

#include <bpf/libbpf.h>

#include <vmon/trace.h>

/*
 * static int fn_open(void **state, const struct vmon_trace_opts *o) and
 * static void fn_close(void *state) for skeleton vmon_NAME: target_vm set
 * from o, then SETUP (a statement that may use s and o: more filters);
 * the program that watches for the traced VM going away is loaded only
 * with a VM to watch. fn_open returns the ring buffer's fd or -errno.
 */
#define VMON_TRACE_SKELETON(fn, name, SETUP)                                                       \
	static int fn##_open(void **state, const struct vmon_trace_opts *o)                        \
	{                                                                                          \
		struct name *s = name##__open();                                                   \
		int err;                                                                           \
                                                                                                   \
		if (!s)                                                                            \
			return -errno;                                                             \
		s->rodata->target_vm = o->vm;                                                      \
		SETUP;                                                                             \
		if (!o->vm)                                                                        \
			bpf_program__set_autoload(s->progs.vmon_vm_gone, false);                   \
		err = name##__load(s);                                                             \
		if (!err)                                                                          \
			err = name##__attach(s);                                                   \
		if (err) {                                                                         \
			name##__destroy(s);                                                        \
			return err;                                                                \
		}                                                                                  \
		*state = s;                                                                        \
		return bpf_map__fd(s->maps.events);                                                \
	}                                                                                          \
                                                                                                   \
	static void fn##_close(void *state)                                                        \
	{                                                                                          \
		name##__destroy(state);                                                            \
	}

#endif /* VMON_TRACE_VIEW_H */
