// SPDX-License-Identifier: GPL-2.0
/*
 * vmond's directories under a root prefix (tests run vmond in a temp dir).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <vmon/daemon.h>

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[700];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vmond_paths_init(struct vmond_paths *p, const char *root, bool create)
{
	static const char *const subs[] = { "images", "save", "snapshot" };
	char sub[700];
	int ret;

	memset(p, 0, sizeof(*p));
	if (root && strcmp(root, "/")) {
		if (strlen(root) >= sizeof(p->root))
			return -ENAMETOOLONG;
		strcpy(p->root, root);
	}
	snprintf(p->domains, sizeof(p->domains), "%s/etc/vmon/domains", p->root);
	snprintf(p->autostart, sizeof(p->autostart), "%s/etc/vmon/autostart", p->root);
	snprintf(p->run, sizeof(p->run), "%s/run/vmon", p->root);
	snprintf(p->status, sizeof(p->status), "%s/run/vmon/domains", p->root);
	snprintf(p->lib, sizeof(p->lib), "%s/var/lib/vmon", p->root);
	snprintf(p->sock, sizeof(p->sock), "%s/vmond.sock", p->run);
	snprintf(p->sock_ro, sizeof(p->sock_ro), "%s/vmond-ro.sock", p->run);
	if (!create)
		return 0;
	if ((ret = mkdir_p(p->domains, 0755)) || (ret = mkdir_p(p->autostart, 0755)) ||
	    (ret = mkdir_p(p->status, 0755)) || (ret = mkdir_p(p->run, 0755)))
		return ret;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", p->lib, subs[i]);
		if ((ret = mkdir_p(sub, 0711)))
			return ret;
	}
	return 0;
}
