# SPDX-License-Identifier: GPL-2.0
#
# vmon: build the module and all userspace, run the tests, lint, install.
#
#   make              vmon.ko and every userspace binary
#   make module-6.12  vmon.ko for another kernel series (or a full version),
#                     against headers tools/kcache unpacks, in build/kmod-VER/
#   make deps         install the Debian packages needed (idempotent)
#   make check        unit tests on the host, then the kselftests in the test VM
#   make demo         set up, build, boot the test VM and show what works
#   make lint         checkpatch --strict and sparse on kernel code, clang-format on userspace
#   make install      module, binaries, header and man pages (DESTDIR, PREFIX)
#   make dkms-install  the module's sources under /usr/src/vmon-VERSION, then
#                     dkms add, build and install for the running kernel
#                     (or DKMS_KVER); DKMS rebuilds it on every kernel update
#
# KDIR chooses the kernel build tree: the running kernel's when it exists,
# else the headers of the test kernel that 'make deps' installs.

TOP := $(CURDIR)
export VMON_CACHE ?= $(TOP)/.cache

KVER ?= $(shell $(TOP)/tools/kcache version 2>/dev/null)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
KDIR ?= /lib/modules/$(shell uname -r)/build
else
KDIR ?= /usr/src/linux-headers-$(KVER)
endif

B := build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= gcc
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP \
	-I$(TOP)/uapi -I$(TOP)/supervisor/include $(CFLAGS)
KSFT_INC := $(VMON_CACHE)/linux-src/include
KSFT_STAMP := $(VMON_CACHE)/linux-src/.complete
TEST_CFLAGS := $(USER_CFLAGS) -I$(KSFT_INC) -Wno-unused-parameter

# Component fragments append to these lists.
BINS :=
LIBS :=
UNIT_TESTS :=
VM_TESTS :=
SYSTEM_TESTS :=
MAN_PAGES :=
# The shared supervisor library, linked by every binary (supervisor/lib).
LIBVMON := $(B)/libvmon.a
# Helpers every test links (selftests/lib).
TEST_LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard selftests/lib/*.c))

.PHONY: all module userspace deps check check-host check-vm debug-kernel demo lint \
	install dkms-src dkms-install clean help
all: module userspace

include $(sort $(wildcard bpf/build.mk supervisor/*/build.mk selftests/*/build.mk \
	tools/*/build.mk))

userspace: $(BINS) $(UNIT_TESTS) $(VM_TESTS)

# The module: warnings are errors here, not in Kbuild, so that a user's build
# against another kernel never breaks on a new warning. Split BTF is added
# where Kbuild could not (tools/module-btf: headers without vmlinux).
# NOTRACE=1 builds it with its tracepoints compiled out (linux/tracepoint.h's
# NOTRACE), for tools/bench/trace-cost's measure of what they cost.
module:
	@test -d $(KDIR) || { echo "make: no kernel build tree at $(KDIR) (run: make deps)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 KCFLAGS="-Werror$(if $(NOTRACE), -DNOTRACE)" modules
	@$(TOP)/tools/module-btf vmon.ko \
		$$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h) || \
		echo "make: vmon.ko has no BTF (tools/module-btf failed; the module works without)"

# Another kernel: Kbuild's M= builds in place, so the module's sources are
# copied (mtimes kept, so rebuilds stay incremental) into build/kmod-VER/ and
# built there; the tree's own vmon.ko is untouched. SERIES may be a series
# (6.12, pinned by tools/kcache) or a full version (6.12.118+deb12-amd64).
# The module's sources, for module-% and dkms-src alike.
MODULE_SRCS = Kbuild $(shell find compat kmod vhost blk uapi -name '*.[ch]' -o -name '*.mk')
module-%:
	@ver=$$($(TOP)/tools/kcache version $*) && \
	kdir=$$($(TOP)/tools/kcache headers $$ver) && \
	out=$(TOP)/$(B)/kmod-$$ver && mkdir -p $$out && \
	cp -p --parents $(MODULE_SRCS) $$out/ && \
	echo "module: $$out/vmon.ko against $$kdir" && \
	$(MAKE) -C $$kdir M=$$out W=1 KCFLAGS=-Werror modules

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(B)/selftests/%.o: selftests/%.c | $(KSFT_STAMP)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(KSFT_STAMP):
	$(TOP)/tools/kcache src >/dev/null

deps:
	@$(TOP)/tools/deps

TEST_ENV = UNIT_TESTS='$(UNIT_TESTS)' VM_TESTS='$(VM_TESTS)' SYSTEM_TESTS='$(SYSTEM_TESTS)'

# The second kernel of 'make check' (CHECK_KVER2= skips it): the module's
# own suites (kmod/, vhost/, blk/, acct/, trace/) run on both kernels; the
# suites of the supervisor test userspace and run on one kernel each, so
# that the two test VMs side by side take about as long: vmm/ on the
# default kernel, daemon/, network/ and storage/ on the second
# (Documentation/testing.rst). Without a second kernel all run on the first.
CHECK_KVER2 ?= 6.12
MODULE_SUITES = kmod vhost blk acct trace
SECOND_KERNEL_SUITES = daemon network storage
suites_of = $(filter $(foreach s,$(1),$(B)/selftests/$(s)/% selftests/$(s)/%),$(VM_TESTS))
VM_TESTS_2 = $(call suites_of,$(MODULE_SUITES) $(SECOND_KERNEL_SUITES))
VM_TESTS_1 = $(if $(CHECK_KVER2),$(filter-out $(call suites_of,$(SECOND_KERNEL_SUITES)),$(VM_TESTS)),$(VM_TESTS))

# make check KERNEL=debug: every VM suite on the sanitizer kernel (KASAN,
# lockdep, UBSAN, kmemleak, ...; tools/kconfig/debug.config), built by
# 'make debug-kernel' on first use and cached; no second kernel then.
# KERNEL=6.12 (any series or version tools/kcache knows) works the same way.
ifneq ($(KERNEL),)
VMTEST_KVER := $(KERNEL)
CHECK_KVER2 :=
endif

check: deps
	$(MAKE) all $(if $(CHECK_KVER2),module-$(CHECK_KVER2)) $(if $(VMTEST_KVER),module-$(VMTEST_KVER))
	$(TEST_ENV) VM_TESTS='$(VM_TESTS_1)' CHECK_KVER2='$(CHECK_KVER2)' VM_TESTS_2='$(VM_TESTS_2)' \
		VMTEST_KVER='$(VMTEST_KVER)' $(TOP)/tools/check

# The sanitizer kernel, built from linux-source-6.1 into the kernel cache
# (tools/kcache image debug; Documentation/testing.rst gives the time).
debug-kernel: deps
	$(TOP)/tools/kcache image debug >/dev/null

check-host: userspace
	$(TEST_ENV) $(TOP)/tools/check --host-only

# VMTEST_KVER=6.12 make check-vm: the VM stage on another kernel, with the
# module built for it (see module-%).
check-vm: all $(if $(VMTEST_KVER),module-$(VMTEST_KVER))
	$(TEST_ENV) VMTEST_KVER='$(VMTEST_KVER)' $(TOP)/tools/check --vm-only

demo: deps
	$(MAKE) all
	$(TOP)/tools/demo

lint: $(KSFT_STAMP)
	KDIR=$(KDIR) $(TOP)/tools/lint

install: all
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/linux \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 uapi/linux/vmon.h $(DESTDIR)$(PREFIX)/include/linux/
	$(if $(MAN_PAGES),install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/)
	install -D -m 0644 tools/vmon.modules-load $(DESTDIR)/etc/modules-load.d/vmon.conf
	install -D -m 0644 tools/vmon.udev-rules $(DESTDIR)/etc/udev/rules.d/60-vmon.rules
	$(if $(DESTDIR),,getent group vmon >/dev/null || groupadd --system vmon)

# DKMS: the sources the module is built from, and dkms.conf, in the place
# dkms looks for them; dkms then builds for each kernel (the headers of that
# kernel must be installed, or KSRC names them). --force: a vmon.ko of the
# same version that 'make install' put under extra/ would otherwise make
# dkms keep that one; asking for dkms-install is asking DKMS to own it.
DKMS_VER := $(shell sed -n 's/^\#define VMON_RELEASE[[:space:]]*"\(.*\)"/\1/p' kmod/vmon_core.h)
DKMS_SRC := $(DESTDIR)/usr/src/vmon-$(DKMS_VER)
DKMS_KVER ?= $(shell uname -r)
dkms-src:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp --parents dkms.conf $(MODULE_SRCS) $(DKMS_SRC)/

dkms-install: dkms-src
	@command -v dkms >/dev/null || { echo "make: dkms is not installed (apt-get install dkms)"; exit 1; }
	dkms remove -m vmon -v $(DKMS_VER) --all >/dev/null 2>&1 || true
	dkms add -m vmon -v $(DKMS_VER)
	dkms build -m vmon -v $(DKMS_VER) -k $(DKMS_KVER) $(if $(KSRC),--kernelsourcedir $(KSRC))
	dkms install --force -m vmon -v $(DKMS_VER) -k $(DKMS_KVER) $(if $(KSRC),--kernelsourcedir $(KSRC))

# Not Kbuild's clean: it deletes every *.ko and modules.order below M=, and
# the ignored cache below us holds a whole kernel's modules.
KBUILD_DIRS := kmod vhost blk
clean:
	rm -rf $(B)
	rm -f vmon.ko vmon.o vmon.mod vmon.mod.c vmon.mod.o .vmon* .module-common.o \
		modules.order Module.symvers .modules.order.cmd .Module.symvers.cmd
	find $(wildcard $(KBUILD_DIRS)) \( -name '*.o' -o -name '.*.cmd' -o -name '*.mod' \) -delete

help:
	@sed -n '3,17p' Makefile | sed 's/^# \{0,1\}//'

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
