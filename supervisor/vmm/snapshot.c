// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots to a directory and the in-place reset.
 *
 *   DIR/state   the tagged state records (state.c)
 *   DIR/memory  guest RAM, a sparse file (zero pages are holes)
 *   DIR/args    the VMM's command line, NUL-separated: --restore DIR
 *               rebuilds the same machine from it
 *
 * Every file is written to a temporary name, synced and renamed, and the
 * directory synced. DIR is created 0700, or must already be a directory (not
 * a symlink) of our user that group and others cannot write; every file is
 * made relative to its fd with O_EXCL | O_NOFOLLOW, so nothing planted in
 * it is followed or truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"
#include "boot.h"
#include "config.h"
#include "snapshot.h"
#include "vdev.h"

#define PAGE 4096

extern struct virtio_dev *vmm_devs[];
extern int vmm_ndevs;

static int saved_argc;
static char **saved_argv;
static struct blob initial;
static char *boot_kernel, *boot_initrd, *boot_cmdline;

void snapshot_set_args(int argc, char **argv)
{
	saved_argc = argc;
	saved_argv = argv;
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);
		if (n <= 0)
			return -1;
		buf = (const char *)buf + n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * The snapshot directory, created 0700 or checked: a directory, not a
 * symlink, owned by our user and not writable by group or others (so that no
 * one else can plant or swap files in it). Its fd, or -1 with @err set.
 */
static int check_dir(int dfd, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(dfd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "%s: owned by uid %u with mode %04o: a snapshot directory must be owned "
			 "by uid %u and not writable by group or others",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			 (unsigned)geteuid());
		return -1;
	}
	return 0;
}

static int open_dir(const char *dir, char *err, size_t errlen)
{
	int dfd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "%s: %s", dir,
			 errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory"
							    : strerror(errno));
		return -1;
	}
	if (check_dir(dfd, dir, err, errlen)) {
		close(dfd);
		return -1;
	}
	return dfd;
}

/* Write @dir/@name (dfd: @dir) through a temporary file: all or nothing. */
static int write_file(int dfd, const char *dir, const char *name, const void *buf, size_t len,
		      struct vm *vm, char *err, size_t errlen)
{
	char tmp[300], dst[4200];
	int fd = -1;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	/* a leftover of an interrupted save (ours: the directory is) goes first */
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT)
		goto fail;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (vm) { /* guest RAM: skip zero pages, leaving holes */
		static const uint8_t zero[PAGE];

		if (ftruncate(fd, (off_t)vm->ram_size) < 0)
			goto fail;
		for (uint64_t off = 0; off < vm->ram_size; off += PAGE) {
			if (!memcmp(vm->ram + off, zero, PAGE))
				continue;
			if (write_all(fd, vm->ram + off, PAGE, (off_t)off) < 0)
				goto fail;
		}
	} else if (write_all(fd, buf, len, 0) < 0) {
		goto fail;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return -1;
}

int snapshot_save(struct vm *vm, const char *dir, char *err, size_t errlen)
{
	int ret, dfd = open_dir(dir, err, errlen);

	if (dfd < 0)
		return -1;
	ret = snapshot_save_at(vm, dfd, dir, err, errlen);
	close(dfd);
	return ret;
}

int snapshot_save_at(struct vm *vm, int dfd, const char *dir, char *err, size_t errlen)
{
	struct blob b = { 0 };
	size_t alen = 0;
	char *args;
	int ret = -1;

	if (check_dir(dfd, dir, err, errlen))
		return -1;
	for (int i = 0; i < vmm_ndevs; i++)
		virtio_quiesce(vmm_devs[i]);
	/* held requests are in no ring state: the restored guest would wait for ever */
	if (vm->io_error) {
		snprintf(err, errlen,
			 "the VM is paused on an I/O error with requests held for a retry: resume "
			 "it (once the cause is fixed) or reset it first");
		goto out;
	}
	if (state_capture(vm, &b, 1) < 0) {
		snprintf(err, errlen, "cannot read the machine state: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < saved_argc; i++)
		alen += strlen(saved_argv[i]) + 1;
	args = malloc(alen + 1);
	if (!args)
		goto out;
	alen = 0;
	for (int i = 0; i < saved_argc; i++) {
		strcpy(args + alen, saved_argv[i]);
		alen += strlen(saved_argv[i]) + 1;
	}
	if (write_file(dfd, dir, "memory", NULL, 0, vm, err, errlen) == 0 &&
	    write_file(dfd, dir, "args", args, alen, NULL, err, errlen) == 0 &&
	    write_file(dfd, dir, "state", b.buf, b.len, NULL, err, errlen) == 0)
		ret = 0;
	if (ret == 0 && fsync(dfd) < 0) {
		snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
		ret = -1;
	}
	free(args);
	if (ret == 0)
		vmm_log("snapshot saved to %s", dir);
out:
	for (int i = 0; i < vmm_ndevs; i++)
		virtio_unquiesce(vmm_devs[i]);
	blob_free(&b);
	return ret;
}

static void *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4200];
	struct stat st;
	void *buf = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		vmm_log("snapshot: %s: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		vmm_log("snapshot: cannot read %s", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	((char *)buf)[st.st_size] = 0;
	*len = (size_t)st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

char **snapshot_args(const char *dir, int *argc)
{
	size_t len = 0;
	char *buf = slurp(dir, "args", &len), **argv;
	int n = 0;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < len; i++)
		n += !buf[i];
	argv = calloc((size_t)n + 1, sizeof(*argv));
	if (!argv)
		return NULL;
	for (size_t i = 0, k = 0; i < len && (int)k < n; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	*argc = n;
	return argv;
}

int snapshot_restore(struct vm *vm, const char *dir)
{
	char path[4200], err[256];
	struct blob b = { 0 };
	struct stat st;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/memory", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_size != vm->ram_size) {
		vmm_log("snapshot: %s: missing or not %llu MiB", path,
			(unsigned long long)(vm->ram_size >> 20));
		return -1;
	}
	for (uint64_t off = 0; off < vm->ram_size;) {
		ssize_t n = pread(fd, vm->ram + off, vm->ram_size - off, (off_t)off);
		if (n <= 0) {
			vmm_log("snapshot: cannot read %s", path);
			close(fd);
			return -1;
		}
		off += (uint64_t)n;
	}
	close(fd);
	b.buf = slurp(dir, "state", &b.len);
	if (!b.buf)
		return -1;
	ret = state_apply(vm, &b, err, sizeof(err));
	blob_free(&b);
	if (ret < 0) {
		vmm_log("snapshot %s: %s", dir, err);
		return -1;
	}
	for (int i = 0; i < vmm_ndevs; i++)
		virtio_unquiesce(vmm_devs[i]);
	vmm_log("restored from %s", dir);
	return 0;
}

int vm_save_initial(struct vm *vm, const struct vmm_config *cfg, const char *cmdline)
{
	boot_kernel = strdup(cfg->kernel);
	boot_initrd = cfg->initrd ? strdup(cfg->initrd) : NULL;
	boot_cmdline = strdup(cmdline);
	/* a reset reloads them under the sandbox, which opens no file by path */
	if (boot_keep(cfg->kernel) < 0 || (cfg->initrd && boot_keep(cfg->initrd) < 0)) {
		vmm_log("cannot keep the kernel or initrd open for a reset: %s", strerror(errno));
		return -1;
	}
	if (state_capture(vm, &initial, 0) < 0) {
		vmm_log("cannot read the initial machine state: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int vm_reset(struct vm *vm, char *err, size_t errlen)
{
	if (!initial.len) {
		snprintf(err, errlen, "reset: no initial state (restored VMs cannot reset)");
		return -1;
	}
	vm_pause(vm);
	vm_wait_parked(vm); /* already paused (or pmsuspended): until all are parked */
	for (int i = 0; i < vmm_ndevs; i++)
		if (vmm_devs[i]->ops->reset)
			vmm_devs[i]->ops->reset(vmm_devs[i]);
	if (state_apply(vm, &initial, err, errlen) < 0)
		return -1;
	vm->pmsuspended = false;
	vm->io_error = false; /* the resets dropped the held requests */
	madvise(vm->ram, vm->ram_size, MADV_DONTNEED);
	if (boot_linux(vm, boot_kernel, boot_initrd, boot_cmdline) < 0) {
		snprintf(err, errlen, "reset: cannot reload the kernel");
		return -1;
	}
	vmm_log("reset");
	vm_resume(vm);
	return 0;
}
