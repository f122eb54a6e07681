// SPDX-License-Identifier: GPL-2.0
/*
 * vmon-vmm's ACPI machine without KVM: the tables acpi_build() writes
 * (checksums, links, the MADT's entries, the DSDT's names), the AML
 * encoder's PkgLength, the PM registers' behaviour, and Debian's iasl
 * (acpica-tools) disassembling every table, and compiling the disassembled
 * DSDT again, with no errors.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../../supervisor/vmm/acpi.h"
#include "../../supervisor/vmm/boot.h"
#include "../../supervisor/vmm/vmm.h"

#define GPA 0xe0000u

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The tables of a VM booting @ncpus vCPUs that can grow to @max_cpus. */
static uint8_t *build_max(int ncpus, int max_cpus, struct acpi_layout *l)
{
	static uint8_t buf[ACPI_SIZE];
	struct acpi_config c = { ncpus, 0xc0000000u, 0xfec00000u, max_cpus };

	memset(buf, 0xaa, sizeof(buf));
	if (acpi_build(buf, sizeof(buf), GPA, &c, l) < 0)
		return NULL;
	return buf;
}

static uint8_t *build(int ncpus, struct acpi_layout *l)
{
	return build_max(ncpus, 0, l);
}

static size_t table_len(const uint8_t *t)
{
	return (size_t)ld_le(t + 4, 4);
}

TEST(rsdp_xsdt_fadt_link_and_checksums)
{
	struct acpi_layout l;
	uint8_t *b = build(2, &l);

	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, memcmp(b + l.rsdp, "RSD PTR ", 8));
	EXPECT_EQ(0, l.rsdp % 16); /* found by the BIOS-area scan */
	EXPECT_EQ(0, sum(b + l.rsdp, 20));
	EXPECT_EQ(0, sum(b + l.rsdp, 36));
	EXPECT_EQ(2, b[l.rsdp + 15]);
	EXPECT_EQ(GPA + l.xsdt, ld_le(b + l.rsdp + 24, 8));
	ASSERT_EQ(0, memcmp(b + l.xsdt, "XSDT", 4));
	EXPECT_EQ(0, sum(b + l.xsdt, table_len(b + l.xsdt)));
	EXPECT_EQ(GPA + l.fadt, ld_le(b + l.xsdt + 36, 8));
	EXPECT_EQ(GPA + l.madt, ld_le(b + l.xsdt + 44, 8));
	ASSERT_EQ(0, memcmp(b + l.fadt, "FACP", 4));
	EXPECT_EQ(276, table_len(b + l.fadt));
	EXPECT_EQ(0, sum(b + l.fadt, 276));
	/* only the 64-bit pointers: a non-zero X_FIRMWARE_CTRL wants a zero FIRMWARE_CTRL */
	EXPECT_EQ(0, ld_le(b + l.fadt + 36, 4));
	EXPECT_EQ(GPA + l.facs, ld_le(b + l.fadt + 132, 8));
	EXPECT_EQ(0, ld_le(b + l.fadt + 40, 4));
	EXPECT_EQ(GPA + l.dsdt, ld_le(b + l.fadt + 140, 8));
	EXPECT_EQ(PM_SCI_IRQ, ld_le(b + l.fadt + 46, 2));
	EXPECT_EQ(PM1A_EVT, ld_le(b + l.fadt + 56, 4));
	EXPECT_EQ(PM1A_CNT, ld_le(b + l.fadt + 64, 4));
	EXPECT_EQ(PM1A_EVT, ld_le(b + l.fadt + 148 + 4, 8));
	EXPECT_EQ(PM_RESET, ld_le(b + l.fadt + 116 + 4, 8));
	EXPECT_EQ(PM_RESET_VALUE, b[l.fadt + 128]);
	/* the fixed power button is there (flag clear), the reset register too */
	EXPECT_EQ(0, ld_le(b + l.fadt + 112, 4) & (1u << 4));
	EXPECT_NE(0, ld_le(b + l.fadt + 112, 4) & (1u << 10));
	/* the i8042 is announced: Linux probes it (reset, ctrl-alt-del) */
	EXPECT_NE(0, ld_le(b + l.fadt + 109, 2) & 2);
	ASSERT_EQ(0, memcmp(b + l.facs, "FACS", 4));
	EXPECT_EQ(0, (GPA + l.facs) % 64);
	ASSERT_EQ(0, memcmp(b + l.dsdt, "DSDT", 4));
	EXPECT_EQ(0, sum(b + l.dsdt, table_len(b + l.dsdt)));
	EXPECT_LE(l.size, ACPI_SIZE);
	EXPECT_LE(BOOT_ACPI + l.size, BOOT_MPTABLE);
}

TEST(madt_lists_every_cpu_the_ioapic_and_the_sci_override)
{
	struct acpi_layout l;
	uint8_t *b = build(5, &l), *m, *e;
	int cpus = 0, ioapics = 0, sci = 0, nmi = 0;

	ASSERT_NE(NULL, b);
	m = b + l.madt;
	ASSERT_EQ(0, memcmp(m, "APIC", 4));
	EXPECT_EQ(0, sum(m, table_len(m)));
	EXPECT_EQ(0xfee00000u, ld_le(m + 36, 4));
	for (e = m + 44; e < m + table_len(m); e += e[1]) {
		ASSERT_GE(e[1], 2);
		switch (e[0]) {
		case 0:
			EXPECT_EQ(cpus, e[3]);
			EXPECT_EQ(1, ld_le(e + 4, 4) & 1);
			cpus++;
			break;
		case 1:
			EXPECT_EQ(0xfec00000u, ld_le(e + 4, 4));
			EXPECT_EQ(0, ld_le(e + 8, 4));
			ioapics++;
			break;
		case 2:
			if (e[3] == PM_SCI_IRQ) {
				EXPECT_EQ(PM_SCI_IRQ, ld_le(e + 4, 4));
				EXPECT_EQ(0xd, ld_le(e + 8, 2)); /* level, active high */
				sci++;
			} else {
				EXPECT_EQ(e[3], ld_le(e + 4, 4)); /* ISA IRQ n is GSI n */
			}
			break;
		case 4:
			EXPECT_EQ(1, e[5]);
			nmi++;
			break;
		}
	}
	EXPECT_EQ(m + table_len(m), e);
	EXPECT_EQ(5, cpus);
	EXPECT_EQ(1, ioapics);
	EXPECT_EQ(1, sci);
	EXPECT_EQ(1, nmi);
}

/* Issue 16 item 3: the vCPUs hot add can bring are in the MADT, disabled. */
TEST(madt_lists_cpus_to_hot_add_disabled)
{
	struct acpi_layout l;
	uint8_t *b = build_max(2, 6, &l), *m, *e;
	int cpus = 0, enabled = 0, ioapic_id = -1;

	ASSERT_NE(NULL, b);
	m = b + l.madt;
	EXPECT_EQ(0, sum(m, table_len(m)));
	for (e = m + 44; e < m + table_len(m); e += e[1]) {
		ASSERT_GE(e[1], 2);
		if (e[0] == 0) {
			EXPECT_EQ(cpus, e[2]);
			EXPECT_EQ(cpus, e[3]);
			EXPECT_EQ(cpus < 2, ld_le(e + 4, 4));
			enabled += ld_le(e + 4, 4) & 1;
			cpus++;
		} else if (e[0] == 1) {
			ioapic_id = e[2];
		}
	}
	EXPECT_EQ(6, cpus);
	EXPECT_EQ(2, enabled);
	/* not an APIC ID a hot-added vCPU will have */
	EXPECT_EQ(6, ioapic_id);
}

static bool has(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

/* The hotplug objects, only when hot add can happen. */
TEST(dsdt_has_cpu_hotplug_only_with_room_to_grow)
{
	static const char *const names[] = { "CSCN", "_E02", "_EJ0", "_MAT", "_STA",
					     "PRS0", "RMR1", "EJCT", "CPS1", "CPHP" };
	struct acpi_layout l;
	uint8_t *b = build_max(1, 3, &l), *d;
	size_t n;

	ASSERT_NE(NULL, b);
	d = b + l.dsdt;
	n = table_len(d);
	EXPECT_TRUE(has(d, n, "C002"));
	EXPECT_FALSE(has(d, n, "C003"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		EXPECT_TRUE(has(d, n, names[i])) TH_LOG("%s missing", names[i]);
	}
	b = build_max(3, 3, &l);
	ASSERT_NE(NULL, b);
	d = b + l.dsdt;
	n = table_len(d);
	EXPECT_TRUE(has(d, n, "C002"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		EXPECT_FALSE(has(d, n, names[i])) TH_LOG("%s there without hotplug", names[i]);
	}
}

TEST(dsdt_names_the_host_bridge_cpus_and_sleep_states)
{
	struct acpi_layout l;
	uint8_t *b = build(3, &l), *d;
	size_t n;

	ASSERT_NE(NULL, b);
	d = b + l.dsdt;
	n = table_len(d);
	EXPECT_TRUE(has(d, n, "PCI0"));
	EXPECT_TRUE(has(d, n, "_PRT"));
	EXPECT_TRUE(has(d, n, "_CRS"));
	EXPECT_TRUE(has(d, n, "_S3_"));
	EXPECT_TRUE(has(d, n, "_S5_"));
	EXPECT_TRUE(has(d, n, "C002"));
	EXPECT_FALSE(has(d, n, "C003"));
	EXPECT_TRUE(has(d, n, "ACPI0007"));
}

TEST(bad_configs_are_refused)
{
	uint8_t buf[256];
	struct acpi_config c = { 2, 0xc0000000u, 0xfec00000u, 0 };

	EXPECT_EQ(-1, acpi_build(buf, sizeof(buf), GPA, &c, NULL)); /* too small */
	c.ncpus = 0;
	EXPECT_EQ(-1, acpi_build(buf, sizeof(buf), GPA, &c, NULL));
	EXPECT_EQ(NULL, build(255, NULL));
	EXPECT_EQ(NULL, build_max(3, 2, NULL));	 /* fewer possible than present */
	EXPECT_EQ(NULL, build_max(2, 65, NULL)); /* the registers hold 64 */
	EXPECT_NE(NULL, build_max(64, 64, NULL));
	EXPECT_NE(NULL, build_max(1, 64, NULL));
}

static uint32_t hp_reg(unsigned int off)
{
	uint8_t d[4];

	cpuhp_io(off, d, 4, false);
	return (uint32_t)ld_le(d, 4);
}

static uint16_t gpe_sts(void)
{
	struct pm_regs r;

	pm_save(&r, sizeof(r));
	return r.gpe_sts;
}

/* A VM of @max vCPUs booted with @boot, without KVM. */
static struct vm *hp_vm(int boot, int max)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->vm_fd = -1;
	vm->ncpus = max;
	vm->boot_cpus = boot;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	for (int i = 0; i < max; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
		vm->vcpus[i].run = calloc(1, sizeof(struct kvm_run));
	}
	if (pm_init(vm) < 0 || cpuhp_init(vm) < 0)
		return NULL;
	return vm;
}

/*
 * Issue 16 item 3: set-vcpus adds the lowest absent vCPUs and raises GPE 2,
 * asks the guest for the highest ones, which go only when its _EJ0 writes
 * EJCT (vCPU 0 never); the present set is saved and restored, and checked.
 */
TEST(cpu_hotplug_adds_asks_and_ejects)
{
	struct vm *vm = hp_vm(2, 4);
	struct pm_regs clear = { 0 };
	uint8_t buf[64], d[4] = { 0 };
	char err[256];
	size_t n;

	ASSERT_NE(NULL, vm);
	EXPECT_EQ(0x3, hp_reg(0x0));
	EXPECT_EQ(0, hp_reg(0x4));
	EXPECT_EQ(2, cpuhp_count());
	EXPECT_EQ(0, gpe_sts() & 1u << CPUHP_GPE);

	ASSERT_EQ(0, cpuhp_set_vcpus(vm, 4, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0xf, hp_reg(0x0));
	EXPECT_TRUE(cpuhp_present(3));
	EXPECT_NE(0, gpe_sts() & 1u << CPUHP_GPE);
	EXPECT_EQ(-1, cpuhp_set_vcpus(vm, 5, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "--max-cpus (4)"));
	EXPECT_EQ(-1, cpuhp_set_vcpus(vm, 0, err, sizeof(err)));
	/* the count the VM has: nothing changes, no GPE for the guest */
	ASSERT_EQ(0, pm_load(&clear, sizeof(clear)));
	ASSERT_EQ(0, cpuhp_set_vcpus(vm, 4, err, sizeof(err)));
	EXPECT_EQ(0, gpe_sts() & 1u << CPUHP_GPE);

	/* removal is asked, not done */
	ASSERT_EQ(0, cpuhp_set_vcpus(vm, 2, err, sizeof(err)));
	EXPECT_EQ(0xf, hp_reg(0x0));
	EXPECT_EQ(0xc, hp_reg(0x8));
	d[0] = 3;
	cpuhp_io(0x10, d, 4, true);
	EXPECT_EQ(0x7, hp_reg(0x0));
	EXPECT_EQ(0x4, hp_reg(0x8));
	EXPECT_EQ(1, vm->vcpus[3].run->immediate_exit); /* kicked out to park */
	d[0] = 0; /* never the boot vCPU, never one beyond the VM */
	cpuhp_io(0x10, d, 4, true);
	d[0] = 200;
	cpuhp_io(0x10, d, 1, true);
	EXPECT_EQ(0x7, hp_reg(0x0));
	/* a read past the registers */
	cpuhp_io(0x12, d, 4, false);
	EXPECT_EQ(0xff, d[2]);

	/* snapshot: the present set comes back; a state that cannot be is refused */
	n = cpuhp_save(buf, sizeof(buf));
	ASSERT_LT(0, n);
	ASSERT_EQ(0, cpuhp_set_vcpus(vm, 4, err, sizeof(err)));
	EXPECT_EQ(0xf, hp_reg(0x0));
	EXPECT_EQ(0, cpuhp_load(vm, buf, n));
	EXPECT_EQ(0x7, hp_reg(0x0));
	memset(buf, 0, 8); /* no vCPU 0 */
	EXPECT_EQ(-1, cpuhp_load(vm, buf, n));
	buf[0] = 0x1f; /* vCPU 4 of 4 */
	EXPECT_EQ(-1, cpuhp_load(vm, buf, n));
	EXPECT_EQ(-1, cpuhp_load(vm, buf, n - 1));
	EXPECT_EQ(0x7, hp_reg(0x0));

	/* without --max-cpus there is nothing to add */
	vm = hp_vm(2, 2);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(-1, cpuhp_set_vcpus(vm, 2, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "without --max-cpus"));
}

TEST(aml_pkglength_grows_with_the_body)
{
	struct aml a = { 0 };
	size_t m = aml_package(&a, 0);

	aml_close(&a, m);
	ASSERT_EQ(3, a.len); /* op, 1-byte PkgLength (2), count */
	EXPECT_EQ(0x12, a.buf[0]);
	EXPECT_EQ(2, a.buf[1]);
	a.len = 0;
	m = aml_package(&a, 100);
	for (int i = 0; i < 100; i++)
		aml_int(&a, 0);
	aml_close(&a, m);
	/* 1 count byte + 100 bodies + 2 PkgLength bytes = 103 = 0x67 */
	ASSERT_EQ(1 + 2 + 101, a.len);
	EXPECT_EQ(0x40 | 0x7, a.buf[1]);
	EXPECT_EQ(0x06, a.buf[2]);
	EXPECT_EQ(100, a.buf[3]);
	a.len = 0;
	aml_name(&a, "\\_SB.PCI0");
	EXPECT_EQ(10, a.len);
	EXPECT_EQ(0, memcmp(a.buf, "\\\x2e_SB_PCI0", 10));
	EXPECT_EQ(0x080ad041u, aml_eisaid("PNP0A08"));
	aml_free(&a);
}

static uint16_t rd(struct pm_regs *r, uint16_t port, int size)
{
	uint8_t d[4] = { 0 };

	pm_io(r, port, d, size, false, 0x12345678);
	return (uint16_t)ld_le(d, size > 2 ? 2 : size);
}

static enum pm_event wr(struct pm_regs *r, uint16_t port, int size, uint32_t v)
{
	uint8_t d[4];

	st_le(d, size, v);
	return pm_io(r, port, d, size, true, 0);
}

TEST(pm_power_button_sci_and_sleep)
{
	struct pm_regs r = { 0 };
	uint8_t t[4];

	EXPECT_EQ(PM1_SCI_EN, rd(&r, PM1A_CNT, 2)); /* always in ACPI mode */
	/* enables read back as written (ACPICA checks GBL_EN, RTC_EN so) */
	wr(&r, PM1A_EVT + 2, 2, 0x0420);
	EXPECT_EQ(0x0420, rd(&r, PM1A_EVT + 2, 2));
	EXPECT_FALSE(pm_sci_level(&r));
	r.sts |= PM1_PWRBTN_STS;
	EXPECT_FALSE(pm_sci_level(&r)); /* not enabled by the guest yet */
	wr(&r, PM1A_EVT + 2, 2, PM1_PWRBTN_STS);
	EXPECT_TRUE(pm_sci_level(&r));
	EXPECT_EQ(PM1_PWRBTN_STS, rd(&r, PM1A_EVT, 2));
	wr(&r, PM1A_EVT, 2, PM1_PWRBTN_STS); /* write 1 to clear */
	EXPECT_FALSE(pm_sci_level(&r));
	EXPECT_EQ(0, rd(&r, PM1A_EVT, 2));
	/* GPE0: status and enable raise the SCI too */
	r.gpe_sts = 1;
	wr(&r, GPE0_BLK + 2, 1, 1);
	EXPECT_TRUE(pm_sci_level(&r));
	wr(&r, GPE0_BLK, 1, 1);
	EXPECT_FALSE(pm_sci_level(&r));
	/* the timer counts in 32 bits */
	pm_io(&r, PM_TMR, t, 4, false, 0x12345678);
	EXPECT_EQ(0x12345678, ld_le(t, 4));
	/* SLP_TYP alone does nothing; with SLP_EN: S3, S5 */
	EXPECT_EQ(PM_EV_NONE, wr(&r, PM1A_CNT, 2, SLP_TYP_S5 << PM1_SLP_TYP_SHIFT));
	EXPECT_EQ(PM_EV_POWEROFF,
		  wr(&r, PM1A_CNT, 2, SLP_TYP_S5 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	EXPECT_EQ(0, rd(&r, PM1A_CNT, 2) & PM1_SLP_EN); /* SLP_EN reads as 0 */
	EXPECT_EQ(PM_EV_SUSPEND, wr(&r, PM1A_CNT, 2, SLP_TYP_S3 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	EXPECT_EQ(PM_EV_NONE, wr(&r, PM1A_CNT, 2, 1 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
	EXPECT_EQ(PM_EV_RESET, wr(&r, PM_RESET, 1, PM_RESET_VALUE));
	EXPECT_EQ(PM_EV_NONE, wr(&r, PM_RESET, 1, 0));
}

/* Run @cmd in @dir; its exit status, its output in @out. */
static int run(const char *dir, const char *cmd, char *out, size_t len)
{
	char full[512];
	FILE *f;
	size_t n;

	snprintf(full, sizeof(full), "cd %s && %s 2>&1", dir, cmd);
	f = popen(full, "r");
	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	int st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * iasl disassembles every table of @b with no error or warning, compiles
 * the disassembled DSDT back, which then names at least @want of @grep.
 */
static void iasl_check(struct __test_metadata *_metadata, const uint8_t *b,
		       const struct acpi_layout *lp, const char *grep, int want)
{
	static const char *const names[] = { "facp", "apic", "dsdt", "facs", "xsdt" };
	struct acpi_layout l = *lp;
	char dir[] = "/tmp/acpi_test.XXXXXX", path[128], out[16384], cmd[128];
	uint32_t off[] = { l.fadt, l.madt, l.dsdt, l.facs, l.xsdt };

	ASSERT_NE(NULL, mkdtemp(dir));
	for (int i = 0; i < 5; i++) {
		size_t len = i == 3 ? 64 : table_len(b + off[i]);
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.dat", dir, names[i]);
		f = fopen(path, "w");
		ASSERT_NE(NULL, f);
		ASSERT_EQ(len, fwrite(b + off[i], 1, len, f));
		fclose(f);
		snprintf(cmd, sizeof(cmd), "iasl -d %s.dat", names[i]);
		EXPECT_EQ(0, run(dir, cmd, out, sizeof(out)))
		TH_LOG("%s", out);
		EXPECT_EQ(NULL, strcasestr(out, "error")) TH_LOG("%s: %s", names[i], out);
		EXPECT_EQ(NULL, strcasestr(out, "warning")) TH_LOG("%s: %s", names[i], out);
	}
	/* The disassembled DSDT compiles back, and says what we meant. */
	EXPECT_EQ(0, run(dir, "iasl -p again dsdt.dsl", out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "grep -c '%s' dsdt.dsl", grep);
	EXPECT_EQ(0, run(dir, cmd, out, sizeof(out)) != 0);
	EXPECT_GE(atoi(out), want) TH_LOG("dsdt.dsl matches: %s", out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	EXPECT_EQ(0, system(cmd));
}

TEST(iasl_disassembles_every_table_without_errors)
{
	struct acpi_layout l;
	uint8_t *b = build(2, &l);

	if (system("command -v iasl >/dev/null") != 0)
		SKIP(return, "no iasl (Debian's acpica-tools; make deps)");
	ASSERT_NE(NULL, b);
	iasl_check(_metadata, b, &l, "PNP0A08\\|PNP0A03\\|_S5_\\|_S3_\\|_PRT\\|ACPI0007", 7);
}

/* With CPU hotplug: the methods, the GPE handler, the notifies. */
TEST(iasl_disassembles_the_hotplug_tables_without_errors)
{
	struct acpi_layout l;
	uint8_t *b = build_max(2, 40, &l);

	if (system("command -v iasl >/dev/null") != 0)
		SKIP(return, "no iasl (Debian's acpica-tools; make deps)");
	ASSERT_NE(NULL, b);
	/* 40 _STA, 39 _EJ0, 40 device checks and 39 eject requests, _E02 */
	iasl_check(_metadata, b, &l,
		   "Method (_STA\\|Method (_EJ0\\|Notify (C..., One)\\|Notify (C..., 0x03)"
		   "\\|Method (_E02",
		   40 + 39 + 40 + 39 + 1);
}

TEST_HARNESS_MAIN
