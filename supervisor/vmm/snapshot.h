/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Machine state: capture and apply of vCPU, irqchip, PIT, clock and device
 * state as a list of tagged records; snapshots to a directory (state,
 * memory, args) and the in-place reset built on the same records.
 */
#ifndef VMON_VMM_SNAPSHOT_H
#define VMON_VMM_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct vmm_config;

struct blob {
	uint8_t *buf;
	size_t len, cap;
};

/* Append a record; find one. Records: tag, index, length, bytes. */
int blob_put(struct blob *b, uint32_t tag, uint32_t index, const void *data, uint32_t len);
const void *blob_get(const struct blob *b, uint32_t tag, uint32_t index, uint32_t *len);
void blob_free(struct blob *b);

/* All machine state but RAM, with vCPUs parked. @clock: include kvmclock. */
int state_capture(struct vm *vm, struct blob *b, int clock);
int state_apply(struct vm *vm, const struct blob *b, char *err, size_t errlen);
/*
 * The format record every state starts with, and its check: a state of
 * another format version, or of none, is refused with a message in err.
 */
int state_put_format(struct blob *b);
int state_check_format(const struct blob *b, char *err, size_t errlen);

/* The state right after creation, for reset; and the reset itself. */
int vm_save_initial(struct vm *vm, const struct vmm_config *cfg, const char *cmdline);
int vm_reset(struct vm *vm, char *err, size_t errlen);

/* Save to @dir (created if missing) with the VM paused. */
int snapshot_save(struct vm *vm, const char *dir, char *err, size_t errlen);
/*
 * The same into the directory open at @dfd (checked as @dir would be),
 * named @dir in messages; @dfd stays open. For a directory whose path the
 * VMM's user cannot reach: its owner hands over the descriptor.
 */
int snapshot_save_at(struct vm *vm, int dfd, const char *dir, char *err, size_t errlen);
/* Load RAM and state from @dir into a freshly built VM. */
int snapshot_restore(struct vm *vm, const char *dir);
/* The command line saved in @dir/args, as argv (NULL-terminated). */
char **snapshot_args(const char *dir, int *argc);
/* Record our argv for snapshots. */
void snapshot_set_args(int argc, char **argv);

/* Per-device state hooks (serial.c, i8042.c, virtio_pci.c, balloon). */
size_t serial_save(void *buf, size_t len);
void serial_load(const void *buf, size_t len);
size_t i8042_save(void *buf, size_t len);
void i8042_load(const void *buf, size_t len);
struct virtio_dev;
size_t virtio_save(struct virtio_dev *d, void *buf, size_t len);
int virtio_load(struct virtio_dev *d, const void *buf, size_t len);
/* Finish in-flight work and stop kernel back ends before a capture. */
void virtio_quiesce(struct virtio_dev *d);
/* Restart after a capture or a load. */
void virtio_unquiesce(struct virtio_dev *d);

int balloon_set_target(uint64_t mib);
void balloon_status(uint64_t *target_pages, uint64_t *actual_pages, uint64_t *free_mem,
		    uint64_t *reported);

#endif /* VMON_VMM_SNAPSHOT_H */
