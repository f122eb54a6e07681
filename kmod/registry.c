// SPDX-License-Identifier: GPL-2.0
/*
 * The VM registry and the steal-time sampler.
 *
 * A VM is registered by its KVM VM fd: file_is_kvm() checks the fd and
 * kvm_get_kvm() pins the VM, both exported by kvm.ko. The registry keeps
 * the VMs in an xarray by id; a VM is released by VMON_VM_UNREGISTER, by the
 * sampler when the module's reference is the last one on the KVM VM (the VMM
 * closed its fds or died), or at module unload.
 *
 * Steal time of a vCPU is the growth of its thread's sched_info.run_delay,
 * the time the thread was runnable but waited for a CPU: the same figure KVM
 * hands the guest in its steal-time record. The thread is the one KVM
 * itself records in vcpu->pid at each KVM_RUN, so no help from the VMM is
 * needed and a VMM that moves a vCPU to another thread is followed (the
 * figures restart from the new thread's values, nothing is counted twice).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "acct.h"
#include "trace.h"
#include "vmon_core.h"

/* Protects vmon_vms; nests outside vm->lock. */
DEFINE_MUTEX(vmon_registry_mutex);
static DEFINE_XARRAY_ALLOC1(vmon_vms);
static u32 vmon_vm_next_id;

unsigned int vmon_interval_ms = 1000;
static void vmon_sampler_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(vmon_sampler, vmon_sampler_fn);
static bool vmon_sampler_on;

static void vmon_vm_release(struct kref *ref)
{
	struct vmon_vm *vm = container_of(ref, struct vmon_vm, ref);

	WARN_ON_ONCE(vm->kvm || !list_empty(&vm->devs));
	mutex_destroy(&vm->lock);
	kfree(vm->vcpus);
	kfree(vm);
}

void vmon_vm_put(struct vmon_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, vmon_vm_release);
}

struct vmon_vm *vmon_vm_get_by_id(u32 id)
{
	struct vmon_vm *vm;

	mutex_lock(&vmon_registry_mutex);
	vm = xa_load(&vmon_vms, id);
	if (vm)
		kref_get(&vm->ref);
	mutex_unlock(&vmon_registry_mutex);
	return vm;
}

static struct vmon_vm *vmon_vm_find_name_locked(const char *name)
{
	struct vmon_vm *vm;
	unsigned long id;

	xa_for_each(&vmon_vms, id, vm)
		if (!strcmp(vm->name, name))
			return vm;
	return NULL;
}

struct vmon_vm *vmon_vm_get_by_name(const char *name)
{
	struct vmon_vm *vm;

	mutex_lock(&vmon_registry_mutex);
	vm = vmon_vm_find_name_locked(name);
	if (vm)
		kref_get(&vm->ref);
	mutex_unlock(&vmon_registry_mutex);
	return vm;
}

struct vmon_vm *vmon_vm_get_next(u32 *id)
{
	unsigned long index = *id;
	struct vmon_vm *vm;

	mutex_lock(&vmon_registry_mutex);
	vm = xa_find(&vmon_vms, &index, U32_MAX, XA_PRESENT);
	if (vm) {
		kref_get(&vm->ref);
		*id = index;
	}
	mutex_unlock(&vmon_registry_mutex);
	return vm;
}

/* Make room for every vCPU KVM has created so far. Under vm->lock. */
static int vmon_vm_grow_vcpus(struct vmon_vm *vm)
{
	unsigned int online = atomic_read(&vm->kvm->online_vcpus);
	struct vmon_vcpu_acct *v;

	if (online <= vm->nr_vcpus)
		return 0;
	v = krealloc_array(vm->vcpus, online, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	memset(v + vm->nr_vcpus, 0, (online - vm->nr_vcpus) * sizeof(*v));
	vm->vcpus = v;
	vm->nr_vcpus = online;
	return 0;
}

static void vmon_vcpu_sample(struct vmon_vm *vm, struct vmon_vcpu_acct *va,
			     struct kvm_vcpu *vcpu)
{
	struct task_struct *task;
	struct pid *pid, *old = NULL;
	u64 delay, run;

	rcu_read_lock();
	pid = rcu_dereference(vcpu->pid);
	task = pid ? pid_task(pid, PIDTYPE_PID) : NULL;
	if (!task) {
		rcu_read_unlock();
		return;
	}
	delay = READ_ONCE(task->sched_info.run_delay);
	run = READ_ONCE(task->se.sum_exec_runtime);
	if (pid != va->pid) {
		/* First run, or KVM_RUN from another thread: new baseline. */
		old = va->pid;
		va->pid = get_pid(pid);
	} else {
		u64 dsteal = delay > va->last_delay ? delay - va->last_delay : 0;
		u64 drun = run > va->last_run ? run - va->last_run : 0;

		va->steal_ns += dsteal;
		vm->steal_ns += dsteal;
		va->cpu_ns += drun;
		vm->cpu_ns += drun;
		trace_acct_sample(vm->id, va - vm->vcpus, dsteal, drun);
	}
	va->last_delay = delay;
	va->last_run = run;
	rcu_read_unlock();
	put_pid(old);
}

void vmon_vm_sample(struct vmon_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&vm->lock);
	if (!vm->kvm)
		return;
	if (vmon_vm_grow_vcpus(vm))
		return;	/* try again at the next sample */
	kvm_for_each_vcpu(i, vcpu, vm->kvm) {
		if (i >= vm->nr_vcpus)
			break;
		vmon_vcpu_sample(vm, &vm->vcpus[i], vcpu);
	}
}

static u32 vmon_share(u64 part, u64 whole)
{
	if (!whole)
		return 0;
	return min_t(u64, div64_u64(part * 10000, whole), U32_MAX);
}

/*
 * Close the sampling interval: shares over it, the threshold. Returns the
 * steal share when an over-threshold event is due, else U32_MAX.
 */
static u32 vmon_vm_interval(struct vmon_vm *vm, u64 now)
{
	u64 dt = now - vm->int_start;
	unsigned int i, running = 0;
	u32 due = U32_MAX;

	if (!vm->int_start || !dt) {
		vm->int_start = now;
		goto out;
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vmon_vcpu_acct *va = &vm->vcpus[i];

		if (!va->pid)
			continue;
		running++;
		va->steal_pct = vmon_share(va->steal_ns - va->int_steal, dt);
	}
	vm->steal_pct = vmon_share(vm->steal_ns - vm->int_steal,
				   dt * max(running, 1U));
	vm->cpu_pct = vmon_share(vm->cpu_ns - vm->int_cpu, dt);
	vm->int_start = now;
	if (vm->threshold && vm->steal_pct >= vm->threshold) {
		if (!vm->over)
			due = vm->steal_pct;
		vm->over = true;
	} else {
		vm->over = false;
	}
out:
	vm->int_steal = vm->steal_ns;
	vm->int_cpu = vm->cpu_ns;
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].int_steal = vm->vcpus[i].steal_ns;
	return due;
}

/*
 * Take the VM out of the registry and drop its KVM reference. Under the
 * registry mutex. The registry's reference on @vm is dropped too; attached
 * devices keep theirs.
 */
static void vmon_vm_unregister_locked(struct vmon_vm *vm, u32 reason)
{
	struct kvm *kvm;
	unsigned int i;

	lockdep_assert_held(&vmon_registry_mutex);
	xa_erase(&vmon_vms, vm->id);

	mutex_lock(&vm->lock);
	vmon_vm_sample(vm);
	kvm = vm->kvm;
	vm->kvm = NULL;
	for (i = 0; i < vm->nr_vcpus; i++) {
		put_pid(vm->vcpus[i].pid);
		vm->vcpus[i].pid = NULL;
	}
	mutex_unlock(&vm->lock);

	vmon_genl_event_vm(vm, VMON_EVENT_VM_UNREGISTERED, reason);
	trace_vm_unregister(vm, reason);
	/* May destroy the VM when its VMM is gone already: can sleep. */
	kvm_put_kvm(kvm);
	vmon_vm_put(vm);
}

static void vmon_sampler_fn(struct work_struct *work)
{
	struct vmon_vm *vm;
	unsigned long id;
	u64 now = ktime_get_ns();
	u32 due;

	mutex_lock(&vmon_registry_mutex);
	xa_for_each(&vmon_vms, id, vm) {
		mutex_lock(&vm->lock);
		if (refcount_read(&vm->kvm->users_count) == 1) {
			/* Ours is the last reference: the VMM is gone. */
			mutex_unlock(&vm->lock);
			vmon_vm_unregister_locked(vm, VMON_REASON_VM_GONE);
			continue;
		}
		vmon_vm_sample(vm);
		due = vmon_vm_interval(vm, now);
		mutex_unlock(&vm->lock);
		if (due != U32_MAX)
			vmon_genl_event_steal(vm, due);
	}
	if (vmon_sampler_on)
		queue_delayed_work(system_unbound_wq, &vmon_sampler,
				   msecs_to_jiffies(READ_ONCE(vmon_interval_ms)));
	mutex_unlock(&vmon_registry_mutex);
}

void vmon_set_interval(unsigned int ms)
{
	mutex_lock(&vmon_registry_mutex);
	WRITE_ONCE(vmon_interval_ms, ms);
	if (vmon_sampler_on)
		mod_delayed_work(system_unbound_wq, &vmon_sampler,
				 msecs_to_jiffies(ms));
	mutex_unlock(&vmon_registry_mutex);
}

static bool vmon_name_ok(const char *name)
{
	const char *p;

	if (!*name)
		return false;
	for (p = name; *p; p++)
		if (!isgraph(*p) || *p == '/')
			return false;
	return true;
}

/*
 * The owner of a VM is the process whose thread created the KVM VM (KVM
 * records that thread's global pid); its effective uid at registration is
 * the VM's uid for netlink readers. A VMM that changes uid later keeps the
 * uid it had here. If that process is already gone, root owns the VM.
 */
static void vmon_vm_set_owner(struct vmon_vm *vm, struct kvm *kvm)
{
	struct task_struct *task;

	vm->owner_tgid = kvm->userspace_pid;
	vm->owner_uid = GLOBAL_ROOT_UID;
	rcu_read_lock();
	task = pid_task(find_pid_ns(kvm->userspace_pid, &init_pid_ns),
			PIDTYPE_PID);
	if (task) {
		vm->owner_tgid = task_tgid_nr(task);
		vm->owner_uid = task_euid(task);
	}
	rcu_read_unlock();
}

/**
 * vmon_vm_owned_by_current() - is the caller the process that owns a VM?
 * @vm: the VM
 *
 * Return: true when the calling process owns @vm (admins are the caller's
 * business: vmon_dev_set_vm_ioctl()).
 */
bool vmon_vm_owned_by_current(const struct vmon_vm *vm)
{
	return task_tgid_nr(current) == vm->owner_tgid;
}

/**
 * vmon_vm_visible() - may a netlink sender read a VM's figures?
 * @skb: the request
 * @vm: the VM
 *
 * Names, pids, vCPU threads, devices, steal and KSM figures of a VM are
 * its owner's business: a sender sees the VMs whose owner has its
 * effective uid, and %CAP_NET_ADMIN (genetlink's admin) sees all.
 *
 * Return: true when the sender of @skb may read @vm.
 */
bool vmon_vm_visible(const struct sk_buff *skb, const struct vmon_vm *vm)
{
	return uid_eq(current_euid(), vm->owner_uid) ||
	       netlink_capable(skb, CAP_NET_ADMIN);
}

static long vmon_vm_register(void __user *argp)
{
	struct vmon_vm_register req;
	struct vmon_vm *vm, *other;
	struct kvm *kvm;
	unsigned long i;
	struct fd f;
	u32 id;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.pad)
		return -EINVAL;
	if (!memchr(req.name, '\0', sizeof(req.name)) || !vmon_name_ok(req.name))
		return -EINVAL;

	f = fdget(req.vm_fd);
	if (!fd_file(f))
		return -EBADF;
	if (!file_is_kvm(fd_file(f))) {
		fdput(f);
		return -EINVAL;
	}
	kvm = fd_file(f)->private_data;
	kvm_get_kvm(kvm);
	fdput(f);

	ret = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto err_put_kvm;
	kref_init(&vm->ref);
	INIT_LIST_HEAD(&vm->devs);
	mutex_init(&vm->lock);
	strscpy(vm->name, req.name, sizeof(vm->name));
	vm->kvm = kvm;
	vmon_vm_set_owner(vm, kvm);

	mutex_lock(&vmon_registry_mutex);
	ret = -EEXIST;
	if (vmon_vm_find_name_locked(vm->name))
		goto err_unlock;
	xa_for_each(&vmon_vms, i, other)
		if (other->kvm == kvm)
			goto err_unlock;
	ret = xa_alloc_cyclic(&vmon_vms, &vm->id, vm, xa_limit_31b,
			      &vmon_vm_next_id, GFP_KERNEL);
	if (ret < 0)
		goto err_unlock;
	mutex_lock(&vm->lock);
	vmon_vm_sample(vm);
	vmon_vm_interval(vm, ktime_get_ns());
	mutex_unlock(&vm->lock);
	vmon_genl_event_vm(vm, VMON_EVENT_VM_REGISTERED, 0);
	trace_vm_register(vm);
	id = vm->id;
	mutex_unlock(&vmon_registry_mutex);

	/* Only the id goes back: the VM may be released any time now. */
	if (put_user(id, &((struct vmon_vm_register __user *)argp)->id))
		return -EFAULT;
	return 0;

err_unlock:
	mutex_unlock(&vmon_registry_mutex);
	vm->kvm = NULL;
	mutex_destroy(&vm->lock);
	kfree(vm);
err_put_kvm:
	kvm_put_kvm(kvm);
	return ret;
}

static long vmon_vm_unregister(unsigned long id)
{
	struct vmon_vm *vm;

	if (id > U32_MAX)
		return -EINVAL;
	mutex_lock(&vmon_registry_mutex);
	vm = xa_load(&vmon_vms, id);
	if (vm)
		vmon_vm_unregister_locked(vm, VMON_REASON_REQUEST);
	mutex_unlock(&vmon_registry_mutex);
	return vm ? 0 : -ENOENT;
}

long vmon_acct_ioctl(unsigned int cmd, void __user *argp)
{
	struct vmon_ksm_advise adv;
	long ret;

	switch (cmd) {
	case VMON_VM_REGISTER:
		return vmon_vm_register(argp);
	case VMON_VM_UNREGISTER:
		return vmon_vm_unregister((unsigned long)argp);
	case VMON_VM_KSM_ADVISE:
		if (copy_from_user(&adv, argp, sizeof(adv)))
			return -EFAULT;
		ret = vmon_ksm_advise(&adv);
		if (ret)
			return ret;
		if (copy_to_user(argp, &adv, sizeof(adv)))
			return -EFAULT;
		return 0;
	default:
		return -ENOTTY;
	}
}

int vmon_acct_init(void)
{
	mutex_lock(&vmon_registry_mutex);
	vmon_sampler_on = true;
	queue_delayed_work(system_unbound_wq, &vmon_sampler,
			   msecs_to_jiffies(vmon_interval_ms));
	mutex_unlock(&vmon_registry_mutex);
	return 0;
}

void vmon_acct_exit(void)
{
	struct vmon_vm *vm;
	unsigned long id;

	mutex_lock(&vmon_registry_mutex);
	vmon_sampler_on = false;
	mutex_unlock(&vmon_registry_mutex);
	cancel_delayed_work_sync(&vmon_sampler);

	mutex_lock(&vmon_registry_mutex);
	xa_for_each(&vmon_vms, id, vm)
		vmon_vm_unregister_locked(vm, VMON_REASON_UNLOAD);
	mutex_unlock(&vmon_registry_mutex);
	xa_destroy(&vmon_vms);
}
