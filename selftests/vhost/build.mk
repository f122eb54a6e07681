# Kselftests of the vring engine and /dev/vmon-net, run inside the test VM.
VHOST_TEST_OBJS := $(B)/selftests/vhost/net_env.o

$(B)/selftests/vhost/%: $(B)/selftests/vhost/%.o $(VHOST_TEST_OBJS) \
		$(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

VM_TESTS += $(B)/selftests/vhost/net_test $(B)/selftests/vhost/hostile_test \
	$(B)/selftests/vhost/worker_test
VM_TESTS += selftests/vhost/e2e_qemu.sh

# Counting into the per-VM accounting: needs the netlink client.
$(B)/selftests/vhost/acct_test.o: TEST_CFLAGS += $(NL_CFLAGS)
$(B)/selftests/vhost/acct_test: $(B)/selftests/vhost/acct_test.o $(VHOST_TEST_OBJS) \
		$(TEST_LIB_OBJS) $(B)/libvmon-nl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LDLIBS) -lpthread

VM_TESTS += $(B)/selftests/vhost/acct_test
