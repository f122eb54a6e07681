# vmon-vmm tests: unit tests on the host, and boot tests in the test VM that
# run nested guests (the Debian test kernel, a busybox initramfs) under it.
VMM_GUEST := $(B)/vmm-guest

$(B)/selftests/vmm/%_test: $(B)/selftests/vmm/%_test.o $(TEST_LIB_OBJS) $(B)/libvmm.a \
		$(B)/libqcow2.a $(LIBVMON)
	$(CC) $(LDFLAGS) -o $@ $^ -luring -lseccomp -ljson-c -lpthread -lz -lzstd

UNIT_TESTS += $(B)/selftests/vmm/layout_test $(B)/selftests/vmm/virtio_test \
	$(B)/selftests/vmm/state_test \
	$(B)/selftests/vmm/api_test $(B)/selftests/vmm/acpi_test \
	$(B)/selftests/vmm/sandbox_test $(B)/selftests/vmm/console_test

# The guest's base initramfs and kernel, made on the host where the kernel
# cache is; the VM-side tests find them in $(VMM_GUEST).
$(VMM_GUEST)/base.cpio.gz: selftests/vmm/guest-init selftests/vmm/mkinitrd
	selftests/vmm/mkinitrd $@
	ln -sf $$($(TOP)/tools/kcache image)/boot/vmlinuz-$$($(TOP)/tools/kcache version) \
		$(VMM_GUEST)/vmlinuz
	ln -sf $$($(TOP)/tools/kcache image cloud)/boot/vmlinuz-$$($(TOP)/tools/kcache version cloud) \
		$(VMM_GUEST)/vmlinuz-cloud

$(B)/selftests/vmm/boot_test: selftests/vmm/boot_test.sh $(VMM_GUEST)/base.cpio.gz
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

$(B)/selftests/vmm/disk_test: selftests/vmm/disk_test.sh $(B)/selftests/vmm/boot_test
	cp $< $@
	chmod +x $@

$(B)/selftests/vmm/power_test: selftests/vmm/power_test.sh $(B)/selftests/vmm/boot_test
	cp $< $@
	chmod +x $@

$(B)/selftests/vmm/steal_test: selftests/vmm/steal_test.sh $(B)/selftests/vmm/boot_test
	cp $< $@
	chmod +x $@

# Debian's qemu-guest-agent for agent_test's nested guest: the package's
# files, unpacked here, not installed on the host (no agent daemon there).
$(VMM_GUEST)/qga/usr/sbin/qemu-ga:
	rm -rf $(VMM_GUEST)/qga $(VMM_GUEST)/qga.tmp
	mkdir -p $(VMM_GUEST)/qga.tmp
	cd $(VMM_GUEST)/qga.tmp && { apt-get download -q qemu-guest-agent || { \
		echo "qemu-guest-agent: apt-get download failed (make deps runs apt-get update)" >&2; \
		exit 1; }; } && dpkg-deb -x qemu-guest-agent_*.deb root
	mv $(VMM_GUEST)/qga.tmp/root $(VMM_GUEST)/qga
	rm -rf $(VMM_GUEST)/qga.tmp

$(B)/selftests/vmm/agent_test: selftests/vmm/agent_test.sh $(B)/selftests/vmm/boot_test \
		$(VMM_GUEST)/qga/usr/sbin/qemu-ga
	cp $< $@
	chmod +x $@

VM_TESTS += $(B)/selftests/vmm/boot_test $(B)/selftests/vmm/disk_test \
	$(B)/selftests/vmm/power_test $(B)/selftests/vmm/steal_test \
	$(B)/selftests/vmm/agent_test

# The harness compares its literals as int against our unsigned fields.
$(B)/selftests/vmm/%.o: TEST_CFLAGS += -Wno-sign-compare

# The fuzzer of the device model: clang with libFuzzer, ASan and UBSan, built
# from the sources (not libvmm.a); virtq_pop/unpop/push wrapped for its checks.
FUZZ_CC ?= clang
FUZZ_VIRTIO_SRCS := $(filter-out supervisor/vmm/main.c,$(wildcard supervisor/vmm/*.c)) \
	$(wildcard supervisor/qcow2/*.c supervisor/lib/*.c)
$(B)/fuzz/fuzz_virtio: selftests/vmm/fuzz_virtio.c $(FUZZ_VIRTIO_SRCS) \
		$(wildcard supervisor/vmm/*.h supervisor/qcow2/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iuapi -Isupervisor/include \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Wno-gnu-variable-sized-type-not-at-end \
		-Wl,--wrap=virtq_pop,--wrap=virtq_unpop,--wrap=virtq_push \
		-o $@ selftests/vmm/fuzz_virtio.c $(FUZZ_VIRTIO_SRCS) \
		-luring -lseccomp -ljson-c -lpthread -lz -lzstd

UNIT_TESTS += selftests/vmm/fuzz.sh
userspace: $(B)/fuzz/fuzz_virtio

.PHONY: fuzz-virtio
# A longer fuzz run: make fuzz-virtio [FUZZ_SECONDS=3600]
fuzz-virtio: $(B)/fuzz/fuzz_virtio
	FUZZ_SECONDS=$${FUZZ_SECONDS:-1800} selftests/vmm/fuzz.sh
