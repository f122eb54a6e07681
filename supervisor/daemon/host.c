// SPDX-License-Identifier: GPL-2.0
/*
 * The host as vmond sees it, for nodeinfo and capabilities: CPUs and their
 * topology (sysfs), memory and NUMA cells, KVM and the vmon module, the
 * VMM's limits. The capabilities XML is libvirt's (capability.rng), written
 * with libxml2's xmlTextWriter.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "vmond.h"

#define MAX_CPUS 1024
#define MAX_CELLS 64
#define VMM_MAX_VCPUS 64 /* vmon-vmm's limit (its MP table and MADT) */

struct cell {
	int id;
	unsigned long long mem_kib;
	char cpulist[256];
	int ncpus;
};

struct host {
	char arch[65], model[128], vendor[64];
	unsigned int mhz, cpus, sockets, cores, threads;
	unsigned long long mem_kib;
	struct cell cells[MAX_CELLS];
	int ncells;
	bool kvm, vmx, svm, vmon, nested;
};

/* The first line of a sysfs file; "" if none. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static long read_long(const char *fmt, int n)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), fmt, n);
	read_line(path, buf, sizeof(buf));
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

static void cpuinfo(struct host *h)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096], *v;
	double mhz = 0;

	while (f && fgets(line, sizeof(line), f)) {
		v = strchr(line, ':');
		if (!v)
			continue;
		v += 1 + (v[1] == ' ');
		v[strcspn(v, "\n")] = 0;
		if (!strncmp(line, "model name", 10) && !h->model[0])
			snprintf(h->model, sizeof(h->model), "%s", v);
		else if (!strncmp(line, "vendor_id", 9) && !h->vendor[0])
			snprintf(h->vendor, sizeof(h->vendor), "%s", v);
		else if (!strncmp(line, "cpu MHz", 7) && !mhz)
			mhz = strtod(v, NULL);
		else if (!strncmp(line, "flags", 5) && !h->vmx && !h->svm)
			h->vmx = strstr(v, " vmx") != NULL, h->svm = strstr(v, " svm") != NULL;
	}
	if (f)
		fclose(f);
	h->mhz = (unsigned int)mhz;
}

static int count_cpus(const char *list)
{
	int n = 0;

	for (const char *s = list; *s;) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += (int)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* Sockets, cores per socket, threads per core of the online CPUs. */
static void topology(struct host *h)
{
	static long pkgs[MAX_CPUS];
	unsigned int np = 0;
	long t;

	for (unsigned int c = 0; c < h->cpus && c < MAX_CPUS; c++) {
		long p = read_long("/sys/devices/system/cpu/cpu%d/topology/physical_package_id",
				   (int)c);
		unsigned int i = 0;

		while (i < np && pkgs[i] != p)
			i++;
		if (i == np)
			pkgs[np++] = p;
	}
	h->sockets = np ? np : 1;
	/* threads per core: the size of cpu0's sibling list */
	{
		char buf[256];

		read_line("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", buf,
			  sizeof(buf));
		t = count_cpus(buf);
	}
	h->threads = t > 0 ? (unsigned int)t : 1;
	h->cores = h->cpus / h->sockets / h->threads;
	if (!h->cores)
		h->cores = 1;
}

static void numa(struct host *h)
{
	DIR *dir = opendir("/sys/devices/system/node");
	struct dirent *e;

	while (dir && (e = readdir(dir)) && h->ncells < MAX_CELLS) {
		struct cell *c = &h->cells[h->ncells];
		char path[300], line[256];
		FILE *f;

		if (strncmp(e->d_name, "node", 4) || !isdigit((unsigned char)e->d_name[4]))
			continue;
		c->id = atoi(e->d_name + 4);
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", e->d_name);
		read_line(path, c->cpulist, sizeof(c->cpulist));
		c->ncpus = count_cpus(c->cpulist);
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/meminfo", e->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "MemTotal:"))
				c->mem_kib = strtoull(strstr(line, "MemTotal:") + 9, NULL, 10);
		if (f)
			fclose(f);
		h->ncells++;
	}
	if (dir)
		closedir(dir);
	if (!h->ncells) { /* no NUMA in the kernel: one cell, everything */
		h->cells[0] =
			(struct cell){ .id = 0, .mem_kib = h->mem_kib, .ncpus = (int)h->cpus };
		snprintf(h->cells[0].cpulist, sizeof(h->cells[0].cpulist), "0-%u", h->cpus - 1);
		h->ncells = 1;
	}
}

static void probe(struct host *h)
{
	struct utsname u;
	char buf[16];
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	memset(h, 0, sizeof(*h));
	uname(&u);
	snprintf(h->arch, sizeof(h->arch), "%s", u.machine);
	h->cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	h->mem_kib = pages > 0 && psz > 0
			     ? (unsigned long long)pages * (unsigned long long)psz / 1024
			     : 0;
	cpuinfo(h);
	topology(h);
	numa(h);
	h->kvm = access("/dev/kvm", F_OK) == 0;
	h->vmon = access("/sys/module/vmon", F_OK) == 0;
	read_line("/sys/module/kvm_amd/parameters/nested", buf, sizeof(buf));
	if (!buf[0])
		read_line("/sys/module/kvm_intel/parameters/nested", buf, sizeof(buf));
	h->nested = buf[0] == '1' || buf[0] == 'Y';
}

#define ADD(o, k, v) json_object_object_add(o, k, v)

int vmond_req_nodeinfo(struct vmond *d, struct json_object *req, struct json_object *r, char *err,
		       size_t errlen)
{
	struct json_object *cells = json_object_new_array();
	struct host h;

	(void)d, (void)req, (void)err, (void)errlen;
	probe(&h);
	ADD(r, "cpu_model", json_object_new_string(h.arch));
	ADD(r, "cpu_name", json_object_new_string(h.model));
	ADD(r, "cpus", json_object_new_int((int)h.cpus));
	ADD(r, "mhz", json_object_new_int((int)h.mhz));
	ADD(r, "sockets", json_object_new_int((int)h.sockets));
	ADD(r, "cores", json_object_new_int((int)h.cores));
	ADD(r, "threads", json_object_new_int((int)h.threads));
	ADD(r, "memory_kib", json_object_new_uint64(h.mem_kib));
	for (int i = 0; i < h.ncells; i++) {
		struct json_object *c = json_object_new_object();

		ADD(c, "id", json_object_new_int(h.cells[i].id));
		ADD(c, "memory_kib", json_object_new_uint64(h.cells[i].mem_kib));
		ADD(c, "cpus", json_object_new_string(h.cells[i].cpulist));
		json_object_array_add(cells, c);
	}
	ADD(r, "cells", cells);
	ADD(r, "kvm", json_object_new_boolean(h.kvm));
	ADD(r, "kvm_nested", json_object_new_boolean(h.nested));
	ADD(r, "hw_virt", json_object_new_string(h.vmx ? "vmx" : h.svm ? "svm" : "none"));
	ADD(r, "vmon_module", json_object_new_boolean(h.vmon));
	ADD(r, "vmm", json_object_new_string(d->vmm_path));
	ADD(r, "vmm_max_vcpus", json_object_new_int(VMM_MAX_VCPUS));
	return 0;
}

static void w_el(xmlTextWriterPtr w, const char *name, const char *text)
{
	xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
}

static void w_attr(xmlTextWriterPtr w, const char *name, const char *fmt, unsigned long long v)
{
	xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, fmt, v);
}

static void host_cpu(xmlTextWriterPtr w, const struct host *h)
{
	xmlTextWriterStartElement(w, BAD_CAST "cpu");
	w_el(w, "arch", h->arch);
	if (h->vmx || h->svm) {
		xmlTextWriterStartElement(w, BAD_CAST "features");
		xmlTextWriterStartElement(w, BAD_CAST(h->vmx ? "vmx" : "svm"));
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	if (h->vendor[0])
		w_el(w, "vendor", h->vendor);
	xmlTextWriterStartElement(w, BAD_CAST "topology");
	w_attr(w, "sockets", "%llu", h->sockets);
	w_attr(w, "dies", "%llu", 1);
	w_attr(w, "cores", "%llu", h->cores);
	w_attr(w, "threads", "%llu", h->threads);
	xmlTextWriterEndElement(w);
	for (unsigned long long sz = 4; sz <= 2048; sz *= 512) {
		xmlTextWriterStartElement(w, BAD_CAST "pages");
		xmlTextWriterWriteAttribute(w, BAD_CAST "unit", BAD_CAST "KiB");
		w_attr(w, "size", "%llu", sz);
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
}

static void host_topology(xmlTextWriterPtr w, const struct host *h)
{
	xmlTextWriterStartElement(w, BAD_CAST "topology");
	xmlTextWriterStartElement(w, BAD_CAST "cells");
	w_attr(w, "num", "%llu", (unsigned long long)h->ncells);
	for (int i = 0; i < h->ncells; i++) {
		const struct cell *c = &h->cells[i];

		xmlTextWriterStartElement(w, BAD_CAST "cell");
		w_attr(w, "id", "%llu", (unsigned long long)c->id);
		xmlTextWriterStartElement(w, BAD_CAST "memory");
		xmlTextWriterWriteAttribute(w, BAD_CAST "unit", BAD_CAST "KiB");
		xmlTextWriterWriteFormatString(w, "%llu", c->mem_kib);
		xmlTextWriterEndElement(w);
		xmlTextWriterStartElement(w, BAD_CAST "cpus");
		w_attr(w, "num", "%llu", (unsigned long long)c->ncpus);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}

static void guest_caps(xmlTextWriterPtr w, const struct host *h, const char *vmm)
{
	xmlTextWriterStartElement(w, BAD_CAST "guest");
	w_el(w, "os_type", "hvm");
	xmlTextWriterStartElement(w, BAD_CAST "arch");
	xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST h->arch);
	w_el(w, "wordsize", "64");
	if (vmm[0] == '/')
		w_el(w, "emulator", vmm);
	xmlTextWriterStartElement(w, BAD_CAST "machine");
	w_attr(w, "maxCpus", "%llu", VMM_MAX_VCPUS);
	xmlTextWriterWriteString(w, BAD_CAST "vmon");
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "domain");
	xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "kvm");
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "features");
	xmlTextWriterStartElement(w, BAD_CAST "acpi");
	xmlTextWriterWriteAttribute(w, BAD_CAST "default", BAD_CAST "on");
	xmlTextWriterWriteAttribute(w, BAD_CAST "toggle", BAD_CAST "yes");
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "apic");
	xmlTextWriterWriteAttribute(w, BAD_CAST "default", BAD_CAST "on");
	xmlTextWriterWriteAttribute(w, BAD_CAST "toggle", BAD_CAST "no");
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
}

int vmond_req_capabilities(struct vmond *d, struct json_object *req, struct json_object *r,
			   char *err, size_t errlen)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	struct host h;

	(void)req;
	if (!w) {
		xmlBufferFree(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	probe(&h);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	xmlTextWriterStartElement(w, BAD_CAST "capabilities");
	xmlTextWriterStartElement(w, BAD_CAST "host");
	host_cpu(w, &h);
	xmlTextWriterStartElement(w, BAD_CAST "iommu");
	xmlTextWriterWriteAttribute(w, BAD_CAST "support", BAD_CAST "no");
	xmlTextWriterEndElement(w);
	host_topology(w, &h);
	xmlTextWriterEndElement(w);
	if (h.kvm)
		guest_caps(w, &h, d->vmm_path);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	ADD(r, "xml", json_object_new_string((const char *)xmlBufferContent(buf)));
	xmlBufferFree(buf);
	return 0;
}
