# vmon-vmm tests: unit tests on the host, and boot tests in the test VM that
# run nested guests (the Debian test kernel, a busybox initramfs) under it.
VMM_GUEST := $(B)/vmm-guest

$(B)/selftests/vmm/%_test: $(B)/selftests/vmm/%_test.o $(TEST_LIB_OBJS) $(B)/libvmm.a \
		$(B)/libqcow2.a $(LIBVMON)
	$(CC) $(LDFLAGS) -o $@ $^ -luring -ljson-c -lpthread -lz -lzstd

UNIT_TESTS += $(B)/selftests/vmm/layout_test $(B)/selftests/vmm/virtio_test \
	$(B)/selftests/vmm/state_test \
	$(B)/selftests/vmm/api_test

# The guest's base initramfs and kernel, made on the host where the kernel
# cache is; the VM-side tests find them in $(VMM_GUEST).
$(VMM_GUEST)/base.cpio.gz: selftests/vmm/guest-init selftests/vmm/mkinitrd
	selftests/vmm/mkinitrd $@
	ln -sf $$($(TOP)/tools/kcache image)/boot/vmlinuz-$$($(TOP)/tools/kcache version) \
		$(VMM_GUEST)/vmlinuz

$(B)/selftests/vmm/boot_test: selftests/vmm/boot_test.sh $(VMM_GUEST)/base.cpio.gz
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

$(B)/selftests/vmm/disk_test: selftests/vmm/disk_test.sh $(B)/selftests/vmm/boot_test
	cp $< $@
	chmod +x $@

VM_TESTS += $(B)/selftests/vmm/boot_test $(B)/selftests/vmm/disk_test

# The harness compares its literals as int against our unsigned fields.
$(B)/selftests/vmm/%.o: TEST_CFLAGS += -Wno-sign-compare
