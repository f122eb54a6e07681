// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "vmon": queries, dumps and the events group.
 *
 * Every command is validated strictly (resv_start_op is 0): unknown
 * attributes, attributes of the wrong size and trailing data are refused.
 * A reader sees the VMs whose owner has its uid (vmon_vm_visible()), an
 * admin (CAP_NET_ADMIN, genetlink's GENL_ADMIN_PERM) sees every VM;
 * commands that change state or cost CPU (SET_THRESHOLD, KSM_ESTIMATE) and
 * the events group, which names every VM, need CAP_NET_ADMIN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "acct.h"
#include "vmon_core.h"

static struct genl_family vmon_genl_family;
static bool vmon_genl_up;

static const struct nla_policy vmon_dev_policy[VMON_DEV_A_MAX + 1] = {
	[VMON_DEV_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static struct netlink_range_validation vmon_interval_range = {
	.min = 100,
	.max = 60000,
};

static struct netlink_range_validation vmon_est_pages_range = {
	.min = 1,
	.max = 262144,
};

static const struct nla_policy vmon_policy[VMON_A_MAX + 1] = {
	[VMON_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[VMON_A_VM_NAME] = { .type = NLA_NUL_STRING,
			     .len = VMON_VM_NAME_MAX - 1 },
	[VMON_A_STEAL_THRESHOLD] = NLA_POLICY_MAX(NLA_U32, 10000),
	[VMON_A_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &vmon_interval_range),
	[VMON_A_DEV] = NLA_POLICY_NESTED(vmon_dev_policy),
	[VMON_A_EST_PAGES] = NLA_POLICY_FULL_RANGE(NLA_U32,
						   &vmon_est_pages_range),
};

static int vmon_put_vm(struct sk_buff *skb, struct vmon_vm *vm)
{
	if (nla_put_u32(skb, VMON_A_VM_ID, vm->id) ||
	    nla_put_string(skb, VMON_A_VM_NAME, vm->name) ||
	    nla_put_u32(skb, VMON_A_OWNER_PID, vm->owner_tgid))
		return -EMSGSIZE;
	return 0;
}

static int vmon_put_dev(struct sk_buff *skb, struct vmon_dev *dev,
			bool counters)
{
	struct vmon_dev_totals *t = NULL;
	struct nlattr *nest, *hist;
	unsigned int i;
	int ret = -EMSGSIZE;

	nest = nla_nest_start(skb, VMON_A_DEV);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VMON_DEV_A_ID, dev->id) ||
	    nla_put_u32(skb, VMON_DEV_A_TYPE, dev->type) ||
	    nla_put_string(skb, VMON_DEV_A_NAME, dev->name) ||
	    nla_put_u32(skb, VMON_DEV_A_VM_ID, dev->vm->id))
		goto err;
	if (!counters)
		goto out;

	ret = -ENOMEM;
	t = kmalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		goto err;
	vmon_dev_read(dev, t);
	ret = -EMSGSIZE;
	for (i = 0; i < VMON_DEV_NR_CTRS; i++)
		if (nla_put_u64_64bit(skb, VMON_DEV_CTR_FIRST + i, t->ctr[i],
				      VMON_DEV_A_PAD))
			goto err;
	hist = nla_nest_start(skb, VMON_DEV_A_LAT_HIST);
	if (!hist)
		goto err;
	for (i = 0; i < VMON_LAT_BUCKETS; i++)
		if (t->lat[i] &&
		    nla_put_u64_64bit(skb, i + 1, t->lat[i], VMON_DEV_A_PAD))
			goto err;
	nla_nest_end(skb, hist);
	kfree(t);
out:
	nla_nest_end(skb, nest);
	return 0;
err:
	kfree(t);
	nla_nest_cancel(skb, nest);
	return ret;
}

static int vmon_put_stats(struct sk_buff *skb, struct vmon_vm *vm)
{
	struct vmon_dev *dev;
	struct nlattr *nest;
	u64 merging = 0, rmap = 0, pages = 0;
	unsigned int i;
	int ret = -EMSGSIZE;

	mutex_lock(&vm->lock);
	vmon_vm_sample(vm);
	if (vm->kvm) {
		vmon_ksm_figures(vm, &merging, &rmap);
		pages = vmon_vm_guest_pages(vm);
	}
	if (nla_put_u32(skb, VMON_A_NR_VCPUS, vm->nr_vcpus) ||
	    nla_put_u64_64bit(skb, VMON_A_STEAL_NS, vm->steal_ns, VMON_A_PAD) ||
	    nla_put_u64_64bit(skb, VMON_A_CPU_NS, vm->cpu_ns, VMON_A_PAD) ||
	    nla_put_u32(skb, VMON_A_STEAL_PCT, vm->steal_pct) ||
	    nla_put_u32(skb, VMON_A_CPU_PCT, vm->cpu_pct) ||
	    nla_put_u32(skb, VMON_A_STEAL_THRESHOLD, vm->threshold) ||
	    nla_put_u32(skb, VMON_A_INTERVAL_MS, READ_ONCE(vmon_interval_ms)) ||
	    nla_put_u64_64bit(skb, VMON_A_GUEST_PAGES, pages, VMON_A_PAD) ||
	    nla_put_u64_64bit(skb, VMON_A_KSM_MERGING_PAGES, merging,
			      VMON_A_PAD) ||
	    nla_put_u64_64bit(skb, VMON_A_KSM_RMAP_ITEMS, rmap, VMON_A_PAD))
		goto out_unlock;
	if (vm->est.when &&
	    (nla_put_u32(skb, VMON_A_EST_PAGES, vm->est.pages) ||
	     nla_put_u32(skb, VMON_A_EST_ZERO, vm->est.zero) ||
	     nla_put_u32(skb, VMON_A_EST_DUP, vm->est.dup) ||
	     nla_put_u32(skb, VMON_A_EST_PCT, vm->est.pct) ||
	     nla_put_u64_64bit(skb, VMON_A_EST_COST_NS, vm->est.cost_ns,
			       VMON_A_PAD) ||
	     nla_put_u64_64bit(skb, VMON_A_EST_AGE_MS,
			       div_u64(ktime_get_ns() - vm->est.when,
				       NSEC_PER_MSEC), VMON_A_PAD)))
		goto out_unlock;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vmon_vcpu_acct *va = &vm->vcpus[i];

		nest = nla_nest_start(skb, VMON_A_VCPU);
		if (!nest)
			goto out_unlock;
		if (nla_put_u32(skb, VMON_VCPU_A_INDEX, i) ||
		    nla_put_u32(skb, VMON_VCPU_A_TID, pid_nr(va->pid)) ||
		    nla_put_u64_64bit(skb, VMON_VCPU_A_STEAL_NS, va->steal_ns,
				      VMON_VCPU_A_PAD) ||
		    nla_put_u64_64bit(skb, VMON_VCPU_A_CPU_NS, va->cpu_ns,
				      VMON_VCPU_A_PAD) ||
		    nla_put_u32(skb, VMON_VCPU_A_STEAL_PCT, va->steal_pct)) {
			nla_nest_cancel(skb, nest);
			goto out_unlock;
		}
		nla_nest_end(skb, nest);
	}
	mutex_unlock(&vm->lock);

	ret = 0;
	mutex_lock(&vmon_dev_mutex);
	list_for_each_entry(dev, &vm->devs, node) {
		ret = vmon_put_dev(skb, dev, true);
		if (ret)
			break;
	}
	mutex_unlock(&vmon_dev_mutex);
	return ret;

out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}

/* One message about @vm: its identity, and its figures for STATS_GET. */
static int vmon_fill_vm(struct sk_buff *skb, struct vmon_vm *vm, u8 cmd,
			u32 portid, u32 seq, int flags)
{
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, portid, seq, &vmon_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	ret = vmon_put_vm(skb, vm);
	if (!ret && cmd == VMON_CMD_STATS_GET)
		ret = vmon_put_stats(skb, vm);
	if (ret) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The VM a request names by VMON_A_VM_ID or VMON_A_VM_NAME, referenced.
 * A VM the sender may not see (vmon_vm_visible()) is answered as absent.
 */
static struct vmon_vm *vmon_req_vm(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct nlattr *key;
	struct vmon_vm *vm;

	if (a[VMON_A_VM_ID]) {
		key = a[VMON_A_VM_ID];
		vm = vmon_vm_get_by_id(nla_get_u32(key));
	} else if (a[VMON_A_VM_NAME]) {
		key = a[VMON_A_VM_NAME];
		vm = vmon_vm_get_by_name(nla_data(key));
	} else {
		GENL_SET_ERR_MSG(info, "VMON_A_VM_ID or VMON_A_VM_NAME needed");
		return ERR_PTR(-EINVAL);
	}
	/* the same answer as for no VM at all: existence is not told */
	if (vm && !vmon_vm_visible(skb, vm)) {
		vmon_vm_put(vm);
		vm = NULL;
	}
	if (vm)
		return vm;
	if (key == a[VMON_A_VM_ID])
		NL_SET_ERR_MSG_ATTR(info->extack, key, "no VM with this id");
	else
		NL_SET_ERR_MSG_ATTR(info->extack, key, "no VM with this name");
	return ERR_PTR(-ENOENT);
}

static size_t vmon_msg_size(struct vmon_vm *vm)
{
	return NLMSG_GOODSIZE + vm->nr_vcpus * 80 +
	       vm->nr_devs * (VMON_LAT_BUCKETS * 12 + 256);
}

static int vmon_reply_vm(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	unsigned int tries;
	struct sk_buff *msg;
	struct vmon_vm *vm;
	size_t size;
	int ret;

	vm = vmon_req_vm(skb, info);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	/* vCPUs and devices may come while we fill: grow and retry. */
	for (size = vmon_msg_size(vm), tries = 0;; size *= 2) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg) {
			vmon_vm_put(vm);
			return -ENOMEM;
		}
		ret = vmon_fill_vm(msg, vm, cmd, info->snd_portid,
				   info->snd_seq, 0);
		if (!ret)
			break;
		nlmsg_free(msg);
		if (ret != -EMSGSIZE || ++tries == 4) {
			vmon_vm_put(vm);
			return ret;
		}
	}
	vmon_vm_put(vm);
	return genlmsg_reply(msg, info);
}

static int vmon_dump_vms(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd)
{
	u32 id = cb->args[0] ? cb->args[0] : 1;
	struct vmon_vm *vm;
	int ret;

	while ((vm = vmon_vm_get_next(&id))) {
		ret = 0;
		if (vmon_vm_visible(cb->skb, vm))
			ret = vmon_fill_vm(skb, vm, cmd,
					   NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		vmon_vm_put(vm);
		if (ret) {
			/* A message that cannot fit an empty skb is lost. */
			if (!skb->len)
				return ret;
			break;
		}
		if (id == U32_MAX)
			break;
		id++;
	}
	cb->args[0] = id;
	return skb->len;
}

static int vmon_vm_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vmon_reply_vm(skb, info, VMON_CMD_VM_GET);
}

static int vmon_vm_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return vmon_dump_vms(skb, cb, VMON_CMD_VM_GET);
}

static int vmon_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vmon_reply_vm(skb, info, VMON_CMD_STATS_GET);
}

static int vmon_stats_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	return vmon_dump_vms(skb, cb, VMON_CMD_STATS_GET);
}

static int vmon_fill_dev(struct sk_buff *skb, struct vmon_dev *dev,
			 u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vmon_genl_family, flags,
			  VMON_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (vmon_put_dev(skb, dev, true)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int vmon_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VMON_DEV_A_MAX + 1];
	struct vmon_dev *dev;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, VMON_A_DEV))
		return -EINVAL;
	ret = nla_parse_nested(tb, VMON_DEV_A_MAX, info->attrs[VMON_A_DEV],
			       vmon_dev_policy, info->extack);
	if (ret)
		return ret;
	if (!tb[VMON_DEV_A_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VMON_A_DEV],
				    "VMON_DEV_A_ID needed");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&vmon_dev_mutex);
	dev = xa_load(&vmon_devs, nla_get_u32(tb[VMON_DEV_A_ID]));
	if (dev && vmon_vm_visible(skb, dev->vm))
		ret = vmon_fill_dev(msg, dev, info->snd_portid, info->snd_seq,
				    0);
	else
		ret = -ENOENT;
	mutex_unlock(&vmon_dev_mutex);
	if (ret) {
		if (ret == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[VMON_DEV_A_ID],
					    "no device with this id");
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int vmon_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[0] ? cb->args[0] : 1;
	struct nlattr *vm_attr = vmon_genl_dump_attrs(cb)[VMON_A_VM_ID];
	u32 vm_id = vm_attr ? nla_get_u32(vm_attr) : 0;
	struct vmon_dev *dev;
	int ret = 0;

	mutex_lock(&vmon_dev_mutex);
	xa_for_each_start(&vmon_devs, id, dev, id) {
		if ((vm_id && dev->vm->id != vm_id) ||
		    !vmon_vm_visible(cb->skb, dev->vm))
			continue;
		ret = vmon_fill_dev(skb, dev, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret)
			break;
	}
	mutex_unlock(&vmon_dev_mutex);
	/* Resume at the device that did not fit, or past the last id. */
	cb->args[0] = dev ? id : (unsigned long)INT_MAX + 1;
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

static int vmon_ksm_estimate_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmon_estimate est;
	struct sk_buff *msg;
	struct vmon_vm *vm;
	u32 pages = 4096;
	void *hdr;
	int ret;

	if (info->attrs[VMON_A_EST_PAGES])
		pages = nla_get_u32(info->attrs[VMON_A_EST_PAGES]);
	vm = vmon_req_vm(skb, info);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = vmon_ksm_estimate(vm, pages);
	if (ret) {
		if (ret == -EBUSY)
			GENL_SET_ERR_MSG(info, "estimator rate limit: 1 per second per VM");
		vmon_vm_put(vm);
		return ret;
	}
	mutex_lock(&vm->lock);
	est = vm->est;
	mutex_unlock(&vm->lock);

	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out_put;
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &vmon_genl_family, 0,
				VMON_CMD_KSM_ESTIMATE);
	if (!hdr)
		goto out_free;
	if (vmon_put_vm(msg, vm) ||
	    nla_put_u32(msg, VMON_A_EST_PAGES, est.pages) ||
	    nla_put_u32(msg, VMON_A_EST_ZERO, est.zero) ||
	    nla_put_u32(msg, VMON_A_EST_DUP, est.dup) ||
	    nla_put_u32(msg, VMON_A_EST_PCT, est.pct) ||
	    nla_put_u64_64bit(msg, VMON_A_EST_COST_NS, est.cost_ns,
			      VMON_A_PAD) ||
	    nla_put_u64_64bit(msg, VMON_A_GUEST_PAGES, est.guest_pages,
			      VMON_A_PAD))
		goto out_free;
	genlmsg_end(msg, hdr);
	vmon_vm_put(vm);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out_put:
	vmon_vm_put(vm);
	return ret;
}

static int vmon_set_threshold_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct vmon_vm *vm;

	if (!a[VMON_A_STEAL_THRESHOLD] && !a[VMON_A_INTERVAL_MS]) {
		GENL_SET_ERR_MSG(info,
				 "VMON_A_STEAL_THRESHOLD or VMON_A_INTERVAL_MS needed");
		return -EINVAL;
	}
	if (a[VMON_A_STEAL_THRESHOLD]) {
		vm = vmon_req_vm(skb, info);
		if (IS_ERR(vm))
			return PTR_ERR(vm);
		mutex_lock(&vm->lock);
		vm->threshold = nla_get_u32(a[VMON_A_STEAL_THRESHOLD]);
		vm->over = false;
		mutex_unlock(&vm->lock);
		vmon_vm_put(vm);
	}
	if (a[VMON_A_INTERVAL_MS])
		vmon_set_interval(nla_get_u32(a[VMON_A_INTERVAL_MS]));
	return 0;
}

static const struct genl_ops vmon_genl_ops[] = {
	{
		.cmd = VMON_CMD_VM_GET,
		.doit = vmon_vm_get_doit,
		.dumpit = vmon_vm_get_dumpit,
	},
	{
		.cmd = VMON_CMD_DEV_GET,
		.doit = vmon_dev_get_doit,
		.dumpit = vmon_dev_get_dumpit,
	},
	{
		.cmd = VMON_CMD_STATS_GET,
		.doit = vmon_stats_get_doit,
		.dumpit = vmon_stats_get_dumpit,
	},
	{
		.cmd = VMON_CMD_KSM_ESTIMATE,
		.doit = vmon_ksm_estimate_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VMON_CMD_SET_THRESHOLD,
		.doit = vmon_set_threshold_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vmon_genl_mcgrps[] = {
	/* events name every VM, its owner and its devices: admin only */
	{ .name = VMON_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family vmon_genl_family = {
	.name = VMON_GENL_NAME,
	.version = VMON_GENL_VERSION,
	.maxattr = VMON_A_MAX,
	.policy = vmon_policy,
	.module = THIS_MODULE,
	/* The handlers lock for themselves; an estimate blocks nobody else. */
	.parallel_ops = true,
	.ops = vmon_genl_ops,
	.n_ops = ARRAY_SIZE(vmon_genl_ops),
	.resv_start_op = 0,
	.mcgrps = vmon_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vmon_genl_mcgrps),
};

/* Start an event message, or NULL when nobody listens or on no memory. */
static struct sk_buff *vmon_event_new(u32 event, void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(vmon_genl_up) ||
	    !genl_has_listeners(&vmon_genl_family, &init_net, 0))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &vmon_genl_family, 0, VMON_CMD_EVENT);
	if (!*hdr || nla_put_u32(skb, VMON_A_EVENT, event)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void vmon_event_send(struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&vmon_genl_family, skb, 0, 0, GFP_ATOMIC);
}

void vmon_genl_event_vm(struct vmon_vm *vm, u32 event, u32 reason)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = vmon_event_new(event, &hdr);
	if (!skb)
		return;
	err = vmon_put_vm(skb, vm);
	if (!err && reason)
		err = nla_put_u32(skb, VMON_A_REASON, reason);
	vmon_event_send(skb, hdr, err);
}

void vmon_genl_event_dev(struct vmon_dev *dev, u32 event)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = vmon_event_new(event, &hdr);
	if (!skb)
		return;
	err = vmon_put_vm(skb, dev->vm);
	if (!err)
		err = vmon_put_dev(skb, dev, false);
	vmon_event_send(skb, hdr, err);
}

void vmon_genl_event_steal(struct vmon_vm *vm, u32 pct)
{
	struct sk_buff *skb;
	void *hdr;
	int err;

	skb = vmon_event_new(VMON_EVENT_STEAL_OVER, &hdr);
	if (!skb)
		return;
	err = vmon_put_vm(skb, vm);
	if (!err)
		err = nla_put_u32(skb, VMON_A_STEAL_PCT, pct);
	if (!err)
		err = nla_put_u32(skb, VMON_A_STEAL_THRESHOLD,
				  READ_ONCE(vm->threshold));
	vmon_event_send(skb, hdr, err);
}

int vmon_genl_init(void)
{
	int ret;

	ret = genl_register_family(&vmon_genl_family);
	if (ret)
		return ret;
	WRITE_ONCE(vmon_genl_up, true);
	return 0;
}

void vmon_genl_exit(void)
{
	WRITE_ONCE(vmon_genl_up, false);
	genl_unregister_family(&vmon_genl_family);
}
