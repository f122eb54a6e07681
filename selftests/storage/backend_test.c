// SPDX-License-Identifier: GPL-2.0
/*
 * libstorage's back-end interface and file volumes on the host, in a
 * temporary directory: the table (a fake back end put in and taken out),
 * the dir back end's build/start/refresh/stop/remove, volumes created raw and
 * qcow2 (probed back through libqcow2), a failed creation that leaves no
 * file, a scan that hides dot files and sorts by name, lookups by name, path
 * and key, resize and wipe; the tools' runner (output, error, a full pipe,
 * a stuck tool killed at the timeout).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include <vmon/storage.h>

static int fake_calls;

static int fake_check(const struct vmon_pool_def *def, char *err, size_t errlen)
{
	fake_calls++;
	snprintf(err, errlen, "fake refuses '%s'", def->name);
	return -1;
}

static const struct vmon_pool_backend fake = { .type = VMON_POOL_ISCSI, .check = fake_check };

TEST(table_and_fake_backend)
{
	struct vmon_pool_def def = { .type = VMON_POOL_ISCSI, .name = "tgt" };
	char err[128];

	ASSERT_NE(NULL, vmon_pool_backend(VMON_POOL_DIR));
	ASSERT_NE(NULL, vmon_pool_backend(VMON_POOL_FS));
	ASSERT_NE(NULL, vmon_pool_backend(VMON_POOL_LOGICAL));
	EXPECT_EQ(NULL, vmon_pool_backend(VMON_POOL_ISCSI));
	EXPECT_EQ(NULL, vmon_pool_backend((enum vmon_pool_type)99));
	vmon_pool_backend_set(VMON_POOL_ISCSI, &fake);
	ASSERT_EQ(&fake, vmon_pool_backend(VMON_POOL_ISCSI));
	EXPECT_EQ(-1, vmon_pool_backend(VMON_POOL_ISCSI)->check(&def, err, sizeof(err)));
	EXPECT_EQ(1, fake_calls);
	EXPECT_STREQ("fake refuses 'tgt'", err);
	vmon_pool_backend_set(VMON_POOL_ISCSI, NULL);
	EXPECT_EQ(NULL, vmon_pool_backend(VMON_POOL_ISCSI));
}

/* A dir pool in a fresh temporary directory, built and started. */
static struct vmon_pool *dir_pool(struct __test_metadata *_metadata, char *tmp)
{
	struct vmon_pool *p = calloc(1, sizeof(*p));
	char err[512];

	strcpy(tmp, "/tmp/backend_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(tmp));
	p->def = calloc(1, sizeof(*p->def));
	strcpy(p->def->name, "t");
	p->def->perms = (struct vmon_perms){ 0750, -1, -1, NULL };
	ASSERT_LT(0, asprintf(&p->def->target, "%s/pool/sub", tmp));
	p->be = vmon_pool_backend(VMON_POOL_DIR);
	EXPECT_EQ(0, p->be->build(p, 0, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, p->be->start(p, err, sizeof(err))) TH_LOG("%s", err);
	return p;
}

static struct vmon_vol_def *newvol(const char *name, uint64_t cap, enum vmon_vol_format f)
{
	struct vmon_vol_def *v = calloc(1, sizeof(*v));

	snprintf(v->name, sizeof(v->name), "%s", name);
	v->capacity = cap;
	v->format = f;
	v->perms = (struct vmon_perms){ -1, -1, -1, NULL };
	return v;
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

TEST(dir_pool_and_file_volumes)
{
	struct vmon_vol_def *raw = newvol("b.raw", 1 << 20, VMON_VOL_RAW);
	struct vmon_vol_def *q = newvol("a.qcow2", 0, VMON_VOL_QCOW2);
	struct vmon_vol_def *big = newvol("big.qcow2", 1ULL << 63, VMON_VOL_QCOW2);
	char tmp[64], err[512], path[600], cmd[700];
	struct vmon_pool *p = dir_pool(_metadata, tmp);
	struct stat st;

	ASSERT_EQ(0, stat(p->def->target, &st));
	EXPECT_EQ(0750, st.st_mode & 07777);
	EXPECT_LT(0, p->def->capacity);
	EXPECT_EQ(0, p->n_vols);
	ASSERT_EQ(0, p->be->vol_create(p, raw, NULL, 0, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, p->be->refresh(p, err, sizeof(err)));
	/* qcow2 over the raw one: capacity 0 takes the backing volume's */
	q->backing = strdup(raw->path);
	ASSERT_EQ(0, p->be->vol_create(p, q, NULL, VMON_VOL_PREALLOC_METADATA, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(1 << 20, q->capacity);
	EXPECT_EQ(VMON_VOL_QCOW2, q->format);
	EXPECT_TRUE(q->has_backing_format);
	EXPECT_EQ(VMON_VOL_RAW, q->backing_format);
	EXPECT_STREQ(raw->path, q->backing);
	EXPECT_STREQ(q->path, q->key);
	snprintf(cmd, sizeof(cmd), "qemu-img check -q '%s'", q->path);
	EXPECT_EQ(0, system(cmd));
	/* too large for qcow2: refused, and no file (not even a hidden one) stays */
	EXPECT_EQ(-1, p->be->vol_create(p, big, NULL, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "big.qcow2")) TH_LOG("%s", err);
	EXPECT_EQ(2, count_files(p->def->target));
	/* a dot file is not a volume; the list is sorted by name */
	snprintf(path, sizeof(path), "%s/.hidden", p->def->target);
	fclose(fopen(path, "w"));
	ASSERT_EQ(0, p->be->refresh(p, err, sizeof(err)));
	ASSERT_EQ(2, p->n_vols);
	EXPECT_STREQ("a.qcow2", p->vols[0]->name);
	EXPECT_STREQ("b.raw", p->vols[1]->name);
	EXPECT_EQ(p->vols[1], vmon_pool_vol(p, "b.raw"));
	EXPECT_EQ(p->vols[0], vmon_pool_vol_by_path_or_key(p, q->path));
	EXPECT_EQ(NULL, vmon_pool_vol(p, ".hidden"));
	/* name taken */
	EXPECT_EQ(-1, p->be->vol_create(p, raw, NULL, 0, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "already exists")) TH_LOG("%s", err);
	/* resize and wipe through the interface */
	EXPECT_EQ(-1, p->be->vol_resize(p, p->vols[0], 4096, 0, err, sizeof(err)));
	EXPECT_EQ(0, p->be->vol_resize(p, p->vols[0], 2 << 20, 0, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(0, p->be->vol_wipe(p, p->vols[0], VMON_WIPE_DOD, err, sizeof(err)))
	TH_LOG("%s", err);
	EXPECT_EQ(0, system(cmd));
	ASSERT_EQ(0, p->be->refresh(p, err, sizeof(err)));
	EXPECT_EQ(2 << 20, p->vols[0]->capacity);
	/* delete, then the empty directory goes with pool-delete */
	EXPECT_EQ(0, p->be->vol_delete(p, p->vols[0], err, sizeof(err)));
	EXPECT_EQ(0, p->be->vol_delete(p, p->vols[1], err, sizeof(err)));
	unlink(path);
	EXPECT_EQ(0, p->be->stop(p, err, sizeof(err)));
	EXPECT_EQ(0, p->n_vols);
	EXPECT_EQ(0, p->be->remove(p, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_NE(0, access(p->def->target, F_OK));
	vmon_vol_def_free(raw);
	vmon_vol_def_free(q);
	vmon_vol_def_free(big);
	vmon_pool_vols_clear(p);
	vmon_pool_def_free(p->def);
	free(p);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	EXPECT_EQ(0, system(cmd));
}

TEST(missing_directory_named)
{
	struct vmon_pool_def def = { .type = VMON_POOL_DIR, .name = "gone" };
	struct vmon_pool p = { .def = &def, .be = vmon_pool_backend(VMON_POOL_DIR) };
	char err[512];

	def.target = (char *)"/nonexistent/vmon/pool";
	EXPECT_EQ(-1, p.be->start(&p, err, sizeof(err)));
	EXPECT_STREQ("cannot open directory '/nonexistent/vmon/pool': No such file or directory",
		     err);
	EXPECT_FALSE(p.active);
}

/* The tools back ends run: output, error, and a stuck one killed in time. */
int vmon_storage_run(char *const argv[], char **out, char *err, size_t errlen);
TEST(tool_run_bounded)
{
	char *echo[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	char *fail[] = { "sh", "-c", "echo 'no such VG' >&2; exit 5", NULL };
	/* a child that keeps the pipes open and a parent that will not end */
	char *stuck[] = { "sh", "-c", "sleep 60 & exec sleep 60", NULL };
	char *big[] = { "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x >&2; echo done", NULL };
	struct timespec t0, t1;
	char err[256], *out = NULL;

	ASSERT_EQ(0, vmon_storage_run(echo, &out, err, sizeof(err)));
	EXPECT_STREQ("out\n", out);
	free(out);
	EXPECT_EQ(-1, vmon_storage_run(fail, NULL, err, sizeof(err)));
	EXPECT_STREQ("sh failed: no such VG", err);
	/* 200 kB on stderr before a line on stdout: no stall on a full pipe */
	out = NULL;
	ASSERT_EQ(0, vmon_storage_run(big, &out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("done\n", out);
	free(out);

	vmon_storage_set_timeout(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-1, vmon_storage_run(stuck, NULL, err, sizeof(err)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vmon_storage_set_timeout(120);
	EXPECT_STREQ("sh did not finish in 1 s: killed", err);
	/* killed at the deadline, with its background child (else the pipes
	 * would have kept it waiting for 60 s)
	 */
	EXPECT_GT(30, t1.tv_sec - t0.tv_sec);
}

TEST_HARNESS_MAIN
