#!/bin/sh
# bench-memory-payload.sh - the memory benchmark's side inside the nested
# test host (busybox sh); perf/bench-memory.sh copies it to the payload as
# run.sh, with ember, ember-jailer, test-mktap, the guest bzImage and initrd
# (its /test.sh: see bench-memory.sh), the integration test libraries and
# bench.conf (RUNS=N MEM_MIB=M VCPUS="1 2" VMMS="ember ember-jailed qemu").
#
# For each run and vCPU count it boots the same guest, with one drive (a raw
# 32 MiB image) and one NIC (a tap), under ember run directly, under ember
# in a jail (ember-jailer copies the binary into the jail, as Firecracker's
# does) and under QEMU microvm, and samples each VMM's private memory twice:
# 3 s after the guest is up (idle) and after its 10 s of disk and network
# I/O. One line per boot:
#   BENCH-MEM vmm=ember|ember-jailed|qemu vcpus=V run=I idle_kib=N io_kib=N
#             disk_loops=N net_loops=N  (the guest's successful I/O rounds)
# (NA when a phase was not reached; BENCH-NOTE lines say why).

cd /payload || exit 125
. ./bench.conf
TDIR=/tmp/bench-mem
ASSETS=/payload
EMBER=/payload/ember
LIB=/payload/lib.sh
mkdir -p "$TDIR"
# shellcheck source=tests/integration/lib.sh
. ./lib.sh
# shellcheck source=tests/integration/lib_jailer.sh
. ./lib_jailer.sh
QEMU_DIR=/opt/qemu
QEMU_PREFIX="$QEMU_DIR/lib/ld-linux-x86-64.so.2 --library-path $QEMU_DIR/lib
$QEMU_DIR/bin/qemu-system-x86_64-microvm -L $QEMU_DIR/share/qemu -bios bios-microvm.bin"
HOST_IP=169.254.77.1
ARGS="console=ttyS0 reboot=k panic=1 quiet pci=off"

note() {
	echo "BENCH-NOTE $*"
}

# priv_kib PID - Private_Clean + Private_Dirty over every mapping but guest
# RAM (anonymous, exactly MEM_MIB), as perf/vmmstat.c counts it.
priv_kib() {
	awk -v ram=$((MEM_MIB * 1024)) '
	/^[0-9a-f]+-[0-9a-f]+ / { anon = ($4 == "00:00" && $5 == 0 && NF == 5); next }
	$1 == "Size:" { size = $2; next }
	$1 == "Private_Clean:" || $1 == "Private_Dirty:" { if (!(anon && size == ram)) sum += $2 }
	END { print sum + 0 }' "/proc/$1/smaps" 2>/dev/null || echo NA
}

# wait_con FILE MARKER SECS - the console FILE shows MARKER.
wait_con() {
	n=0
	while [ "$n" -lt $(($3 * 5)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		alive "$PID" || return 1
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

# mktap NAME UID GID - a tap owned by UID and GID (the kernel checks both),
# up, with the host's address; the previous boot's tap goes first.
mktap() {
	for t in mtap0 mtap1 mtap2; do
		ip link del "$t" 2>/dev/null
	done
	./test-mktap "$1" "$2" "$3" && ip addr add "$HOST_IP/24" dev "$1" && ip link set "$1" up
}

# sample VMM VCPUS RUN CONSOLE - wait for the guest's phases, print the line.
sample() {
	idle=NA
	io=NA
	loops="disk_loops=NA net_loops=NA"
	if wait_con "$4" BENCH-IDLE 240; then
		idle=$(priv_kib "$PID")
		if wait_con "$4" BENCH-IO 240; then
			io=$(priv_kib "$PID")
			loops=$(tr -d '\r' <"$4" | sed -n 's/^BENCH-IO //p' | head -n 1)
		fi
	fi
	[ "$io" = NA ] && note "vmm=$1 vcpus=$2 run=$3 console: $(tail -c 300 "$4" | tr -d '\r' | tr '\n' ' ')" \
		"stderr: $(tail -c 300 "${4%.con}.err" | tr '\n' ' ')"
	echo "BENCH-MEM vmm=$1 vcpus=$2 run=$3 idle_kib=$idle io_kib=$io $loops"
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}

config() { # VCPUS TAP KERNEL INITRD IMG -> $TDIR/vm.json
	cat >"$TDIR/vm.json" <<EOF
{
  "boot-source": { "kernel_image_path": "$3", "initrd_path": "$4", "boot_args": "$ARGS" },
  "machine-config": { "vcpu_count": $1, "mem_size_mib": $MEM_MIB },
  "drives": [ { "drive_id": "data", "path_on_host": "$5", "is_root_device": false,
                "is_read_only": false } ],
  "network-interfaces": [ { "iface_id": "eth0", "host_dev_name": "$2",
                            "guest_mac": "06:00:a9:fe:4d:02" } ]
}
EOF
}

run_direct() { # VCPUS RUN
	mktap mtap0 0 0 || { note "no tap"; return; }
	dd if=/dev/zero of="$TDIR/data.img" bs=1M count=32 2>/dev/null
	config "$1" mtap0 /payload/bzImage /payload/initrd.img "$TDIR/data.img"
	: >"$TDIR/ember.con"
	./ember --no-api --config-file "$TDIR/vm.json" </dev/null >"$TDIR/ember.con" 2>"$TDIR/ember.err" &
	PID=$!
	sample ember "$1" "$2" "$TDIR/ember.con"
}

run_jailed() { # VCPUS RUN
	id=bmem-$1-$2
	base=/srv/ember-bench-mem
	root=$base/ember/$id/root
	jail_base "$base"
	mkdir -p "$root"
	mktap mtap1 "$JAIL_UID" "$JAIL_GID" || { note "no tap"; return; }
	jail_link /payload/bzImage "$root/bzImage"
	jail_link /payload/initrd.img "$root/initrd.img"
	dd if=/dev/zero of="$root/data.img" bs=1M count=32 2>/dev/null
	chown "$JAIL_UID:$JAIL_GID" "$root/data.img"
	config "$1" mtap1 /bzImage /initrd.img /data.img
	cp "$TDIR/vm.json" "$root/vm.json"
	: >"$TDIR/jailed.con"
	$JRUN "$JAILER" --id "$id" --exec-file "$EMBER" --uid "$JAIL_UID" --gid "$JAIL_GID" \
		--chroot-base-dir "$base" -- --no-api --config-file /vm.json \
		</dev/null >"$TDIR/jailed.con" 2>"$TDIR/jailed.err" &
	PID=$!
	sample ember-jailed "$1" "$2" "$TDIR/jailed.con"
	rm -rf "$base"
}

run_qemu() { # VCPUS RUN
	mktap mtap2 0 0 || { note "no tap"; return; }
	dd if=/dev/zero of="$TDIR/data.img" bs=1M count=32 2>/dev/null
	: >"$TDIR/qemu.con"
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	$QEMU_PREFIX -M microvm,acpi=off,pcie=off,rtc=off,smm=off,ioapic2=off,isa-serial=on \
		-enable-kvm -cpu host -m "$MEM_MIB" -smp "$1" \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot -device i8042 \
		-drive id=data,file="$TDIR/data.img",format=raw,if=none \
		-device virtio-blk-device,drive=data \
		-netdev tap,id=n0,ifname=mtap2,script=no,downscript=no \
		-device virtio-net-device,netdev=n0,mac=06:00:a9:fe:4d:02 \
		-kernel /payload/bzImage -initrd /payload/initrd.img -append "$ARGS" \
		</dev/null >"$TDIR/qemu.con" 2>"$TDIR/qemu.err" &
	PID=$!
	sample qemu "$1" "$2" "$TDIR/qemu.con"
}

main() {
	jail_setup
	note "testhost kernel=$(uname -r) ember=$(./ember --version 2>&1 | head -n 1 | tr ' ' '_')" \
		"thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
	i=1
	while [ "$i" -le "$RUNS" ]; do
		for v in $VCPUS; do
			for m in $VMMS; do
				case $m in
				ember) run_direct "$v" "$i" ;;
				ember-jailed) run_jailed "$v" "$i" ;;
				qemu) run_qemu "$v" "$i" ;;
				esac
			done
		done
		i=$((i + 1))
	done
	return 0
}

main
