#!/usr/bin/env bash
# bench-memory.sh - what a microVM costs in private memory beyond its guest
# RAM: ember run directly, ember jailed (the jailer's copy of the binary)
# and QEMU microvm, 1 and 2 vCPUs, with a drive and a NIC, idle and after
# 10 s of disk and network I/O (make bench-memory).
#
# Packs a payload (ember, ember-jailer, test-mktap, the guest bzImage, the
# guest initramfs with an appended /test.sh, the integration libraries for
# the jail set-up, perf/bench-memory-payload.sh as run.sh) and runs it in
# ONE nested test host. The guest's /test.sh brings eth0 up, prints
# BENCH-IDLE, waits 2 s, then for 10 s writes (fsync'd) and reads its drive
# and pings the host, and prints BENCH-IO with how many rounds of each
# succeeded (disk_loops, net_loops); the payload samples the VMM's
# smaps at both markers (see bench-memory-payload.sh). Prints the medians
# and writes build/bench/memory.txt (raw lines: build/bench/memory-raw.txt).
#
# Environment: BENCH_RUNS (boots per VMM and vCPU count, default 3),
# BENCH_VCPUS (default "1 2"), BENCH_VMMS (default "ember ember-jailed
# qemu"), BENCH_TIMEOUT, BENCH_EMBER (another ember binary to measure, for
# A/B experiments), BENCH_NAME (result file names, default memory).
set -euo pipefail

bench_name=bench-memory
# shellcheck source=perf/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
jailer=$root/build/ember-jailer
mktap=$root/build/test-mktap
runs=${BENCH_RUNS:-3}
vcpus=${BENCH_VCPUS:-1 2}
vmms=${BENCH_VMMS:-ember ember-jailed qemu}
mem_mib=128
goal_kib=1024

make_payload() {
	local dir=$1 tmp

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$ember" "$dir/ember"
	cp "$jailer" "$dir/ember-jailer"
	cp "$mktap" "$dir/test-mktap"
	cp "$guest/bzImage" "$dir/bzImage"
	cp "$root/tests/integration/lib.sh" "$root/tests/integration/lib_jailer.sh" "$dir/"
	install -m 0755 "$here/bench-memory-payload.sh" "$dir/run.sh"
	tmp=$(mktemp -d)
	cat >"$tmp/test.sh" <<'EOF'
ip link set eth0 up
ip addr add 169.254.77.2/24 dev eth0
sleep 3
echo BENCH-IDLE
sleep 2
end=$(($(date +%s) + 10))
disk=0
net=0
while [ "$(date +%s)" -lt "$end" ]; do
	dd if=/dev/zero of=/dev/vda bs=64k count=32 conv=fsync 2>/dev/null &&
		dd if=/dev/vda of=/dev/null bs=64k count=32 2>/dev/null && disk=$((disk + 1))
	ping -c 4 -s 1024 -W 1 169.254.77.1 >/dev/null && net=$((net + 1))
done
echo "BENCH-IO disk_loops=$disk net_loops=$net"
sleep 60
EOF
	chmod 0755 "$tmp/test.sh"
	bench_initrd "$dir/initrd.img" "$tmp" test.sh
	rm -rf "$tmp"
	printf 'RUNS=%s\nMEM_MIB=%s\nVCPUS="%s"\nVMMS="%s"\n' "$runs" "$mem_mib" "$vcpus" "$vmms" \
		>"$dir/bench.conf"
}

# summarize RAW - medians [min-max] per VMM, vCPU count and phase.
summarize() {
	awk -v goal="$goal_kib" -v mem="$mem_mib" '
	function med(key,   k, i, j, t, a) {
		k = cnt[key]
		if (!k) return "NA"
		for (i = 1; i <= k; i++) a[i] = val[key, i]
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		m = k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		return sprintf("%d [%d-%d] n=%d", m, a[1], a[k], k)
	}
	/^BENCH-MEM / {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		row = f["vmm"] " " f["vcpus"]
		rows[row] = 1
		if (f["idle_kib"] ~ /^[0-9]+$/) val[row, "idle", ++cnt[row, "idle"]] = f["idle_kib"]
		if (f["io_kib"] ~ /^[0-9]+$/) val[row, "io", ++cnt[row, "io"]] = f["io_kib"]
		if (f["disk_loops"] ~ /^[0-9]+$/) val[row, "dl", ++cnt[row, "dl"]] = f["disk_loops"]
		if (f["net_loops"] ~ /^[0-9]+$/) val[row, "nl", ++cnt[row, "nl"]] = f["net_loops"]
	}
	/^BENCH-NOTE testhost / { sub(/^BENCH-NOTE /, ""); env = $0 }
	END {
		printf "Private memory beyond guest RAM (KiB), %d MiB guest, one drive + one NIC;\n", mem
		printf "median [min-max] n=runs; goal <= %d KiB in every column\n\n", goal
		printf "%-14s %-6s %-26s %-26s %s\n", "vmm", "vcpus", "idle (3 s after boot)", "after 10 s of I/O",
			"I/O rounds done: disk, ping (median)"
		n = split("ember ember-jailed qemu", vs, " ")
		for (i = 1; i <= n; i++)
			for (c = 1; c <= 4; c++) {
				row = vs[i] " " c
				if (!(row in rows)) continue
				printf "%-14s %-6s %-26s %-26s %s, %s\n", vs[i], c, med(row SUBSEP "idle"),
					med(row SUBSEP "io"), int(med(row SUBSEP "dl")), int(med(row SUBSEP "nl"))
			}
		if (env != "") printf "\n%s\n", env
	}' "$1"
}

main() {
	local payload raw txt rc=0 timeout

	for f in "$ember" "$jailer" "$mktap" "$guest/bzImage" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || bench_die "$f missing (make all build/test-mktap guest)"
	done
	[[ $runs =~ ^[1-9][0-9]?$ ]] || bench_die "BENCH_RUNS must be 1 to 99"
	timeout=${BENCH_TIMEOUT:-$((600 + runs * 600))}
	mkdir -p "$out"
	payload=$out/payload-${BENCH_NAME:-memory}
	raw=$out/${BENCH_NAME:-memory}-raw.txt
	txt=$out/${BENCH_NAME:-memory}.txt
	make_payload "$payload"
	echo "bench-memory: $runs run(s) per VMM and vCPU count in one test host; timeout $timeout s" >&2
	TESTHOST_STREAM_RE='^(BENCH|integration:)' bench_run "$payload" "$timeout" "$raw" "$txt" || rc=$?
	grep -q '^BENCH-MEM vmm=ember ' "$raw" || rc=1
	return "$rc"
}

main "$@"
