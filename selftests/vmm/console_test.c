// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console's agent port and the VMM's agent client (issue 16 item 4),
 * on the host: this test is the guest's driver and its qemu-guest-agent,
 * writing descriptors into a fake guest RAM. The control handshake adds and
 * names the port; bytes cross both ways; the API's agent request goes
 * through guest-sync-delimited, gets the answer or the agent's error, times
 * out when the agent says nothing, and is refused when the guest has no
 * agent or the channel is busy. Nested guests with the real agent:
 * agent_test.sh.
 */
#include <assert.h>
#include <fcntl.h>
#include <linux/virtio_console.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../supervisor/vmm/agent.h"
#include "../../supervisor/vmm/pci.h"
#include "../../supervisor/vmm/snapshot.h"
#include "../../supervisor/vmm/vdev.h"

#define RAM (1 << 20)
#define Q_CTRL_RX 2
#define Q_CTRL_TX 3
#define Q_PORT_RX 4
#define Q_PORT_TX 5
#define BUF 0x40000 /* guest buffers from here, 4 KiB each */

static struct vm *fake_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->ram = calloc(1, RAM);
	vm->ram_size = vm->low_size = RAM;
	vm->vm_fd = -1;
	vm->epfd = epoll_create1(0);
	pthread_mutex_init(&vm->lock, NULL);
	pci_init(vm);
	return vm;
}

/* Queue @idx with 16 entries in its own 16 KiB of RAM. */
static struct virtq *ring(struct vm *vm, struct virtio_dev *d, int idx)
{
	struct virtq *q = &d->q[idx];
	uint64_t base = 0x10000 + (uint64_t)idx * 0x4000;

	q->num = 16;
	q->desc_gpa = base;
	q->avail_gpa = base + 0x1000;
	q->used_gpa = base + 0x2000;
	q->enabled = virtq_map(vm, q);
	return q;
}

/* Post one buffer (the next free descriptor) on @q: writable or with @data. */
static uint64_t post(struct vm *vm, struct virtq *q, const void *data, uint32_t len)
{
	static int next;
	uint16_t i = (uint16_t)(q->avail->idx % q->num);
	uint64_t at = BUF + (uint64_t)(next++ % 48) * 4096;

	if (data)
		memcpy(vm->ram + at, data, len);
	q->desc[i] = (struct vring_desc){ at, data ? len : 4096, data ? 0 : VRING_DESC_F_WRITE, 0 };
	q->avail->ring[q->avail->idx % q->num] = i;
	q->avail->idx++;
	return at;
}

/* The used entry @n of @q: its bytes (NUL-terminated) and length. */
static uint32_t used(struct vm *vm, struct virtq *q, int n, char *out, size_t size)
{
	struct vring_used_elem e = q->used->ring[n % q->num];
	uint32_t len = e.len < size - 1 ? e.len : (uint32_t)size - 1;

	memcpy(out, vm->ram + q->desc[e.id].addr, len);
	out[len] = 0;
	return e.len;
}

/*
 * The driver sends a control message; the device must give back that very
 * buffer (Linux: "control-o:id N is not a head!" and a broken queue when
 * not), even when it answers on the control receive queue meanwhile.
 */
static void ctrl_id(struct vm *vm, struct virtio_dev *d, uint32_t id, uint16_t event,
		    uint16_t value)
{
	struct virtio_console_control c = { id, event, value };
	struct virtq *q = &d->q[Q_CTRL_TX];
	uint16_t head = (uint16_t)(q->avail->idx % q->num), before = q->used->idx;

	post(vm, q, &c, sizeof(c));
	d->ops->kick(d, q);
	assert(q->used->idx == (uint16_t)(before + 1));
	assert(q->used->ring[before % q->num].id == head);
}

static void ctrl(struct vm *vm, struct virtio_dev *d, uint16_t event, uint16_t value)
{
	ctrl_id(vm, d, 1, event, value);
}

/* The control message in used entry @n of the control receive queue. */
static struct virtio_console_control ctrl_msg(struct vm *vm, struct virtio_dev *d, int n)
{
	struct virtio_console_control c;
	char buf[64];

	used(vm, &d->q[Q_CTRL_RX], n, buf, sizeof(buf));
	memcpy(&c, buf, sizeof(c));
	return c;
}

#define EXPECT_CTRL(n, id_, event_, value_)                                                        \
	do {                                                                                       \
		struct virtio_console_control m_ = ctrl_msg(vm, d, n);                             \
		EXPECT_EQ(id_, m_.id);                                                             \
		EXPECT_EQ(event_, m_.event);                                                       \
		EXPECT_EQ(value_, m_.value);                                                       \
	} while (0)

/*
 * The driver up on all six queues with 8 control receive buffers posted:
 * its control receive queue, or NULL when a ring did not map.
 * driver_up() also sends DEVICE_READY, as a probe does; a resume does not.
 */
static struct virtq *driver_up_no_ready(struct vm *vm, struct virtio_dev *d)
{
	struct virtq *crx = &d->q[Q_CTRL_RX];

	d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	for (int i = 0; i < 6; i++)
		if (!ring(vm, d, i)->enabled)
			return NULL;
	for (int i = 0; i < 8; i++)
		post(vm, crx, NULL, 0);
	d->ops->kick(d, crx);
	return crx;
}

static struct virtq *driver_up(struct vm *vm, struct virtio_dev *d)
{
	struct virtq *crx = driver_up_no_ready(vm, d);

	if (crx)
		ctrl(vm, d, VIRTIO_CONSOLE_DEVICE_READY, 1);
	return crx;
}

/* A device the driver set up: DEVICE_READY, PORT_READY of the agent's port. */
static struct virtio_dev *ready_dev(struct vm *vm, bool guest_opens)
{
	struct virtio_dev *d = virtio_console_create(vm, false, true);

	if (!d || !driver_up(vm, d))
		return NULL;
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1);
	if (guest_opens)
		ctrl(vm, d, VIRTIO_CONSOLE_PORT_OPEN, 1);
	return d;
}

TEST(control_handshake_adds_and_names_the_port)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = virtio_console_create(vm, false, true);
	struct virtio_console_control c;
	struct virtq *rx;
	char buf[64];
	int sv[2];

	ASSERT_NE(NULL, d);
	EXPECT_EQ(6, d->nq);
	EXPECT_TRUE(d->host_features & 1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	console_port_attach(sv[0], NULL, NULL);
	d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	for (int i = Q_CTRL_RX; i <= Q_PORT_TX; i++)
		ASSERT_TRUE(ring(vm, d, i)->enabled);
	rx = &d->q[Q_CTRL_RX];
	/* DEVICE_READY before any control buffer: PORT_ADD waits for one */
	ctrl(vm, d, VIRTIO_CONSOLE_DEVICE_READY, 1);
	EXPECT_EQ(0, rx->used->idx);
	for (int i = 0; i < 4; i++)
		post(vm, rx, NULL, 0);
	d->ops->kick(d, rx);
	ASSERT_EQ(1, rx->used->idx);
	ASSERT_EQ(sizeof(c), used(vm, rx, 0, buf, sizeof(buf)));
	memcpy(&c, buf, sizeof(c));
	EXPECT_EQ(1, c.id);
	EXPECT_EQ(VIRTIO_CONSOLE_PORT_ADD, c.event);
	/* PORT_READY: its name, then "the host side is open" */
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1);
	ASSERT_EQ(3, rx->used->idx);
	EXPECT_EQ(sizeof(c) + strlen("org.qemu.guest_agent.0"), used(vm, rx, 1, buf, sizeof(buf)));
	memcpy(&c, buf, sizeof(c));
	EXPECT_EQ(VIRTIO_CONSOLE_PORT_NAME, c.event);
	EXPECT_STREQ("org.qemu.guest_agent.0", buf + sizeof(c));
	used(vm, rx, 2, buf, sizeof(buf));
	memcpy(&c, buf, sizeof(c));
	EXPECT_EQ(VIRTIO_CONSOLE_PORT_OPEN, c.event);
	EXPECT_EQ(1, c.value);
	/* the guest opens the port; the host side goes: PORT_OPEN 0 */
	EXPECT_FALSE(console_port_guest_open());
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_OPEN, 1);
	EXPECT_TRUE(console_port_guest_open());
	console_port_attach(-1, NULL, NULL);
	ASSERT_EQ(4, rx->used->idx);
	used(vm, rx, 3, buf, sizeof(buf));
	memcpy(&c, buf, sizeof(c));
	EXPECT_EQ(VIRTIO_CONSOLE_PORT_OPEN, c.event);
	EXPECT_EQ(0, c.value);
}

/* The guest writes @s on @tx; the host side reads it whole from @fd. */
static void guest_to_host(struct __test_metadata *_metadata, struct vm *vm, struct virtio_dev *d,
			  struct virtq *tx, int fd, const char *s)
{
	size_t n = strlen(s);
	char buf[64];

	post(vm, tx, s, (uint32_t)n);
	d->ops->kick(d, tx);
	ASSERT_EQ((ssize_t)n, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, s, n));
}

/* The host side writes @s on @fd; the guest's next buffer on @rx gets it. */
static void host_to_guest(struct __test_metadata *_metadata, struct vm *vm, struct virtio_dev *d,
			  struct virtq *rx, int fd, const char *s)
{
	uint16_t before = rx->used->idx;
	size_t n = strlen(s);
	char buf[64];

	ASSERT_EQ((ssize_t)n, write(fd, s, n));
	post(vm, rx, NULL, 0);
	d->ops->kick(d, rx);
	ASSERT_EQ((uint16_t)(before + 1), rx->used->idx);
	EXPECT_EQ(n, used(vm, rx, before, buf, sizeof(buf)));
	EXPECT_STREQ(s, buf);
}

TEST(bytes_cross_both_ways_and_are_dropped_with_nobody_listening)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = ready_dev(vm, true);
	struct virtq *rx = &d->q[Q_PORT_RX], *tx = &d->q[Q_PORT_TX];
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	/* nobody on the host side: the guest's bytes are dropped, an error */
	post(vm, tx, "lost", 4);
	d->ops->kick(d, tx);
	EXPECT_EQ(1, tx->used->idx);
	EXPECT_EQ(1, d->stats.errors);
	console_port_attach(sv[0], NULL, NULL);
	host_to_guest(_metadata, vm, d, rx, sv[1], "hello");
	guest_to_host(_metadata, vm, d, tx, sv[1], "world");
	/* a receive buffer with nothing writable breaks the device, not the VMM */
	ASSERT_EQ(1, write(sv[1], "x", 1));
	post(vm, rx, "ro", 2);
	d->ops->kick(d, rx);
	EXPECT_TRUE(d->broken);
}

/* Control messages in flight survive a snapshot (the save refused none). */
TEST(control_messages_in_flight_are_in_the_snapshot)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = virtio_console_create(vm, false, true);
	struct virtio_console_control c;
	static uint8_t saved[4096];
	struct virtq *rx;
	char buf[64];
	size_t len;
	int sv[2];

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	d->status = VIRTIO_CONFIG_S_DRIVER_OK;
	for (int i = Q_CTRL_RX; i <= Q_PORT_TX; i++)
		ring(vm, d, i);
	/* no control receive buffer: PORT_ADD, PORT_NAME, PORT_OPEN wait */
	console_port_attach(sv[0], NULL, NULL);
	ctrl(vm, d, VIRTIO_CONSOLE_DEVICE_READY, 1);
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1);
	len = virtio_save(d, saved, sizeof(saved));
	ASSERT_LT(0, len);
	console_port_attach(-1, NULL, NULL);
	d->ops->reset(d);
	ASSERT_EQ(0, virtio_load(d, saved, len));
	rx = &d->q[Q_CTRL_RX];
	for (int i = 0; i < 4; i++)
		post(vm, rx, NULL, 0);
	d->ops->kick(d, rx);
	ASSERT_EQ(3, rx->used->idx);
	used(vm, rx, 1, buf, sizeof(buf));
	memcpy(&c, buf, sizeof(c));
	EXPECT_EQ(VIRTIO_CONSOLE_PORT_NAME, c.event);
	EXPECT_STREQ("org.qemu.guest_agent.0", buf + sizeof(c));
}

/*
 * --hvc: port 0 is a console (hvc0), added beside the agent's port, never
 * named; its bytes cross both ways on queues 0 and 1; a socket client that
 * leaves closes the host side (PORT_OPEN 0) and the next one opens it.
 */
TEST(console_port_is_hvc0_beside_the_agent_port)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = virtio_console_create(vm, true, true);
	struct virtq *crx, *rx, *tx;
	char buf[64];
	int sv[2], sv2[2];

	ASSERT_NE(NULL, d);
	EXPECT_STREQ("hvc+agent", d->backend);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv2));
	console_hvc_attach(sv[0], sv[0], true);
	crx = driver_up(vm, d);
	ASSERT_NE(NULL, crx);
	rx = &d->q[0];
	tx = &d->q[1];
	ASSERT_EQ(2, crx->used->idx);
	EXPECT_CTRL(0, 0, VIRTIO_CONSOLE_PORT_ADD, 1);
	EXPECT_CTRL(1, 1, VIRTIO_CONSOLE_PORT_ADD, 1);
	/* port 0 ready: a console, its host side open, no name */
	ctrl_id(vm, d, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	ASSERT_EQ(4, crx->used->idx);
	EXPECT_CTRL(2, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
	EXPECT_CTRL(3, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ctrl_id(vm, d, 0, VIRTIO_CONSOLE_PORT_OPEN, 1); /* Linux's hvc says so */
	/* the guest's output, the host's input */
	guest_to_host(_metadata, vm, d, tx, sv[1], "login: ");
	host_to_guest(_metadata, vm, d, rx, sv[1], "root\n");
	EXPECT_EQ(0, d->q[4].used->idx); /* the agent's port saw none of it */
	/* the client leaves: PORT_OPEN 0; its fd closed by the device */
	close(sv[1]);
	post(vm, rx, NULL, 0);
	d->ops->kick(d, rx);
	ASSERT_EQ(5, crx->used->idx);
	EXPECT_CTRL(4, 0, VIRTIO_CONSOLE_PORT_OPEN, 0);
	EXPECT_EQ(-1, fcntl(sv[0], F_GETFD));
	/* with nobody there the guest's bytes are dropped, counted */
	post(vm, tx, "lost", 4);
	d->ops->kick(d, tx);
	EXPECT_EQ(1, d->stats.errors);
	/* the next client: PORT_OPEN 1, and the buffer posted before gets its bytes */
	console_hvc_attach(sv2[0], sv2[0], true);
	ASSERT_EQ(6, crx->used->idx);
	EXPECT_CTRL(5, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ASSERT_EQ(3, write(sv2[1], "ls\n", 3));
	d->ops->kick(d, rx);
	ASSERT_EQ(2, rx->used->idx);
	EXPECT_EQ(3, used(vm, rx, 1, buf, sizeof(buf)));
	/* the agent port still works beside it */
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1);
	ASSERT_EQ(7, crx->used->idx);
	EXPECT_CTRL(6, 1, VIRTIO_CONSOLE_PORT_NAME, 1);
	console_hvc_attach(-1, -1, false);
}

/* --hvc alone: one port; messages for the absent agent port are ignored,
 * and a snapshot with the console port's state restores it. */
TEST(console_port_alone_and_in_the_snapshot)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = virtio_console_create(vm, true, false);
	static uint8_t saved[4096];
	struct virtq *crx;
	size_t len;

	ASSERT_NE(NULL, d);
	EXPECT_STREQ("hvc", d->backend);
	crx = driver_up(vm, d);
	ASSERT_NE(NULL, crx);
	ASSERT_EQ(1, crx->used->idx);
	EXPECT_CTRL(0, 0, VIRTIO_CONSOLE_PORT_ADD, 1);
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1); /* port 1: not there */
	EXPECT_EQ(1, crx->used->idx);
	console_port_attach(3, NULL, NULL); /* no agent port: nothing */
	EXPECT_FALSE(console_port_guest_open());
	/* no host side (--hvc none): a console, not open */
	ctrl_id(vm, d, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	ASSERT_EQ(2, crx->used->idx);
	EXPECT_CTRL(1, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
	len = virtio_save(d, saved, sizeof(saved));
	ASSERT_LT(0, len);
	d->ops->reset(d);
	ASSERT_EQ(0, virtio_load(d, saved, len));
	/* restored as added and ready: a second DEVICE_READY adds nothing */
	ctrl(vm, d, VIRTIO_CONSOLE_DEVICE_READY, 1);
	EXPECT_EQ(2, crx->used->idx);
}

/*
 * The guest's resume from S3: its freeze reset the device; its restore
 * sets the queues up again and sends PORT_READY for each port it has, with
 * no DEVICE_READY (Linux's virtcons_restore()). The host side's state must
 * come back (PORT_OPEN 1), or the agent's port stays closed in the guest.
 */
TEST(port_ready_after_resume_reopens_the_host_side)
{
	struct vm *vm = fake_vm();
	struct virtio_dev *d = virtio_console_create(vm, true, true);
	struct virtq *crx;
	int sv[2];

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	console_port_attach(sv[0], NULL, NULL);
	console_hvc_attach(sv[1], sv[1], false);
	crx = driver_up(vm, d);
	ASSERT_NE(NULL, crx);
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1);
	ctrl_id(vm, d, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	ASSERT_EQ(6, crx->used->idx); /* 2 PORT_ADD, NAME + OPEN, CONSOLE_PORT + OPEN */
	/* freeze: the device reset; restore: queues again, PORT_READY, no DEVICE_READY */
	virtio_dev_reset(d);
	memset(vm->ram + 0x10000, 0, 6 * 0x4000);
	crx = driver_up_no_ready(vm, d);
	ASSERT_NE(NULL, crx);
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_READY, 1);
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_OPEN, 1);
	ctrl_id(vm, d, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	ASSERT_EQ(4, crx->used->idx);
	EXPECT_CTRL(0, 1, VIRTIO_CONSOLE_PORT_NAME, 1);
	EXPECT_CTRL(1, 1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	EXPECT_CTRL(2, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
	EXPECT_CTRL(3, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	EXPECT_TRUE(console_port_guest_open());
}

struct answer {
	int n;
	char text[512];
};

static void done(void *ctx, char *ans)
{
	struct answer *a = ctx;

	snprintf(a->text, sizeof(a->text), "%s", ans);
	a->n++;
	free(ans);
}

/* What the agent reads from its port: every delivered buffer, concatenated. */
static size_t agent_reads(struct vm *vm, struct virtio_dev *d, char *out, size_t size)
{
	struct virtq *rx = &d->q[Q_PORT_RX];
	uint16_t from = rx->used->idx;
	size_t len = 0;

	/* keep 4 buffers posted (the ring has 16) */
	while ((uint16_t)(rx->avail->idx - rx->last_avail) < 4)
		post(vm, rx, NULL, 0);
	d->ops->kick(d, rx);
	for (uint16_t k = from; k != rx->used->idx && len < size - 1; k++)
		len += used(vm, rx, k, out + len, size - len);
	return len;
}

static void agent_says(struct vm *vm, struct virtio_dev *d, const char *s)
{
	post(vm, &d->q[Q_PORT_TX], s, (uint32_t)strlen(s));
	d->ops->kick(d, &d->q[Q_PORT_TX]);
}

/* A device the driver set up, then the --agent socket and client. */
static struct virtio_dev *agent_dev(struct vm *vm, const char *sock, bool guest_opens)
{
	struct virtio_dev *d = ready_dev(vm, guest_opens);

	return d && agent_init(vm, sock) == 0 ? d : NULL;
}

static void sock_path(char *out, size_t len)
{
	snprintf(out, len, "/tmp/vmon-console-test.%d.sock", getpid());
}

TEST(agent_request_through_guest_sync_delimited)
{
	struct vm *vm = fake_vm();
	struct answer a = { 0 };
	char path[108], got[1024], err[256], sync[128];
	struct virtio_dev *d;
	unsigned int id;
	char *p;

	sock_path(path, sizeof(path));
	d = agent_dev(vm, path, true);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, agent_call("{\"execute\":\"guest-ping\"}", 5, done, &a, err, sizeof(err)))
	TH_LOG("%s", err);
	/* a second request while one is in flight is refused */
	EXPECT_EQ(-1, agent_call("{\"execute\":\"guest-info\"}", 5, done, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "busy"));
	/* the agent first sees 0xff and the sync with its id */
	ASSERT_LT(0, agent_reads(vm, d, got, sizeof(got)));
	EXPECT_EQ((char)0xff, got[0]);
	p = strstr(got, "\"guest-sync-delimited\"");
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(strstr(got, "\"id\":"), "\"id\":%u", &id));
	/* noise and a stale answer of another id are skipped */
	agent_says(vm, d, "garbage\n\xff{\"return\": 999999}\n");
	EXPECT_EQ(0, agent_reads(vm, d, got, sizeof(got)));
	snprintf(sync, sizeof(sync), "\xff{\"return\": %u}\n", id);
	agent_says(vm, d, sync);
	agent_reads(vm, d, got, sizeof(got));
	EXPECT_STREQ("{\"execute\":\"guest-ping\"}\n", got);
	EXPECT_EQ(0, a.n);
	/* the answer may come in pieces */
	agent_says(vm, d, "{\"return\": {\"ver");
	EXPECT_EQ(0, a.n);
	agent_says(vm, d, "sion\": \"7.2.0\"}}\n");
	ASSERT_EQ(1, a.n);
	EXPECT_STREQ("{\"ok\":true,\"return\":{\"version\":\"7.2.0\"}}", a.text);
	/* the agent's error, by its description */
	ASSERT_EQ(0, agent_call("{\"execute\":\"guest-nope\"}", 5, done, &a, err, sizeof(err)));
	agent_reads(vm, d, got, sizeof(got));
	ASSERT_EQ(1, sscanf(strstr(got, "\"id\":"), "\"id\":%u", &id));
	snprintf(sync, sizeof(sync), "\xff{\"return\": %u}\n", id);
	agent_says(vm, d, sync);
	agent_reads(vm, d, got, sizeof(got));
	agent_says(vm, d,
		   "{\"error\": {\"class\": \"CommandNotFound\", "
		   "\"desc\": \"The command guest-nope has not been found\"}}\n");
	ASSERT_EQ(2, a.n);
	/* marked as the agent's own, for vmond to word it as libvirt does */
	EXPECT_STREQ("{\"ok\":false,\"error\":\"agent: The command guest-nope has not been "
		     "found\",\"agent_error\":true}",
		     a.text);
	/* guest-shutdown answers nothing on success: done once passed on */
	ASSERT_EQ(0, agent_call("{\"execute\":\"guest-shutdown\"}", 5, done, &a, err, sizeof(err)));
	agent_reads(vm, d, got, sizeof(got));
	ASSERT_EQ(1, sscanf(strstr(got, "\"id\":"), "\"id\":%u", &id));
	snprintf(sync, sizeof(sync), "\xff{\"return\": %u}\n", id);
	agent_says(vm, d, sync);
	ASSERT_EQ(3, a.n);
	EXPECT_STREQ("{\"ok\":true,\"return\":null}", a.text);
	agent_exit();
}

TEST(agent_silent_times_out)
{
	struct vm *vm = fake_vm();
	struct answer a = { 0 };
	char path[108], err[256];
	struct virtio_dev *d;

	sock_path(path, sizeof(path));
	d = agent_dev(vm, path, true);
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, agent_call("{\"execute\":\"guest-ping\"}", 1, done, &a, err, sizeof(err)));
	for (int i = 0; i < 30 && !a.n; i++)
		ev_run_once(vm, 100);
	ASSERT_EQ(1, a.n);
	EXPECT_NE(NULL, strstr(a.text, "\"ok\":false"));
	EXPECT_NE(NULL, strstr(a.text, "not responding (no answer in 1 s, not even to "
				       "guest-sync-delimited)"));
	EXPECT_EQ(NULL, strstr(a.text, "agent_error")); /* no answer: not the agent's error */
	/* the channel is free again */
	ASSERT_EQ(0, agent_call("{\"execute\":\"guest-ping\"}", 1, done, &a, err, sizeof(err)));
	agent_exit();
}

TEST(agent_refused_without_agent_or_with_a_socket_client)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vm *vm = fake_vm();
	struct answer a = { 0 };
	char path[108], err[256], got[256];
	struct virtio_dev *d;
	int c, c2;

	EXPECT_EQ(-1, agent_call("{\"execute\":\"guest-ping\"}", 1, done, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "--agent"));
	sock_path(path, sizeof(path));
	d = agent_dev(vm, path, false);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(-1, agent_call("{\"execute\":\"guest-ping\"}", 1, done, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not connected"));
	ctrl(vm, d, VIRTIO_CONSOLE_PORT_OPEN, 1);
	/* a client of the socket holds the port; a second is turned away */
	strcpy(sa.sun_path, path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	ev_run_once(vm, 1000);
	EXPECT_EQ(-1, agent_call("{\"execute\":\"guest-ping\"}", 1, done, &a, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "a client of the --agent socket"));
	c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(c2, (struct sockaddr *)&sa, sizeof(sa)));
	ev_run_once(vm, 1000);
	EXPECT_EQ(0, read(c2, got, sizeof(got))); /* closed by the VMM */
	/* its bytes reach the guest and the guest's reach it */
	ASSERT_EQ(19, write(c, "{\"execute\":\"x\"}\n\n\n\n", 19));
	EXPECT_EQ(19, agent_reads(vm, d, got, sizeof(got)));
	agent_says(vm, d, "{\"return\": {}}\n");
	EXPECT_EQ(15, read(c, got, sizeof(got)));
	/* it leaves: the VMM's client has the port again */
	close(c);
	for (int i = 0; i < 5; i++)
		ev_run_once(vm, 100);
	EXPECT_EQ(0, agent_call("{\"execute\":\"guest-ping\"}", 1, done, &a, err, sizeof(err)))
	TH_LOG("%s", err);
	agent_exit();
}

TEST_HARNESS_MAIN
