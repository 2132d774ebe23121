#!/usr/bin/env bash
# bench-density.sh - many microVMs at once in one nested test host: what
# each costs in memory under ember and under QEMU microvm, with the balloon
# at rest, inflated, and with free page reporting (make bench-density).
#
# Packs a payload (ember, the guest bzImage, the guest initramfs with the
# workload appended as /test.sh, perf/bench-density-payload.sh as run.sh)
# and runs it in ONE nested test host. Per VMM it boots up to N microVMs
# (same kernel, initramfs, RAM, one shared read-only 16 MiB drive, a
# virtio-balloon device), each of which touches and frees 128 MiB (a file in
# a tmpfs, written and deleted) and reads its drive through the page cache,
# prints BENCH-WORKED and idles. The payload samples each VMM process's Rss
# and Pss (/proc/PID/smaps_rollup: guest RAM it backs included) at rest,
# after inflating every balloon by 64 MiB, and (second round) with free page
# reporting on; see bench-density-payload.sh. Prints medians over the VMs
# and the ember/QEMU ratios, and writes build/bench/density.txt (raw lines:
# build/bench/density-raw.txt).
#
# Environment: BENCH_N (microVMs per round, default 16), BENCH_MEM_MIB
# (guest RAM, default 256), BENCH_VMMS (default "ember qemu"),
# BENCH_FLOOR_MIB (stop booting below this MemAvailable, default 512),
# BENCH_TIMEOUT, BENCH_EMBER (another ember binary).
set -euo pipefail

bench_name=bench-density
# shellcheck source=perf/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
n=${BENCH_N:-16}
mem_mib=${BENCH_MEM_MIB:-256}
vmms=${BENCH_VMMS:-ember qemu}
floor_mib=${BENCH_FLOOR_MIB:-512}
inflate_mib=64

make_payload() {
	local dir=$1 tmp

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$ember" "$dir/ember"
	cp "$guest/bzImage" "$dir/bzImage"
	install -m 0755 "$here/bench-density-payload.sh" "$dir/run.sh"
	tmp=$(mktemp -d)
	cat >"$tmp/test.sh" <<'EOF2'
mkdir -p /mnt/w
mount -t tmpfs -o size=160m w /mnt/w
dd if=/dev/zero of=/mnt/w/f bs=1M count=128 2>/dev/null
rm /mnt/w/f
cat /dev/vda >/dev/null
echo BENCH-WORKED
while :; do sleep 10; done
EOF2
	chmod 0755 "$tmp/test.sh"
	bench_initrd "$dir/initrd.img" "$tmp" test.sh
	rm -rf "$tmp"
	printf 'N=%s\nMEM_MIB=%s\nINFLATE_MIB=%s\nVMMS="%s"\nFLOOR_MIB=%s\n' "$n" "$mem_mib" \
		"$inflate_mib" "$vmms" "$floor_mib" >"$dir/bench.conf"
}

# summarize RAW - medians over the VMs per VMM and phase, ratios.
summarize() {
	awk -v mem="$mem_mib" -v infl="$inflate_mib" "$bench_awk_med"'
	function mib(x) { return x == "" ? "NA" : sprintf("%.1f", x / 1024) }
	# hostvm VMM PHASE - MemAvailable drop per VM from before the round to the phase'"'"'s sample.
	function hostvm(v, p,   r) {
		r = v SUBSEP (p == "reporting" ? "reporting" : "plain")
		if (!((v, p) in av) || !(r in before) || nvm[r] == 0) return "NA"
		return mib((before[r] - av[v, p]) / nvm[r])
	}
	function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "NA" : sprintf("%.2f", a / b) }
	/^BENCH-DENSITY / {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["rss_kib"] ~ /^[0-9]+$/) val[f["vmm"], f["phase"], "rss", ++cnt[f["vmm"], f["phase"], "rss"]] = f["rss_kib"]
		if (f["pss_kib"] ~ /^[0-9]+$/) val[f["vmm"], f["phase"], "pss", ++cnt[f["vmm"], f["phase"], "pss"]] = f["pss_kib"]
	}
	/^BENCH-ROUND / {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		r = f["vmm"] SUBSEP f["round"]
		nvm[r] = f["n"]; wk[r] = f["worked"]; lim[r] = f["limit"]
		if (f["n"] > 0) host[r] = (f["avail_before_kib"] - f["avail_after_kib"]) / f["n"]
		before[r] = f["avail_before_kib"]
	}
	/^BENCH-AVAIL / {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		av[f["vmm"], f["phase"]] = f["avail_kib"]
	}
	/^BENCH-NOTE testhost / { sub(/^BENCH-NOTE testhost /, ""); env = $0 }
	END {
		printf "Memory per microVM, %d MiB guests, all at once in one nested test host; median over the VMs\n", mem
		printf "(MiB, from the VMM process'"'"'s smaps_rollup, guest RAM it backs included; host/VM: the test\n"
		printf "host'"'"'s MemAvailable drop from before the round to the sample, per VM: VMM, guest RAM, KVM)\n\n"
		printf "%-8s %-10s %-4s %-7s %-9s %-9s %s\n", "vmm", "round", "n", "worked", "limit", "host/VM",
			"(MemAvailable drop / n at the round'"'"'s end; plain: after inflating)"
		split("ember qemu", vs, " "); split("plain reporting", rs, " ")
		for (i = 1; i <= 2; i++) for (j = 1; j <= 2; j++) {
			r = vs[i] SUBSEP rs[j]
			if (!(r in nvm)) continue
			printf "%-8s %-10s %-4s %-7s %-9s %-9s\n", vs[i], rs[j], nvm[r], wk[r], lim[r], mib(host[r])
		}
		printf "\n%-34s %-10s %-10s %-10s %-10s %-8s %-8s %-9s %s\n", "phase", "ember RSS", "ember PSS",
			"qemu RSS", "qemu PSS", "RSS e/q", "PSS e/q", "host/VM e", "host/VM q"
		split("plain inflated reporting", ps, " ")
		lab["plain"] = "at rest (balloon 0, no reporting)"
		lab["inflated"] = "balloon inflated by " infl " MiB"
		lab["reporting"] = "free page reporting"
		for (k = 1; k <= 3; k++) {
			p = ps[k]
			er = med("ember" SUBSEP p SUBSEP "rss"); ep = med("ember" SUBSEP p SUBSEP "pss")
			qr = med("qemu" SUBSEP p SUBSEP "rss"); qp = med("qemu" SUBSEP p SUBSEP "pss")
			printf "%-34s %-10s %-10s %-10s %-10s %-8s %-8s %-9s %s\n", lab[p], mib(er), mib(ep), mib(qr),
				mib(qp), ratio(er, qr), ratio(ep, qp), hostvm("ember", p), hostvm("qemu", p)
		}
		if (env != "") printf "\n%s\n", env
	}' "$1"
}

main() {
	local payload raw txt rc=0 timeout

	for f in "$ember" "$guest/bzImage" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || bench_die "$f missing (make all guest)"
	done
	[[ $n =~ ^[1-9][0-9]{0,2}$ ]] || bench_die "BENCH_N must be 1 to 999"
	{ [[ $mem_mib =~ ^[0-9]+$ ]] && [ "$mem_mib" -gt "$inflate_mib" ]; } ||
		bench_die "BENCH_MEM_MIB must be a number above $inflate_mib"
	timeout=${BENCH_TIMEOUT:-$((900 + n * 4 * 60))}
	mkdir -p "$out"
	payload=$out/payload-density
	raw=$out/density-raw.txt
	txt=$out/density.txt
	make_payload "$payload"
	echo "bench-density: up to $n microVMs per round, VMMs: $vmms; timeout $timeout s" >&2
	TESTHOST_STREAM_RE='^(BENCH|integration:)' bench_run "$payload" "$timeout" "$raw" "$txt" || rc=$?
	grep -q '^BENCH-DENSITY vmm=ember ' "$raw" || rc=1
	return "$rc"
}

main "$@"
