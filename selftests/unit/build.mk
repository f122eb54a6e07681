# Host unit tests of the supervisor libraries and the CLI.

$(B)/selftests/unit/%: $(B)/selftests/unit/%.o $(TEST_LIB_OBJS) $(LIBVMON)
	$(CC) $(LDFLAGS) -o $@ $^

UNIT_TESTS += $(B)/selftests/unit/ctl_test $(B)/selftests/unit/cli_test
