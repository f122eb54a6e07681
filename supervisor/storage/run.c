// SPDX-License-Identifier: GPL-2.0
/* Run a tool (LVM's, mkfs): its standard output, or its error in err. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"

extern char **environ;

static char *slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *b = malloc(cap);
	ssize_t n;

	while (b && (n = read(fd, b + len, cap - len - 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = realloc(b, cap * 2);

			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
	}
	if (b)
		b[len] = 0;
	return b;
}

int vmon_storage_run(char *const argv[], char **out, char *err, size_t errlen)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, st, rc;
	posix_spawn_file_actions_t fa;
	char *o, *e;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(rc));
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	/* the tools here print little on stderr: read stdout first */
	o = slurp_fd(po[0]);
	e = slurp_fd(pe[0]);
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	rc = !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
	if (rc) {
		size_t n = e ? strlen(e) : 0;

		while (n && (e[n - 1] == '\n' || e[n - 1] == ' '))
			e[--n] = 0;
		snprintf(err, errlen, "%s failed: %s", argv[0], e && *e ? e : "no message");
	}
	free(e);
	if (out && !rc)
		*out = o;
	else
		free(o);
	return rc;
}
