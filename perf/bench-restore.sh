#!/usr/bin/env bash
# bench-restore.sh - snapshot restore against cold boot (make bench-restore).
#
# Packs a payload (ember, the guest vmlinux, the guest initramfs with a
# /test.sh that prints "EMBER-TICK n" every 20 ms, perf/bench-restore-payload.sh
# as run.sh) and runs it in ONE nested test host: a Full snapshot of the
# ticking guest is taken once, then BENCH_RUNS times a cold boot (API
# request to the first tick) and a restore (PUT /snapshot/load with
# resume_vm to the first tick), each in a fresh ember. Prints the medians
# and the ratio restore/cold into build/bench/restore.txt (raw lines:
# build/bench/restore-raw.txt). Environment: BENCH_RUNS (default 5),
# BENCH_TIMEOUT (seconds for the test-host run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/build/bench
guest=$root/build/guest
runs=${BENCH_RUNS:-5}
clones=${BENCH_CLONES:-4}
mem_mib=128
boot_args="console=ttyS0 reboot=k panic=1 quiet pci=off"

die() {
	echo "bench-restore: error: $*" >&2
	exit 1
}

make_payload() {
	local dir=$1 tmp

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$root/build/ember" "$guest/vmlinux" "$dir/"
	install -m 0755 "$here/bench-restore-payload.sh" "$dir/run.sh"
	tmp=$(mktemp -d)
	printf 'n=0\nwhile :; do n=$((n + 1)); echo "EMBER-TICK $n"; usleep 20000; done\n' \
		>"$tmp/test.sh"
	chmod 0755 "$tmp/test.sh"
	(cd "$tmp" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$tmp/extra.cpio.gz"
	cat "$guest/initramfs.cpio.gz" "$tmp/extra.cpio.gz" >"$dir/initrd.img"
	rm -rf "$tmp"
	printf 'RUNS=%s\nCLONES=%s\nMEM_MIB=%s\nBOOT_ARGS="%s"\n' "$runs" "$clones" "$mem_mib" "$boot_args" \
		>"$dir/bench.conf"
}

summarize() {
	awk '
	function med(k,   n, i, j, t, a) {
		n = cnt[k]
		if (!n) return -1
		for (i = 1; i <= n; i++) a[i] = v[k, i]
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		lo[k] = a[1]; hi[k] = a[n]
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	/^BENCH kind=/ {
		split($2, a, "="); k = a[2]
		for (i = 4; i <= NF; i++) {
			split($i, m, "=")
			if (m[1] == "ms") v[k, ++cnt[k]] = m[2] + 0
			if (m[1] ~ /^(minflt|pss_kib|rss_kib)$/) v[k "_" m[1], ++cnt[k "_" m[1]]] = m[2] + 0
		}
		if ($4 !~ /=/ || $4 ~ /failed/) failed[k]++
	}
	/^BENCH-NOTE clones=/ { cl = $0 }
	/^BENCH-NOTE create/ { note = $0 }
	END {
		c = med("cold"); r = med("restore")
		printf "Snapshot restore vs cold boot: 128 MiB, 1 vCPU, ember guest vmlinux + initramfs\n"
		printf "One nested test host (QEMU TCG); API request to the guest'"'"'s first console line\n"
		printf "after it, /proc/uptime resolution (10 ms); median [min-max] ms\n\n"
		printf "cold boot      %s [%s-%s]  (%d ok, %d failed)\n", c, lo["cold"], hi["cold"], cnt["cold"], failed["cold"]
		printf "restore        %s [%s-%s]  (%d ok, %d failed)\n", r, lo["restore"], hi["restore"], cnt["restore"], failed["restore"]
		if (c > 0 && r >= 0) printf "restore/cold   %.3f\n", r / c
		printf "restored ember 1 s after the load: minor faults %s, PSS %s KiB, RSS %s KiB\n",
			med("restore_minflt"), med("restore_pss_kib"), med("restore_rss_kib")
		if (cnt["clone_pss_kib"])
			printf "%d idle clones of one snapshot: PSS per clone %s KiB [%s-%s] (%.1f%% of 128 MiB guest RAM)\n",
				cnt["clone_pss_kib"], med("clone_pss_kib"), lo["clone_pss_kib"], hi["clone_pss_kib"],
				med("clone_pss_kib") * 100 / 131072
		if (cl != "") printf "%s\n", cl
		if (note != "") printf "\n%s\n", note
	}' "$1"
}

main() {
	local payload=$out/payload-restore raw=$out/restore-raw.txt txt=$out/restore.txt rc=0
	local timeout=${BENCH_TIMEOUT:-$((900 + runs * 300))}

	[[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -ge 1 ] && [ "$runs" -le 50 ] ||
		die "BENCH_RUNS must be 1 to 50"
	for f in "$root/build/ember" "$guest/vmlinux" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || die "$f missing (make all guest)"
	done
	mkdir -p "$out"
	make_payload "$payload"
	bash "$root/tests/testhost/run.sh" "$payload" "$timeout" | tee "$raw" || rc=$?
	{
		echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), tree $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"
		summarize "$raw"
	} >"$txt"
	cat "$txt"
	return "$rc"
}

main "$@"
