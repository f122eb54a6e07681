/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KVM guest for the accounting tests: one memory slot at guest
 * physical address 0 and vCPUs in real mode looping on "jmp ." at 0x1000,
 * each run by its own thread.
 */
#ifndef VMON_TEST_GUEST_H
#define VMON_TEST_GUEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define GUEST_MAX_VCPUS 4

struct guest {
	int kvm_fd;
	int vm_fd;
	void *mem;
	size_t mem_size;
	int nr_vcpus;
	int vcpu_fd[GUEST_MAX_VCPUS];
	pthread_t thread[GUEST_MAX_VCPUS];
	pid_t tid[GUEST_MAX_VCPUS];
	int cpu[GUEST_MAX_VCPUS]; /* CPU to pin the vCPU thread to, -1 = any */
	volatile bool stop;
	int run_err; /* errno of a failed KVM_RUN, else 0 */
};

/* Is /dev/kvm usable (loading kvm-amd or kvm-intel if needed)? */
bool guest_kvm_available(void);
/* Create the VM with mem_size bytes of RAM (a multiple of 4 KiB). */
int guest_create(struct guest *g, size_t mem_size);
/* Add a vCPU; it does not run before guest_start(). */
int guest_add_vcpu(struct guest *g, int cpu);
/* Run every vCPU in its own thread until guest_stop(). */
int guest_start(struct guest *g);
void guest_stop(struct guest *g);
void guest_destroy(struct guest *g);

/* A thread that burns CPU pinned to cpu, until hog_stop(). */
struct hog {
	pthread_t thread;
	int cpu;
	volatile bool stop;
};

int hog_start(struct hog *h, int cpu);
void hog_stop(struct hog *h);

#endif /* VMON_TEST_GUEST_H */
