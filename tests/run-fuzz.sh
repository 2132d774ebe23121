#!/usr/bin/env bash
# run-fuzz.sh SECONDS FUZZER... - run each libFuzzer target for SECONDS
# (make fuzz; FUZZ_SECONDS=0 skips). Seeds come from tests/fuzz/corpus/<name>
# and are never modified: new inputs go to build/fuzz/corpus-<name>, which
# persists between runs. A crash leaves build/fuzz/crash-* and fails.
set -u
secs=$1
shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/build/fuzz
failed=0
[ "$secs" -gt 0 ] || { echo "fuzz: skipped (FUZZ_SECONDS=0)"; exit 0; }
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	work=$out/corpus-$name
	mkdir -p "$work"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/" "$work" "$root/tests/fuzz/corpus/$name" >"$out/$name.log" 2>&1; then
		echo "fuzz: $name: $(grep -o 'Done [0-9]* runs in [0-9]* second' "$out/$name.log"), no crash"
	else
		failed=1
		echo "fuzz: $name FAILED (log: $out/$name.log):"
		grep -E 'ERROR|SUMMARY|Test unit written' "$out/$name.log" | head -n 5 | sed 's/^/  /'
	fi
done
exit "$failed"
