// SPDX-License-Identifier: GPL-2.0
/*
 * The modern virtio-pci transport (virtio 1.x, 4.1): vendor capabilities
 * pointing into BAR 0, the common configuration, ISR, device configuration
 * and notification areas, MSI-X with one irqfd per vector, and one
 * ioeventfd per queue at its notify address.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <linux/virtio_pci.h>
#include <unistd.h>

#include "vmm.h"
#include "virtio.h"

#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000

static uint16_t msix_ctrl(struct virtio_dev *d)
{
	return (uint16_t)ld_le(d->pci.cfg + VPCI_CAP_MSIX + 2, 2);
}

static bool msix_enabled(struct virtio_dev *d)
{
	return msix_ctrl(d) & MSIX_CTRL_ENABLE;
}

static void vector_fire(struct virtio_dev *d, int v)
{
	uint64_t one = 1;

	if (msix_ctrl(d) & MSIX_CTRL_MASKALL || d->msix_tab[v][3] & 1) {
		d->msix_pba |= 1ULL << v;
		return;
	}
	d->stats.irqs++;
	if (write(d->vec_fd[v], &one, sizeof(one)) < 0)
		vmm_warn("%s: irqfd write: %s", d->name, strerror(errno));
}

static void signal_vector(struct virtio_dev *d, uint16_t v)
{
	if (v == VIRTIO_NO_VECTOR || v >= d->nvec || !msix_enabled(d))
		return;
	vector_fire(d, v);
}

void virtq_notify(struct virtq *q)
{
	if (virtq_irq_wanted(q)) {
		q->dev->isr |= 1;
		signal_vector(q->dev, q->msix);
	}
}

void virtio_config_changed(struct virtio_dev *d)
{
	d->config_gen++;
	d->isr |= 2;
	signal_vector(d, d->config_msix);
}

int virtq_call_fd(struct virtq *q)
{
	if (q->msix == VIRTIO_NO_VECTOR || q->msix >= q->dev->nvec)
		return -1;
	return q->dev->vec_fd[q->msix];
}

void virtio_set_broken(struct virtio_dev *d, const char *why)
{
	if (d->broken) /* said once, signalled once */
		return;
	vmm_log("%s: %s; device stopped until the driver resets it", d->name, why);
	d->broken = true;
	d->stats.errors++;
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	virtio_config_changed(d);
}

/* Route every vector to where its table entry says, while MSI-X is on. */
static void msix_update_routes(struct virtio_dev *d)
{
	for (int v = 0; v < d->nvec; v++) {
		uint64_t addr = d->msix_tab[v][0] | (uint64_t)d->msix_tab[v][1] << 32;

		kvm_set_msi_route(d->vm, d->vec_gsi[v], addr, d->msix_tab[v][2],
				  msix_enabled(d) && addr);
	}
	/* Unmasked vectors deliver what became pending while masked. */
	for (int v = 0; v < d->nvec; v++) {
		if ((d->msix_pba & (1ULL << v)) && !(d->msix_tab[v][3] & 1) &&
		    !(msix_ctrl(d) & MSIX_CTRL_MASKALL) && msix_enabled(d)) {
			d->msix_pba &= ~(1ULL << v);
			vector_fire(d, v);
		}
	}
}

static void kick_event(void *opaque, uint32_t events)
{
	struct virtq *q = opaque;
	struct virtio_dev *d = q->dev;
	uint64_t n;

	(void)events;
	if (read(q->kick_fd, &n, sizeof(n)) < 0)
		return;
	d->stats.kicks++;
	if (q->enabled && !d->broken && (d->status & VIRTIO_CONFIG_S_DRIVER_OK))
		d->ops->kick(d, q);
}

/* Put each enabled queue's ioeventfd at its notify address in BAR 0. */
static void update_kicks(struct virtio_dev *d)
{
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];
		uint64_t want = 0;

		if (q->enabled && pci_mem_enabled(&d->pci))
			want = d->pci.bar[0].addr + VPCI_NOTIFY + (uint64_t)VPCI_NOTIFY_MULT * i;
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
	update_kicks((struct virtio_dev *)p);
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

static void pcicfg_access(struct virtio_dev *d, bool write)
{
	const uint8_t *cap = d->pci.cfg + VPCI_CAP_PCICFG;
	uint32_t boff = (uint32_t)ld_le(cap + 8, 4), len = (uint32_t)ld_le(cap + 12, 4);
	uint8_t *data = d->pci.cfg + PCICFG_DATA;

	if (cap[4] != 0 || (len != 1 && len != 2 && len != 4) || boff % len ||
	    boff > VPCI_BAR_SIZE - len) {
		if (!write)
			memset(data, 0, 4);
		return;
	}
	bar_access(d, boff, data, (int)len, write);
}

static void cfg_read(struct pci_dev *p, int off, int size)
{
	if (pcicfg_hit(off, size))
		pcicfg_access((struct virtio_dev *)p, false);
}

static void cfg_written(struct pci_dev *p, int off, int size)
{
	if (off < VPCI_CAP_MSIX + 4 && off + size > VPCI_CAP_MSIX + 2)
		msix_update_routes((struct virtio_dev *)p);
	if (pcicfg_hit(off, size))
		pcicfg_access((struct virtio_dev *)p, true);
}

static void reset(struct virtio_dev *d)
{
	if (d->ops->reset)
		d->ops->reset(d);
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		q->enabled = false;
		update_kicks(d);
		q->num = q->max;
		q->msix = VIRTIO_NO_VECTOR;
		q->desc_gpa = q->avail_gpa = q->used_gpa = 0;
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		q->last_avail = q->used_idx = 0;
	}
	d->status = 0;
	d->guest_features = 0;
	d->dfselect = d->gfselect = 0;
	d->queue_sel = 0;
	d->config_msix = VIRTIO_NO_VECTOR;
	d->isr = 0;
	d->broken = false;
}

static void status_write(struct virtio_dev *d, uint8_t v)
{
	uint8_t old = d->status;

	if (!v) {
		reset(d);
		return;
	}
	d->status = v;
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
		if ((d->guest_features & ~d->host_features) ||
		    !(d->guest_features & (1ULL << VIRTIO_F_VERSION_1)))
			d->status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
	}
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK)) {
		if (!(d->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			virtio_set_broken(d, "DRIVER_OK without FEATURES_OK");
			return;
		}
		if (d->ops->start)
			d->ops->start(d);
		/* Buffers made available before DRIVER_OK. */
		for (int i = 0; i < d->nq; i++)
			if (d->q[i].enabled && !d->kernel_kicks && !d->broken)
				d->ops->kick(d, &d->q[i]);
	}
}

static void queue_enable(struct virtio_dev *d, struct virtq *q)
{
	if (q->enabled)
		return;
	if (!virtq_map(d->vm, q)) {
		virtio_set_broken(d, "queue rings outside guest RAM or badly sized");
		return;
	}
	q->last_avail = q->used_idx = q->used->idx;
	q->enabled = true;
	update_kicks(d);
}

/* The common configuration structure (virtio 1.x, 4.1.4.3). */
static void common_access(struct virtio_dev *d, uint32_t off, uint8_t *data, int size, bool write)
{
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
			d->config_msix = (uint16_t)v < d->nvec ? (uint16_t)v : VIRTIO_NO_VECTOR;
		r = d->config_msix;
		break;
	case 0x12:
		r = (uint64_t)d->nq;
		break;
	case 0x14:
		if (write)
			status_write(d, (uint8_t)v);
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
			q->msix = (uint16_t)v < d->nvec ? (uint16_t)v : VIRTIO_NO_VECTOR;
		r = q ? q->msix : VIRTIO_NO_VECTOR;
		break;
	case 0x1c:
		if (q && write && v == 1)
			queue_enable(d, q);
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
	struct virtio_dev *d = opaque;
	uint8_t tmp[8];

	if (is_write)
		memcpy(tmp, data, (size_t)size);
	else
		memset(data, 0, (size_t)size);
	if (off < VPCI_COMMON + 0x38) {
		common_access(d, (uint32_t)off, is_write ? tmp : data, size, is_write);
	} else if (off == VPCI_ISR) {
		if (!is_write) {
			data[0] = d->isr;
			d->isr = 0; /* read to clear */
		}
	} else if (off >= VPCI_DEVICE && off < VPCI_DEVICE + d->config_len) {
		uint32_t o = (uint32_t)(off - VPCI_DEVICE);

		if (o + (uint32_t)size > d->config_len)
			return;
		if (is_write) {
			if (o < d->config_wr_start || o + (uint32_t)size > d->config_wr_end) {
				d->stats.errors++;
				return;
			}
			memcpy(d->config + o, tmp, (size_t)size);
			if (d->ops->config_written)
				d->ops->config_written(d, o, size);
		} else {
			memcpy(data, d->config + o, (size_t)size);
		}
	} else if (off >= VPCI_NOTIFY && off < VPCI_NOTIFY + (uint64_t)VPCI_NOTIFY_MULT * d->nq) {
		/* A notify the ioeventfd did not catch (another width). */
		struct virtq *q = &d->q[(off - VPCI_NOTIFY) / VPCI_NOTIFY_MULT];

		if (is_write && q->enabled && !d->broken &&
		    (d->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
			d->stats.kicks++;
			if (d->kernel_kicks) {
				uint64_t one = 1;
				if (write(q->kick_fd, &one, sizeof(one)) < 0)
					d->stats.errors++;
			} else {
				d->ops->kick(d, q);
			}
		}
	} else if (off >= VPCI_MSIX_TABLE && off < VPCI_MSIX_TABLE + 16 * (uint64_t)d->nvec) {
		uint32_t e = (uint32_t)(off - VPCI_MSIX_TABLE) / 16;
		uint32_t w = (uint32_t)(off - VPCI_MSIX_TABLE) % 16 / 4;

		if (size != 4 && size != 8)
			return;
		for (int i = 0; i < size / 4 && w + (uint32_t)i < 4; i++) {
			if (is_write)
				d->msix_tab[e][w + i] = (uint32_t)ld_le(tmp + 4 * i, 4);
			else
				st_le(data + 4 * i, 4, d->msix_tab[e][w + i]);
		}
		if (is_write)
			msix_update_routes(d);
	} else if (off >= VPCI_MSIX_PBA && off < VPCI_MSIX_PBA + 8) {
		if (!is_write)
			st_le(data, size, d->msix_pba >> (8 * (off - VPCI_MSIX_PBA)));
	}
}

static void add_cap(struct virtio_dev *d, int at, int next, uint8_t type, uint32_t off,
		    uint32_t len, int cap_len)
{
	uint8_t *c = d->pci.cfg + at;

	c[0] = 0x09; /* vendor specific */
	c[1] = (uint8_t)next;
	c[2] = (uint8_t)cap_len;
	c[3] = type;
	c[4] = 0; /* BAR 0 */
	st_le(c + 8, 4, off);
	st_le(c + 12, 4, len);
}

int virtio_pci_create(struct vm *vm, struct virtio_dev *d, uint32_t class_code)
{
	struct pci_dev *p = &d->pci;

	d->vm = vm;
	d->host_features |= 1ULL << VIRTIO_F_VERSION_1;
	d->nvec = d->nq + 1;
	pci_dev_init(p, 0x1af4, (uint16_t)(0x1040 + d->device_id), class_code);
	p->cfg[PCI_REVISION] = 1;
	pci_set16(p, PCI_SUBSYS_VENDOR, 0x1af4);
	pci_set16(p, PCI_SUBSYS_ID, 0x40);
	pci_set16(p, PCI_STATUS, PCI_STATUS_CAP_LIST);
	p->cfg[PCI_CAP_PTR] = VPCI_CAP_MSIX;
	p->cfg[PCI_INT_PIN] = 0; /* MSI-X only */

	/* MSI-X: table and PBA in BAR 0. */
	uint8_t *m = p->cfg + VPCI_CAP_MSIX;
	m[0] = 0x11;
	m[1] = VPCI_CAP_COMMON;
	st_le(m + 2, 2, (uint16_t)(d->nvec - 1));
	st_le(m + 4, 4, VPCI_MSIX_TABLE);
	st_le(m + 8, 4, VPCI_MSIX_PBA);
	p->wmask[VPCI_CAP_MSIX + 3] = 0xc0; /* enable, function mask */

	add_cap(d, VPCI_CAP_COMMON, VPCI_CAP_NOTIFY, VIRTIO_PCI_CAP_COMMON_CFG, VPCI_COMMON, 0x38,
		16);
	add_cap(d, VPCI_CAP_NOTIFY, VPCI_CAP_ISR, VIRTIO_PCI_CAP_NOTIFY_CFG, VPCI_NOTIFY,
		(uint32_t)(VPCI_NOTIFY_MULT * d->nq), 20);
	st_le(p->cfg + VPCI_CAP_NOTIFY + 16, 4, VPCI_NOTIFY_MULT);
	add_cap(d, VPCI_CAP_ISR, VPCI_CAP_DEVICE, VIRTIO_PCI_CAP_ISR_CFG, VPCI_ISR, 1, 16);
	add_cap(d, VPCI_CAP_DEVICE, VPCI_CAP_PCICFG, VIRTIO_PCI_CAP_DEVICE_CFG, VPCI_DEVICE,
		d->config_len ? d->config_len : 4, 16);
	/* The PCI configuration access capability: its window is writable. */
	add_cap(d, VPCI_CAP_PCICFG, 0, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
	memset(p->wmask + VPCI_CAP_PCICFG + 4, 0xff, 1);
	memset(p->wmask + VPCI_CAP_PCICFG + 8, 0xff, 12);

	pci_set_bar(p, 0, VPCI_BAR_SIZE, bar_access, d);
	p->bars_changed = bars_changed;
	p->cfg_written = cfg_written;
	p->cfg_read = cfg_read;

	for (int v = 0; v < d->nvec; v++) {
		d->msix_tab[v][3] = 1; /* masked */
		d->vec_fd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		d->vec_gsi[v] = (uint32_t)kvm_alloc_gsi(vm);
		if (d->vec_fd[v] < 0 ||
		    (vm->vm_fd >= 0 && kvm_irqfd(vm, d->vec_fd[v], d->vec_gsi[v]) < 0)) {
			vmm_log("%s: cannot set up MSI-X vector %d: %s", d->name, v,
				strerror(errno));
			return -1;
		}
	}
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		q->dev = d;
		q->index = i;
		if (!q->max)
			q->max = VIRTQ_MAX_SIZE;
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick_fd < 0)
			return -1;
		if (!d->kernel_kicks && ev_add(vm, q->kick_fd, EPOLLIN, kick_event, q) < 0)
			return -1;
	}
	reset(d);
	return pci_register(p);
}

/* Transport state for snapshots and reset. */
struct vstate {
	uint8_t cfg[PCI_CFG_SIZE];
	uint64_t guest_features;
	uint32_t dfselect, gfselect;
	uint8_t status, config_gen, isr, broken;
	uint16_t queue_sel, config_msix;
	uint32_t msix_tab[VPCI_MAX_VECTORS][4];
	uint64_t msix_pba;
	struct {
		uint64_t desc, avail, used;
		uint16_t num, msix, last_avail, used_idx;
		uint8_t enabled;
	} q[VIRTIO_MAX_QUEUES];
	uint32_t config_len;
	uint8_t config[256];
};

size_t virtio_save(struct virtio_dev *d, void *buf, size_t len)
{
	struct vstate *s = buf;

	if (len < sizeof(*s) || d->config_len > sizeof(s->config))
		return 0;
	memset(s, 0, sizeof(*s));
	memcpy(s->cfg, d->pci.cfg, sizeof(s->cfg));
	s->guest_features = d->guest_features;
	s->dfselect = d->dfselect;
	s->gfselect = d->gfselect;
	s->status = d->status;
	s->config_gen = d->config_gen;
	s->isr = d->isr;
	s->broken = d->broken;
	s->queue_sel = d->queue_sel;
	s->config_msix = d->config_msix;
	memcpy(s->msix_tab, d->msix_tab, sizeof(s->msix_tab));
	s->msix_pba = d->msix_pba;
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		s->q[i].desc = q->desc_gpa;
		s->q[i].avail = q->avail_gpa;
		s->q[i].used = q->used_gpa;
		s->q[i].num = q->num;
		s->q[i].msix = q->msix;
		s->q[i].last_avail = q->last_avail;
		/* A kernel back end advanced the used ring behind our back. */
		s->q[i].used_idx = q->enabled && q->used ? q->used->idx : q->used_idx;
		s->q[i].enabled = q->enabled;
	}
	s->config_len = d->config_len;
	if (d->config_len) /* virtio-rng has none: config is NULL */
		memcpy(s->config, d->config, d->config_len);
	return sizeof(*s);
}

int virtio_load(struct virtio_dev *d, const void *buf, size_t len)
{
	const struct vstate *s = buf;

	/* Features this back end does not offer (another back end was saved). */
	if (len != sizeof(*s) || s->config_len != d->config_len ||
	    ld_le(s->cfg, 4) != ld_le(d->pci.cfg, 4) || s->guest_features & ~d->host_features)
		return -1;
	memcpy(d->pci.cfg, s->cfg, sizeof(s->cfg));
	d->guest_features = s->guest_features;
	d->dfselect = s->dfselect;
	d->gfselect = s->gfselect;
	d->status = s->status;
	d->config_gen = s->config_gen;
	d->isr = s->isr;
	d->broken = s->broken;
	d->queue_sel = s->queue_sel;
	d->config_msix = s->config_msix;
	memcpy(d->msix_tab, s->msix_tab, sizeof(s->msix_tab));
	d->msix_pba = s->msix_pba;
	if (d->config_len)
		memcpy(d->config, s->config, d->config_len);
	for (int i = 0; i < d->nq; i++) {
		struct virtq *q = &d->q[i];

		q->desc_gpa = s->q[i].desc;
		q->avail_gpa = s->q[i].avail;
		q->used_gpa = s->q[i].used;
		q->num = s->q[i].num;
		q->msix = s->q[i].msix;
		q->last_avail = s->q[i].last_avail;
		q->used_idx = s->q[i].used_idx;
		q->enabled = s->q[i].enabled;
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		if (q->enabled && !virtq_map(d->vm, q)) {
			q->enabled = false;
			d->broken = true;
		}
	}
	pci_bars_reload(&d->pci);
	update_kicks(d);
	msix_update_routes(d);
	return 0;
}

void virtio_quiesce(struct virtio_dev *d)
{
	if (d->ops->quiesce)
		d->ops->quiesce(d);
}

void virtio_unquiesce(struct virtio_dev *d)
{
	if (!(d->status & VIRTIO_CONFIG_S_DRIVER_OK) || d->broken)
		return;
	if (d->ops->start)
		d->ops->start(d);
	for (int i = 0; i < d->nq; i++)
		if (d->q[i].enabled && !d->kernel_kicks)
			d->ops->kick(d, &d->q[i]);
}
