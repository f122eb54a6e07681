# Kselftests of the module core, run inside the test VM.
$(B)/selftests/kmod/%: $(B)/selftests/kmod/%.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

VM_TESTS += $(B)/selftests/kmod/ctl_test $(B)/selftests/kmod/load_test
VM_TESTS += selftests/kmod/dkms_test.sh

# Random ioctl sequences and a hostile ring driver (hardening item 21): a
# short fixed-seed run here; ioctl_fuzz --seconds N for long runs.
VM_TESTS += $(B)/selftests/kmod/ioctl_fuzz
