# Benchmarks (not timed tests): run them through their wrappers.
$(B)/tools/bench/vhost-net-bench: $(B)/tools/bench/vhost_net_bench.o \
		$(B)/selftests/vhost/net_env.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

BINS_BENCH += $(B)/tools/bench/vhost-net-bench
userspace: $(BINS_BENCH)
