#!/usr/bin/env bash
# validate.sh - check the test host and the integration harness without
# relying on ember: run the whole suite inside the test host with QEMU
# microvm (on the test host's /dev/kvm) standing in for ember
# (ember-qemu-shim.sh). QEMU has no boot-timer device and does not reject a
# garbage kernel the way the test wants, so exactly boot_timer and
# bad_kernel must fail, and the api_* tests, which need ember's HTTP API;
# every other test must pass. Exit 0 if so.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

EMBER_BIN=$root/tests/testhost/ember-qemu-shim.sh EMBER_TESTHOST=always \
	bash "$root/tests/run-integration.sh" "$@" | tee "$out"
# The API tests need ember's API, which the shim does not have.
failed=$(sed -n 's/^TEST \([^ ]*\) FAIL.*/\1/p' "$out" | grep -v '^api_' | sort | tr '\n' ' ')
passed=$(grep -c '^TEST [^ ]* PASS' "$out")
if [ "$failed" = "bad_kernel boot_timer " ] && [ "$passed" -gt 0 ]; then
	echo "validate: OK: harness and test host work ($passed passed; boot_timer and bad_kernel fail as expected with QEMU)"
	exit 0
fi
echo "validate: UNEXPECTED: failed tests: ${failed:-none}; $passed passed"
exit 1
