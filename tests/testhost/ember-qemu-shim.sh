#!/bin/sh
# ember-qemu-shim.sh - a stand-in for ember that validates the integration
# harness and the test host before ember can boot guests: it accepts the
# command line the tests use,
#   ember-qemu-shim.sh --no-api --boot-timer --config-file vm.json
# reads the few fields the tests write (one per line, as lib.sh writes them),
# and boots the guest with QEMU microvm on /dev/kvm instead. The guest
# console goes to stdout, QEMU's messages to stderr, like ember.
#
# It has no boot-timer device and no kernel-image checks of its own, so the
# boot_timer and bad_kernel tests are expected to fail with it; every other
# test must pass.

cfg=
while [ $# -gt 0 ]; do
	case $1 in
	--config-file) cfg=$2; shift ;;
	--config-file=*) cfg=${1#*=} ;;
	--no-api | --boot-timer) ;;
	*) echo "shim: unsupported argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -f "$cfg" ] || { echo "shim: no config file" >&2; exit 2; }

# field KEY - the value of "KEY": value on its own line, quotes stripped.
field() {
	sed -n "s/^ *\"$1\": *\"\{0,1\}\([^\"]*\)\"\{0,1\},\{0,1\} *\$/\1/p" "$cfg" | head -n 1
}

kernel=$(field kernel_image_path)
initrd=$(field initrd_path)
args=$(field boot_args)
vcpus=$(field vcpu_count)
mem=$(field mem_size_mib)

# Bundled copy in the test host, Debian's binary elsewhere.
qemu=/opt/qemu/bin/qemu-microvm
[ -x "$qemu" ] || qemu="qemu-system-x86_64-microvm"

# QEMU microvm has no i8042, so the guest's reboot=k would spin through
# ~650k port-0x64 polls (minutes in the test host) before it falls back to a
# triple fault. ember, like Firecracker, models the i8042 reset; for QEMU ask
# for the triple fault at once.
args=$(printf '%s' "$args" | sed 's/\(^\| \)reboot=k\( \|$\)/\1reboot=t\2/')

set -- -M microvm -enable-kvm -cpu host -smp "${vcpus:-1}" -m "${mem:-128}" \
	-nodefaults -no-user-config -display none -no-reboot -serial stdio \
	-kernel "$kernel" -append "$args"
[ -n "$initrd" ] && set -- "$@" -initrd "$initrd"
# -no-reboot: the guest's reset ends QEMU with status 0, as a reboot ends
# ember.
exec "$qemu" "$@"
