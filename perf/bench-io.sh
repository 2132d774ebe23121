#!/usr/bin/env bash
# bench-io.sh - block and network benchmark, ember against QEMU microvm
# (make bench-io).
#
# Packs a payload (ember, the guest bzImage, a guest root tree with Debian's
# fio and iperf3 and their libraries plus perf/bench-io-guest.sh as
# /test.sh, perf/bench-io-payload.sh as run.sh) and runs it in ONE nested
# test host, where ember (Sync and Async engines) and QEMU microvm boot the
# same guest with the same disks and tap, interleaved. The guest measures
# sequential read/write MiB/s and 4 KiB random-read IOPS on a virtio-blk
# data disk (fio, O_DIRECT, queue depth 1) and TCP throughput both ways over
# virtio-net (iperf3). Prints medians and ember/QEMU ratios and writes them
# to build/bench/io.txt (raw lines: build/bench/io-raw.txt).
#
# Needs build/ember and build/guest/{bzImage,initramfs.cpio.gz} (make all
# guest), fio and iperf3 installed (make deps). Environment: BENCH_RUNS
# (boots per VMM, default 3), BENCH_FIO_S (seconds per fio job, default
# 10), BENCH_IPERF_S (seconds per direction, default 10), BENCH_TIMEOUT,
# BENCH_EMBER (another ember binary).
set -euo pipefail

bench_name=bench-io
# shellcheck source=perf/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
runs=${BENCH_RUNS:-3}
fio_s=${BENCH_FIO_S:-10}
iperf_s=${BENCH_IPERF_S:-10}
mem_mib=512
boot_args="console=ttyS0 reboot=k panic=1 quiet pci=off"

# guest_tree DIR - the guest userspace from the initramfs, plus fio and
# iperf3 with every library ldd names, at the same paths.
guest_tree() {
	local dir=$1 bin lib

	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && gzip -dc "$guest/initramfs.cpio.gz" | cpio -id --quiet)
	for bin in /usr/bin/fio /usr/bin/iperf3; do
		[ -x "$bin" ] || bench_die "$bin missing (apt-get install fio iperf3, or make deps)"
		cp "$bin" "$dir/usr/bin/"
		for lib in $(bench_libs "$bin"); do
			cp -L --parents "$lib" "$dir/"
		done
	done
	install -m 0755 "$here/bench-io-guest.sh" "$dir/test.sh"
}

make_payload() {
	local dir=$1

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$guest/bzImage" "$dir/"
	cp "$ember" "$dir/ember"
	install -m 0755 "$here/bench-io-payload.sh" "$dir/run.sh"
	guest_tree "$out/io-guest"
	tar czf "$dir/guest-root.tar.gz" -C "$out/io-guest" .
	rm -rf "$out/io-guest"
	cat >"$dir/bench.conf" <<EOF
RUNS=$runs
MEM_MIB=$mem_mib
FIO_S=$fio_s
IPERF_S=$iperf_s
VM_TIMEOUT=$((300 + 6 * (3 * (fio_s + 2) + 2 * iperf_s)))
BOOT_ARGS="$boot_args"
EOF
}

# summarize RAW - medians per VMM and the ratios against QEMU.
summarize() {
	awk -v runs="$runs" "$bench_awk_med"'
	function cell(v, m,   x) {
		x = med(v SUBSEP m)
		return x == "" ? "NA" : sprintf("%d [%d-%d]", x, lo[v, m], hi[v, m])
	}
	function ratio(v, m,   a, b) {
		a = med(v SUBSEP m); b = med("qemu" SUBSEP m)
		return (a == "" || b == "" || b == 0) ? "NA" : sprintf("%.2f", a / b)
	}
	function row(label, m) {
		printf "%-28s %-18s %-18s %-18s %-8s %s\n", label, cell("ember", m), cell("ember-async", m),
			cell("qemu", m), ratio("ember", m), ratio("ember-async", m)
	}
	/^BENCH vmm=/ {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		v = f["vmm"]; n[v]++
		for (k in f) if (k != "run" && k != "rc" && f[k] ~ /^[0-9]+$/) val[v, k, ++cnt[v, k]] = f[k] + 0
	}
	/^BENCH-NOTE testhost / { sub(/^BENCH-NOTE testhost /, ""); env = $0 }
	END {
		printf "virtio-blk and virtio-net: ember vs QEMU microvm, one nested test host (QEMU TCG +\n"
		printf "kvm-amd), same guest kernel, disks and tap; median [min-max] of %d run(s).\n", runs
		printf "Only the ratios mean anything (absolute figures are TCG speed).\n\n"
		printf "%-28s %-18s %-18s %-18s %-8s %s\n", "metric", "ember (Sync)", "ember (Async)",
			"qemu microvm", "Sync/q", "Async/q"
		row("seq write MiB/s (1M, QD1)", "seqwrite_mibs")
		row("seq read MiB/s (1M, QD1)", "seqread_mibs")
		row("rand read IOPS (4K, QD1)", "randread_iops")
		row("TCP guest->host Mbit/s", "tcp_g2h_mbps")
		row("TCP host->guest Mbit/s", "tcp_h2g_mbps")
		if (env != "") printf "\n%s\n", env
	}' "$1"
}

main() {
	local payload raw txt rc=0 timeout

	bench_check_number BENCH_RUNS "$runs" 1 20
	bench_check_number BENCH_FIO_S "$fio_s" 2 300
	bench_check_number BENCH_IPERF_S "$iperf_s" 2 300
	timeout=${BENCH_TIMEOUT:-$((600 + runs * 3 * (240 + 3 * fio_s + 2 * iperf_s) * 2))}
	bench_check_number BENCH_TIMEOUT "$timeout" 60 86400
	for f in "$ember" "$guest/bzImage" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || bench_die "$f missing (make all guest)"
	done
	mkdir -p "$out"
	payload=$out/io-payload
	raw=$out/io-raw.txt
	txt=$out/io.txt
	make_payload "$payload"
	echo "bench-io: $runs run(s) per VMM in one test host; timeout $timeout s" >&2
	TESTHOST_STREAM_RE='^(BENCH|TEST |RESULT)' bench_run "$payload" "$timeout" "$raw" "$txt" || rc=$?
	grep -q '^BENCH vmm=ember run=.*tcp_h2g_mbps=[0-9]' "$raw" &&
		grep -q '^BENCH vmm=qemu run=.*tcp_h2g_mbps=[0-9]' "$raw" || rc=1
	return "$rc"
}

main "$@"
