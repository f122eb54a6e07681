// SPDX-License-Identifier: GPL-2.0
/*
 * A running domain: vmon-vmm started in its own session so that it outlives
 * vmond, watched through a pidfd, driven through its JSON API socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmon/domain.h>
#include <vmon/unix.h>

#include "vmond.h"
#include "vnet.h"

#define API_WAIT_MS 30000 /* the VMM sets up its API socket before the guest runs */
#define QUIT_WAIT_MS 10000

static int request(struct vdom *v, const char *cmd, int pass, struct json_object **answer, int ms,
		   char *err, size_t errlen);

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int vmond_vm_call(struct vdom *v, const char *cmd, struct json_object **answer, char *err,
		  size_t errlen)
{
	return vmond_vm_call_ms(v, cmd, answer, API_WAIT_MS, err, errlen);
}

int vmond_vm_call_ms(struct vdom *v, const char *cmd, struct json_object **answer, int ms,
		     char *err, size_t errlen)
{
	return vmond_vm_call_fd(v, cmd, -1, answer, ms, err, errlen);
}

int vmond_vm_call_fd(struct vdom *v, const char *cmd, int fd, struct json_object **answer, int ms,
		     char *err, size_t errlen)
{
	struct json_object *o, *ok, *e = NULL;

	if (request(v, cmd, fd, &o, ms, err, errlen))
		return -1;
	if (!json_object_object_get_ex(o, "ok", &ok) || !json_object_get_boolean(ok)) {
		json_object_object_get_ex(o, "error", &e);
		snprintf(err, errlen, "domain '%s': VMM refused '%s': %s", v->name, cmd,
			 e ? json_object_get_string(e) : "bad answer");
		json_object_put(o);
		return -1;
	}
	if (answer)
		*answer = o;
	else
		json_object_put(o);
	return 0;
}

/* The request line, with descriptor @pass (if >= 0) alongside. */
static int send_req(int fd, const char *req, int pass)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { (void *)req, strlen(req) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass >= 0) {
		memset(&cm, 0, sizeof(cm));
		m.msg_control = &cm;
		m.msg_controllen = sizeof(cm);
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &pass, sizeof(int));
	}
	return sendmsg(fd, &m, MSG_NOSIGNAL) == (ssize_t)strlen(req) ? 0 : -1;
}

int vmond_vm_request(struct vdom *v, const char *cmd, struct json_object **answer, int ms,
		     char *err, size_t errlen)
{
	return request(v, cmd, -1, answer, ms, err, errlen);
}

static int request(struct vdom *v, const char *cmd, int pass, struct json_object **answer, int ms,
		   char *err, size_t errlen)
{
	char *req = NULL, buf[65536];
	struct json_object *o;
	size_t len = 0;
	int fd = vmon_unix_connect(v->st.api);

	if (fd < 0) {
		snprintf(err, errlen, "domain '%s': VMM API '%s': %s", v->name, v->st.api,
			 strerror(-fd));
		return -1;
	}
	/* a bare command name, or a whole request ({"cmd":"balloon",...}) */
	if (asprintf(&req, cmd[0] == '{' ? "%s\n" : "{\"cmd\":\"%s\"}\n", cmd) < 0)
		req = NULL;
	if (!req || send_req(fd, req, pass))
		goto io;
	free(req);
	req = NULL;
	while (len < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) <= 0)
			goto io;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			goto io;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	close(fd);
	buf[len] = 0;
	o = json_tokener_parse(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(err, errlen, "domain '%s': the VMM's answer to '%s' is not JSON", v->name,
			 cmd);
		return -1;
	}
	*answer = o;
	return 0;
io:
	free(req);
	close(fd);
	snprintf(err, errlen, "domain '%s': no answer from the VMM to '%s'", v->name, cmd);
	return -1;
}

/*
 * Fork the VMM into a session of its own: no signal to vmond's process group
 * or terminal reaches it, and it lives on when vmond ends (it is then
 * inherited by init). Its pid or -errno.
 */
static pid_t spawn(char **argv, const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid_t pid;

	if (fd < 0 || nul < 0) {
		int e = -errno;

		if (fd >= 0)
			close(fd);
		return e;
	}
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		if (dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "vmond: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	close(nul);
	return pid < 0 ? -errno : pid;
}

static int wait_api(struct vmond *d, struct vdom *v, char *err, size_t errlen)
{
	int pidfd = v->pidfd;

	for (int ms = 0; ms < API_WAIT_MS; ms += 20) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int fd = vmon_unix_connect(v->st.api);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (poll(&p, 1, 20) > 0) {
			snprintf(err, errlen,
				 "domain '%s': vmon-vmm exited at start (see %.200s/%s.log)",
				 v->name, d->p.status, v->name);
			return -1;
		}
	}
	snprintf(err, errlen, "domain '%s': vmon-vmm did not open its API socket", v->name);
	return -1;
}

int vmond_domain_path(const struct vmond *d, const struct vdom *v, char *buf, size_t len,
		      const char *ext)
{
	int n = snprintf(buf, len, "%.*s/%s.%s", (int)len, d->p.status, v->name, ext);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * The taps of interfaces on networks and bridges (vnet.h), made and put on
 * their bridge before the VMM opens them: o->taps (malloc'd, names kept in
 * the live definition) or -1.
 */
static int net_taps(struct vmond *d, struct vdom *v, struct vmon_vmm_opts *o, char *err,
		    size_t errlen)
{
	size_t n = v->def->n_ifaces;
	/* one block: n + 1 pointers, then the n names they point at */
	const char **tp = calloc(1, (n + 1) * sizeof(*tp) + (n + 1) * 16);
	char(*taps)[16] = tp ? (char(*)[16])(tp + n + 1) : NULL;

	if (!tp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (vmond_net_taps_up(d, v, taps, err, errlen)) {
		free(tp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		tp[i] = taps[i][0] ? taps[i] : NULL;
	o->taps = tp;
	return 0;
}

/*
 * Start the domain's VMM: booting its definition, or with @restore resuming
 * the guest saved in that directory (save.c), whose command line the VMM
 * reads back (libdomain then gives only the endpoints). Its taps are made
 * either way, under the names that command line holds (vnet.h).
 */
static int launch(struct vmond *d, struct vdom *v, const char *restore, char *err, size_t errlen)
{
	char console[800], hvc[800], log[800], agent[800];
	struct vmon_xml_error xe = { 0 };
	struct vmon_vmm_opts o = { .vmm_path = d->vmm_path,
				   .api_socket = v->st.api,
				   .console = console,
				   .agent_socket = agent,
				   .hvc = hvc,
				   .restore_dir = restore,
				   .no_seccomp = d->no_seccomp };
	char **argv;
	pid_t pid;

	strcpy(console, "unix:");
	strcpy(hvc, "unix:");
	if (vmond_domain_path(d, v, console + 5, sizeof(console) - 5, "console") ||
	    vmond_domain_path(d, v, hvc + 5, sizeof(hvc) - 5, "hvc") ||
	    vmond_domain_path(d, v, log, sizeof(log), "log") ||
	    vmond_domain_path(d, v, agent, sizeof(agent), "agent")) {
		snprintf(err, errlen, "domain '%s': --root path too long", v->name);
		return -1;
	}
	if (vmond_resolve_volumes(d, v, err, errlen))
		return -1;
	if (net_taps(d, v, &o, err, errlen))
		return -1;
	if (vmon_domain_vmm_argv(v->def, &o, &argv, &xe)) {
		snprintf(err, errlen, "domain '%s': %s", v->name, xe.msg);
		free((void *)o.taps);
		vmond_net_taps_down(v);
		return -1;
	}
	free((void *)o.taps);
	unlink(v->st.api);
	pid = spawn(argv, log);
	vmon_domain_argv_free(argv);
	if (pid < 0) {
		snprintf(err, errlen, "domain '%s': cannot start vmon-vmm: %s", v->name,
			 strerror(-pid));
		vmond_net_taps_down(v);
		return -1;
	}
	v->st.pid = pid;
	return 0;
}

/* The VMM did not come up: kill it, reap it, the domain is shut off (failed). */
static int start_failed(struct vmond *d, struct vdom *v)
{
	if (v->pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, v->pidfd, SIGKILL, NULL, 0);
		close(v->pidfd);
	}
	if (v->st.pid > 0)
		waitpid(v->st.pid, NULL, 0);
	vmond_net_taps_down(v);
	v->pidfd = -1;
	memset(&v->st, 0, sizeof(v->st));
	vmond_fact(d, v, VMON_IN_START_FAILED);
	if (!vdom_active(v))
		vmond_def_stopped(v);
	return -1;
}

int vmond_vm_start(struct vmond *d, struct vdom *v, bool paused, char *err, size_t errlen)
{
	return vmond_vm_restore(d, v, NULL, paused, err, errlen);
}

int vmond_vm_restore(struct vmond *d, struct vdom *v, const char *restore, bool paused, char *err,
		     size_t errlen)
{
	enum vmon_dstate_input in = restore ? (paused ? VMON_IN_RESTORE_PAUSED : VMON_IN_RESTORE)
					    : (paused ? VMON_IN_START_PAUSED : VMON_IN_START);
	struct vmon_dstate_result r;

	if (vmond_next(v, in, &r, err, errlen) || vmond_def_started(v, err, errlen)) {
		/* a definition put in to run (restore, create) gives way again */
		if (!vdom_active(v))
			vmond_def_stopped(v);
		return -1;
	}
	memset(&v->st, 0, sizeof(v->st));
	v->pidfd = -1;
	vmond_commit(d, v, &r); /* starting up; no status file yet */
	if (vmond_domain_path(d, v, v->st.api, sizeof(v->st.api), "sock")) {
		snprintf(err, errlen, "domain '%s': API socket path too long", v->name);
		return start_failed(d, v);
	}
	if (launch(d, v, restore, err, errlen))
		return start_failed(d, v);
	v->child = true;
	v->pidfd = pidfd_open_(v->st.pid);
	if (v->pidfd < 0 || vmon_proc_starttime(v->st.pid, &v->st.starttime)) {
		snprintf(err, errlen, "domain '%s': vmon-vmm exited at start", v->name);
		return start_failed(d, v);
	}
	if (wait_api(d, v, err, errlen))
		return start_failed(d, v);
	if (restore)
		vmond_iotune_apply(v);
	if (paused && vmond_vm_call(v, "pause", NULL, err, errlen))
		return start_failed(d, v);
	v->st.id = d->next_id++;
	vmon_domain_set_id(v->def, (int)v->st.id);
	if (restore)
		vmond_fact(d, v, paused ? VMON_IN_RESTORED_PAUSED : VMON_IN_RESTORED);
	else
		vmond_fact(d, v, paused ? VMON_IN_VMM_PAUSED : VMON_IN_BOOTED);
	return vmond_vm_watch(d, v);
}

int vmond_vm_watch(struct vmond *d, struct vdom *v)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = v };

	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, v->pidfd, &ev) < 0) {
		vmond_log("%s: epoll: %s", v->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* How our child VMM ended: its exit code, 128 + signal, or -1 if unknown. */
static int exit_code(struct vdom *v)
{
	siginfo_t si = { 0 };

	if (!v->child || v->pidfd < 0 || waitid(P_PIDFD, (id_t)v->pidfd, &si, WEXITED) < 0)
		return -1;
	return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

/* The guest fact of a VMM exit status (vmon-vmm(1)), or -1: none. */
static int exit_fact(int code)
{
	switch (code) {
	case 0: /* powered off (ACPI S5) */
		return VMON_IN_POWERED_OFF;
	case 3: /* the guest kernel panicked */
		return VMON_IN_PANICKED;
	case 4: /* the guest reset itself; vmon-vmm ran with --on-reboot destroy */
		return VMON_IN_REBOOTED;
	default:
		return -1;
	}
}

/*
 * The facts of the VMM's end: exit 0 is the guest's power-off, 3 a guest
 * panic, 4 its reboot; then the process is gone. A VMM we did not start
 * (taken back after a restart) has no exit status for us: if we had asked
 * for a shutdown, it is that.
 */
void vmond_vm_ended(struct vmond *d, struct vdom *v)
{
	struct vmon_dstate_result r;
	char err[256];
	int code = exit_code(v);

	if (v->pidfd >= 0) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, v->pidfd, NULL);
		close(v->pidfd);
	}
	v->pidfd = -1;
	if (code < 0 && v->ds.state == VMON_DS_SHUTDOWN)
		code = 0;
	if (exit_fact(code) >= 0) {
		if (vmond_next(v, (enum vmon_dstate_input)exit_fact(code), &r, err, sizeof(err)) ==
		    0) {
			vmond_commit(d, v, &r);
			if (r.todo == VMON_TODO_RESET || r.todo == VMON_TODO_RESTART_VMM) {
				/* on_* restart: a new VMM for the same domain. */
				vmond_remove_status(d, v);
				v->ds = (struct vmon_dstate){ VMON_DS_SHUTOFF,
							      VMON_SHUTOFF_SHUTDOWN };
				if (vmond_vm_start(d, v, false, err, sizeof(err)) == 0)
					return;
				vmond_log("%s: restart: %s", v->name, err);
			}
		}
	}
	vmond_fact(d, v, VMON_IN_VMM_EXITED);
	vmond_log("%s: VMM %d ended (exit %d): %s (%s)", v->name, (int)v->st.pid, code,
		  vmon_dstate_name(v->ds.state), vmon_dstate_reason_name(v->ds));
	vmond_remove_status(d, v);
	vmond_net_taps_down(v);
	vmon_domain_set_id(v->def, -1);
	if (!vdom_active(v))
		vmond_def_stopped(v);
	if (!v->persistent && !vdom_active(v))
		vmond_drop(d, v);
}

/*
 * destroy: the VMM's quit, then SIGKILL unless graceful; @r (dying) is made
 * the state once the VMM is gone. May free a transient v.
 */
int vmond_vm_kill(struct vmond *d, struct vdom *v, bool graceful,
		  const struct vmon_dstate_result *r, char *err, size_t errlen)
{
	struct pollfd p = { .fd = v->pidfd, .events = POLLIN };
	char e2[256];

	if (vmond_vm_call(v, "quit", NULL, e2, sizeof(e2)) || poll(&p, 1, QUIT_WAIT_MS) <= 0) {
		if (graceful) {
			snprintf(err, errlen,
				 "domain '%s' did not end on quit (--graceful: not killed)",
				 v->name);
			return -1;
		}
		if (syscall(SYS_pidfd_send_signal, v->pidfd, SIGKILL, NULL, 0) < 0) {
			snprintf(err, errlen, "domain '%s': kill: %s", v->name, strerror(errno));
			return -1;
		}
		poll(&p, 1, QUIT_WAIT_MS);
	}
	vmond_commit(d, v, r);
	vmond_vm_ended(d, v);
	return 0;
}
