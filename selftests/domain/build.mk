# libdomain host tests: domain XML (golden files, refusals, schema) and the
# state machine.
$(B)/selftests/domain/%: $(B)/selftests/domain/%.o $(B)/selftests/lib/golden.o $(B)/libdomain.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBDOMAIN_LDLIBS)

UNIT_TESTS += $(B)/selftests/domain/xml_test $(B)/selftests/domain/argv_test \
	$(B)/selftests/domain/state_test

# The harness compares its literals as int against enum fields.
$(B)/selftests/domain/state_test.o: TEST_CFLAGS += -Wno-sign-compare
