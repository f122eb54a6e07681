# Benchmarks run inside the test VM (tools/bench/vmon-blk).
BENCH_BINS := $(B)/tools/bench/blk_bench

$(B)/tools/bench/blk_bench: $(B)/tools/bench/blk_bench.o \
		$(B)/selftests/blk/blk_env.o $(B)/selftests/lib/vring_drv.o
	$(CC) $(LDFLAGS) -o $@ $^ -luring -lpthread

userspace: $(BENCH_BINS)
