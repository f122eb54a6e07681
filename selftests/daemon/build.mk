# vmond tests: the library's pieces on the host, vmond --foreground in a
# temporary root on the host (no guest started), guests' lives in the test VM.
$(B)/selftests/daemon/%_test: $(B)/selftests/daemon/%_test.o $(TEST_LIB_OBJS) $(B)/libvmond.a \
		$(B)/libdomain.a $(B)/libstorage.a $(B)/libqcow2.a $(B)/libvmon.a
	$(CC) $(LDFLAGS) -o $@ $^ -ljson-c -lsystemd $(LIBDOMAIN_LDLIBS) $(LIBSTORAGE_LDLIBS)

UNIT_TESTS += $(B)/selftests/daemon/atomic_test $(B)/selftests/daemon/status_test

# The harness compares its literals as int against unsigned fields.
$(B)/selftests/daemon/%.o: TEST_CFLAGS += -Wno-sign-compare
UNIT_TESTS += selftests/daemon/vmond_test.sh selftests/daemon/cli_test.sh selftests/daemon/install_test.sh
UNIT_TESTS += selftests/daemon/snapshot_test.sh selftests/daemon/guests_cli_test.sh
UNIT_TESTS += selftests/daemon/attach_test.sh selftests/daemon/parallel_test.sh
UNIT_TESTS += selftests/daemon/remote_test.sh

# In the test VM: a real nested guest through its life (needs the guest's
# base initramfs, built on the host like boot_test's).
$(B)/selftests/daemon/life_test: selftests/daemon/life_test.sh $(B)/vmm-guest/base.cpio.gz \
		$(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/life_test

# In the test VM: S3, dompmwakeup and guest panics under on_crash preserve
# and destroy, with the lifecycle event stream.
$(B)/selftests/daemon/crash_test: selftests/daemon/crash_test.sh $(B)/vmm-guest/base.cpio.gz \
		$(B)/vmond $(B)/vmon $(B)/vmon-vmm $(B)/vmm-guest/qga/usr/sbin/qemu-ga
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/crash_test

# In the test VM: vmon install of real nested guests (a new pool volume,
# --import, --transient --wait on an overlay).
$(B)/selftests/daemon/install_vm_test: selftests/daemon/install_vm_test.sh \
		$(B)/vmm-guest/base.cpio.gz $(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/install_vm_test

# In the test VM: vmon-guests saving, restoring and shutting down real
# nested guests, with a vmond restart between (the host's reboot).
$(B)/selftests/daemon/guests_test: selftests/daemon/guests_test.sh $(B)/vmm-guest/base.cpio.gz \
		$(B)/vmond $(B)/vmon $(B)/vmon-vmm supervisor/guests/vmon-guests
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/guests_test

# In the test VM: a disk's <iotune> limits on a real nested guest reading
# its raw disk: vmon-blk's throttle holds it, blkdeviotune --live changes
# and reads back the kernel's limits, a restore puts the running ones back.
$(B)/selftests/daemon/iotune_test: selftests/daemon/iotune_test.sh $(B)/vmm-guest/base.cpio.gz \
		$(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/iotune_test

# In the test VM: a disk's error policy: a full disk under 'stop' pauses
# the guest (I/O error) until resume retries; under 'report' the guest sees it.
$(B)/selftests/daemon/ioerror_test: selftests/daemon/ioerror_test.sh \
		$(B)/vmm-guest/base.cpio.gz $(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/ioerror_test

# In the test VM: vmond --report-idle shows a sleeping guest idle, a
# spinning one running.
$(B)/selftests/daemon/idle_test: selftests/daemon/idle_test.sh \
		$(B)/vmm-guest/base.cpio.gz $(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/idle_test

# In the test VM: 20 clients at once define and start real nested guests,
# then destroy them at once; nothing lost, left behind or corrupted.
$(B)/selftests/daemon/parallel_vm_test: selftests/daemon/parallel_vm_test.sh \
		$(B)/vmm-guest/base.cpio.gz $(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/parallel_vm_test

# In the test VM: vmon -c vmon+ssh:// through a real sshd in a second
# network namespace, down to a nested guest started and destroyed.
$(B)/selftests/daemon/remote_vm_test: selftests/daemon/remote_vm_test.sh \
		$(B)/vmm-guest/base.cpio.gz $(B)/vmond $(B)/vmon $(B)/vmon-vmm
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/daemon/remote_vm_test
