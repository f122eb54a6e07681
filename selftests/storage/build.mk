# libstorage host tests: pool and volume XML (golden files, units, refusals,
# libvirt's schemas), the dir back end in a temporary directory (qemu-img as
# the oracle), and vmond's pool and vol-* requests through the vmon CLI.
$(B)/selftests/storage/%_test: $(B)/selftests/storage/%_test.o $(B)/selftests/lib/golden.o \
		$(B)/libstorage.a $(B)/libqcow2.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSTORAGE_LDLIBS)

# The harness compares its literals as int against unsigned fields.
$(B)/selftests/storage/%.o: TEST_CFLAGS += -Wno-sign-compare

UNIT_TESTS += $(B)/selftests/storage/xml_test $(B)/selftests/storage/backend_test
UNIT_TESTS += selftests/storage/pool_test.sh

# In the test VM: an fs pool on a loop device (mkfs, mount through libmount).
$(B)/selftests/storage/fs_pool_test: selftests/storage/fs_pool_test.sh $(B)/vmond $(B)/vmon
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/storage/fs_pool_test

# In the test VM: a logical pool on a loop-backed volume group (lvm2's tools).
$(B)/selftests/storage/logical_pool_test: selftests/storage/logical_pool_test.sh $(B)/vmond \
		$(B)/vmon
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@
VM_TESTS += $(B)/selftests/storage/logical_pool_test
