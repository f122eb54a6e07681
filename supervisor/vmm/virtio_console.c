// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console with multiple ports (virtio 1.x, 5.3; what QEMU calls
 * virtio-serial): one named port, "org.qemu.guest_agent.0", the channel of
 * the guest agent (qemu-guest-agent finds it as /dev/virtio-ports/<name>).
 *
 * Queues: port 0's receive and transmit (0, 1; kept free, port 0 is not
 * added), the control receive and transmit (2, 3), the agent port's
 * receive and transmit (4, 5). The control protocol (5.3.6.2): the driver
 * says DEVICE_READY, we add the port (PORT_ADD); it says PORT_READY, we
 * name it (PORT_NAME) and say whether the host side is open (PORT_OPEN);
 * it says PORT_OPEN when a process in the guest opens or closes the port.
 *
 * The host side of the port is a byte stream: the client of the --agent
 * socket while one is connected (one at a time, as a QEMU chardev server),
 * else the VMM's own agent client (agent.c). Bytes for the guest are read
 * from that fd only when the guest has posted buffers; bytes of the guest
 * are written to it, or dropped when nobody reads them (counted as errors
 * in the device's stats).
 */
#include <errno.h>
#include <linux/virtio_console.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "vmm.h"
#include "agent.h"
#include "vdev.h"

#define Q_CTRL_RX 2
#define Q_CTRL_TX 3
#define Q_PORT_RX 4
#define Q_PORT_TX 5
#define PORT_ID 1
#define MAX_CTRL 8 /* control messages waiting for a driver buffer */

static const char port_name[] = "org.qemu.guest_agent.0";

struct con {
	struct virtio_dev dev;
	struct virtio_console_config cfg;
	/* the chain the kick handlers pop, and the one ctrl_flush() pops: a
	 * control message of the driver is answered while its chain is held */
	struct vchain chain, ctrl_chain;
	bool port_added, port_ready, guest_open;
	/* control messages for the driver, waiting for its buffers (a
	 * PORT_NAME carries the port's name, added when it is sent) */
	struct virtio_console_control ctrl[MAX_CTRL];
	int nctrl;
	/* the host side: a stream fd (-1: nobody), and whether we poll it */
	int host_fd;
	bool host_polling;
	agent_data_fn on_data;
	void *opaque;
};

static struct con *the_con;

/* Hand waiting control messages to the driver's control receive buffers. */
static void ctrl_flush(struct con *k)
{
	struct virtq *q = &k->dev.q[Q_CTRL_RX];
	struct vchain *c = &k->ctrl_chain;
	int sent = 0, r = 0;

	while (sent < k->nctrl && (r = virtq_pop(k->dev.vm, q, c)) > 0) {
		const struct virtio_console_control *m = &k->ctrl[sent];
		size_t n = iov_from_buf(c->iov + c->nout, c->nin, 0, m, sizeof(*m));

		if (m->event == VIRTIO_CONSOLE_PORT_NAME && n == sizeof(*m))
			n += iov_from_buf(c->iov + c->nout, c->nin, n, port_name,
					  sizeof(port_name) - 1);
		virtq_push(q, c->head, (uint32_t)n);
		sent++;
	}
	if (r < 0)
		virtio_set_broken(&k->dev, "bad descriptor chain on the control receive queue");
	if (sent) {
		k->nctrl -= sent;
		memmove(k->ctrl, k->ctrl + sent, (size_t)k->nctrl * sizeof(k->ctrl[0]));
		virtq_notify(q);
	}
}

static void ctrl_send(struct con *k, uint16_t event, uint16_t value)
{
	if (k->nctrl == MAX_CTRL) {
		vmm_warn("virtio-console: control queue full, message %u dropped", event);
		return;
	}
	k->ctrl[k->nctrl++] = (struct virtio_console_control){ PORT_ID, event, value };
	ctrl_flush(k);
}

/* One message of the driver on the control transmit queue. */
static void ctrl_got(struct con *k, const struct virtio_console_control *c)
{
	switch (c->event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (c->value == 1 && !k->port_added) {
			k->port_added = true;
			ctrl_send(k, VIRTIO_CONSOLE_PORT_ADD, 1);
		}
		break;
	case VIRTIO_CONSOLE_PORT_READY:
		if (c->id != PORT_ID || c->value != 1)
			break;
		k->port_ready = true;
		ctrl_send(k, VIRTIO_CONSOLE_PORT_NAME, 1);
		if (k->host_fd >= 0)
			ctrl_send(k, VIRTIO_CONSOLE_PORT_OPEN, 1);
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (c->id == PORT_ID)
			k->guest_open = c->value;
		break;
	default: /* resize, console port: not for a driver to send */
		break;
	}
}

static void stop_host_polling(struct con *k)
{
	if (k->host_polling) {
		ev_del(k->dev.vm, k->host_fd);
		k->host_polling = false;
	}
}

/* Host → guest: read the host fd into the port's receive buffers. */
static void port_rx(struct con *k)
{
	struct virtq *q = &k->dev.q[Q_PORT_RX];
	struct vchain *c = &k->chain;
	int got = 0, r;

	while (k->host_fd >= 0 && (r = virtq_pop(k->dev.vm, q, c)) > 0) {
		ssize_t n;

		if (!c->nin) {
			virtq_unpop(q);
			virtio_set_broken(&k->dev, "receive buffer with nothing writable");
			r = -1;
			break;
		}
		n = readv(k->host_fd, c->iov + c->nout, c->nin);
		if (n <= 0) {
			virtq_unpop(q);
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				agent_host_closed(); /* EOF or error: the client left */
			break;
		}
		virtq_push(q, c->head, (uint32_t)n);
		k->dev.stats.bytes_in += (uint64_t)n;
		got++;
	}
	/* No buffers (or broken): wait for the driver's next kick. */
	if (k->host_fd >= 0 && r <= 0)
		stop_host_polling(k);
	if (got)
		virtq_notify(q);
}

static void host_event(void *opaque, uint32_t events)
{
	struct con *k = opaque;

	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		agent_host_closed();
		return;
	}
	port_rx(k);
}

static void start_host_polling(struct con *k)
{
	if (k->host_fd >= 0 && !k->host_polling && !k->dev.broken)
		k->host_polling = ev_add(k->dev.vm, k->host_fd, EPOLLIN, host_event, k) == 0;
}

/* Guest → host: to the fd, or to the agent client, else dropped. */
static void port_tx(struct con *k, struct virtq *q)
{
	struct vchain *c = &k->chain;
	int done = 0, r;

	while ((r = virtq_pop(k->dev.vm, q, c)) > 0) {
		for (int i = 0; i < c->nout; i++) {
			const void *p = c->iov[i].iov_base;
			size_t len = c->iov[i].iov_len;

			k->dev.stats.bytes_out += len;
			if (k->on_data)
				k->on_data(k->opaque, p, len);
			else if (k->host_fd < 0 || agent_write_all(k->host_fd, p, len) < 0)
				k->dev.stats.errors++; /* nobody read them: dropped */
		}
		k->dev.stats.requests++;
		virtq_push(q, c->head, 0);
		done++;
	}
	if (r < 0)
		virtio_set_broken(&k->dev, "bad descriptor chain on the port's transmit queue");
	if (done)
		virtq_notify(q);
}

static void con_kick(struct virtio_dev *d, struct virtq *q)
{
	struct con *k = (struct con *)d;
	struct vchain *c = &k->chain;
	int r;

	switch (q->index) {
	case Q_CTRL_TX: {
		bool any = false;

		while ((r = virtq_pop(d->vm, q, c)) > 0) {
			struct virtio_console_control m;

			if (iov_to_buf(c->iov, c->nout, 0, &m, sizeof(m)) == sizeof(m))
				ctrl_got(k, &m);
			virtq_push(q, c->head, 0);
			any = true;
		}
		if (r < 0)
			virtio_set_broken(d, "bad descriptor chain on the control transmit queue");
		if (any)
			virtq_notify(q);
		break;
	}
	case Q_CTRL_RX:
		ctrl_flush(k);
		break;
	case Q_PORT_RX:
		start_host_polling(k);
		port_rx(k);
		break;
	case Q_PORT_TX:
		port_tx(k, q);
		break;
	default: /* port 0 is never added: its queues carry nothing */
		break;
	}
}

static void con_reset(struct virtio_dev *d)
{
	struct con *k = (struct con *)d;

	stop_host_polling(k);
	k->port_added = k->port_ready = k->guest_open = false;
	k->nctrl = 0;
}

static void con_start(struct virtio_dev *d)
{
	start_host_polling((struct con *)d);
}

struct con_state {
	uint8_t port_added, port_ready, guest_open, nctrl;
	struct virtio_console_control ctrl[MAX_CTRL];
};

/*
 * The port's state and the control messages in flight; the host side is
 * not kept: a restored VM starts with the VMM's agent client on it.
 */
static size_t con_save(struct virtio_dev *d, void *buf, size_t len)
{
	struct con *k = (struct con *)d;
	struct con_state s;

	if (len < sizeof(s))
		return 0;
	memset(&s, 0, sizeof(s));
	s.port_added = k->port_added;
	s.port_ready = k->port_ready;
	s.guest_open = k->guest_open;
	s.nctrl = (uint8_t)k->nctrl;
	memcpy(s.ctrl, k->ctrl, sizeof(s.ctrl));
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

static int con_load(struct virtio_dev *d, const void *buf, size_t len)
{
	struct con *k = (struct con *)d;
	struct con_state s;

	if (len != sizeof(s))
		return -1;
	memcpy(&s, buf, sizeof(s));
	if (s.nctrl > MAX_CTRL)
		return -1;
	k->port_added = s.port_added;
	k->port_ready = s.port_ready;
	k->guest_open = s.guest_open;
	k->nctrl = s.nctrl;
	memcpy(k->ctrl, s.ctrl, sizeof(k->ctrl));
	return 0;
}

static const struct virtio_dev_ops con_ops = {
	.kick = con_kick,
	.start = con_start,
	.reset = con_reset,
	.save = con_save,
	.load = con_load,
};

void console_port_attach(int fd, agent_data_fn on_data, void *opaque)
{
	struct con *k = the_con;
	bool was_open = k && k->host_fd >= 0;

	if (!k)
		return;
	stop_host_polling(k);
	k->host_fd = fd;
	k->on_data = on_data;
	k->opaque = opaque;
	if (fd >= 0 && (k->dev.status & VIRTIO_CONFIG_S_DRIVER_OK))
		start_host_polling(k);
	/* the guest hears of the host side only when it opens or closes */
	if (k->port_ready && (fd >= 0) != was_open)
		ctrl_send(k, VIRTIO_CONSOLE_PORT_OPEN, fd >= 0);
}

bool console_port_guest_open(void)
{
	return the_con && the_con->guest_open && !the_con->dev.broken;
}

struct virtio_dev *virtio_console_create(struct vm *vm)
{
	struct con *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->host_fd = -1;
	k->dev.name = "virtio-console";
	k->dev.backend = "agent";
	k->dev.device_id = VIRTIO_ID_CONSOLE;
	k->dev.ops = &con_ops;
	k->cfg.max_nr_ports = 2;
	k->dev.nq = 2 * (int)(k->cfg.max_nr_ports + 1);
	k->dev.config = (uint8_t *)&k->cfg;
	k->dev.config_len = sizeof(k->cfg);
	k->dev.host_features = 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
	if (virtio_dev_add(vm, &k->dev) < 0)
		return NULL;
	the_con = k;
	return &k->dev;
}
