#!/bin/sh
# bench-payload.sh - the boot benchmark's side inside the nested test host
# (busybox sh). perf/bench-boot.sh copies it to the payload as run.sh, next
# to vmmstat, ember, the guest kernel and initrd, and bench.conf:
#   RUNS=N WARMUP=W MEM_MIB=M BOOT_ARGS="..."
# After W warm-up boots of each VMM (run=0), for i in 1..RUNS it boots the
# guest once under ember and once under QEMU microvm, alternating which goes
# first, each measured by vmmstat: one "BENCH vmm=... run=i ..." line per
# boot, then RUNS launches of a trivial static program (vmm=floor). Other
# facts go on "BENCH-NOTE" lines. Only those lines reach the console: every
# console byte is slow under TCG.

cd /payload || exit 125
. ./bench.conf

QEMU_DIR=/opt/qemu
# Debian's microvm binary run through the bundled loader and libraries, as
# /opt/qemu/bin/qemu-microvm does, but directly so that no wrapper shell is
# measured. "-bios bios-microvm.bin": QEMU 7.2 looks for qboot.rom, which the
# test host image has under this name only.
QEMU_PREFIX="$QEMU_DIR/lib/ld-linux-x86-64.so.2 --library-path $QEMU_DIR/lib
$QEMU_DIR/bin/qemu-system-x86_64-microvm -L $QEMU_DIR/share/qemu -bios bios-microvm.bin"

note() {
	echo "BENCH-NOTE $*"
}

# setup - debugfs for KVM's exit counters, the ember config, sanity checks.
setup() {
	grep -q ' /sys/kernel/debug ' /proc/mounts ||
		mount -t debugfs debugfs /sys/kernel/debug || note "cannot mount debugfs"
	[ -r /sys/kernel/debug/kvm/exits ] || note "no /sys/kernel/debug/kvm/exits: exits will be NA"
	if [ ! -x "$QEMU_DIR/bin/qemu-system-x86_64-microvm" ]; then
		note "error: no QEMU microvm under $QEMU_DIR in the test host image"
		return 1
	fi
	cat >/tmp/vm.json <<EOF
{
  "boot-source": {
    "kernel_image_path": "/payload/bzImage",
    "initrd_path": "/payload/initrd.img",
    "boot_args": "$BOOT_ARGS"
  },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": $MEM_MIB }
}
EOF
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	note "testhost kernel=$(uname -r)" \
		"qemu=$($QEMU_PREFIX -version 2>&1 | head -n 1 | tr ' ' '_')" \
		"ember=$(./ember --version 2>&1 | head -n 1 | tr ' ' '_')" \
		"thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
}

# tell VMM RUN - ember's own boot timer, or why a boot failed.
tell() {
	if grep -q '^BENCH vmm=[a-z]* run=[0-9]* wall_ms' "/tmp/$1.bench"; then
		[ "$1" = ember ] || return 0
		note "vmm=ember run=$2 $(grep -o 'Guest-boot-time = [0-9]* us' /tmp/ember.err |
			tr -d ' ' | sed 's/Guest-boot-time=/guest_boot_timer_us=/; s/us$//')"
		return 0
	fi
	note "vmm=$1 run=$2 stderr: $(tail -n 3 "/tmp/$1.err" 2>/dev/null | tr '\r\n' '  ' | cut -c1-300)"
	note "vmm=$1 run=$2 console: $(tail -n 3 "/tmp/$1.con" 2>/dev/null | tr '\r\n' '  ' | cut -c1-300)"
}

# bench VMM RUN - one measured boot of the guest under VMM.
bench() {
	if [ "$1" = ember ]; then
		set -- "$1" "$2" ./ember --no-api --boot-timer --config-file /tmp/vm.json
	else
		# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
		set -- "$1" "$2" $QEMU_PREFIX \
			-M microvm,acpi=off,pcie=off,rtc=off,smm=off,ioapic2=off,isa-serial=on \
			-enable-kvm -cpu host -m "$MEM_MIB" -smp 1 \
			-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
			-device i8042 \
			-kernel /payload/bzImage -initrd /payload/initrd.img -append "$BOOT_ARGS"
	fi
	vmm=$1
	run=$2
	shift 2
	./vmmstat -n "$vmm" -r "$run" -m "$MEM_MIB" -t 300 -w 60 \
		-o "/tmp/$vmm.con" -e "/tmp/$vmm.err" -- "$@" >"/tmp/$vmm.bench"
	cat "/tmp/$vmm.bench"
	tell "$vmm" "$run"
}

main() {
	setup || return 1
	i=0
	while [ "$i" -lt "$WARMUP" ]; do
		bench ember 0
		bench qemu 0
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$RUNS" ]; do
		if [ $((i % 2)) -eq 1 ]; then
			bench ember "$i"
			bench qemu "$i"
		else
			bench qemu "$i"
			bench ember "$i"
		fi
		i=$((i + 1))
	done
	# The floor: fork + exec of a static program that prints the marker.
	i=1
	while [ "$i" -le "$RUNS" ]; do
		./vmmstat -n floor -r "$i" -m "$MEM_MIB" -t 60 -w 10 -- /bin/busybox echo EMBER-GUEST-UP
		i=$((i + 1))
	done
	return 0
}

main
