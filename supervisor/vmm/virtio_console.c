// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console with multiple ports (virtio 1.x, 5.3; what QEMU calls
 * virtio-serial), with up to two ports:
 *   port 0, the console port (--hvc): the guest's hvc0, as QEMU's
 *           virtconsole, its host side a console of chardev.c;
 *   port 1, "org.qemu.guest_agent.0" (--agent): the guest agent's channel
 *           (qemu-guest-agent finds it as /dev/virtio-ports/<name>).
 *
 * Queues: port 0's receive and transmit (0, 1), the control receive and
 * transmit (2, 3), port 1's receive and transmit (4, 5); a port that is
 * not configured is never added and its queues carry nothing. The control
 * protocol (5.3.6.2): the driver says DEVICE_READY, we add each port
 * (PORT_ADD); it says PORT_READY for one (again after its resume from a
 * sleep state, with no DEVICE_READY), we make port 0 a console
 * (CONSOLE_PORT), name port 1 (PORT_NAME) and say whether the host side is
 * open (PORT_OPEN); it says PORT_OPEN when a process in the guest opens or
 * closes a port (a console port is open from the start).
 *
 * The host side of a port is a byte stream, read for the guest only when
 * the guest has posted buffers (nothing waits in the VMM), written with
 * what the guest sends, or those bytes dropped when nobody reads them
 * (counted as errors in the device's stats). Port 1's is the client of the
 * --agent socket while one is connected, else the VMM's own agent client
 * (agent.c); port 0's is the --hvc console, a unix socket's latest client.
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
#define NPORTS 2
#define MAX_CTRL 8 /* control messages waiting for a driver buffer */

static const char agent_port_name[] = "org.qemu.guest_agent.0";

struct port {
	uint32_t id;
	bool present; /* configured: --hvc (port 0), --agent (port 1) */
	bool added, ready, guest_open;
	/* the host side: fds (-1: nobody), and whether we poll in_fd */
	int in_fd, out_fd;
	bool polling;
	bool sock; /* an accepted socket client: closed at its EOF */
	agent_data_fn on_data;
	void *opaque;
	struct vchain chain; /* the chain the kick handlers pop */
};

struct con {
	struct virtio_dev dev;
	struct virtio_console_config cfg;
	struct port port[NPORTS];
	/* the control queues' chains: answers go out while the driver's
	 * message is held */
	struct vchain ctrl_rx_chain, ctrl_tx_chain;
	/* control messages for the driver, waiting for its buffers (a
	 * PORT_NAME carries the port's name, added when it is sent) */
	struct virtio_console_control ctrl[MAX_CTRL];
	int nctrl;
};

static struct con *the_con;

static int rx_queue(uint32_t id)
{
	return id ? 2 * ((int)id + 1) : 0;
}

/* The port a data queue belongs to, or NULL (control queues). */
static struct port *queue_port(struct con *k, int index)
{
	int id = index < 2 ? 0 : index / 2 - 1;

	if (index == Q_CTRL_RX || index == Q_CTRL_TX || id >= NPORTS)
		return NULL;
	return &k->port[id];
}

/* Hand waiting control messages to the driver's control receive buffers. */
static void ctrl_flush(struct con *k)
{
	struct virtq *q = &k->dev.q[Q_CTRL_RX];
	struct vchain *c = &k->ctrl_rx_chain;
	int sent = 0, r = 0;

	while (sent < k->nctrl && (r = virtq_pop(k->dev.vm, q, c)) > 0) {
		const struct virtio_console_control *m = &k->ctrl[sent];
		size_t n = iov_from_buf(c->iov + c->nout, c->nin, 0, m, sizeof(*m));

		if (m->event == VIRTIO_CONSOLE_PORT_NAME && n == sizeof(*m))
			n += iov_from_buf(c->iov + c->nout, c->nin, n, agent_port_name,
					  sizeof(agent_port_name) - 1);
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

static void ctrl_send(struct con *k, uint32_t id, uint16_t event, uint16_t value)
{
	if (k->nctrl == MAX_CTRL) {
		vmm_warn("virtio-console: control queue full, message %u dropped", event);
		return;
	}
	k->ctrl[k->nctrl++] = (struct virtio_console_control){ id, event, value };
	ctrl_flush(k);
}

/* One message of the driver on the control transmit queue. */
static void ctrl_got(struct con *k, const struct virtio_console_control *c)
{
	struct port *p = c->id < NPORTS && k->port[c->id].present ? &k->port[c->id] : NULL;

	switch (c->event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (c->value != 1)
			break;
		for (int i = 0; i < NPORTS; i++) {
			if (k->port[i].present && !k->port[i].added) {
				k->port[i].added = true;
				ctrl_send(k, k->port[i].id, VIRTIO_CONSOLE_PORT_ADD, 1);
			}
		}
		break;
	case VIRTIO_CONSOLE_PORT_READY:
		/*
		 * Not only after our PORT_ADD: Linux's resume from S3 (or
		 * hibernation) sends it again, with no DEVICE_READY, for each
		 * port it has, to hear the host side's state anew
		 * (virtcons_restore()); until it does, its side of the port
		 * counts as closed (reads EOF, writes wait).
		 */
		if (!p || c->value != 1)
			break;
		p->added = p->ready = true;
		if (p->id == 0)
			ctrl_send(k, p->id, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
		else
			ctrl_send(k, p->id, VIRTIO_CONSOLE_PORT_NAME, 1);
		if (p->in_fd >= 0 || p->out_fd >= 0)
			ctrl_send(k, p->id, VIRTIO_CONSOLE_PORT_OPEN, 1);
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (p)
			p->guest_open = c->value;
		break;
	default: /* resize, console port: not for a driver to send */
		break;
	}
}

static void stop_polling(struct con *k, struct port *p)
{
	if (p->polling) {
		ev_del(k->dev.vm, p->in_fd);
		p->polling = false;
	}
}

/* The host side @p reads went away (EOF, an error). */
static void host_gone(struct con *k, struct port *p)
{
	if (p->id) {
		agent_host_closed(); /* the agent's client left: the VMM's own comes back */
		return;
	}
	stop_polling(k, p);
	if (p->sock) { /* a console client left: the next connection takes over */
		console_hvc_attach(-1, -1, false);
		return;
	}
	p->in_fd = -1; /* stdin ended; output still goes out */
}

/* Host → guest: read the host side into the port's receive buffers. */
static void port_rx(struct con *k, struct port *p)
{
	struct virtq *q = &k->dev.q[rx_queue(p->id)];
	struct vchain *c = &p->chain;
	int got = 0, r = 0;

	while (p->in_fd >= 0 && (r = virtq_pop(k->dev.vm, q, c)) > 0) {
		ssize_t n;

		if (!c->nin) {
			virtq_unpop(q);
			virtio_set_broken(&k->dev, "receive buffer with nothing writable");
			r = -1;
			break;
		}
		n = readv(p->in_fd, c->iov + c->nout, c->nin);
		if (n <= 0) {
			virtq_unpop(q);
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				host_gone(k, p);
			break;
		}
		virtq_push(q, c->head, (uint32_t)n);
		k->dev.stats.bytes_in += (uint64_t)n;
		got++;
	}
	/* No buffers (or broken): wait for the driver's next kick. */
	if (p->in_fd >= 0 && r <= 0)
		stop_polling(k, p);
	if (got)
		virtq_notify(q);
}

static void host_event(void *opaque, uint32_t events)
{
	struct port *p = opaque;

	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		host_gone(the_con, p);
		return;
	}
	port_rx(the_con, p);
}

static void start_polling(struct con *k, struct port *p)
{
	if (p->in_fd >= 0 && !p->polling && !k->dev.broken)
		p->polling = ev_add(k->dev.vm, p->in_fd, EPOLLIN, host_event, p) == 0;
}

/* Guest → host: to the fd, or to the agent client, else dropped. */
static void port_tx(struct con *k, struct port *p, struct virtq *q)
{
	struct vchain *c = &p->chain;
	int done = 0, r;

	while ((r = virtq_pop(k->dev.vm, q, c)) > 0) {
		for (int i = 0; i < c->nout; i++) {
			const void *b = c->iov[i].iov_base;
			size_t len = c->iov[i].iov_len;

			k->dev.stats.bytes_out += len;
			if (p->on_data)
				p->on_data(p->opaque, b, len);
			else if (p->out_fd < 0 || agent_write_all(p->out_fd, b, len) < 0)
				k->dev.stats.errors++; /* nobody read them: dropped */
		}
		k->dev.stats.requests++;
		virtq_push(q, c->head, 0);
		done++;
	}
	if (r < 0)
		virtio_set_broken(&k->dev, "bad descriptor chain on a port's transmit queue");
	if (done)
		virtq_notify(q);
}

static void ctrl_tx(struct con *k, struct virtq *q)
{
	struct vchain *c = &k->ctrl_tx_chain;
	bool any = false;
	int r;

	while ((r = virtq_pop(k->dev.vm, q, c)) > 0) {
		struct virtio_console_control m;

		if (iov_to_buf(c->iov, c->nout, 0, &m, sizeof(m)) == sizeof(m))
			ctrl_got(k, &m);
		virtq_push(q, c->head, 0);
		any = true;
	}
	if (r < 0)
		virtio_set_broken(&k->dev, "bad descriptor chain on the control transmit queue");
	if (any)
		virtq_notify(q);
}

static void con_kick(struct virtio_dev *d, struct virtq *q)
{
	struct con *k = (struct con *)d;
	struct port *p = queue_port(k, q->index);

	if (q->index == Q_CTRL_TX) {
		ctrl_tx(k, q);
	} else if (q->index == Q_CTRL_RX) {
		ctrl_flush(k);
	} else if (p && p->present) {
		if (q->index == rx_queue(p->id)) {
			start_polling(k, p);
			port_rx(k, p);
		} else {
			port_tx(k, p, q);
		}
	} /* a port that is never added: its queues carry nothing */
}

static void con_reset(struct virtio_dev *d)
{
	struct con *k = (struct con *)d;

	for (int i = 0; i < NPORTS; i++) {
		stop_polling(k, &k->port[i]);
		k->port[i].added = k->port[i].ready = k->port[i].guest_open = false;
	}
	k->nctrl = 0;
}

static void con_start(struct virtio_dev *d)
{
	struct con *k = (struct con *)d;

	for (int i = 0; i < NPORTS; i++)
		if (k->port[i].present)
			start_polling(k, &k->port[i]);
}

/*
 * The ports' state and the control messages in flight; the host sides are
 * not kept: a restored VM starts with the VMM's agent client on port 1 and
 * the --hvc console as the restore opens it on port 0. The first four
 * bytes are port 1's and the message count, as before port 0 existed: a
 * snapshot of that layout (sizeof up to console) still loads.
 */
struct con_state {
	uint8_t added, ready, guest_open, nctrl;
	struct virtio_console_control ctrl[MAX_CTRL];
	uint8_t console_added, console_ready, console_open, pad;
};

static size_t con_save(struct virtio_dev *d, void *buf, size_t len)
{
	struct con *k = (struct con *)d;
	const struct port *c = &k->port[0], *a = &k->port[1];
	struct con_state s;

	if (len < sizeof(s))
		return 0;
	memset(&s, 0, sizeof(s));
	s.added = a->added;
	s.ready = a->ready;
	s.guest_open = a->guest_open;
	s.nctrl = (uint8_t)k->nctrl;
	memcpy(s.ctrl, k->ctrl, sizeof(s.ctrl));
	s.console_added = c->added;
	s.console_ready = c->ready;
	s.console_open = c->guest_open;
	memcpy(buf, &s, sizeof(s));
	return sizeof(s);
}

static int con_load(struct virtio_dev *d, const void *buf, size_t len)
{
	struct con *k = (struct con *)d;
	struct port *c = &k->port[0], *a = &k->port[1];
	struct con_state s = { 0 };

	if (len != sizeof(s) && len != offsetof(struct con_state, console_added))
		return -1;
	memcpy(&s, buf, len);
	if (s.nctrl > MAX_CTRL)
		return -1;
	for (int i = 0; i < s.nctrl; i++)
		if (s.ctrl[i].id >= NPORTS || !k->port[s.ctrl[i].id].present)
			return -1;
	if ((s.added && !a->present) || (s.console_added && !c->present))
		return -1;
	a->added = s.added;
	a->ready = s.ready;
	a->guest_open = s.guest_open;
	c->added = s.console_added;
	c->ready = s.console_ready;
	c->guest_open = s.console_open;
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

static void port_attach(struct port *p, int in_fd, int out_fd, bool sock, agent_data_fn on_data,
			void *opaque)
{
	struct con *k = the_con;
	bool was_open = p->in_fd >= 0 || p->out_fd >= 0;
	bool open = in_fd >= 0 || out_fd >= 0;

	stop_polling(k, p);
	if (p->sock && p->in_fd >= 0 && p->in_fd != in_fd)
		close(p->in_fd); /* the console's previous client: the newest wins */
	p->in_fd = in_fd;
	p->out_fd = out_fd;
	p->sock = sock;
	p->on_data = on_data;
	p->opaque = opaque;
	if (k->dev.status & VIRTIO_CONFIG_S_DRIVER_OK)
		start_polling(k, p);
	/* the guest hears of the host side only when it opens or closes */
	if (p->ready && open != was_open)
		ctrl_send(k, p->id, VIRTIO_CONSOLE_PORT_OPEN, open);
}

void console_port_attach(int fd, agent_data_fn on_data, void *opaque)
{
	if (the_con && the_con->port[1].present)
		port_attach(&the_con->port[1], fd, fd, false, on_data, opaque);
}

void console_hvc_attach(int in_fd, int out_fd, bool sock)
{
	if (the_con && the_con->port[0].present)
		port_attach(&the_con->port[0], in_fd, out_fd, sock, NULL, NULL);
	else if (sock && in_fd >= 0)
		close(in_fd);
}

bool console_port_guest_open(void)
{
	return the_con && the_con->port[1].guest_open && !the_con->dev.broken;
}

struct virtio_dev *virtio_console_create(struct vm *vm, bool hvc, bool agent)
{
	struct con *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	for (int i = 0; i < NPORTS; i++)
		k->port[i] = (struct port){ .id = (uint32_t)i, .in_fd = -1, .out_fd = -1 };
	k->port[0].present = hvc;
	k->port[1].present = agent;
	k->dev.name = "virtio-console";
	k->dev.backend = hvc && agent ? "hvc+agent" : hvc ? "hvc" : "agent";
	k->dev.device_id = VIRTIO_ID_CONSOLE;
	k->dev.ops = &con_ops;
	k->cfg.max_nr_ports = NPORTS;
	k->dev.nq = 2 * (int)(k->cfg.max_nr_ports + 1);
	k->dev.config = (uint8_t *)&k->cfg;
	k->dev.config_len = sizeof(k->cfg);
	k->dev.host_features = 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
	if (virtio_dev_add(vm, &k->dev) < 0)
		return NULL;
	the_con = k;
	return &k->dev;
}
