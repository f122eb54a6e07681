// SPDX-License-Identifier: GPL-2.0
/*
 * libnetwork: one dnsmasq per network for DHCP and DNS, as libvirt runs
 * it: its own configuration, pid file and lease file, bound to the bridge
 * only, started and stopped here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"

void vmon_net_paths(const char *rundir, const char *name, struct vmon_net_paths *p)
{
	snprintf(p->dir, sizeof(p->dir), "%s", rundir);
	snprintf(p->conf, sizeof(p->conf), "%s/%s.conf", rundir, name);
	snprintf(p->pid, sizeof(p->pid), "%s/%s.pid", rundir, name);
	snprintf(p->leases, sizeof(p->leases), "%s/%s.leases", rundir, name);
	snprintf(p->hosts, sizeof(p->hosts), "%s/%s.hostsfile", rundir, name);
}

bool vmon_net_needs_dnsmasq(const struct vmon_network *n)
{
	return n->has_ip && n->bridge;
}

static const char *ip4(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void dhcp_lines(FILE *f, const struct vmon_network *n, const struct vmon_net_paths *p)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct in_addr mask = { .s_addr = net_mask(n->prefix) };
	unsigned long count;

	if (!n->has_range)
		return;
	count = ntohl(n->range_end.s_addr) - ntohl(n->range_start.s_addr) + 1;
	fprintf(f, "dhcp-range=%s,%s,", ip4(n->range_start, a), ip4(n->range_end, b));
	fprintf(f, "%s\n", ip4(mask, a));
	fprintf(f, "dhcp-no-override\ndhcp-authoritative\n");
	fprintf(f, "dhcp-lease-max=%lu\n", count);
	/* static hosts in a file of their own: SIGHUP re-reads it (net-update) */
	fprintf(f, "dhcp-hostsfile=%s\n", p->hosts);
}

char *vmon_net_dnsmasq_hosts(const struct vmon_network *n)
{
	char *s = NULL, a[INET_ADDRSTRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n->n_hosts; i++) {
		const struct vmon_net_dhcp_host *h = &n->hosts[i];
		const uint8_t *m = h->mac;

		if (h->has_mac)
			fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x,", m[0], m[1], m[2], m[3], m[4],
				m[5]);
		fprintf(f, "%s", ip4(h->ip, a));
		fprintf(f, h->name ? ",%s\n" : "\n", h->name);
	}
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

char *vmon_net_dnsmasq_conf(const struct vmon_network *n, const struct vmon_net_paths *p)
{
	char *s = NULL, a[INET_ADDRSTRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "# written by vmond for network '%s'; rewritten at every start\n", n->name);
	fprintf(f, "strict-order\n");
	fprintf(f, "pid-file=%s\n", p->pid);
	fprintf(f, "except-interface=lo\nbind-dynamic\ninterface=%s\n", n->bridge);
	fprintf(f, "listen-address=%s\n", ip4(n->addr, a));
	if (n->domain)
		fprintf(f, "domain=%s\nexpand-hosts\nlocal=/%s/\n", n->domain, n->domain);
	dhcp_lines(f, n, p);
	fprintf(f, "dhcp-leasefile=%s\n", p->leases);
	for (size_t i = 0; i < n->n_dns_hosts; i++) {
		fprintf(f, "host-record=");
		for (size_t j = 0; j < n->dns_hosts[i].n_names; j++) {
			const char *h = n->dns_hosts[i].names[j];

			fprintf(f, "%s,", h);
			/* expand-hosts does not reach host-record: the domain's name too */
			if (n->domain && !strchr(h, '.'))
				fprintf(f, "%s.%s,", h, n->domain);
		}
		fprintf(f, "%s\n", ip4(n->dns_hosts[i].ip, a));
	}
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

static int write_file(const char *path, const char *data, char *err, size_t errlen)
{
	char tmp[700];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f || fputs(data, f) < 0 || fflush(f) || fsync(fileno(f)) || fclose(f) ||
	    rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int vmon_net_dnsmasq_write_hosts(const struct vmon_network *n, const struct vmon_net_paths *p,
				 char *err, size_t errlen)
{
	char *hosts = vmon_net_dnsmasq_hosts(n);
	int rc;

	if (!hosts) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = write_file(p->hosts, hosts, err, errlen);
	free(hosts);
	return rc;
}

int vmon_net_dnsmasq_reload(const struct vmon_net_paths *p, char *err, size_t errlen)
{
	pid_t pid = vmon_net_dnsmasq_pid(p);

	if (!pid || kill(pid, SIGHUP)) {
		snprintf(err, errlen, "dnsmasq (%s) is not running", p->pid);
		return -1;
	}
	return 0;
}

/* The first line dnsmasq wrote on @fd (its reason for failing). */
static void first_line(int fd, char *buf, size_t len)
{
	ssize_t r = read(fd, buf, len - 1);

	buf[r > 0 ? r : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

int vmon_net_dnsmasq_start(const struct vmon_network *n, const struct vmon_net_paths *p,
			   const char *dnsmasq, char *err, size_t errlen)
{
	char *conf = vmon_net_dnsmasq_conf(n, p), arg[700], why[400];
	int pipefd[2], st;
	pid_t pid;

	if (!conf || write_file(p->conf, conf, err, errlen) ||
	    vmon_net_dnsmasq_write_hosts(n, p, err, errlen)) {
		if (!conf)
			snprintf(err, errlen, "out of memory");
		free(conf);
		return -1;
	}
	free(conf);
	snprintf(arg, sizeof(arg), "--conf-file=%s", p->conf);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* dnsmasq daemonizes; its launcher exits 0 once it serves */
		dup2(pipefd[1], 2);
		execl(dnsmasq, dnsmasq, arg, (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", dnsmasq, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		first_line(pipefd[0], why, sizeof(why));
		snprintf(err, errlen, "dnsmasq for network '%s' failed: %s", n->name,
			 *why ? why : "no reason given");
		close(pipefd[0]);
		return -1;
	}
	close(pipefd[0]);
	return 0;
}

pid_t vmon_net_dnsmasq_pid(const struct vmon_net_paths *p)
{
	char path[64], cmd[1024], want[720];
	FILE *f = fopen(p->pid, "re");
	long pid = 0;
	ssize_t r;
	int fd;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1)
		pid = 0;
	fclose(f);
	if (!pid)
		return 0;
	/* the pid is ours only if that process runs our configuration */
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (r <= 0)
		return 0;
	cmd[r] = 0;
	for (ssize_t i = 0; i < r; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	snprintf(want, sizeof(want), "--conf-file=%s", p->conf);
	return strstr(cmd, want) ? (pid_t)pid : 0;
}

int vmon_net_dnsmasq_stop(const struct vmon_net_paths *p, char *err, size_t errlen)
{
	pid_t pid = vmon_net_dnsmasq_pid(p);
	int pfd;

	if (!pid) {
		unlink(p->pid);
		return 0;
	}
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (kill(pid, SIGTERM) && errno != ESRCH) {
		snprintf(err, errlen, "cannot stop dnsmasq (pid %d): %s", (int)pid,
			 strerror(errno));
		if (pfd >= 0)
			close(pfd);
		return -1;
	}
	if (pfd >= 0) { /* its end, so that the bridge it binds goes next */
		struct pollfd w = { .fd = pfd, .events = POLLIN };

		if (poll(&w, 1, 5000) == 0) {
			kill(pid, SIGKILL);
			poll(&w, 1, 5000);
		}
		close(pfd);
	}
	unlink(p->pid);
	return 0;
}
