// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring of a raw disk, restricted to what the back end submits.
 *
 * The seccomp filter cannot see into a ring: an SQE can open, connect or
 * accept without a system call the filter could refuse. So the ring is
 * created disabled (IORING_SETUP_R_DISABLED), its completion eventfd is
 * registered, and then IORING_REGISTER_RESTRICTIONS limits it to the
 * opcodes of virtio_blk.c (READV, WRITEV, FSYNC), no SQE flags and no
 * further registration, before IORING_REGISTER_ENABLE_RINGS starts it. Any
 * other opcode completes with -EACCES.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"
#include "blk.h"

/*
 * io_uring_register(2) itself: Debian's liburing 2.3 declares
 * io_uring_register_restrictions() and io_uring_enable_rings() but does not
 * export them.
 */
static int uring_register(struct io_uring *ring, unsigned int op, void *arg, unsigned int n)
{
	return syscall(__NR_io_uring_register, ring->ring_fd, op, arg, n) < 0 ? -errno : 0;
}

static const unsigned char uring_ops[] = { IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC };

int blk_uring_init(struct io_uring *ring, unsigned int entries, int efd)
{
	struct io_uring_restriction res[sizeof(uring_ops) + 1];
	unsigned int n = 0;
	int ret;

	ret = io_uring_queue_init(entries, ring, IORING_SETUP_R_DISABLED);
	if (ret < 0)
		return ret;
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < sizeof(uring_ops); i++) {
		res[n].opcode = IORING_RESTRICTION_SQE_OP;
		res[n++].sqe_op = uring_ops[i];
	}
	res[n].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
	res[n++].sqe_flags = 0;
	ret = io_uring_register_eventfd(ring, efd);
	if (ret == 0)
		ret = uring_register(ring, IORING_REGISTER_RESTRICTIONS, res, n);
	if (ret == 0)
		ret = uring_register(ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	if (ret < 0)
		io_uring_queue_exit(ring);
	return ret;
}
