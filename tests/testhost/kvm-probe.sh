#!/usr/bin/env bash
# kvm-probe.sh - can this machine's /dev/kvm boot a Linux guest with ember?
#
#   tests/testhost/kvm-probe.sh EMBER GUEST_DIR [TIMEOUT_S]
#
# Prints one line saying why, and exits 0 if yes, 1 if no. A /dev/kvm node is
# not enough: some machines create VMs fine but fail Linux guests ("KVM
# internal error: emulation failure", see testhost-notes.md). So boot
# GUEST_DIR/vmlinux + initramfs.cpio.gz once with a short timeout and require
# the guest's EMBER-GUEST-UP. (If ember itself cannot boot guests yet, the
# answer is also no, which sends the caller to the test host.)
set -uo pipefail

ember=$1
guest=$2
timeout_s=${3:-20}

[ -e /dev/kvm ] || { echo "this machine has no /dev/kvm"; exit 1; }
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "/dev/kvm is not accessible to $(id -un)"; exit 1; }
[ -x "$ember" ] || { echo "$ember missing"; exit 1; }

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat >"$d/vm.json" <<JSON
{
  "boot-source": {
    "kernel_image_path": "$guest/vmlinux",
    "initrd_path": "$guest/initramfs.cpio.gz",
    "boot_args": "console=ttyS0 reboot=k panic=1 pci=off quiet"
  },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 128 }
}
JSON
t0=$SECONDS
# The subshell keeps bash's "Aborted"/"Killed" job reports out of our output.
(timeout -k 2 "$timeout_s" "$ember" --no-api --config-file "$d/vm.json" </dev/null >"$d/out" 2>"$d/err") 2>/dev/null
rc=$?
if grep -q 'EMBER-GUEST-UP' "$d/out"; then
	echo "ember booted the guest on this machine's /dev/kvm in $((SECONDS - t0)) s"
	exit 0
fi
# The most telling line: the last error if any, else the last line.
last=$(grep -i 'error' "$d/err" | tail -n 1)
[ -n "$last" ] || last=$(grep -v '^[[:space:]]*$' "$d/err" | tail -n 1)
last=$(printf '%s' "$last" | cut -c1-160)
echo "/dev/kvm exists, but a probe boot with ember did not reach EMBER-GUEST-UP" \
	"(status $rc after $((SECONDS - t0)) s${last:+; ember said: $last})"
exit 1
