// SPDX-License-Identifier: GPL-2.0
/*
 * libdomain on the host: the live XML (id, tap names, the pty), the live
 * setters and their refusals, and the vmon-vmm command line of a definition
 * with what vmon-vmm cannot do yet refused by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include <vmon/domain.h>

#define HEAD                                                                                       \
	"<domain type='kvm'>\n  <name>vm</name>\n"                                                 \
	"  <uuid>8b2d4c6e-0f1a-4e3b-a5c7-9d8e7f6a5b4c</uuid>\n"                                    \
	"  <memory unit='MiB'>512</memory>\n"
#define OS                                                                                         \
	"  <os><type>hvm</type><kernel>/k</kernel><initrd>/i</initrd>"                             \
	"<cmdline>console=ttyS0 quiet</cmdline></os>\n"

static const char full[] = HEAD
	"  <vcpu>2</vcpu>\n" OS "  <memoryBacking><hugepages/><nosharepages/></memoryBacking>\n"
	"  <devices>\n"
	"    <disk type='file'><driver type='qcow2' cache='none'/>"
	"<source file='/img/a.qcow2'/><target dev='vda' bus='virtio'/><serial>OS-1.a_b</serial>"
	"</disk>\n"
	"    <disk type='block'><driver type='raw'/>"
	"<source dev='/dev/sdb'/><target dev='vdb'/><readonly/></disk>\n"
	"    <interface type='bridge'><mac address='52:54:00:00:00:01'/>"
	"<source bridge='br0'/><model type='virtio'/><driver name='vhost'/></interface>\n"
	"    <interface type='ethernet'><mac address='52:54:00:00:00:02'/>"
	"<target dev='tap7'/><model type='virtio'/></interface>\n"
	"    <serial type='pty'/>\n"
	"    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"
	"  </devices>\n</domain>\n";

static struct vmon_domain *parse(struct __test_metadata *_metadata, const char *xml)
{
	struct vmon_domain *d = NULL;
	struct vmon_xml_error err;

	EXPECT_EQ(0, vmon_domain_parse(xml, strlen(xml), &d, &err))
	TH_LOG("%d:%d: %s", err.line, err.column, err.msg);
	return d;
}

static char *join(char **argv)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	for (char **p = argv; *p; p++)
		fprintf(f, "%s%s", p == argv ? "" : " ", *p);
	fclose(f);
	return s;
}

TEST(argv_of_a_definition)
{
	const char *taps[] = { "vmtap0", NULL };
	struct vmon_vmm_opts o = { .api_socket = "/run/vmon/vm.sock", .taps = taps };
	struct vmon_domain *d = parse(_metadata, full);
	struct vmon_xml_error err;
	char **argv, *s;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err))
	TH_LOG("%s", err.msg);
	s = join(argv);
	EXPECT_STREQ("vmon-vmm --name vm --kernel /k --initrd /i "
		     "--append console=ttyS0 quiet --cpus 2 --memory 512 "
		     "--api /run/vmon/vm.sock --console pty "
		     "--disk /img/a.qcow2,format=qcow2,cache=none,serial=OS-1.a_b "
		     "--disk /dev/sdb,ro,format=raw "
		     "--net tap=vmtap0,mac=52:54:00:00:00:01,backend=vhost "
		     "--net tap=tap7,mac=52:54:00:00:00:02 "
		     "--rng --balloon --hugepages --no-merge",
		     s);
	/* the command line is one argument per word: --append's is one */
	EXPECT_STREQ("console=ttyS0 quiet", argv[8]);
	free(s);
	vmon_domain_argv_free(argv);
	o.restore_dir = "/var/lib/vmon/save/vm";
	o.console = "unix:/run/vmon/vm.console";
	o.vmm_path = "/usr/bin/vmon-vmm";
	o.no_seccomp = true;
	ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err));
	s = join(argv);
	/*
	 * A restore: the endpoints only. The saved command line is the
	 * machine, and a --disk or --net given again would add a device.
	 */
	EXPECT_STREQ("/usr/bin/vmon-vmm --name vm --restore /var/lib/vmon/save/vm "
		     "--api /run/vmon/vm.sock --console unix:/run/vmon/vm.console --no-seccomp",
		     s);
	free(s);
	vmon_domain_argv_free(argv);
	vmon_domain_free(d);
}

/* on_crash preserve: the guest must stay in its panic for vmond to see it. */
TEST(on_crash_preserve_keeps_the_panic)
{
	static const char *const xml[] = {
		HEAD "  <on_crash>preserve</on_crash>\n" OS "</domain>\n",
		HEAD "  <os><type>hvm</type><kernel>/k</kernel></os>\n"
		     "  <on_crash>preserve</on_crash>\n</domain>\n",
		HEAD "  <on_crash>destroy</on_crash>\n" OS "</domain>\n",
	};
	static const char *const append[] = { "console=ttyS0 quiet panic=0", "panic=0",
					      "console=ttyS0 quiet" };
	struct vmon_vmm_opts o = { .api_socket = "/s" };
	struct vmon_xml_error err;

	for (size_t i = 0; i < 3; i++) {
		struct vmon_domain *d = parse(_metadata, xml[i]);
		char **argv, **p;

		ASSERT_NE(NULL, d);
		ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err));
		for (p = argv; *p && strcmp(*p, "--append"); p++)
			;
		ASSERT_NE(NULL, *p);
		EXPECT_STREQ(append[i], p[1]);
		vmon_domain_argv_free(argv);
		vmon_domain_free(d);
	}
}

/* The guest agent channel: vmon-vmm's --agent on vmond's socket, or none. */
TEST(agent_channel_is_the_vmm_agent_socket)
{
	static const char xml[] = HEAD OS "  <devices><channel type='unix'><source mode='bind'/>"
					  "<target type='virtio' name='org.qemu.guest_agent.0'/>"
					  "</channel></devices>\n</domain>\n";
	struct vmon_vmm_opts o = { .api_socket = "/s", .agent_socket = "/run/vmon/vm.agent" };
	struct vmon_domain *d = parse(_metadata, xml),
			   *plain = parse(_metadata, HEAD OS "</domain>\n");
	struct vmon_xml_error err;
	char **argv, *s;

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, plain);
	EXPECT_EQ(NULL, vmon_domain_warnings(d)[0]); /* no path given: nothing to warn of */
	ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err));
	s = join(argv);
	EXPECT_NE(NULL, strstr(s, " --agent /run/vmon/vm.agent")) TH_LOG("%s", s);
	free(s);
	vmon_domain_argv_free(argv);
	ASSERT_EQ(0, vmon_domain_vmm_argv(plain, &o, &argv, &err));
	s = join(argv);
	EXPECT_EQ(NULL, strstr(s, "--agent")) TH_LOG("%s", s);
	free(s);
	vmon_domain_argv_free(argv);
	vmon_domain_free(d);
	vmon_domain_free(plain);
}

/* The vmon-vmm command line of @d, one string (to be freed), or NULL. */
static char *argv_line(const struct vmon_domain *d, const struct vmon_vmm_opts *o)
{
	struct vmon_xml_error err;
	char **argv, *s;

	if (vmon_domain_vmm_argv(d, o, &argv, &err))
		return NULL;
	s = join(argv);
	vmon_domain_argv_free(argv);
	return s;
}

/*
 * <console type='pty'><target type='virtio'/>: vmon-vmm's --hvc (hvc0),
 * on vmond's socket; the serial console's pty never lands on it in the
 * live XML; a second one is warned of and kept.
 */
TEST(virtio_console_is_the_vmm_hvc)
{
	static const char xml[] =
		HEAD OS "  <devices><serial type='pty'/>"
			"<console type='pty'><target type='serial' port='0'/></console>"
			"<console type='pty'><target type='virtio' port='0'/></console>"
			"</devices>\n</domain>\n";
	static const char two[] =
		HEAD OS "  <devices><console type='pty'><target type='virtio' port='0'/></console>"
			"<console type='pty'><target type='virtio' port='1'/></console>"
			"</devices>\n</domain>\n";
	struct vmon_vmm_opts o = { .api_socket = "/s", .hvc = "unix:/run/vmon/vm.hvc" };
	struct vmon_domain *d = parse(_metadata, xml), *d2 = parse(_metadata, two);
	char *s, *live;

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, d2);
	EXPECT_TRUE(d->virtio_console);
	EXPECT_TRUE(d->serial_pty);
	EXPECT_EQ(NULL, vmon_domain_warnings(d)[0]);
	s = argv_line(d, &o);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, " --console pty ")) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, " --hvc unix:/run/vmon/vm.hvc")) TH_LOG("%s", s);
	free(s);
	/* given again at a restore, as the agent's socket is */
	o.restore_dir = "/var/lib/vmon/save/vm";
	s = argv_line(d, &o);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, " --hvc unix:/run/vmon/vm.hvc")) TH_LOG("%s", s);
	free(s);
	/* the serial console's pty on <serial> and its <console>, not on hvc0's */
	vmon_domain_set_id(d, 3);
	ASSERT_EQ(0, vmon_domain_set_serial_path(d, "/dev/pts/9"));
	live = vmon_domain_format(d, 0);
	ASSERT_NE(NULL, live);
	EXPECT_NE(NULL, strstr(live, "<console type=\"pty\" tty=\"/dev/pts/9\">"))
	TH_LOG("%s", live);
	EXPECT_NE(NULL, strstr(live, "<console type=\"pty\">\n      <target type=\"virtio\""))
	TH_LOG("%s", live);
	free(live);
	/* only the virtio console: no serial console for the VMM, a pty for hvc0 */
	EXPECT_TRUE(d2->virtio_console);
	EXPECT_FALSE(d2->console_pty);
	ASSERT_NE(NULL, vmon_domain_warnings(d2)[0]);
	EXPECT_NE(NULL, strstr(vmon_domain_warnings(d2)[0], "only the first is honoured"));
	o.restore_dir = NULL;
	o.hvc = NULL;
	s = argv_line(d2, &o);
	ASSERT_NE(NULL, s);
	EXPECT_NE(NULL, strstr(s, " --console none ")) TH_LOG("%s", s);
	EXPECT_NE(NULL, strstr(s, " --hvc pty")) TH_LOG("%s", s);
	free(s);
	vmon_domain_free(d);
	vmon_domain_free(d2);
}

static const struct {
	const char *what, *xml, *msg;
} cannot[] = {
	{ "no kernel", HEAD "  <os><type>hvm</type></os>\n</domain>\n",
	  "unsupported configuration: <os> has no <kernel>: vmon-vmm boots a kernel directly (no "
	  "firmware, no boot from disk)" },
	{ "too many vcpus", HEAD "  <vcpu>65</vcpu>\n" OS "</domain>\n",
	  "unsupported configuration: <vcpu> 65: vmon-vmm runs at most 64 vCPUs" },
	{ "not MiB", "<domain type='kvm'><name>vm</name><memory>1000</memory>" OS "</domain>\n",
	  "unsupported configuration: <memory> 1000 KiB is not a whole number of MiB (vmon-vmm "
	  "takes MiB)" },
	{ "no balloon",
	  HEAD "  <currentMemory unit='MiB'>256</currentMemory>\n" OS
	       "  <devices><memballoon model='none'/></devices>\n</domain>\n",
	  "unsupported configuration: <currentMemory> below <memory> needs a <memballoon "
	  "model='virtio'>" },
	{ "localtime", HEAD OS "  <clock offset='localtime'/>\n</domain>\n",
	  "unsupported configuration: <clock offset='localtime'>: the vmon-vmm RTC keeps UTC "
	  "only" },
	{ "iotune total and read",
	  HEAD OS
	  "  <devices><disk type='file'><source file='/a'/><target dev='vda'/><iotune>"
	  "<total_iops_sec>10</total_iops_sec><read_iops_sec>100</read_iops_sec></iotune></disk>"
	  "</devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <iotune>: total and read/write of iops_sec "
	  "cannot be set at the same time" },
	{ "iotune total and write burst",
	  HEAD OS "  <devices><disk type='file'><source file='/a'/><target dev='vda'/><iotune>"
		  "<write_bytes_sec>5</write_bytes_sec><total_bytes_sec>10</total_bytes_sec>"
		  "<write_bytes_sec_max>100</write_bytes_sec_max>"
		  "<total_bytes_sec_max>100</total_bytes_sec_max></iotune></disk>"
		  "</devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <iotune>: total and read/write of bytes_sec "
	  "cannot be set at the same time" },
	{ "iotune read burst without rate",
	  HEAD OS "  <devices><disk type='file'><source file='/a'/><target dev='vda'/><iotune>"
		  "<total_iops_sec>10</total_iops_sec><read_iops_sec_max>100</read_iops_sec_max>"
		  "</iotune></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <iotune> a *_max limit needs its rate "
	  "(read_iops_sec)" },
	{ "error policy ignore",
	  HEAD OS "  <devices><disk type='file'><driver error_policy='ignore'/><source file='/a'/>"
		  "<target dev='vda'/></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': error policy 'ignore': vmon-vmm never tells "
	  "the guest that a failed request succeeded (stop, report, enospace)" },
	{ "stop policy with iotune",
	  HEAD OS "  <devices><disk type='file'><driver error_policy='stop'/><source file='/a'/>"
		  "<target dev='vda'/><iotune><total_iops_sec>10</total_iops_sec></iotune>"
		  "</disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': an error policy that stops the guest and "
	  "<iotune> limits together: the limits are vmon-blk's, which reports failed requests "
	  "itself" },
	{ "iotune on qcow2",
	  HEAD OS
	  "  <devices><disk type='file'><driver type='qcow2'/><source file='/a'/><target "
	  "dev='vda'/><iotune><total_iops_sec>100</total_iops_sec></iotune></disk></devices>\n"
	  "</domain>\n",
	  "unsupported configuration: disk 'vda': <iotune> limits are vmon-blk's (the kernel's "
	  "throttle), which serves raw images; this disk is qcow2" },
	{ "iotune burst without rate",
	  HEAD OS
	  "  <devices><disk type='file'><source file='/a'/><target dev='vda'/><iotune>"
	  "<total_bytes_sec_max>100</total_bytes_sec_max></iotune></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <iotune> a *_max limit needs its rate "
	  "(total_bytes_sec)" },
	{ "serial of 21 characters",
	  HEAD OS "  <devices><disk type='file'><source file='/a'/><target dev='vda'/>"
		  "<serial>123456789012345678901</serial></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <serial>123456789012345678901</serial>: virtio "
	  "gives a disk an ID of 1 to 20 characters, with no space or comma" },
	{ "serial not ASCII",
	  HEAD OS "  <devices><disk type='file'><source file='/a'/><target dev='vda'/>"
		  "<serial>a\xc3\xa9"
		  "b</serial></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <serial>a\xc3\xa9"
	  "b</serial>: virtio gives a disk "
	  "an ID of 1 to 20 characters, with no space or comma" },
	{ "serial with a comma",
	  HEAD OS "  <devices><disk type='file'><source file='/a'/><target dev='vda'/>"
		  "<serial>a,b</serial></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': <serial>a,b</serial>: virtio gives a disk an ID "
	  "of 1 to 20 characters, with no space or comma" },
	{ "writethrough",
	  HEAD OS "  <devices><disk type='file'><driver cache='writethrough'/><source file='/a'/>"
		  "<target dev='vda'/></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': this <driver cache=...> mode: vmon-vmm has none "
	  "and writeback" },
	{ "comma",
	  HEAD OS "  <devices><disk type='file'><source file='/a,b'/>"
		  "<target dev='vda'/></disk></devices>\n</domain>\n",
	  "unsupported configuration: disk 'vda': source '/a,b' has a comma, which the --disk "
	  "option cannot carry" },
	{ "network",
	  HEAD OS
	  "  <devices><interface type='network'><mac address='52:54:00:00:00:09'/>"
	  "<source network='default'/><model type='virtio'/></interface></devices>\n</domain>\n",
	  "unsupported configuration: interface 52:54:00:00:00:09: type='network' (network "
	  "'default') needs vmond, which puts a tap on the network's bridge" },
	{ "no tap",
	  HEAD OS "  <devices><interface type='bridge'><mac address='52:54:00:00:00:09'/>"
		  "<source bridge='br0'/><model type='virtio'/></interface></devices>\n</domain>\n",
	  "unsupported configuration: interface 52:54:00:00:00:09: no tap device (vmond creates "
	  "one for type='bridge')" },
};

/* <vcpu current='N'>M</vcpu>: N at boot, M reachable by hot add (issue 16 item 3) */
TEST(vcpu_current_below_maximum_is_hot_add)
{
	struct vmon_domain *d =
		parse(_metadata, HEAD "  <vcpu current='1'>3</vcpu>\n" OS "</domain>\n");
	struct vmon_vmm_opts o = { .api_socket = "/s" };
	struct vmon_xml_error err;
	char **argv, *s;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err)) TH_LOG("%s", err.msg);
	s = join(argv);
	EXPECT_NE(NULL, strstr(s, " --cpus 1 --max-cpus 3 ")) TH_LOG("%s", s);
	free(s);
	vmon_domain_argv_free(argv);
	vmon_domain_free(d);
	d = parse(_metadata, HEAD "  <vcpu>2</vcpu>\n" OS "</domain>\n");
	ASSERT_NE(NULL, d);
	ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err)) TH_LOG("%s", err.msg);
	s = join(argv);
	EXPECT_NE(NULL, strstr(s, " --cpus 2 ")) TH_LOG("%s", s);
	EXPECT_EQ(NULL, strstr(s, "--max-cpus")) TH_LOG("%s", s);
	free(s);
	vmon_domain_argv_free(argv);
	vmon_domain_free(d);
}

TEST(argv_refuses_what_vmm_cannot_do)
{
	struct vmon_vmm_opts o = { .api_socket = "/run/vmon/vm.sock" };

	for (size_t i = 0; i < sizeof(cannot) / sizeof(cannot[0]); i++) {
		struct vmon_domain *d = parse(_metadata, cannot[i].xml);
		struct vmon_xml_error err;
		char **argv = (char **)1;

		ASSERT_NE(NULL, d) TH_LOG("%s", cannot[i].what);
		EXPECT_EQ(-1, vmon_domain_vmm_argv(d, &o, &argv, &err))
		TH_LOG("%s: accepted", cannot[i].what);
		EXPECT_EQ(NULL, argv);
		EXPECT_STREQ(cannot[i].msg, err.msg)
		TH_LOG("%s", cannot[i].what);
		vmon_domain_free(d);
	}
}

/* <iotune>'s limits are vmon-blk's buckets on the --disk line, QEMU's names. */
TEST(iotune_is_vmon_blk_throttle)
{
	const char *xml = HEAD OS "  <devices><disk type='file'><source file='/a'/>"
				  "<target dev='vda'/><iotune><total_iops_sec>200</total_iops_sec>"
				  "<total_bytes_sec>1048576</total_bytes_sec>"
				  "<total_iops_sec_max>400</total_iops_sec_max></iotune></disk>"
				  "<disk type='file'><source file='/b'/><target dev='vdb'/><iotune>"
				  "<read_bytes_sec>4096</read_bytes_sec><write_iops_sec>7"
				  "</write_iops_sec><write_bytes_sec>8192</write_bytes_sec>"
				  "<read_bytes_sec_max>65536</read_bytes_sec_max></iotune></disk>"
				  "<disk type='file'><source file='/c'/><target dev='vdc'/></disk>"
				  "</devices>\n</domain>\n";
	struct vmon_vmm_opts o = { .api_socket = "/run/x.sock" };
	struct vmon_domain *d = NULL;
	struct vmon_xml_error err;
	char **argv, *s;

	ASSERT_EQ(0, vmon_domain_parse(xml, strlen(xml), &d, &err)) TH_LOG("%s", err.msg);
	ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err)) TH_LOG("%s", err.msg);
	s = join(argv);
	EXPECT_NE(NULL, strstr(s, "--disk /a,format=raw,backend=vmon-blk,bps=1048576,iops=200,"
				  "iops_max=400 --disk /b,format=raw,backend=vmon-blk,bps_rd=4096,"
				  "bps_wr=8192,iops_wr=7,bps_rd_max=65536 "))
	TH_LOG("%s", s);
	free(s);
	vmon_domain_argv_free(argv);
	vmon_domain_free(d);
}

/*
 * <driver error_policy= rerror_policy=> as libvirt passes them to QEMU:
 * error_policy for writes, and for reads unless rerror_policy is given or
 * it is enospace (writes only).
 */
TEST(error_policy_is_werror_and_rerror)
{
	static const struct {
		const char *driver, *want;
	} cases[] = {
		{ "<driver type='raw' error_policy='stop'/>", ",werror=stop,rerror=stop " },
		{ "<driver error_policy='enospace'/>", ",werror=enospc " },
		{ "<driver error_policy='stop' rerror_policy='report'/>",
		  ",werror=stop,rerror=report " },
		{ "<driver rerror_policy='stop'/>", ",rerror=stop " },
		{ "<driver type='raw'/>", ",format=raw " },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char xml[1024], *s, **argv;
		struct vmon_vmm_opts o = { .api_socket = "/run/x.sock" };
		struct vmon_domain *d = NULL;
		struct vmon_xml_error err;

		snprintf(xml, sizeof(xml),
			 HEAD OS "  <devices><disk type='file'>%s<source file='/a'/><target "
				 "dev='vda'/></disk></devices>\n</domain>\n",
			 cases[i].driver);
		ASSERT_EQ(0, vmon_domain_parse(xml, strlen(xml), &d, &err)) TH_LOG("%s", err.msg);
		ASSERT_EQ(0, vmon_domain_vmm_argv(d, &o, &argv, &err)) TH_LOG("%s", err.msg);
		s = join(argv);
		EXPECT_NE(NULL, strstr(s, cases[i].want)) TH_LOG("%s: %s", cases[i].driver, s);
		free(s);
		vmon_domain_argv_free(argv);
		vmon_domain_free(d);
	}
}

TEST(argv_needs_api_socket)
{
	struct vmon_vmm_opts o = { 0 };
	struct vmon_domain *d = parse(_metadata, full);
	struct vmon_xml_error err;
	char **argv;

	ASSERT_NE(NULL, d);
	EXPECT_EQ(-1, vmon_domain_vmm_argv(d, &o, &argv, &err));
	EXPECT_STREQ("unsupported configuration: no API socket given for the VMM", err.msg);
	vmon_domain_free(d);
}

TEST(live_xml_and_inactive_xml)
{
	struct vmon_domain *d = parse(_metadata, full);
	struct vmon_xml_error err;
	char *live, *inactive;

	ASSERT_NE(NULL, d);
	vmon_domain_set_id(d, 12);
	ASSERT_EQ(0, vmon_domain_set_if_target(d, 0, "vmtap0"));
	EXPECT_EQ(-1, vmon_domain_set_if_target(d, 2, "vmtap9"));
	ASSERT_EQ(0, vmon_domain_set_serial_path(d, "/dev/pts/9"));
	ASSERT_EQ(0, vmon_domain_set_memory(d, 256 * 1024, &err));
	live = vmon_domain_format(d, 0);
	inactive = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
	ASSERT_NE(NULL, live);
	ASSERT_NE(NULL, inactive);
	EXPECT_EQ(0, strncmp(live, "<domain type=\"kvm\" id=\"12\">\n", 28))
	TH_LOG("%s", live);
	EXPECT_NE(NULL, strstr(live, "<target dev=\"vmtap0\"/>"));
	EXPECT_NE(NULL, strstr(live, "<serial type=\"pty\">\n      <source path=\"/dev/pts/9\"/>"));
	EXPECT_NE(NULL, strstr(live, "<currentMemory unit=\"KiB\">262144</currentMemory>"));
	EXPECT_EQ(0, strncmp(inactive, "<domain type=\"kvm\">\n", 20));
	EXPECT_EQ(NULL, strstr(inactive, "vmtap0"));
	EXPECT_EQ(NULL, strstr(inactive, "/dev/pts/9"));
	/* the one runtime tap is added; the defined target stays */
	EXPECT_NE(NULL, strstr(inactive, "<target dev=\"tap7\"/>"));
	free(live);
	free(inactive);
	/* not running: the plain format is the inactive one */
	vmon_domain_set_id(d, -1);
	live = vmon_domain_format(d, 0);
	EXPECT_EQ(0, strncmp(live, "<domain type=\"kvm\">\n", 20));
	free(live);
	vmon_domain_free(d);
}

TEST(setters_refuse_out_of_range)
{
	struct vmon_domain *d =
		parse(_metadata, HEAD "  <vcpu current='1'>4</vcpu>\n" OS "</domain>\n");
	struct vmon_xml_error err;
	char *out;

	ASSERT_NE(NULL, d);
	EXPECT_EQ(-1, vmon_domain_set_vcpus(d, 5, &err));
	EXPECT_STREQ("invalid argument: vCPU count 5 is not within 1..4 (the <vcpu> maximum)",
		     err.msg);
	EXPECT_EQ(-1, vmon_domain_set_vcpus(d, 0, &err));
	EXPECT_EQ(-1, vmon_domain_set_memory(d, 512 * 1024 + 1, &err));
	EXPECT_STREQ("invalid argument: memory 524289 KiB is not within 1..524288 KiB (the "
		     "<memory> maximum)",
		     err.msg);
	EXPECT_EQ(0, vmon_domain_set_vcpus(d, 3, &err));
	out = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
	EXPECT_NE(NULL, strstr(out, "<vcpu current=\"3\" placement=\"static\">4</vcpu>"))
	TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, vmon_domain_set_vcpus(d, 4, &err));
	out = vmon_domain_format(d, VMON_DOMAIN_XML_INACTIVE);
	EXPECT_NE(NULL, strstr(out, "<vcpu placement=\"static\">4</vcpu>"));
	free(out);
	vmon_domain_free(d);
}

TEST_HARNESS_MAIN
