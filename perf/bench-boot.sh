#!/usr/bin/env bash
# bench-boot.sh - boot benchmark, ember against QEMU microvm (make bench-boot).
#
# Builds perf/vmmstat.c, packs a payload (vmmstat, ember, the guest bzImage,
# the guest initramfs with an appended /test.sh that holds the guest up for
# a few seconds, perf/bench-payload.sh as run.sh) and runs it in ONE nested
# test host, where both VMMs boot the same guest, interleaved (see
# perf/README.md). Then it prints medians per VMM and the ratios ember/QEMU
# and writes them to build/bench/boot.txt (raw lines: build/bench/boot-raw.txt).
#
# Needs build/ember and build/guest/{bzImage,initramfs.cpio.gz} (make all
# guest). Environment: BENCH_RUNS (measured boots per VMM, default 5),
# BENCH_WARMUP (unmeasured boots per VMM first, default 1), BENCH_HOLD_S
# (seconds the guest's /test.sh sleeps after the marker, default 3),
# BENCH_TIMEOUT (seconds for the whole test-host run), BENCH_EMBER (another
# ember binary to measure instead of build/ember, for A/B experiments).
set -euo pipefail

bench_name=bench-boot
# shellcheck source=perf/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
# BENCH_KERNEL: the guest kernel both VMMs boot (default: ember's minimal
# guest bzImage; build/testhost/vmlinuz is Debian's stock kernel). BENCH_NAME
# names the result files (build/bench/<name>.txt, <name>-raw.txt).
kernel=${BENCH_KERNEL:-$guest/bzImage}
name=${BENCH_NAME:-boot}
runs=${BENCH_RUNS:-5}
warmup=${BENCH_WARMUP:-1}
hold=${BENCH_HOLD_S:-3}
mem_mib=128
# ember appends pci=off when it is missing; QEMU gets the same line verbatim.
boot_args="console=ttyS0 reboot=k panic=1 quiet pci=off"
cflags=(-std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes)

# make_payload DIR - everything the test host needs under DIR.
make_payload() {
	local dir=$1 tmp

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$out/vmmstat" "$dir/"
	cp "$kernel" "$dir/bzImage"
	cp "$ember" "$dir/ember"
	install -m 0755 "$here/bench-payload.sh" "$dir/run.sh"
	# The guest init runs /test.sh after EMBER-GUEST-UP: holding the guest
	# there keeps the VMM alive and idle while vmmstat samples it. The
	# kernel unpacks concatenated archives, gzip members included.
	tmp=$(mktemp -d)
	printf 'sleep %s\n' "$hold" >"$tmp/test.sh"
	chmod 0755 "$tmp/test.sh"
	bench_initrd "$dir/initrd.img" "$tmp" test.sh
	rm -rf "$tmp"
	cat >"$dir/bench.conf" <<EOF
RUNS=$runs
WARMUP=$warmup
MEM_MIB=$mem_mib
BOOT_ARGS="$boot_args"
EOF
}

# summarize RAW - the results table from the BENCH lines in RAW.
summarize() {
	awk -v runs="$runs" -v mem="$mem_mib" -v kname="$(basename "$kernel")" "$bench_awk_med"'
	function cell(vmm, m,   x) {
		x = med(vmm SUBSEP m)
		if (x == "") return "NA"
		return sprintf("%d [%d-%d]", x, lo[vmm, m], hi[vmm, m])
	}
	function ratio(m,   a, b) {
		a = med("ember" SUBSEP m); b = med("qemu" SUBSEP m)
		return (a == "" || b == "" || b == 0) ? "NA" : sprintf("%.2f", a / b)
	}
	function row(label, m) {
		printf "%-30s %-22s %-22s %s\n", label, cell("ember", m), cell("qemu", m), ratio(m)
	}
	/^BENCH vmm=/ {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		v = f["vmm"]
		if (f["run"] == 0) next
		if (!("wall_ms" in f)) { failed[v]++; next }
		ok[v]++
		if (v != "floor" && f["guest_maps"] != 1) badmaps[v]++
		for (k in f)
			if (f[k] ~ /^[0-9]+$/) val[v, k, ++cnt[v, k]] = f[k] + 0
	}
	/^BENCH-NOTE vmm=ember / && /guest_boot_timer_us=/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "run") r = kv[2]
			if (kv[1] == "guest_boot_timer_us" && r > 0 && kv[2] ~ /^[0-9]+$/)
				val["ember", "timer", ++cnt["ember", "timer"]] = kv[2] / 1000 }
	}
	/^BENCH-NOTE testhost / { sub(/^BENCH-NOTE testhost /, ""); env = $0 }
	END {
		printf "Boot to EMBER-GUEST-UP: ember vs QEMU microvm; kernel %s + initramfs, %d MiB, 1 vCPU\n", kname, mem
		printf "One nested test host (QEMU TCG + kvm-amd), boots interleaved; median [min-max]\n"
		printf "of the measured runs (%d asked per VMM). Only the ratios mean anything.\n\n", runs
		printf "%-30s %-22s %-22s %s\n", "metric", "ember", "qemu microvm", "ember/qemu"
		row("wall ms to marker", "wall_ms")
		row("VMM CPU ms (minus guest)", "vmm_cpu_ms")
		row("KVM exits to marker", "exits")
		row("private KiB (minus guest RAM)", "priv_kib")
		row("RSS KiB (guest RAM included)", "rss_kib")
		printf "%-30s %-22s %-22s\n", "runs ok / failed", (ok["ember"] + 0) " / " (failed["ember"] + 0),
			(ok["qemu"] + 0) " / " (failed["qemu"] + 0)
		printf "\nexit kinds (medians)           ember                  qemu microvm\n"
		n = split("x_io x_mmio x_pf x_halt x_irq x_irqwin x_emul x_signal", xs, " ")
		for (i = 1; i <= n; i++)
			printf "  %-28s %-22s %-22s\n", xs[i], cell("ember", xs[i]), cell("qemu", xs[i])
		printf "  %-28s %-22s %-22s\n", "threads at marker", cell("ember", "threads"), cell("qemu", "threads")
		printf "  %-28s %-22s %-22s\n", "guest RAM RSS KiB", cell("ember", "guest_rss_kib"),
			cell("qemu", "guest_rss_kib")
		printf "  %-28s %-22s %-22s\n", "ms launch to VMM exit", cell("ember", "end_ms"), cell("qemu", "end_ms")
		if (cnt["ember", "timer"])
			printf "ember boot timer (guest ms)   %s\n", cell("ember", "timer")
		if (ok["floor"])
			printf "exec floor (fork+exec of static busybox echo to marker): %s ms\n",
				cell("floor", "wall_ms")
		for (v in badmaps)
			printf "WARNING: %s: %d run(s) without exactly one guest-RAM mapping: priv_kib is suspect\n",
				v, badmaps[v]
		if (env != "") printf "\n%s\n", env
	}' "$1"
}

main() {
	local payload raw txt rc=0 timeout

	bench_check_number BENCH_RUNS "$runs" 1 100
	bench_check_number BENCH_WARMUP "$warmup" 0 10
	bench_check_number BENCH_HOLD_S "$hold" 1 60
	timeout=${BENCH_TIMEOUT:-$((600 + (runs + warmup) * 240))}
	bench_check_number BENCH_TIMEOUT "$timeout" 60 86400
	for f in "$ember" "$kernel" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || bench_die "$f missing (make all guest)"
	done
	mkdir -p "$out"
	gcc -static "${cflags[@]}" -I"$root/vmm" -o "$out/vmmstat" "$here/vmmstat.c" "$here/vmmsample.c" \
		"$root/vmm/err.c"

	payload=$out/payload
	raw=$out/$name-raw.txt
	txt=$out/$name.txt
	make_payload "$payload"
	echo "bench-boot: $runs run(s) per VMM (+$warmup warm-up) in one test host; timeout $timeout s" >&2
	bench_run "$payload" "$timeout" "$raw" "$txt" || rc=$?
	grep -q '^BENCH vmm=ember run=[1-9][0-9]* wall_ms' "$raw" &&
		grep -q '^BENCH vmm=qemu run=[1-9][0-9]* wall_ms' "$raw" || rc=1
	return "$rc"
}

main "$@"
