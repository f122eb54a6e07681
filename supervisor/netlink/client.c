// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon-nl: client of the generic netlink family "vmon", on libnl-genl-3.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <vmon/nl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define VMON_NL_EVQ 64

struct vmon_nl {
	struct nl_sock *sk;
	struct nl_sock *ev_sk;
	int family;
	char errmsg[256];
	struct vmon_nl_event evq[VMON_NL_EVQ];
	unsigned int ev_head, ev_len;
};

/* What one request collects. */
struct vmon_nl_req {
	struct vmon_nl *nl;
	int err;
	bool done;
	int (*parse)(struct vmon_nl_req *req, struct nlattr **tb, struct nlmsghdr *nlh);
	void *arg;
	int parse_err;
};

static struct nla_policy vmon_nl_policy[VMON_A_MAX + 1] = {
	[VMON_A_VM_ID] = { .type = NLA_U32 },
	[VMON_A_VM_NAME] = { .type = NLA_STRING },
	[VMON_A_OWNER_PID] = { .type = NLA_U32 },
	[VMON_A_NR_VCPUS] = { .type = NLA_U32 },
	[VMON_A_STEAL_NS] = { .type = NLA_U64 },
	[VMON_A_CPU_NS] = { .type = NLA_U64 },
	[VMON_A_STEAL_PCT] = { .type = NLA_U32 },
	[VMON_A_CPU_PCT] = { .type = NLA_U32 },
	[VMON_A_STEAL_THRESHOLD] = { .type = NLA_U32 },
	[VMON_A_INTERVAL_MS] = { .type = NLA_U32 },
	[VMON_A_VCPU] = { .type = NLA_NESTED },
	[VMON_A_DEV] = { .type = NLA_NESTED },
	[VMON_A_KSM_MERGING_PAGES] = { .type = NLA_U64 },
	[VMON_A_KSM_RMAP_ITEMS] = { .type = NLA_U64 },
	[VMON_A_EST_PAGES] = { .type = NLA_U32 },
	[VMON_A_EST_ZERO] = { .type = NLA_U32 },
	[VMON_A_EST_DUP] = { .type = NLA_U32 },
	[VMON_A_EST_PCT] = { .type = NLA_U32 },
	[VMON_A_EST_COST_NS] = { .type = NLA_U64 },
	[VMON_A_EST_AGE_MS] = { .type = NLA_U64 },
	[VMON_A_EVENT] = { .type = NLA_U32 },
	[VMON_A_REASON] = { .type = NLA_U32 },
	[VMON_A_GUEST_PAGES] = { .type = NLA_U64 },
};

static struct nla_policy vmon_nl_vcpu_policy[VMON_VCPU_A_MAX + 1] = {
	[VMON_VCPU_A_INDEX] = { .type = NLA_U32 },     [VMON_VCPU_A_TID] = { .type = NLA_U32 },
	[VMON_VCPU_A_STEAL_NS] = { .type = NLA_U64 },  [VMON_VCPU_A_CPU_NS] = { .type = NLA_U64 },
	[VMON_VCPU_A_STEAL_PCT] = { .type = NLA_U32 },
};

static const char *const vmon_ctr_names[VMON_DEV_A_MAX + 1] = {
	[VMON_DEV_A_RX_PACKETS] = "rx_packets",
	[VMON_DEV_A_RX_BYTES] = "rx_bytes",
	[VMON_DEV_A_RX_DROPS] = "rx_drops",
	[VMON_DEV_A_TX_PACKETS] = "tx_packets",
	[VMON_DEV_A_TX_BYTES] = "tx_bytes",
	[VMON_DEV_A_TX_DROPS] = "tx_drops",
	[VMON_DEV_A_RD_OPS] = "read_ops",
	[VMON_DEV_A_RD_BYTES] = "read_bytes",
	[VMON_DEV_A_WR_OPS] = "write_ops",
	[VMON_DEV_A_WR_BYTES] = "write_bytes",
	[VMON_DEV_A_FLUSH_OPS] = "flush_ops",
	[VMON_DEV_A_DISCARD_OPS] = "discard_ops",
	[VMON_DEV_A_DISCARD_BYTES] = "discard_bytes",
	[VMON_DEV_A_THROTTLED_NS] = "throttled_ns",
};

const char *vmon_nl_ctr_name(unsigned int attr)
{
	return attr <= VMON_DEV_A_MAX ? vmon_ctr_names[attr] : NULL;
}

const char *vmon_nl_event_name(uint32_t event)
{
	static const char *const names[] = {
		[VMON_EVENT_VM_REGISTERED] = "vm-registered",
		[VMON_EVENT_VM_UNREGISTERED] = "vm-unregistered",
		[VMON_EVENT_DEV_ATTACHED] = "dev-attached",
		[VMON_EVENT_DEV_DETACHED] = "dev-detached",
		[VMON_EVENT_STEAL_OVER] = "steal-over-threshold",
		[VMON_EVENT_THROTTLE] = "throttle",
	};

	if (event < sizeof(names) / sizeof(names[0]) && names[event])
		return names[event];
	return "unknown";
}

const char *vmon_nl_reason_name(uint32_t reason)
{
	switch (reason) {
	case VMON_REASON_REQUEST:
		return "request";
	case VMON_REASON_VM_GONE:
		return "vm-gone";
	case VMON_REASON_UNLOAD:
		return "unload";
	default:
		return "unknown";
	}
}

const char *vmon_nl_dev_type_name(uint32_t type)
{
	switch (type) {
	case VMON_DEV_NET:
		return "net";
	case VMON_DEV_BLK:
		return "blk";
	case VMON_DEV_TEST:
		return "test";
	default:
		return "unknown";
	}
}

const char *vmon_nl_errmsg(const struct vmon_nl *nl)
{
	return nl->errmsg;
}

/* libnl's error codes back to errno values, for the few that matter. */
static int vmon_nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

static int vmon_nl_on_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *hdr = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct vmon_nl_req *req = arg;
	size_t off;

	(void)who;
	req->err = e->error ? e->error : -EIO;
	req->done = true;
	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = sizeof(*e);
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (hdr->nlmsg_len < NLMSG_HDRLEN + off)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      hdr->nlmsg_len - NLMSG_HDRLEN - off, NULL) == 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(req->nl->errmsg, sizeof(req->nl->errmsg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int vmon_nl_on_done(struct nl_msg *msg, void *arg)
{
	struct vmon_nl_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int vmon_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[VMON_A_MAX + 1];
	struct vmon_nl_req *req = arg;
	int ret;

	if (!req->parse || req->parse_err)
		return NL_OK;
	ret = genlmsg_parse(nlh, 0, tb, VMON_A_MAX, vmon_nl_policy);
	if (ret < 0) {
		req->parse_err = -EPROTO;
		return NL_OK;
	}
	ret = req->parse(req, tb, nlh);
	if (ret)
		req->parse_err = ret;
	return NL_OK;
}

/* Send msg (consumed) and collect the answer through req->parse. */
static int vmon_nl_do(struct vmon_nl *nl, struct nl_msg *msg, struct vmon_nl_req *req)
{
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	req->nl = nl;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, vmon_nl_on_valid, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, vmon_nl_on_done, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, vmon_nl_on_done, req);
	nl_cb_err(cb, NL_CB_CUSTOM, vmon_nl_on_err, req);

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return vmon_nl_errno(ret);
	}
	while (!req->done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !req->done) {
			nl_cb_put(cb);
			return vmon_nl_errno(ret);
		}
	}
	nl_cb_put(cb);
	if (req->err)
		return req->err;
	return req->parse_err;
}

static struct nl_msg *vmon_nl_msg(struct vmon_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags, cmd,
			 VMON_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int vmon_nl_open(struct vmon_nl **nlp)
{
	struct vmon_nl *nl;
	int one = 1, ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	ret = -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto err;
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = vmon_nl_errno(ret);
		goto err;
	}
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, VMON_GENL_NAME);
	if (nl->family < 0) {
		ret = -ENOENT;
		goto err;
	}
	*nlp = nl;
	return 0;
err:
	vmon_nl_close(nl);
	return ret;
}

void vmon_nl_close(struct vmon_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		nl_socket_free(nl->sk);
	if (nl->ev_sk)
		nl_socket_free(nl->ev_sk);
	free(nl);
}

static int vmon_nl_parse_dev(struct nlattr *nest, struct vmon_nl_dev *dev)
{
	struct nlattr *tb[VMON_DEV_A_MAX + 1], *a;
	int rem, i;

	memset(dev, 0, sizeof(*dev));
	if (nla_parse_nested(tb, VMON_DEV_A_MAX, nest, NULL) < 0)
		return -EPROTO;
	for (i = 1; i <= VMON_DEV_A_MAX; i++) {
		if (!tb[i])
			continue;
		switch (i) {
		case VMON_DEV_A_ID:
			dev->id = nla_get_u32(tb[i]);
			break;
		case VMON_DEV_A_TYPE:
			dev->type = nla_get_u32(tb[i]);
			break;
		case VMON_DEV_A_VM_ID:
			dev->vm_id = nla_get_u32(tb[i]);
			break;
		case VMON_DEV_A_NAME:
			snprintf(dev->name, sizeof(dev->name), "%s", nla_get_string(tb[i]));
			break;
		case VMON_DEV_A_LAT_HIST:
			nla_for_each_nested (a, tb[i], rem) {
				int b = nla_type(a) - 1;

				if (b >= 0 && b < VMON_LAT_BUCKETS && nla_len(a) == 8)
					dev->lat[b] = nla_get_u64(a);
			}
			break;
		default:
			if (vmon_ctr_names[i] && nla_len(tb[i]) == 8)
				dev->ctr[i] = nla_get_u64(tb[i]);
		}
	}
	return 0;
}

static uint32_t get_u32(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

static int vmon_nl_parse_vm(struct nlattr **tb, struct nlmsghdr *nlh, struct vmon_nl_vm *vm)
{
	struct nlattr *a;
	int rem;

	memset(vm, 0, sizeof(*vm));
	vm->id = get_u32(tb, VMON_A_VM_ID);
	if (tb[VMON_A_VM_NAME])
		snprintf(vm->name, sizeof(vm->name), "%s", nla_get_string(tb[VMON_A_VM_NAME]));
	vm->owner_pid = get_u32(tb, VMON_A_OWNER_PID);
	vm->nr_vcpus = get_u32(tb, VMON_A_NR_VCPUS);
	vm->steal_ns = get_u64(tb, VMON_A_STEAL_NS);
	vm->cpu_ns = get_u64(tb, VMON_A_CPU_NS);
	vm->steal_pct = get_u32(tb, VMON_A_STEAL_PCT);
	vm->cpu_pct = get_u32(tb, VMON_A_CPU_PCT);
	vm->threshold = get_u32(tb, VMON_A_STEAL_THRESHOLD);
	vm->interval_ms = get_u32(tb, VMON_A_INTERVAL_MS);
	vm->guest_pages = get_u64(tb, VMON_A_GUEST_PAGES);
	vm->ksm_merging_pages = get_u64(tb, VMON_A_KSM_MERGING_PAGES);
	vm->ksm_rmap_items = get_u64(tb, VMON_A_KSM_RMAP_ITEMS);
	vm->has_est = tb[VMON_A_EST_PCT] != NULL;
	vm->est_pages = get_u32(tb, VMON_A_EST_PAGES);
	vm->est_zero = get_u32(tb, VMON_A_EST_ZERO);
	vm->est_dup = get_u32(tb, VMON_A_EST_DUP);
	vm->est_pct = get_u32(tb, VMON_A_EST_PCT);
	vm->est_cost_ns = get_u64(tb, VMON_A_EST_COST_NS);
	vm->est_age_ms = get_u64(tb, VMON_A_EST_AGE_MS);

	/* Repeated nests: walk all attributes of the message. */
	nla_for_each_attr (a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			   genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) == VMON_A_VCPU) {
			struct nlattr *vt[VMON_VCPU_A_MAX + 1];
			struct vmon_nl_vcpu *v;

			if (nla_parse_nested(vt, VMON_VCPU_A_MAX, a, vmon_nl_vcpu_policy) < 0)
				return -EPROTO;
			v = realloc(vm->vcpus, (vm->n_vcpus + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			vm->vcpus = v;
			v += vm->n_vcpus++;
			v->index = get_u32(vt, VMON_VCPU_A_INDEX);
			v->tid = get_u32(vt, VMON_VCPU_A_TID);
			v->steal_ns = get_u64(vt, VMON_VCPU_A_STEAL_NS);
			v->cpu_ns = get_u64(vt, VMON_VCPU_A_CPU_NS);
			v->steal_pct = get_u32(vt, VMON_VCPU_A_STEAL_PCT);
		} else if (nla_type(a) == VMON_A_DEV) {
			struct vmon_nl_dev *d;

			d = realloc(vm->devs, (vm->n_devs + 1) * sizeof(*d));
			if (!d)
				return -ENOMEM;
			vm->devs = d;
			if (vmon_nl_parse_dev(a, &d[vm->n_devs]))
				return -EPROTO;
			vm->n_devs++;
		}
	}
	return 0;
}

void vmon_nl_vm_free(struct vmon_nl_vm *vm)
{
	free(vm->vcpus);
	free(vm->devs);
	vm->vcpus = NULL;
	vm->devs = NULL;
	vm->n_vcpus = vm->n_devs = 0;
}

void vmon_nl_vms_free(struct vmon_nl_vm *vms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vmon_nl_vm_free(&vms[i]);
	free(vms);
}

static int parse_one_vm(struct vmon_nl_req *req, struct nlattr **tb, struct nlmsghdr *nlh)
{
	struct vmon_nl_vm *vm = req->arg;

	vmon_nl_vm_free(vm);
	return vmon_nl_parse_vm(tb, nlh, vm);
}

struct vm_list {
	struct vmon_nl_vm *vms;
	size_t n;
};

static int parse_vm_list(struct vmon_nl_req *req, struct nlattr **tb, struct nlmsghdr *nlh)
{
	struct vm_list *l = req->arg;
	struct vmon_nl_vm *v;

	v = realloc(l->vms, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->vms = v;
	memset(&v[l->n], 0, sizeof(*v));
	l->n++;
	return vmon_nl_parse_vm(tb, nlh, &v[l->n - 1]);
}

int vmon_nl_vm_get(struct vmon_nl *nl, uint32_t id, const char *name, bool stats,
		   struct vmon_nl_vm *vm)
{
	struct vmon_nl_req req = { .parse = parse_one_vm, .arg = vm };
	struct nl_msg *msg;
	int ret;

	memset(vm, 0, sizeof(*vm));
	msg = vmon_nl_msg(nl, stats ? VMON_CMD_STATS_GET : VMON_CMD_VM_GET, 0);
	if (!msg)
		return -ENOMEM;
	if (name ? nla_put_string(msg, VMON_A_VM_NAME, name) : nla_put_u32(msg, VMON_A_VM_ID, id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = vmon_nl_do(nl, msg, &req);
	if (!ret && !vm->id)
		ret = -EPROTO;
	if (ret)
		vmon_nl_vm_free(vm);
	return ret;
}

int vmon_nl_vm_list(struct vmon_nl *nl, bool stats, struct vmon_nl_vm **vms, size_t *n)
{
	struct vm_list l = { 0 };
	struct vmon_nl_req req = { .parse = parse_vm_list, .arg = &l };
	struct nl_msg *msg;
	int ret;

	msg = vmon_nl_msg(nl, stats ? VMON_CMD_STATS_GET : VMON_CMD_VM_GET, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	ret = vmon_nl_do(nl, msg, &req);
	if (ret) {
		vmon_nl_vms_free(l.vms, l.n);
		return ret;
	}
	*vms = l.vms;
	*n = l.n;
	return 0;
}

struct dev_list {
	struct vmon_nl_dev *devs;
	size_t n;
};

static int parse_dev_list(struct vmon_nl_req *req, struct nlattr **tb, struct nlmsghdr *nlh)
{
	struct dev_list *l = req->arg;
	struct vmon_nl_dev *d;

	(void)nlh;
	if (!tb[VMON_A_DEV])
		return -EPROTO;
	d = realloc(l->devs, (l->n + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	l->devs = d;
	if (vmon_nl_parse_dev(tb[VMON_A_DEV], &d[l->n]))
		return -EPROTO;
	l->n++;
	return 0;
}

int vmon_nl_dev_list(struct vmon_nl *nl, uint32_t vm_id, struct vmon_nl_dev **devs, size_t *n)
{
	struct dev_list l = { 0 };
	struct vmon_nl_req req = { .parse = parse_dev_list, .arg = &l };
	struct nl_msg *msg;
	int ret;

	msg = vmon_nl_msg(nl, VMON_CMD_DEV_GET, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	if (vm_id && nla_put_u32(msg, VMON_A_VM_ID, vm_id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = vmon_nl_do(nl, msg, &req);
	if (ret) {
		free(l.devs);
		return ret;
	}
	*devs = l.devs;
	*n = l.n;
	return 0;
}

int vmon_nl_dev_get(struct vmon_nl *nl, uint32_t dev_id, struct vmon_nl_dev *dev)
{
	struct dev_list l = { 0 };
	struct vmon_nl_req req = { .parse = parse_dev_list, .arg = &l };
	struct nlattr *nest;
	struct nl_msg *msg;
	int ret;

	msg = vmon_nl_msg(nl, VMON_CMD_DEV_GET, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, VMON_A_DEV);
	if (!nest || nla_put_u32(msg, VMON_DEV_A_ID, dev_id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	ret = vmon_nl_do(nl, msg, &req);
	if (!ret && l.n != 1)
		ret = -EPROTO;
	if (!ret)
		*dev = l.devs[0];
	free(l.devs);
	return ret;
}

int vmon_nl_ksm_estimate(struct vmon_nl *nl, uint32_t vm_id, uint32_t pages, struct vmon_nl_vm *vm)
{
	struct vmon_nl_req req = { .parse = parse_one_vm, .arg = vm };
	struct nl_msg *msg;
	int ret;

	memset(vm, 0, sizeof(*vm));
	msg = vmon_nl_msg(nl, VMON_CMD_KSM_ESTIMATE, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, VMON_A_VM_ID, vm_id) ||
	    (pages && nla_put_u32(msg, VMON_A_EST_PAGES, pages))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = vmon_nl_do(nl, msg, &req);
	if (ret)
		vmon_nl_vm_free(vm);
	return ret;
}

int vmon_nl_set_threshold(struct vmon_nl *nl, uint32_t vm_id, uint32_t threshold,
			  uint32_t interval_ms)
{
	struct vmon_nl_req req = { 0 };
	struct nl_msg *msg;

	msg = vmon_nl_msg(nl, VMON_CMD_SET_THRESHOLD, 0);
	if (!msg)
		return -ENOMEM;
	if ((vm_id && (nla_put_u32(msg, VMON_A_VM_ID, vm_id) ||
		       nla_put_u32(msg, VMON_A_STEAL_THRESHOLD, threshold))) ||
	    (interval_ms && nla_put_u32(msg, VMON_A_INTERVAL_MS, interval_ms))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return vmon_nl_do(nl, msg, &req);
}

static int vmon_nl_on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[VMON_A_MAX + 1];
	struct vmon_nl *nl = arg;
	struct vmon_nl_event *ev;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VMON_A_MAX, vmon_nl_policy) < 0 ||
	    !tb[VMON_A_EVENT])
		return NL_OK;
	if (nl->ev_len == VMON_NL_EVQ)
		return NL_OK; /* full: the oldest are kept */
	ev = &nl->evq[(nl->ev_head + nl->ev_len++) % VMON_NL_EVQ];
	memset(ev, 0, sizeof(*ev));
	ev->event = nla_get_u32(tb[VMON_A_EVENT]);
	ev->vm_id = get_u32(tb, VMON_A_VM_ID);
	if (tb[VMON_A_VM_NAME])
		snprintf(ev->vm_name, sizeof(ev->vm_name), "%s",
			 nla_get_string(tb[VMON_A_VM_NAME]));
	ev->reason = get_u32(tb, VMON_A_REASON);
	ev->steal_pct = get_u32(tb, VMON_A_STEAL_PCT);
	ev->threshold = get_u32(tb, VMON_A_STEAL_THRESHOLD);
	if (tb[VMON_A_DEV])
		ev->has_dev = !vmon_nl_parse_dev(tb[VMON_A_DEV], &ev->dev);
	return NL_OK;
}

int vmon_nl_events_join(struct vmon_nl *nl)
{
	int grp, ret;

	if (nl->ev_sk)
		return 0;
	grp = genl_ctrl_resolve_grp(nl->sk, VMON_GENL_NAME, VMON_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	nl->ev_sk = nl_socket_alloc();
	if (!nl->ev_sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(nl->ev_sk);
	nl_socket_modify_cb(nl->ev_sk, NL_CB_VALID, NL_CB_CUSTOM, vmon_nl_on_event, nl);
	ret = genl_connect(nl->ev_sk);
	if (ret >= 0)
		ret = nl_socket_add_membership(nl->ev_sk, grp);
	if (ret >= 0)
		ret = nl_socket_set_nonblocking(nl->ev_sk);
	if (ret < 0) {
		nl_socket_free(nl->ev_sk);
		nl->ev_sk = NULL;
		return vmon_nl_errno(ret);
	}
	return 0;
}

int vmon_nl_event_fd(struct vmon_nl *nl)
{
	return nl->ev_sk ? nl_socket_get_fd(nl->ev_sk) : -1;
}

int vmon_nl_event_wait(struct vmon_nl *nl, int timeout_ms, struct vmon_nl_event *ev)
{
	struct pollfd p;
	int ret;

	if (!nl->ev_sk)
		return -EINVAL;
	while (!nl->ev_len) {
		p.fd = nl_socket_get_fd(nl->ev_sk);
		p.events = POLLIN;
		ret = poll(&p, 1, timeout_ms);
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		ret = nl_recvmsgs_default(nl->ev_sk);
		if (ret < 0 && ret != -NLE_AGAIN)
			return vmon_nl_errno(ret);
	}
	*ev = nl->evq[nl->ev_head];
	nl->ev_head = (nl->ev_head + 1) % VMON_NL_EVQ;
	nl->ev_len--;
	return 0;
}
