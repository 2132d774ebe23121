#!/usr/bin/env bash
# Run every cmocka unit test binary given; print one summary line.
set -u
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0 passed=0
for t in "$@"; do
	if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "unit: FAILED $t"; fi
done
echo "unit suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
