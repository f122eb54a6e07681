# Kselftests of the module's tracepoints, run inside the test VM: events
# read back through libtracefs/libtraceevent from a trace instance.
TRACE_CFLAGS := $(shell pkg-config --cflags libtracefs libtraceevent 2>/dev/null)
TRACE_LDLIBS := $(shell pkg-config --libs libtracefs libtraceevent 2>/dev/null)

$(B)/selftests/trace/%.o: TEST_CFLAGS += $(TRACE_CFLAGS)

$(B)/selftests/trace/tracepoint_test: $(B)/selftests/trace/tracepoint_test.o \
		$(B)/selftests/trace/trace_env.o $(B)/selftests/blk/blk_env.o \
		$(B)/selftests/vhost/net_env.o $(B)/selftests/acct/guest.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(TRACE_LDLIBS) -lpthread

VM_TESTS += $(B)/selftests/trace/tracepoint_test

# The workload of known size for bpftrace and perf (bpftrace_test.sh).
$(B)/selftests/trace/trace_load: $(B)/selftests/trace/trace_load.o \
		$(B)/selftests/blk/blk_env.o $(B)/selftests/vhost/net_env.o \
		$(B)/selftests/acct/guest.o $(TEST_LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

userspace: $(B)/selftests/trace/trace_load
VM_TESTS += selftests/trace/bpftrace_test.sh

# vmon trace's views (bpf/, supervisor/trace) against the same workload.
VM_TESTS += selftests/trace/vmon_trace_test.sh
