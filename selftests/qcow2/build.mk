# libqcow2 and vmon img tests: unit tests (kselftest harness), qemu-img oracle,
# corruption, crash-consistency and a bounded libFuzzer run.
QCOW2_TEST_LIBS := $(B)/libqcow2.a -lz -lzstd

$(B)/selftests/qcow2/qcow2-io: $(B)/selftests/qcow2/qcow2_io.o $(B)/libqcow2.a
	$(CC) $(LDFLAGS) -o $@ $< $(QCOW2_TEST_LIBS)

$(B)/selftests/qcow2/qcow2_test: $(B)/selftests/qcow2/qcow2_test.o $(B)/libqcow2.a
	$(CC) $(LDFLAGS) -o $@ $< $(QCOW2_TEST_LIBS)

UNIT_TESTS += $(B)/selftests/qcow2/qcow2_test selftests/qcow2/oracle.sh selftests/qcow2/corrupt.sh
# the scripts need these built first
userspace: $(B)/selftests/qcow2/qcow2-io
