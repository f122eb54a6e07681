# Kselftests of the per-VM accounting, run inside the test VM (nested KVM).
# (This file is read before supervisor/netlink/build.mk: name the library
# literally in prerequisites; NL_* are only used in recipes and flags.)
ACCT_TEST_OBJS := $(B)/selftests/acct/acct_test.o $(B)/selftests/acct/guest.o \
	$(B)/selftests/acct/acct_util.o

$(ACCT_TEST_OBJS): TEST_CFLAGS += $(NL_CFLAGS)

$(B)/selftests/acct/ksm_test.o: TEST_CFLAGS += $(NL_CFLAGS)

$(B)/selftests/acct/acct_test: $(ACCT_TEST_OBJS) $(TEST_LIB_OBJS) $(B)/libvmon-nl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LDLIBS) -lpthread -lm

$(B)/selftests/acct/ksm_test: $(B)/selftests/acct/ksm_test.o $(B)/selftests/acct/guest.o \
		$(B)/selftests/acct/acct_util.o $(TEST_LIB_OBJS) $(B)/libvmon-nl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LDLIBS) -lpthread -lm

VM_TESTS += $(B)/selftests/acct/acct_test $(B)/selftests/acct/ksm_test

# Who may read which VM and attach rings to it (hardening items 10, 11).
$(B)/selftests/acct/perm_test.o: TEST_CFLAGS += $(NL_CFLAGS)
$(B)/selftests/acct/perm_test: $(B)/selftests/acct/perm_test.o $(B)/selftests/acct/guest.o \
		$(B)/selftests/acct/acct_util.o $(TEST_LIB_OBJS) $(B)/libvmon-nl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LDLIBS) -lpthread -lm

VM_TESTS += $(B)/selftests/acct/perm_test

# vmon event and vmon steal-threshold against the module (needs build/vmon).
$(B)/selftests/acct/cli_event_test: $(B)/selftests/acct/cli_event_test.o \
		$(B)/selftests/acct/guest.o $(B)/selftests/acct/acct_util.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -ljson-c -lpthread

VM_TESTS += $(B)/selftests/acct/cli_event_test

# A registered spinning guest, for trying vmon top/stats by hand.
$(B)/selftests/acct/kvm_spin: $(B)/selftests/acct/kvm_spin.o $(B)/selftests/acct/guest.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

userspace: $(B)/selftests/acct/kvm_spin

# Host unit test of vmon top/stats argument handling.
$(B)/selftests/acct/cli_acct_test: $(B)/selftests/acct/cli_acct_test.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

UNIT_TESTS += $(B)/selftests/acct/cli_acct_test
