#!/usr/bin/env bash
# bench-api.sh - ember's API benchmark (make bench-api).
#
# 1. Start-up: process start -> API socket accepting a connection, for ember
#    (no config: it waits for the API) and for the floor, a static C
#    program that only binds and listens on a Unix socket (perf/floor-
#    listen.c), interleaved run by run, measured by perf/startprobe.c: CPU
#    time and wall time until listen() returned, private memory then, and
#    for ember also until its first answered GET /. On this machine
#    (START_RUNS_HOST runs each) and inside the nested test host, where exec
#    is slow (START_RUNS_TH runs each).
# 2. One-request boot, in the test host: the first API request -> the
#    guest's boot-timer write, with Firecracker's five requests against
#    ember's one PUT /vm, sent by a small static client over one connection
#    and by curl (one process per request), BOOT_RUNS boots per mode.
#    See perf/bench-api-payload.sh for the modes.
#
# Output: a table in build/bench/api.txt, raw lines in build/bench/api-raw.txt.
# Environment: START_RUNS_HOST (default 200), START_RUNS_TH (150), BOOT_RUNS
# (5), BENCH_API_SKIP_TESTHOST=1 (part 1 on this machine only),
# BENCH_TIMEOUT (test-host run limit, default 2400 s).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/build/bench
tools=$out/api-tools
payload=$out/api-payload
raw=$out/api-raw.txt
table=$out/api.txt
host_runs=${START_RUNS_HOST:-200}
th_runs=${START_RUNS_TH:-150}
boot_runs=${BOOT_RUNS:-5}
boot_args="console=ttyS0 reboot=k panic=1 pci=off quiet"

mkdir -p "$tools" "$out"
for t in startprobe floor-listen apiclient; do
	gcc -O2 -static -Wall -Wextra -Werror -o "$tools/$t" "$root/perf/$t.c"
done
[ -x "$root/build/ember" ] || { echo "bench-api: build/ember missing (make)" >&2; exit 1; }

: >"$raw"
echo "bench-api: start-up on this machine, $host_runs runs each" >&2
sock=$(mktemp -u /tmp/bench-api.XXXXXX)
for i in $(seq 1 "$host_runs"); do
	"$tools/startprobe" -n 1 -s "$sock.f" -- "$tools/floor-listen" "$sock.f" |
		sed "s/^run=1/BENCH start place=host prog=floor run=$i/" >>"$raw"
	"$tools/startprobe" -n 1 -q -s "$sock.e" -- "$root/build/ember" --api-sock "$sock.e" |
		sed "s/^run=1/BENCH start place=host prog=ember run=$i/" >>"$raw"
done

if [ -z "${BENCH_API_SKIP_TESTHOST:-}" ]; then
	echo "bench-api: test host: start-up ($th_runs runs each) and boots ($boot_runs per mode)" >&2
	rm -rf "$payload"
	mkdir -p "$payload"
	cp "$tools"/startprobe "$tools"/floor-listen "$tools"/apiclient "$payload/"
	ln -s "$root/build/ember" "$payload/ember"
	ln -s "$root/build/guest/vmlinux" "$payload/vmlinux"
	ln -s "$root/build/guest/initramfs.cpio.gz" "$payload/initramfs.cpio.gz"
	cp "$root/perf/bench-api-payload.sh" "$payload/run.sh"
	printf 'START_RUNS=%s\nBOOT_RUNS=%s\nBOOT_ARGS="%s"\n' "$th_runs" "$boot_runs" \
		"$boot_args" >"$payload/bench.conf"
	bash "$root/tests/testhost/run.sh" "$payload" "${BENCH_TIMEOUT:-2400}" |
		sed 's/^BENCH start /BENCH start place=testhost /' | tee -a "$raw" | grep -v '^BENCH start' >&2 ||
		echo "bench-api: the test-host run failed" >&2
fi

# median KEY FILTER... - median of KEY= over the raw lines matching all FILTERs.
median() {
	local key=$1
	shift
	local lines
	lines=$(cat "$raw")
	for f in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -- " $f\( \|$\)" || true)
	done
	printf '%s\n' "$lines" | sed -n "s/.* $key=\([0-9.]*\).*/\1/p" | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'
}

count() {
	grep -c -- "$1" "$raw" || true
}

{
	echo "ember API benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
	echo
	echo "1. Start-up: process start -> API socket accepting (listen() returned); medians"
	printf '%-9s %-6s %5s %10s %10s %10s %12s %14s %16s\n' place prog runs wall_us cpu_us priv_kib \
		ready_us idle_cpu_us idle_priv_kib
	for place in host testhost; do
		for prog in floor ember; do
			n=$(count "place=$place prog=$prog ")
			[ "$n" -gt 0 ] || continue
			printf '%-9s %-6s %5s %10s %10s %10s %12s %14s %16s\n' "$place" "$prog" "$n" \
				"$(median wall_us "place=$place" "prog=$prog")" \
				"$(median cpu_us "place=$place" "prog=$prog")" \
				"$(median priv_kib "place=$place" "prog=$prog")" \
				"$(median ready_us "place=$place" "prog=$prog")" \
				"$(median idle_cpu_us "place=$place" "prog=$prog")" \
				"$(median idle_priv_kib "place=$place" "prog=$prog")"
		done
		[ "$(count "place=$place prog=ember ")" -gt 0 ] || continue
		printf '%-9s %-6s %5s %10s %10s %10s\n' "$place" "e/f" "" \
			"$(ratio "$(median wall_us "place=$place" prog=ember)" "$(median wall_us "place=$place" prog=floor)")" \
			"$(ratio "$(median cpu_us "place=$place" prog=ember)" "$(median cpu_us "place=$place" prog=floor)")" \
			"$(ratio "$(median priv_kib "place=$place" prog=ember)" "$(median priv_kib "place=$place" prog=floor)")"
	done
	echo "   (goal: ember cpu_us <= 1.25 x floor; ready/idle_*: until ember answered its first GET /)"
	echo
	echo "2. Boot in the test host: first API request -> guest boot-timer write; medians (ms)"
	printf '%-10s %5s %16s %16s %10s\n' mode runs req_to_timer req_to_start timer
	for m in five-c one-c five-curl one-curl; do
		printf '%-10s %5s %16s %16s %10s\n' "$m" "$(count "mode=$m run=[1-9]")" \
			"$(median req_to_timer_ms "mode=$m")" "$(median req_to_start_ms "mode=$m")" \
			"$(median timer_ms "mode=$m")"
	done
	echo "   five = Firecracker's getting-started requests (boot-source, drive, machine-config,"
	echo "   network-interface, InstanceStart); one = ember's PUT /vm with \"start\": true;"
	echo "   -c: one connection, static client; -curl: one curl process per request."
	echo "   req_to_start: first request -> InstanceStart begins; timer: ember's boot timer."
	grep '^BENCH-NOTE' "$raw" | sed 's/^/   /' || true
} | tee "$table"
echo "bench-api: table in $table, raw lines in $raw" >&2
