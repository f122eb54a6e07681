# Benchmarks (not timed tests): run them through their wrappers.
$(B)/tools/bench/vhost-net-bench: $(B)/tools/bench/vhost_net_bench.o $(B)/tools/bench/stats.o \
		$(B)/tools/bench/bench_vm.o $(B)/selftests/vhost/net_env.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

BINS_BENCH += $(B)/tools/bench/vhost-net-bench

# tools/bench/vmon-blk: /dev/vmon-blk against io_uring on brd.
$(B)/tools/bench/blk_bench: $(B)/tools/bench/blk_bench.o $(B)/tools/bench/bench_vm.o $(B)/tools/bench/stats.o \
		$(B)/selftests/blk/blk_env.o $(B)/selftests/lib/vring_drv.o
	$(CC) $(LDFLAGS) -o $@ $^ -luring -lpthread

BINS_BENCH += $(B)/tools/bench/blk_bench

# tools/bench/vmon-blk -b: the pairs of several runs pooled.
$(B)/tools/bench/pool-pairs: $(B)/tools/bench/pool_pairs.o $(B)/tools/bench/stats.o
	$(CC) $(LDFLAGS) -o $@ $^

BINS_BENCH += $(B)/tools/bench/pool-pairs
userspace: $(BINS_BENCH)

# tools/bench/vmm-blk: in-guest 4 KiB random reads, static for the busybox guest.
$(B)/tools/bench/randread: $(B)/tools/bench/randread.o
	$(CC) $(LDFLAGS) -static -o $@ $^ -lpthread

BINS_BENCH += $(B)/tools/bench/randread
