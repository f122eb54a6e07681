// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: open an untrusted image, read it, map it, check it,
 * read its first snapshot (convert -l), then open it read-write (repairing
 * a dirty one), write to it and change its refcount width (amend).
 * Built with clang -fsanitize=fuzzer,address,undefined (selftests/qcow2/fuzz.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmon/qcow2.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct qcow2_check_result r;
	struct vimg_extent e;
	struct vimg *img;
	uint64_t off, vs;
	uint8_t buf[8192];
	int i;

	if (fd < 0) {
		fd = memfd_create("fuzz-qcow2", 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (vimg_open(path, "qcow2", VIMG_NO_BACKING | VIMG_NO_REPAIR, &img))
		return 0;
	vs = vimg_size(img);
	/* reads at a few places, including the end */
	for (i = 0; i < 6 && vs; i++) {
		uint64_t n = sizeof(buf);

		off = i < 5 ? (uint64_t)i * 65536 * 7 % vs : vs - (vs < n ? vs : n);
		if (off + n > vs)
			n = vs - off;
		vimg_pread(img, buf, n, off);
	}
	/* the map, bounded */
	for (off = 0, i = 0; off < vs && i < 256; i++) {
		if (vimg_block_status(img, off, vs - off, false, &e) || !e.length)
			break;
		off += e.length;
	}
	qcow2_check(img, 0, &r, NULL);
	/* the runs convert maps straight from the file */
	for (off = 0, i = 0; off < vs && i < 64; i++, off += 65536)
		vimg_host_run(img, off, vs - off, &e.offset);
	/* the first snapshot instead of the active state */
	if (!qcow2_snapshot_load_tmp(img, "1", NULL) && vs)
		vimg_pread(img, buf, vs < sizeof(buf) ? vs : sizeof(buf), 0);
	vimg_close(img);

	/* writes into the same untrusted image: must fail cleanly or work */
	if (vimg_open(path, "qcow2", VIMG_RDWR | VIMG_NO_BACKING, &img))
		return 0;
	vs = vimg_size(img);
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < 4 && vs; i++) {
		uint64_t n = sizeof(buf) / (i + 1);

		off = (uint64_t)i * 40000 % vs;
		if (off + n > vs)
			n = vs - off;
		if (vimg_pwrite(img, buf, n, off))
			break;
	}
	if (vs > 4096)
		vimg_pwrite_zeroes(img, 0, 4096);
	if (lseek(fd, 0, SEEK_END) < (64 << 20)) /* the rebuild walks every cluster */
		qcow2_set_refcount_bits(img, size & 1 ? 8 : 32);
	vimg_close(img);
	return 0;
}
