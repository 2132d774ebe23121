#!/usr/bin/env bash
# bench-vsock.sh - vsock benchmark, ember against QEMU microvm's vhost-vsock
# (make bench-vsock).
#
# Packs a payload (ember, build/test-vsockt as vsockt, the guest bzImage,
# the guest initramfs plus vsockt and a /test.sh that runs
# "vsockt bserve 5000", the test host kernel's vsock and vhost modules from
# its Debian package, perf/bench-vsock-payload.sh as run.sh) and runs it in
# ONE nested test host, where ember and QEMU microvm boot the same guest
# side by side. The host side measures, against each in turn (back to back,
# so a slow spell of the loaded machine hits both): stream throughput host
# to guest and guest to host (BENCH_MIB MiB per transfer) and the round-trip
# time of 64-byte ping-pongs (BENCH_ROUNDS per connection). ember's host
# side is Firecracker's hybrid Unix socket ("CONNECT 5000"), QEMU's is
# AF_VSOCK to the guest's CID through vhost_vsock. The test host's QEMU
# (Debian's qemu-system-x86_64-microvm) is built without vhost-vsock-device,
# so the payload carries the same-version full qemu-system-x86_64 of this
# machine (BENCH_QEMU) with its libraries, run with -M microvm and the
# test host's microvm firmware. Prints medians and the
# ember/QEMU ratios and writes them to build/bench/vsock.txt (raw lines:
# build/bench/vsock-raw.txt).
#
# Needs build/ember, build/test-vsockt and build/guest/{bzImage,
# initramfs.cpio.gz} and build/testhost (make all build/test-vsockt guest
# testhost). Environment: BENCH_RUNS (boots per VMM, default 1),
# BENCH_REPS (measurements of each kind per boot, default 5), BENCH_MIB
# (default 64), BENCH_ROUNDS (default 2000), BENCH_QEMU (default
# /usr/bin/qemu-system-x86_64), BENCH_TIMEOUT.
set -euo pipefail

bench_name=bench-vsock
# shellcheck source=perf/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
vsockt=$root/build/test-vsockt
runs=${BENCH_RUNS:-1}
reps=${BENCH_REPS:-5}
mib=${BENCH_MIB:-64}
rounds=${BENCH_ROUNDS:-2000}
qemu=${BENCH_QEMU:-/usr/bin/qemu-system-x86_64}
mem_mib=256
boot_args="console=ttyS0 reboot=k panic=1 quiet pci=off"
# The test host kernel's modules for vhost-vsock, dependencies first.
modules="vsock vmw_vsock_virtio_transport_common vhost_iotlb vhost vhost_vsock"

# add_modules DIR - the vhost-vsock modules of the test host's kernel
# package into DIR/modules, with DIR/modules/order.
add_modules() {
	local dir=$1 deb tmp m f

	deb=$(ls "$root"/build/testhost/debs/linux-image-*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || bench_die "no kernel package in build/testhost/debs (make testhost)"
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar x -C "$tmp" --wildcards './lib/modules/*/kernel/drivers/vhost/*' \
		'./lib/modules/*/kernel/net/vmw_vsock/*'
	mkdir -p "$dir/modules"
	: >"$dir/modules/order"
	for m in $modules; do
		f=$(find "$tmp" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || bench_die "$m missing from $deb"
		case $f in
		*.ko.xz) xz -dc "$f" >"$dir/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$dir/modules/$m.ko" ;;
		*.ko) cp "$f" "$dir/modules/" ;;
		*) bench_die "$f: unknown module compression" ;;
		esac
		echo "$m.ko" >>"$dir/modules/order"
	done
	rm -rf "$tmp"
}

# add_qemu DIR - $qemu and every library ldd names into DIR/qemu/{bin,lib}.
add_qemu() {
	local dir=$1/qemu lib

	[ -x "$qemu" ] || bench_die "$qemu missing (apt-get install qemu-system-x86)"
	"$qemu" -device help 2>/dev/null | grep -q '"vhost-vsock-device"' ||
		bench_die "$qemu has no vhost-vsock-device"
	mkdir -p "$dir/bin" "$dir/lib"
	cp "$qemu" "$dir/bin/qemu-system-x86_64"
	for lib in $(bench_libs "$qemu"); do
		cp -L "$lib" "$dir/lib/"
	done
	[ -f "$dir/lib/ld-linux-x86-64.so.2" ] || bench_die "ldd did not report the dynamic loader of $qemu"
}

make_payload() {
	local dir=$1 tmp

	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$guest/bzImage" "$dir/"
	cp "$ember" "$dir/ember"
	cp "$vsockt" "$dir/vsockt"
	install -m 0755 "$here/bench-vsock-payload.sh" "$dir/run.sh"
	add_modules "$dir"
	add_qemu "$dir"
	tmp=$(mktemp -d)
	cp "$vsockt" "$tmp/vsockt"
	printf '/vsockt bserve 5000 &\nsleep 1\necho EMBER-VSOCK-READY\nwhile :; do sleep 3600; done\n' \
		>"$tmp/test.sh"
	chmod 0755 "$tmp/test.sh" "$tmp/vsockt"
	bench_initrd "$dir/initrd.img" "$tmp" test.sh vsockt
	rm -rf "$tmp"
	cat >"$dir/bench.conf" <<CONF
RUNS=$runs
REPS=$reps
BYTES=$((mib * 1048576))
ROUNDS=$rounds
MEM_MIB=$mem_mib
VM_TIMEOUT=600
BOOT_ARGS="$boot_args"
CONF
}

# summarize RAW - medians per VMM and the ember/QEMU ratios.
summarize() {
	awk -v reps="$reps" -v runs="$runs" -v mib="$mib" -v rounds="$rounds" "$bench_awk_med"'
	function cell(v, k,   x) {
		x = med(v SUBSEP k)
		return x == "" ? "NA" : sprintf("%.1f [%.1f-%.1f]", x, lo[v, k], hi[v, k])
	}
	function row(label, k,   a, b) {
		a = med("ember" SUBSEP k); b = med("qemu" SUBSEP k)
		printf "%-30s %-22s %-22s %s\n", label, cell("ember", k), cell("qemu", k),
			(a == "" || b == "" || b == 0) ? "NA" : sprintf("%.2f", a / b)
	}
	/^BENCH vmm=/ {
		delete f
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		v = f["vmm"]; m = f["mode"]
		if (m == "rtt") { val[v, "rtt", ++cnt[v, "rtt"]] = f["med_us"]; val[v, "p90", ++cnt[v, "p90"]] = f["p90_us"] }
		else if (m != "") val[v, m, ++cnt[v, m]] = f["mibs"]
	}
	/^BENCH-NOTE testhost / { sub(/^BENCH-NOTE testhost /, ""); env = $0 }
	END {
		printf "virtio-vsock: ember (hybrid Unix socket) vs QEMU microvm vhost-vsock (AF_VSOCK),\n"
		printf "one nested test host (QEMU TCG + kvm-amd), same guest kernel and guest program;\n"
		printf "%d boot(s) per VMM x %d measurements; %d MiB per transfer, %d round trips of 64 B\n", runs, reps, mib, rounds
		printf "per connection; median [min-max]. Only the ratios mean anything.\n\n"
		printf "%-30s %-22s %-22s %s\n", "metric", "ember", "qemu vhost-vsock", "ember/qemu"
		row("host->guest MiB/s", "h2g")
		row("guest->host MiB/s", "g2h")
		row("round trip median us", "rtt")
		row("round trip p90 us", "p90")
		if (env != "") printf "\n%s\n", env
	}' "$1"
}

main() {
	local payload raw txt rc=0 timeout

	bench_check_number BENCH_RUNS "$runs" 1 20
	bench_check_number BENCH_REPS "$reps" 1 50
	bench_check_number BENCH_MIB "$mib" 1 4096
	bench_check_number BENCH_ROUNDS "$rounds" 1 100000
	timeout=${BENCH_TIMEOUT:-$((900 + runs * 2 * (300 + reps * (mib + rounds / 50))))}
	bench_check_number BENCH_TIMEOUT "$timeout" 60 86400
	for f in "$ember" "$vsockt" "$guest/bzImage" "$guest/initramfs.cpio.gz"; do
		[ -f "$f" ] || bench_die "$f missing (make all build/test-vsockt guest)"
	done
	mkdir -p "$out"
	payload=$out/vsock-payload
	raw=$out/vsock-raw.txt
	txt=$out/vsock.txt
	make_payload "$payload"
	echo "bench-vsock: $runs boot(s) per VMM in one test host; timeout $timeout s" >&2
	bench_run "$payload" "$timeout" "$raw" "$txt" || rc=$?
	grep -q '^BENCH vmm=ember .*mode=h2g' "$raw" && grep -q '^BENCH vmm=qemu .*mode=h2g' "$raw" || rc=1
	return "$rc"
}

main "$@"
