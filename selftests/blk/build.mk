# Kselftests of /dev/vmon-blk, run inside the test VM.
BLK_TEST_OBJS := $(B)/selftests/blk/blk_env.o

$(B)/selftests/blk/%: $(B)/selftests/blk/%.o $(BLK_TEST_OBJS) \
		$(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

VM_TESTS += $(B)/selftests/blk/blk_test $(B)/selftests/blk/integ_test \
	$(B)/selftests/blk/throttle_test $(B)/selftests/blk/hostile_test

# Counting into the per-VM accounting: needs the netlink client.
$(B)/selftests/blk/acct_test.o: TEST_CFLAGS += $(NL_CFLAGS)
$(B)/selftests/blk/acct_test: $(B)/selftests/blk/acct_test.o $(BLK_TEST_OBJS) \
		$(TEST_LIB_OBJS) $(B)/libvmon-nl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LDLIBS)

VM_TESTS += $(B)/selftests/blk/acct_test
