# Kselftests of /dev/vmon-blk, run inside the test VM.
BLK_TEST_OBJS := $(B)/selftests/blk/blk_env.o

$(B)/selftests/blk/%: $(B)/selftests/blk/%.o $(BLK_TEST_OBJS) \
		$(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

VM_TESTS += $(B)/selftests/blk/blk_test $(B)/selftests/blk/hostile_test
