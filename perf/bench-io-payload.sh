#!/bin/sh
# bench-io-payload.sh - make bench-io's side inside the nested test host
# (busybox sh). perf/bench-io.sh copies it to the payload as run.sh, next to
# ember, the guest bzImage, guest-root.tar.gz (busybox + fio + iperf3 and
# their libraries, /test.sh = bench-io-guest.sh) and bench.conf:
#   RUNS=N MEM_MIB=M FIO_S=S IPERF_S=S VM_TIMEOUT=S BOOT_ARGS="..."
# It builds the guest's root disk (MBR, one ext4 partition, found by
# PARTUUID so that device order does not matter), a 512 MiB data disk and a
# tap with the host end at 169.254.200.1 and an iperf3 server on it. Then,
# for i in 1..RUNS, it boots the same guest under ember (Sync engine), ember
# (Async engine) and QEMU microvm, in a rotating order, each with the same
# disks and tap, and prints one "BENCH vmm=... run=i key=value..." line per
# boot from the guest's BENCH-GUEST lines.

cd /payload || exit 125
. ./bench.conf

QEMU_DIR=/opt/qemu
QEMU_PREFIX="$QEMU_DIR/lib/ld-linux-x86-64.so.2 --library-path $QEMU_DIR/lib
$QEMU_DIR/bin/qemu-system-x86_64-microvm -L $QEMU_DIR/share/qemu -bios bios-microvm.bin"
W=/tmp/bench
TAP=benchtap
HOST_IP=169.254.200.1
GUEST_IP=169.254.200.2
MAC=06:00:a9:fe:c8:02
PARTUUID=5eedc0de-01

note() {
	echo "BENCH-NOTE $*"
}

# le32 N - printf escapes for N as 4 little-endian bytes.
le32() {
	printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# make_disks - $W/root.img (MBR + ext4 partition from the tarball) and
# $W/data.img (512 MiB of zeros, allocated).
make_disks() {
	mkdir -p "$W/tree"
	tar xzf guest-root.tar.gz -C "$W/tree" || return 1
	printf 'FIO_S=%s\nIPERF_S=%s\nHOST_IP=%s\nGUEST_IP=%s\n' "$FIO_S" "$IPERF_S" \
		"$HOST_IP" "$GUEST_IP" >"$W/tree/bench.env"
	/usr/sbin/mke2fs -q -F -t ext4 -b 4096 -d "$W/tree" "$W/part.img" 384M || return 1
	rm -rf "$W/tree"
	dd if=/dev/zero of="$W/root.img" bs=1M count=1 2>/dev/null
	cat "$W/part.img" >>"$W/root.img"
	rm -f "$W/part.img"
	{
		printf "$(le32 0x5eedc0de)"
		printf '\000\000\200\000\002\000\203\376\377\377'
		printf "$(le32 2048)$(le32 $((384 * 2048)))"
	} | dd of="$W/root.img" bs=1 seek=440 conv=notrunc 2>/dev/null
	printf '\125\252' | dd of="$W/root.img" bs=1 seek=510 conv=notrunc 2>/dev/null
	dd if=/dev/zero of="$W/data.img" bs=1M count=512 2>/dev/null
}

setup() {
	mkdir -p "$W"
	make_disks || { note "error: cannot build the guest disks"; return 1; }
	tunctl -t "$TAP" >/dev/null || { note "error: cannot create tap $TAP"; return 1; }
	ip addr add "$HOST_IP/24" dev "$TAP" && ip link set "$TAP" up
	/usr/sbin/iperf3 -s -D -B "$HOST_IP" >/dev/null 2>&1 || { note "error: no iperf3 server"; return 1; }
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	note "testhost kernel=$(uname -r)" \
		"qemu=$($QEMU_PREFIX -version 2>&1 | head -n 1 | tr ' ' '_')" \
		"ember=$(./ember --version 2>&1 | head -n 1 | tr ' ' '_')"
}

# ember_json ENGINE - ember's config for this run.
ember_json() {
	cat >"$W/vm.json" <<EOF
{
  "boot-source": { "kernel_image_path": "/payload/bzImage", "boot_args": "$BOOT_ARGS" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": $MEM_MIB },
  "drives": [
    { "drive_id": "rootfs", "path_on_host": "$W/root.img", "is_root_device": true,
      "is_read_only": false, "partuuid": "$PARTUUID", "io_engine": "$1" },
    { "drive_id": "benchdata", "path_on_host": "$W/data.img", "is_root_device": false,
      "is_read_only": false, "cache_type": "Writeback", "io_engine": "$1" }
  ],
  "network-interfaces": [ { "iface_id": "eth0", "host_dev_name": "$TAP", "guest_mac": "$MAC" } ]
}
EOF
}

# run_vmm CMD... - run one VMM (console to $W/$vmm.con) for at most
# VM_TIMEOUT s; rc. A heartbeat line every minute tells the test host's
# watchdog (and whoever watches) that a slow run is not a frozen one.
run_vmm() {
	"$@" </dev/null >"$W/$vmm.con" 2>"$W/$vmm.err" &
	pid=$!
	t=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		if [ "$t" -ge "$VM_TIMEOUT" ]; then
			note "vmm=$vmm run=$run timed out after $t s; killed"
			kill -9 "$pid"
			break
		fi
		[ $((t % 60)) -eq 0 ] && note "vmm=$vmm run=$run running for $t s," \
			"last: $(tr -d '\r' <"$W/$vmm.con" | grep '^BENCH-GUEST' | tail -n 1)"
	done
	wait "$pid"
	rc=$?
}

# boot VMM RUN - one guest under VMM (ember, ember-async or qemu).
boot() {
	vmm=$1
	run=$2
	case $vmm in
	ember | ember-async)
		[ "$vmm" = ember ] && ember_json Sync || ember_json Async
		set -- ./ember --no-api --config-file "$W/vm.json"
		;;
	qemu)
		# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
		set -- $QEMU_PREFIX \
			-M microvm,acpi=off,pcie=off,rtc=off,smm=off,ioapic2=off,isa-serial=on \
			-global virtio-mmio.force-legacy=false \
			-enable-kvm -cpu host -m "$MEM_MIB" -smp 1 \
			-nodefaults -no-user-config -nographic -serial stdio -no-reboot -device i8042 \
			-kernel /payload/bzImage -append "$BOOT_ARGS root=PARTUUID=$PARTUUID rw" \
			-drive id=root,file="$W/root.img",format=raw,if=none \
			-device virtio-blk-device,drive=root \
			-drive id=data,file="$W/data.img",format=raw,if=none,cache=writeback \
			-device virtio-blk-device,drive=data,serial=benchdata \
			-netdev tap,id=n0,ifname="$TAP",script=no,downscript=no \
			-device virtio-net-device,netdev=n0,mac="$MAC"
		;;
	esac
	run_vmm "$@"
	vals=$(tr -d '\r' <"$W/$vmm.con" | sed -n 's/^BENCH-GUEST //p' | tr '\n' ' ')
	echo "BENCH vmm=$vmm run=$run rc=$rc $vals"
	case $vals in
	*tcp_h2g_mbps=[0-9]*) ;;
	*)
		note "vmm=$vmm run=$run stderr: $(tail -n 3 "$W/$vmm.err" | tr '\r\n' '  ' | cut -c1-300)"
		note "vmm=$vmm run=$run console: $(tr -d '\r' <"$W/$vmm.con" | tail -n 5 | tr '\n' ' ' | cut -c1-400)"
		;;
	esac
}

main() {
	setup || return 1
	i=1
	while [ "$i" -le "$RUNS" ]; do
		case $((i % 3)) in
		1) order="ember qemu ember-async" ;;
		2) order="qemu ember-async ember" ;;
		0) order="ember-async ember qemu" ;;
		esac
		for v in $order; do
			boot "$v" "$i"
		done
		i=$((i + 1))
	done
	return 0
}

main
