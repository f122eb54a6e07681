SYSTEM_TESTS += selftests/vmtest/vmtest_test.sh
