#!/bin/sh
# bench-vsock-payload.sh - make bench-vsock's side inside the nested test
# host (busybox sh). perf/bench-vsock.sh copies it to the payload as run.sh,
# next to ember, vsockt (build/test-vsockt), the guest bzImage, initrd.img
# (the guest initramfs whose /test.sh runs "vsockt bserve 5000"), the
# vhost-vsock modules of the test host's kernel in modules/ (with their
# load order in modules/order), a full qemu-system-x86_64 with its
# libraries in qemu/ (the test host's microvm-only build has no
# vhost-vsock-device; its firmware is used) and bench.conf:
#   RUNS=N REPS=N BYTES=N ROUNDS=N MEM_MIB=M VM_TIMEOUT=S BOOT_ARGS="..."
# For i in 1..RUNS it boots the guest under ember (hybrid vsock on a Unix
# socket) and QEMU microvm (vhost-vsock-device, AF_VSOCK on the host) side
# by side and runs REPS times h2g BYTES, g2h BYTES and rtt ROUNDS with
# vsockt hbench, each against both guests back to back: one
# "BENCH vmm=... run=i rep=j mode=..." line per measurement.

cd /payload || exit 125
. ./bench.conf

QEMU_PREFIX="/payload/qemu/lib/ld-linux-x86-64.so.2 --library-path /payload/qemu/lib
/payload/qemu/bin/qemu-system-x86_64 -L /opt/qemu/share/qemu -bios bios-microvm.bin"
W=/tmp/bench
CID=3
PORT=5000

note() {
	echo "BENCH-NOTE $*"
}

setup() {
	mkdir -p "$W"
	while read -r mod; do
		[ -n "$mod" ] || continue
		insmod "modules/$mod" || { note "error: insmod $mod failed"; return 1; }
	done <modules/order
	[ -c /dev/vhost-vsock ] || { note "error: no /dev/vhost-vsock after loading vhost_vsock"; return 1; }
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	note "testhost kernel=$(uname -r)" \
		"qemu=$($QEMU_PREFIX -version 2>&1 | head -n 1 | tr ' ' '_')" \
		"ember=$(./ember --version 2>&1 | head -n 1 | tr ' ' '_')"
}

ember_json() {
	cat >"$W/vm.json" <<JSON
{
  "boot-source": { "kernel_image_path": "/payload/bzImage", "initrd_path": "/payload/initrd.img",
                   "boot_args": "$BOOT_ARGS" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": $MEM_MIB },
  "vsock": { "guest_cid": $CID, "uds_path": "$W/v.sock" }
}
JSON
}

# wait_ready VMM PID SECS - until the guest's bench server is up; 0 if it came.
wait_ready() {
	t=0
	while ! tr -d '\r' <"$W/$1.con" | grep -q '^EMBER-VSOCK-READY'; do
		kill -0 "$2" 2>/dev/null || return 1
		[ "$t" -ge "$(($3 * 5))" ] && return 1
		usleep 200000
		t=$((t + 1))
	done
}

# start VMM - boot the guest under VMM (ember or qemu) in the background;
# its pid in PID_<vmm>.
start() {
	case $1 in
	ember)
		rm -f "$W/v.sock"
		ember_json
		./ember --no-api --config-file "$W/vm.json" </dev/null >"$W/ember.con" 2>"$W/ember.err" &
		PID_ember=$!
		;;
	qemu)
		# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
		$QEMU_PREFIX \
			-M microvm,acpi=off,pcie=off,rtc=off,smm=off,ioapic2=off,isa-serial=on \
			-global virtio-mmio.force-legacy=false \
			-enable-kvm -cpu host -m "$MEM_MIB" -smp 1 \
			-nodefaults -no-user-config -nographic -serial stdio -no-reboot -device i8042 \
			-kernel /payload/bzImage -initrd /payload/initrd.img -append "$BOOT_ARGS" \
			-device vhost-vsock-device,guest-cid=$CID </dev/null >"$W/qemu.con" 2>"$W/qemu.err" &
		PID_qemu=$!
		;;
	esac
}

# ready VMM - 0 if VMM's guest came up; otherwise notes why not.
ready() {
	case $1 in ember) pid=$PID_ember ;; *) pid=$PID_qemu ;; esac
	wait_ready "$1" "$pid" 300 && return 0
	note "vmm=$1 run=$run: the guest never got ready"
	note "vmm=$1 run=$run stderr: $(tail -n 3 "$W/$1.err" | tr '\r\n' '  ' | cut -c1-300)"
	note "vmm=$1 run=$run console: $(tr -d '\r' <"$W/$1.con" | tail -n 5 | tr '\n' ' ' | cut -c1-400)"
	return 1
}

# measure VMM REP MODE N - one measurement against VMM's guest.
measure() {
	case $1 in ember) addr=$W/v.sock ;; *) addr=vsock:$CID ;; esac
	line=$(timeout "$VM_TIMEOUT" ./vsockt hbench "$addr" "$PORT" "$3" "$4" 2>&1 | tail -n 1)
	case $line in
	BENCH-VSOCK*) echo "BENCH vmm=$1 run=$run rep=$2 ${line#BENCH-VSOCK }" ;;
	*) note "vmm=$1 run=$run rep=$2 $3 failed: $line" ;;
	esac
}

# one_run RUN - both guests up at once; each measurement is taken against
# both back to back (alternating which goes first), so a slow spell of the
# machine costs both alike.
one_run() {
	run=$1
	up=
	start ember
	start qemu
	ready ember && up="$up ember"
	ready qemu && up="$up qemu"
	rep=1
	while [ "$rep" -le "$REPS" ]; do
		if [ $(((rep + run) % 2)) -eq 0 ]; then order="$up"; else order=$(echo $up | awk '{ for (i = NF; i; i--) printf "%s ", $i }'); fi
		for m in "h2g $BYTES" "g2h $BYTES" "rtt $ROUNDS"; do
			for v in $order; do
				# shellcheck disable=SC2086 # "mode n"
				measure "$v" "$rep" $m
			done
		done
		rep=$((rep + 1))
	done
	kill -9 "$PID_ember" "$PID_qemu" 2>/dev/null
	wait "$PID_ember" "$PID_qemu" 2>/dev/null
}

main() {
	setup || return 1
	i=1
	while [ "$i" -le "$RUNS" ]; do
		one_run "$i"
		i=$((i + 1))
	done
	return 0
}

main
