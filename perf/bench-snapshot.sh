#!/usr/bin/env bash
# bench-snapshot.sh - snapshots and clones (make bench-snapshot): create
# time, restore against cold boot and against QEMU microvm restoring the
# same guest from an -incoming migration file, page faults after a restore,
# and N clones of one snapshot at once.
#
# Packs a payload (ember, the guest bzImage, the guest initramfs with a
# /test.sh that answers console lines, the timing helpers consoleprobe and
# apiclient, perf/bench-snapshot-payload.sh as run.sh) and runs it in ONE nested test host; see the payload for what is
# measured and how. Prints medians and ratios into build/bench/snapshot.txt
# (raw lines: build/bench/snapshot-raw.txt).
#
# Environment: BENCH_RUNS (restore rounds, default 5), BENCH_CLONES (clone
# counts, default "16 64"), BENCH_BIG_MIB (the big guest, default 1024) and
# BENCH_BIG_FILL_MIB (what it fills, default 512), BENCH_TIMEOUT,
# BENCH_EMBER (another ember binary).
set -euo pipefail

bench_name=bench-snapshot
# shellcheck source=perf/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
runs=${BENCH_RUNS:-5}
clones=${BENCH_CLONES:-16 64}
mem_mib=128
big_mib=${BENCH_BIG_MIB:-1024}
big_fill_mib=${BENCH_BIG_FILL_MIB:-512}
boot_args="console=ttyS0 reboot=k panic=1 quiet pci=off"

make_payload() {
	local dir=$1 tmp

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$ember" "$dir/ember"
	for tmp in consoleprobe apiclient; do
		gcc -O2 -static -Wall -Wextra -Werror -o "$dir/$tmp" "$here/$tmp.c" ||
			bench_die "cannot build perf/$tmp.c"
	done
	cp "$guest/bzImage" "$dir/bzImage"
	install -m 0755 "$here/bench-snapshot-payload.sh" "$dir/run.sh"
	tmp=$(mktemp -d)
	cat >"$tmp/test.sh" <<'EOF2'
fill=$(sed -n 's/.*bench_fill=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$fill" ]; then
	mkdir -p /mnt/fill
	mount -t tmpfs -o size=$((fill + 16))m fill /mnt/fill
	dd if=/dev/urandom of=/mnt/fill/data bs=1M count="$fill" 2>/dev/null
fi
echo EMBER-READY
while read -r line; do echo "EMBER-ECHO $line"; done
EOF2
	chmod 0755 "$tmp/test.sh"
	bench_initrd "$dir/initrd.img" "$tmp" test.sh
	rm -rf "$tmp"
	printf 'RUNS=%s\nMEM_MIB=%s\nBIG_MIB=%s\nBIG_FILL_MIB=%s\nCLONES="%s"\nBOOT_ARGS="%s"\n' \
		"$runs" "$mem_mib" "$big_mib" "$big_fill_mib" "$clones" "$boot_args" >"$dir/bench.conf"
}

# summarize RAW - medians per kind, ratios, the clone rounds.
summarize() {
	awk -v mem="$mem_mib" -v big="$big_mib" -v fill="$big_fill_mib" "$bench_awk_med"'
	function kv(   i, a) {
		delete f
		for (i = 2; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] }
	}
	function add(k, x) { if (x ~ /^[0-9]+(\.[0-9]+)?$/) val[k, ++cnt[k]] = x + 0 }
	function show(k, label,   m) {
		m = med(k)
		if (m == "") { printf "%-44s none (%d failed)\n", label, bad[k]; return }
		printf "%-44s %7s [%s-%s] ms  (%d ok, %d failed)\n", label, m, lo[k], hi[k], cnt[k], bad[k]
	}
	function ratio(a, b,   x, y) {
		x = med(a); y = med(b)
		return (x == "" || y == "" || y == 0) ? "NA" : sprintf("%.3f", x / y)
	}
	function mem_line(k, label) {
		if (!cnt[k "_minflt"]) return
		printf "%-22s minor faults %6s, major %s, PSS %6s KiB, RSS %6s KiB\n", label,
			med(k "_minflt"), med(k "_majflt"), med(k "_pss"), med(k "_rss")
	}
	/^BENCH-SNAP / {
		kv(); k = f["kind"]
		if (!("ms" in f) && k !~ /^clone_/) { bad[k]++; next }
		add(k, f["ms"]); add(k "_minflt", f["minflt"]); add(k "_majflt", f["majflt"])
		add(k "_pss", f["pss_kib"]); add(k "_rss", f["rss_kib"]); add(k "_load", f["load_ms"])
		if ("mem_disk_kib" in f) disk[k] = f["mem_disk_kib"]
		if ("state_bytes" in f) state[k] = f["state_bytes"]
	}
	/^BENCH-CLONES / { kv(); nc++; cl[nc] = f["n"]; for (x in f) c[f["n"], x] = f[x] }
	/^BENCH-NOTE testhost / { sub(/^BENCH-NOTE testhost /, ""); env = $0 }
	END {
		printf "Snapshots and clones: ember guest bzImage + initramfs, 1 vCPU, one nested test host (QEMU TCG)\n"
		printf "Times by perf/consoleprobe.c and perf/apiclient.c (no shell or curl in the measured path);\n"
		printf "median [min-max]. \"Answer\": the restored guest echoed a line typed on its console (it was\n"
		printf "snapshotted idle in read(2)).\n\n"
		printf "Create (one each)\n"
		if ("create" in disk) printf "  Full, %d MiB guest (booted, idle)               %6s ms, state %s B, memory file %s KiB on disk\n", mem, med("create"), state["create"], disk["create"]
		if ("create_big" in disk) printf "  Full, %d MiB guest, %d MiB of it in use     %6s ms, memory file %s KiB on disk\n", big, fill, med("create_big"), disk["create_big"]
		if ("create_diff" in disk) printf "  Diff of the same guest 2 s later               %6s ms, memory file %s KiB on disk\n", med("create_diff"), disk["create_diff"]
		if ("qemu_create" in disk) printf "  QEMU microvm migrate to a file, %d MiB        %6s ms, file %s KiB\n", mem, med("qemu_create"), disk["qemu_create"]
		printf "\nRestore and boot, %d MiB guest\n", mem
		show("ember_cold", "ember cold boot (API request to READY)")
		show("ember_restore", "ember restore (load request to answer)")
		if (cnt["ember_restore_load"]) show("ember_restore_load", "  of which the load request (to its 204)")
		show("ember_restore_exec", "ember restore incl. its exec")
		show("qemu_cold", "QEMU microvm cold boot (exec to READY)")
		show("qemu_restore", "QEMU -incoming restore (exec to answer)")
		printf "\nember restore / ember cold boot            %s  (goal <= 0.1)\n", ratio("ember_restore", "ember_cold")
		printf "ember restore / QEMU restore               %s  (goal <= 0.5)\n", ratio("ember_restore", "qemu_restore")
		printf "ember restore incl. exec / QEMU restore    %s\n", ratio("ember_restore_exec", "qemu_restore")
		printf "QEMU restore / QEMU cold boot              %s\n", ratio("qemu_restore", "qemu_cold")
		printf "\nThe VMM process 1 s after the guest answered (faults since its exec)\n"
		mem_line("ember_restore", "  ember restore")
		mem_line("ember_restore_exec", "  ember restore+exec")
		mem_line("qemu_restore", "  QEMU restore")
		if (nc) printf "\nClones of one %d MiB snapshot, all at once, loaded by N waiting embers\n", mem
		for (i = 1; i <= nc; i++) {
			n = cl[i]; k = "clone_" n
			printf "  N=%-3s %s started, %s answered; all loaded in %s ms, all answered in %s ms (%.1f clones/s)\n",
				n, c[n, "started"], c[n, "ready"], c[n, "load_ms"], c[n, "ready_ms"],
				(c[n, "ready_ms"] > 0 ? c[n, "ready"] * 1000 / c[n, "ready_ms"] : 0)
			printf "        PSS per clone %s KiB [%s-%s] = %.1f%% of guest RAM (goal <= 10%%); RSS %s KiB;\n",
				med(k "_pss"), lo[k "_pss"], hi[k "_pss"], med(k "_pss") * 100 / (mem * 1024), med(k "_rss")
			printf "        MemAvailable drop per clone %s KiB\n", c[n, "avail_kib_per_clone"]
		}
		if (env != "") printf "\n%s\n", env
	}' "$1"
}

main() {
	local payload=$out/payload-snapshot raw=$out/snapshot-raw.txt txt=$out/snapshot.txt rc=0 timeout n

	bench_check_number BENCH_RUNS "$runs" 1 50
	bench_check_number BENCH_BIG_MIB "$big_mib" 256 4096
	bench_check_number BENCH_BIG_FILL_MIB "$big_fill_mib" 0 $((big_mib - 128))
	for n in $clones; do bench_check_number "BENCH_CLONES entry" "$n" 1 200; done
	for f in "$ember" "$guest/bzImage" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || bench_die "$f missing (make all guest)"
	done
	timeout=${BENCH_TIMEOUT:-$((1200 + runs * 120))}
	mkdir -p "$out"
	make_payload "$payload"
	TESTHOST_STREAM_RE='^(BENCH|integration:)' bench_run "$payload" "$timeout" "$raw" "$txt" || rc=$?
	grep -q '^BENCH-SNAP kind=ember_restore ' "$raw" || rc=1
	return "$rc"
}

main "$@"
