#!/usr/bin/env bash
# run.sh - run a libFuzzer target for a bounded time (make fuzz).
#
#   tests/fuzz/run.sh FUZZ_BIN CORPUS_DIR SECONDS
#
# The checked-in corpus is copied to a scratch directory and fuzzed from
# there, so a run never changes the repository; inputs that found new
# coverage are left in build/fuzz/new-<name>/ (FUZZ_MERGE=1 merges them into
# the checked-in corpus instead, minimised). A crash, leak, timeout or
# sanitizer report fails the run; libFuzzer writes the input that triggered
# it to build/fuzz/ (crash-*, leak-*, timeout-*), replay it with
# "FUZZ_BIN FILE".
set -uo pipefail

bin=$1
corpus=$2
secs=${3:-30}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(dirname "$bin")
name=$(basename "$bin")
work=$out/new-$name

rm -rf "$work"
mkdir -p "$work"
cp "$corpus"/* "$work"/
# A dictionary named after the target (fuzz_api -> api.dict), if there is one.
dict=()
[ -f "$here/${name#fuzz_}.dict" ] && dict=(-dict="$here/${name#fuzz_}.dict")
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=64
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -malloc_limit_mb: the target allocates at most one request body (the
# limit is 51200 bytes) and its JSON tree at a time; a single allocation of
# 64 MiB is a bug. The RSS is mostly ASan's quarantine and the corpus.
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 -max_len=70000 \
	"${dict[@]}" -artifact_prefix="$out/" -print_final_stats=1 \
	"$work" >"$out/$name.log" 2>&1
rc=$?
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/$name.log" |
	sed "s/^/fuzz: $name: /"
if [ "$rc" -ne 0 ]; then
	echo "fuzz: $name FAILED (status $rc); log: $out/$name.log" >&2
	grep -E 'ERROR|SUMMARY|Test unit written' "$out/$name.log" | head -n 10 >&2
	exit 1
fi
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
	"$bin" -merge=1 "$corpus" "$work" >/dev/null 2>&1
	echo "fuzz: $name: corpus now $(find "$corpus" -type f | wc -l) inputs"
fi
echo "fuzz: $name passed ($secs s)"
