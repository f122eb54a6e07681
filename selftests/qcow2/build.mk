# libqcow2 and vmon img tests: unit tests (kselftest harness), qemu-img oracle,
# corruption, crash-consistency and a bounded libFuzzer run.
QCOW2_TEST_LIBS := $(B)/libqcow2.a -lz -lzstd

$(B)/selftests/qcow2/qcow2-io: $(B)/selftests/qcow2/qcow2_io.o $(B)/libqcow2.a
	$(CC) $(LDFLAGS) -o $@ $< $(QCOW2_TEST_LIBS)

$(B)/selftests/qcow2/qcow2_test: $(B)/selftests/qcow2/qcow2_test.o $(B)/libqcow2.a
	$(CC) $(LDFLAGS) -o $@ $< $(QCOW2_TEST_LIBS)

UNIT_TESTS += $(B)/selftests/qcow2/qcow2_test selftests/qcow2/oracle.sh selftests/qcow2/corrupt.sh \
	selftests/qcow2/flags.sh
# the scripts need these built first
userspace: $(B)/selftests/qcow2/qcow2-io

# The fuzzer: clang with libFuzzer, ASan and UBSan, built from the sources.
FUZZ_CC ?= clang
$(B)/fuzz/fuzz_qcow2: selftests/qcow2/fuzz_qcow2.c $(wildcard supervisor/qcow2/*.c supervisor/qcow2/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -Isupervisor/include \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ selftests/qcow2/fuzz_qcow2.c $(wildcard supervisor/qcow2/*.c) -lz -lzstd

UNIT_TESTS += selftests/qcow2/crash.sh selftests/qcow2/fuzz.sh
userspace: $(B)/fuzz/fuzz_qcow2

.PHONY: fuzz-qcow2
# A longer fuzz run: make fuzz-qcow2 [FUZZ_SECONDS=3600]
fuzz-qcow2: $(B)/fuzz/fuzz_qcow2
	FUZZ_SECONDS=$${FUZZ_SECONDS:-1800} selftests/qcow2/fuzz.sh
