// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal KVM guest: real mode, CS base 0, IP 0x1000, "jmp ." (eb fe).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "guest.h"

#define GUEST_CODE 0x1000

bool guest_kvm_available(void)
{
	int fd;

	if (access("/dev/kvm", R_OK | W_OK)) {
		if (system("modprobe -q kvm-amd 2>/dev/null || modprobe -q kvm-intel 2>/dev/null"))
			return false;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int guest_create(struct guest *g, size_t mem_size)
{
	struct kvm_userspace_memory_region region;
	int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		g->vcpu_fd[i] = -1;
	g->vm_fd = -1;
	g->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g->kvm_fd < 0)
		return -errno;
	g->vm_fd = ioctl(g->kvm_fd, KVM_CREATE_VM, 0);
	if (g->vm_fd < 0)
		return -errno;
	g->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return -errno;
	}
	g->mem_size = mem_size;
	memcpy((char *)g->mem + GUEST_CODE, "\xeb\xfe", 2);
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (unsigned long)g->mem;
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	return 0;
}

int guest_add_vcpu(struct guest *g, int cpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int fd;

	if (g->nr_vcpus == GUEST_MAX_VCPUS)
		return -ENOSPC;
	fd = ioctl(g->vm_fd, KVM_CREATE_VCPU, g->nr_vcpus);
	if (fd < 0)
		return -errno;
	g->vcpu_fd[g->nr_vcpus] = fd;
	g->cpu[g->nr_vcpus] = cpu;
	g->nr_vcpus++;
	if (ioctl(fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(fd, KVM_SET_SREGS, &sregs))
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE;
	regs.rflags = 2;
	if (ioctl(fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

struct vcpu_arg {
	struct guest *g;
	int i;
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct guest *g = a->g;
	int i = a->i;
	cpu_set_t set;

	free(a);
	g->tid[i] = syscall(SYS_gettid);
	if (g->cpu[i] >= 0) {
		CPU_ZERO(&set);
		CPU_SET(g->cpu[i], &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	while (!g->stop) {
		/* The loop never exits on its own: only a signal stops it. */
		if (ioctl(g->vcpu_fd[i], KVM_RUN, 0) && errno != EINTR) {
			g->run_err = errno;
			break;
		}
	}
	return NULL;
}

int guest_start(struct guest *g)
{
	struct sigaction sa;
	int i, ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);
	g->stop = false;
	for (i = 0; i < g->nr_vcpus; i++) {
		struct vcpu_arg *a = malloc(sizeof(*a));

		if (!a)
			return -ENOMEM;
		a->g = g;
		a->i = i;
		ret = pthread_create(&g->thread[i], NULL, vcpu_thread, a);
		if (ret) {
			free(a);
			return -ret;
		}
	}
	/* Wait until every thread has entered KVM_RUN at least once. */
	for (i = 0; i < g->nr_vcpus; i++)
		while (!g->tid[i])
			usleep(1000);
	usleep(100 * 1000);
	return 0;
}

void guest_stop(struct guest *g)
{
	int i;

	g->stop = true;
	for (i = 0; i < g->nr_vcpus; i++) {
		if (!g->thread[i])
			continue;
		/* Again and again: the thread may enter KVM_RUN after a kick. */
		do
			pthread_kill(g->thread[i], SIGUSR1);
		while (pthread_tryjoin_np(g->thread[i], NULL) && !usleep(10 * 1000));
		g->thread[i] = 0;
	}
}

void guest_destroy(struct guest *g)
{
	int i;

	guest_stop(g);
	for (i = 0; i < g->nr_vcpus; i++)
		if (g->vcpu_fd[i] >= 0)
			close(g->vcpu_fd[i]);
	if (g->mem)
		munmap(g->mem, g->mem_size);
	if (g->vm_fd >= 0)
		close(g->vm_fd);
	if (g->kvm_fd >= 0)
		close(g->kvm_fd);
	memset(g, 0, sizeof(*g));
	g->vm_fd = g->kvm_fd = -1;
}

static void *hog_thread(void *p)
{
	struct hog *h = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!h->stop)
		;
	return NULL;
}

int hog_start(struct hog *h, int cpu)
{
	h->cpu = cpu;
	h->stop = false;
	return -pthread_create(&h->thread, NULL, hog_thread, h);
}

void hog_stop(struct hog *h)
{
	h->stop = true;
	pthread_join(h->thread, NULL);
}
