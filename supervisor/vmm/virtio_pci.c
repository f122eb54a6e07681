// SPDX-License-Identifier: GPL-2.0
/*
 * The modern virtio-pci transport (virtio 1.x, 4.1): vendor capabilities
 * pointing into BAR 0, the common configuration, ISR, device configuration
 * and notification areas, MSI-X with one irqfd per vector, and one
 * ioeventfd per queue at its notify address. The device itself is the
 * core's (virtio_core.c); this file maps registers onto it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>
#include <unistd.h>

#include "vmm.h"
#include "virtio_pci.h"

#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000

static uint16_t msix_ctrl(struct virtio_pci *vp)
{
	return (uint16_t)ld_le(vp->pci.cfg + VPCI_CAP_MSIX + 2, 2);
}

static bool msix_enabled(struct virtio_pci *vp)
{
	return msix_ctrl(vp) & MSIX_CTRL_ENABLE;
}

static void vector_fire(struct virtio_pci *vp, int v)
{
	uint64_t one = 1;

	if (msix_ctrl(vp) & MSIX_CTRL_MASKALL || vp->msix_tab[v][3] & 1) {
		vp->msix_pba |= 1ULL << v;
		return;
	}
	vp->dev->stats.irqs++;
	if (write(vp->vec_fd[v], &one, sizeof(one)) < 0)
		vmm_warn("%s: irqfd write: %s", vp->dev->name, strerror(errno));
}

static void tr_signal(struct virtio_dev *d, struct virtq *q)
{
	struct virtio_pci *vp = virtio_pci_of(d);
	uint16_t v = q ? q->vector : vp->config_msix;

	if (v == VIRTIO_NO_VECTOR || v >= vp->nvec || !msix_enabled(vp))
		return;
	vector_fire(vp, v);
}

static int tr_call_fd(struct virtio_dev *d, struct virtq *q)
{
	struct virtio_pci *vp = virtio_pci_of(d);

	if (q->vector == VIRTIO_NO_VECTOR || q->vector >= vp->nvec)
		return -1;
	return vp->vec_fd[q->vector];
}

/* Route every vector to where its table entry says, while MSI-X is on. */
static void msix_update_routes(struct virtio_pci *vp)
{
	for (int v = 0; v < vp->nvec; v++) {
		uint64_t addr = vp->msix_tab[v][0] | (uint64_t)vp->msix_tab[v][1] << 32;

		kvm_set_msi_route(vp->dev->vm, vp->vec_gsi[v], addr, vp->msix_tab[v][2],
				  msix_enabled(vp) && addr);
	}
	/* Unmasked vectors deliver what became pending while masked. */
	for (int v = 0; v < vp->nvec; v++) {
		if ((vp->msix_pba & (1ULL << v)) && !(vp->msix_tab[v][3] & 1) &&
		    !(msix_ctrl(vp) & MSIX_CTRL_MASKALL) && msix_enabled(vp)) {
			vp->msix_pba &= ~(1ULL << v);
			vector_fire(vp, v);
		}
	}
}

/* Put each enabled queue's ioeventfd at its notify address in BAR 0. */
static void update_kicks(struct virtio_dev *d)
{
	struct virtio_pci *vp = virtio_pci_of(d);

	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];
		uint64_t want = 0;

		if (q->enabled && pci_mem_enabled(&vp->pci))
			want = vp->pci.bar[0].addr + VPCI_NOTIFY + (uint64_t)VPCI_NOTIFY_MULT * i;
		if (want == q->kick_addr)
			continue;
		if (q->kick_addr)
			kvm_ioeventfd(d->vm, q->kick_fd, q->kick_addr, 2, false);
		q->kick_addr = 0;
		if (want && kvm_ioeventfd(d->vm, q->kick_fd, want, 2, true) == 0)
			q->kick_addr = want;
	}
}

static void bars_changed(struct pci_dev *p)
{
	update_kicks(((struct virtio_pci *)p)->dev);
}

static void bar_access(void *opaque, uint64_t off, uint8_t *data, int size, bool is_write);

/*
 * The VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.9): an access to pci_cfg_data
 * goes to BAR cap.bar at cap.offset for cap.length bytes (1, 2 or 4,
 * aligned, inside the BAR). Anything else moves no data: reads give zero.
 */
#define PCICFG_DATA (VPCI_CAP_PCICFG + 16)

static bool pcicfg_hit(int off, int size)
{
	return off < PCICFG_DATA + 4 && off + size > PCICFG_DATA;
}

static void pcicfg_access(struct virtio_pci *vp, bool write)
{
	const uint8_t *cap = vp->pci.cfg + VPCI_CAP_PCICFG;
	uint32_t boff = (uint32_t)ld_le(cap + 8, 4), len = (uint32_t)ld_le(cap + 12, 4);
	uint8_t *data = vp->pci.cfg + PCICFG_DATA;

	if (cap[4] != 0 || (len != 1 && len != 2 && len != 4) || boff % len ||
	    boff > VPCI_BAR_SIZE - len) {
		if (!write)
			memset(data, 0, 4);
		return;
	}
	bar_access(vp, boff, data, (int)len, write);
}

static void cfg_read(struct pci_dev *p, int off, int size)
{
	if (pcicfg_hit(off, size))
		pcicfg_access((struct virtio_pci *)p, false);
}

static void cfg_written(struct pci_dev *p, int off, int size)
{
	if (off < VPCI_CAP_MSIX + 4 && off + size > VPCI_CAP_MSIX + 2)
		msix_update_routes((struct virtio_pci *)p);
	if (pcicfg_hit(off, size))
		pcicfg_access((struct virtio_pci *)p, true);
}

static void tr_reset(struct virtio_dev *d)
{
	virtio_pci_of(d)->config_msix = VIRTIO_NO_VECTOR;
}

/* The common configuration structure (virtio 1.x, 4.1.4.3). */
static void common_access(struct virtio_pci *vp, uint32_t off, uint8_t *data, int size, bool write)
{
	struct virtio_dev *d = vp->dev;
	struct virtq *q = d->queue_sel < d->nq ? &d->q[d->queue_sel] : NULL;
	uint64_t v = write ? ld_le(data, size) : 0, r = 0;
	bool live = q && q->enabled; /* a live queue's setup is read-only */

	switch (off) {
	case 0x00:
		if (write)
			d->dfselect = (uint32_t)v;
		r = d->dfselect;
		break;
	case 0x04:
		r = d->dfselect < 2 ? (uint32_t)(d->host_features >> (32 * d->dfselect)) : 0;
		break;
	case 0x08:
		d->gfselect = write ? (uint32_t)v : d->gfselect;
		r = d->gfselect;
		break;
	case 0x0c:
		if (write && d->gfselect < 2 && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			int sh = 32 * (int)d->gfselect;
			d->guest_features &= ~(0xffffffffULL << sh);
			d->guest_features |= (v & 0xffffffff) << sh;
		}
		r = d->gfselect < 2 ? (uint32_t)(d->guest_features >> (32 * d->gfselect)) : 0;
		break;
	case 0x10:
		if (write)
			vp->config_msix = (uint16_t)v < vp->nvec ? (uint16_t)v : VIRTIO_NO_VECTOR;
		r = vp->config_msix;
		break;
	case 0x12:
		r = (uint64_t)d->nq;
		break;
	case 0x14:
		if (write)
			virtio_dev_set_status(d, (uint8_t)v);
		r = d->status;
		break;
	case 0x15:
		r = d->config_gen;
		break;
	case 0x16:
		if (write)
			d->queue_sel = (uint16_t)v;
		r = d->queue_sel;
		break;
	case 0x18:
		if (q && write && !live)
			q->num = (uint16_t)v;
		r = q ? q->num : 0;
		break;
	case 0x1a:
		if (q && write && !live) /* the vector of a live queue is fixed (4.1.4.3) */
			q->vector = (uint16_t)v < vp->nvec ? (uint16_t)v : VIRTIO_NO_VECTOR;
		r = q ? q->vector : VIRTIO_NO_VECTOR;
		break;
	case 0x1c:
		if (q && write && v == 1)
			virtio_dev_queue_enable(d, q);
		r = q ? q->enabled : 0;
		break;
	case 0x1e:
		r = q ? (uint64_t)d->queue_sel : 0;
		break;
	case 0x20:
	case 0x24:
	case 0x28:
	case 0x2c:
	case 0x30:
	case 0x34: {
		uint64_t *f = !q	   ? NULL
			      : off < 0x28 ? &q->desc_gpa
			      : off < 0x30 ? &q->avail_gpa
					   : &q->used_gpa;
		int sh = (off & 4) ? 32 : 0;

		if (f && write && !live) {
			if (size == 8) {
				*f = v;
			} else {
				*f &= ~(0xffffffffULL << sh);
				*f |= (v & 0xffffffff) << sh;
			}
		}
		r = f ? (size == 8 ? *f : *f >> sh) : 0;
		break;
	}
	default:
		break;
	}
	st_le(data, size, r);
}

static void bar_access(void *opaque, uint64_t off, uint8_t *data, int size, bool is_write)
{
	struct virtio_pci *vp = opaque;
	struct virtio_dev *d = vp->dev;
	uint8_t tmp[8];

	if (is_write)
		memcpy(tmp, data, (size_t)size);
	else
		memset(data, 0, (size_t)size);
	if (off < VPCI_COMMON + 0x38) {
		common_access(vp, (uint32_t)off, is_write ? tmp : data, size, is_write);
	} else if (off == VPCI_ISR) {
		if (!is_write) {
			data[0] = d->isr;
			d->isr = 0; /* read to clear */
		}
	} else if (off >= VPCI_DEVICE && off < VPCI_DEVICE + d->config_len) {
		uint32_t o = (uint32_t)(off - VPCI_DEVICE);

		if (is_write)
			virtio_dev_config_write(d, o, tmp, size);
		else
			virtio_dev_config_read(d, o, data, size);
	} else if (off >= VPCI_NOTIFY && off < VPCI_NOTIFY + (uint64_t)VPCI_NOTIFY_MULT * d->nq) {
		/* A notify the ioeventfd did not catch (another width). */
		if (is_write)
			virtio_dev_kick(d, &d->q[(off - VPCI_NOTIFY) / VPCI_NOTIFY_MULT]);
	} else if (off >= VPCI_MSIX_TABLE && off < VPCI_MSIX_TABLE + 16 * (uint64_t)vp->nvec) {
		uint32_t e = (uint32_t)(off - VPCI_MSIX_TABLE) / 16;
		uint32_t w = (uint32_t)(off - VPCI_MSIX_TABLE) % 16 / 4;

		if (size != 4 && size != 8)
			return;
		for (int i = 0; i < size / 4 && w + (uint32_t)i < 4; i++) {
			if (is_write)
				vp->msix_tab[e][w + i] = (uint32_t)ld_le(tmp + 4 * i, 4);
			else
				st_le(data + 4 * i, 4, vp->msix_tab[e][w + i]);
		}
		if (is_write)
			msix_update_routes(vp);
	} else if (off >= VPCI_MSIX_PBA && off < VPCI_MSIX_PBA + 8) {
		if (!is_write)
			st_le(data, size, vp->msix_pba >> (8 * (off - VPCI_MSIX_PBA)));
	}
}

static void add_cap(struct virtio_pci *vp, int at, int next, uint8_t type, uint32_t off,
		    uint32_t len, int cap_len)
{
	uint8_t *c = vp->pci.cfg + at;

	c[0] = 0x09; /* vendor specific */
	c[1] = (uint8_t)next;
	c[2] = (uint8_t)cap_len;
	c[3] = type;
	c[4] = 0; /* BAR 0 */
	st_le(c + 8, 4, off);
	st_le(c + 12, 4, len);
}

/* The PCI class of each device type (virtio 1.x, 4.1.2.1: any is allowed). */
static uint32_t class_of(uint16_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET:
		return 0x020000;
	case VIRTIO_ID_BLOCK:
		return 0x018000;
	case VIRTIO_ID_BALLOON:
		return 0x050000;
	default:
		return 0x00ff00;
	}
}

static int tr_attach(struct vm *vm, struct virtio_dev *d)
{
	struct virtio_pci *vp = calloc(1, sizeof(*vp));
	struct pci_dev *p;
	uint8_t *m;

	if (!vp)
		return -1;
	d->tr_data = vp;
	vp->dev = d;
	vp->nvec = d->nq + 1;
	p = &vp->pci;
	pci_dev_init(p, 0x1af4, (uint16_t)(0x1040 + d->device_id), class_of(d->device_id));
	p->cfg[PCI_REVISION] = 1;
	pci_set16(p, PCI_SUBSYS_VENDOR, 0x1af4);
	pci_set16(p, PCI_SUBSYS_ID, 0x40);
	pci_set16(p, PCI_STATUS, PCI_STATUS_CAP_LIST);
	p->cfg[PCI_CAP_PTR] = VPCI_CAP_MSIX;
	p->cfg[PCI_INT_PIN] = 0; /* MSI-X only */

	/* MSI-X: table and PBA in BAR 0. */
	m = p->cfg + VPCI_CAP_MSIX;
	m[0] = 0x11;
	m[1] = VPCI_CAP_COMMON;
	st_le(m + 2, 2, (uint16_t)(vp->nvec - 1));
	st_le(m + 4, 4, VPCI_MSIX_TABLE);
	st_le(m + 8, 4, VPCI_MSIX_PBA);
	p->wmask[VPCI_CAP_MSIX + 3] = 0xc0; /* enable, function mask */

	add_cap(vp, VPCI_CAP_COMMON, VPCI_CAP_NOTIFY, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_COMMON, 0x38,
		16);
	add_cap(vp, VPCI_CAP_NOTIFY, VPCI_CAP_ISR, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_NOTIFY,
		(uint32_t)(VPCI_NOTIFY_MULT * d->nq), 20);
	st_le(p->cfg + VPCI_CAP_NOTIFY + 16, 4, VPCI_NOTIFY_MULT);
	add_cap(vp, VPCI_CAP_ISR, VPCI_CAP_DEVICE, VIRTIO_PCI_CAP_ISR_CFG, VPCI_ISR, 1, 16);
	add_cap(vp, VPCI_CAP_DEVICE, VPCI_CAP_PCICFG, VIRTIO_PCI_CAP_DEVICE_CFG, VPCI_DEVICE,
		d->config_len ? d->config_len : 4, 16);
	/* The PCI configuration access capability: its window is writable. */
	add_cap(vp, VPCI_CAP_PCICFG, 0, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
	memset(p->wmask + VPCI_CAP_PCICFG + 4, 0xff, 1);
	memset(p->wmask + VPCI_CAP_PCICFG + 8, 0xff, 12);

	pci_set_bar(p, 0, VPCI_BAR_SIZE, bar_access, vp);
	p->bars_changed = bars_changed;
	p->cfg_written = cfg_written;
	p->cfg_read = cfg_read;

	for (int v = 0; v < vp->nvec; v++) {
		vp->msix_tab[v][3] = 1; /* masked */
		vp->vec_fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		vp->vec_gsi[v] = (uint32_t)kvm_alloc_gsi(vm);
		if (vp->vec_fd[v] < 0 ||
		    (vm->vm_fd >= 0 && kvm_irqfd(vm, vp->vec_fd[v], vp->vec_gsi[v]) < 0)) {
			vmm_log("%s: cannot set up MSI-X vector %d: %s", d->name, v,
				strerror(errno));
			return -1;
		}
	}
	virtio_dev_reset(d);
	return pci_register(p);
}

static void tr_location(struct virtio_dev *d, char *buf, size_t len)
{
	snprintf(buf, len, "00:%02x.0", virtio_pci_of(d)->pci.slot);
}

/* The transport's state in a snapshot, after the core's. */
struct vpci_state {
	uint8_t cfg[PCI_CFG_SIZE];
	uint16_t config_msix;
	uint32_t msix_tab[VPCI_MAX_VECTORS][4];
	uint64_t msix_pba;
};

static size_t tr_save(struct virtio_dev *d, void *buf, size_t len)
{
	struct virtio_pci *vp = virtio_pci_of(d);
	struct vpci_state *s = buf;

	if (len < sizeof(*s))
		return 0;
	memset(s, 0, sizeof(*s));
	memcpy(s->cfg, vp->pci.cfg, sizeof(s->cfg));
	s->config_msix = vp->config_msix;
	memcpy(s->msix_tab, vp->msix_tab, sizeof(s->msix_tab));
	s->msix_pba = vp->msix_pba;
	return sizeof(*s);
}

static int tr_load(struct virtio_dev *d, const void *buf, size_t len)
{
	struct virtio_pci *vp = virtio_pci_of(d);
	const struct vpci_state *s = buf;

	if (len != sizeof(*s) || ld_le(s->cfg, 4) != ld_le(vp->pci.cfg, 4))
		return -1;
	memcpy(vp->pci.cfg, s->cfg, sizeof(s->cfg));
	vp->config_msix = s->config_msix;
	memcpy(vp->msix_tab, s->msix_tab, sizeof(s->msix_tab));
	vp->msix_pba = s->msix_pba;
	pci_bars_reload(&vp->pci);
	update_kicks(d);
	msix_update_routes(vp);
	return 0;
}

const struct virtio_transport virtio_pci_transport = {
	.name = "pci",
	.attach = tr_attach,
	.signal = tr_signal,
	.call_fd = tr_call_fd,
	.queues_changed = update_kicks,
	.reset = tr_reset,
	.location = tr_location,
	.save = tr_save,
	.load = tr_load,
};
