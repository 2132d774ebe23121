# acpi_own_kernel: ember's own guest kernel (ACPI on, VIRTIO_MMIO_CMDLINE_DEVICES
# kept for acpi=off) with a read-only data drive and a virtio-net interface,
# booted three ways:
#   1. build/ember-test with EMBER_TEST_NO_CMDLINE_DEVICES=1 (no
#      virtio_mmio.device= on the command line): 2 vCPUs from the MADT, both
#      devices bound as the DSDT's LNRO0005:00/01, the drive reads back, eth0
#      pings the host, the vmgenid driver binds, no ACPI error or warning, and
#      "poweroff -f" ends ember with status 0 through ACPI;
#   2. ember as users run it (the DSDT and the command line describe the same
#      windows): still one driver instance per device, the DSDT's; each
#      command-line copy is registered but fails to claim or map its window
#      (the DSDT's instance holds it busy), which is all it costs;
#   3. acpi=off: the command line alone, the MP table's 2 CPUs, the drive.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
EMBER_TEST_BIN=$(dirname "$EMBER")/ember-test
[ -x "$EMBER_TEST_BIN" ] || fail "$EMBER_TEST_BIN missing (make build/ember-test)"
dd if=/dev/urandom of="$TDIR/data.img" bs=1M count=4 2>/dev/null
sum=$(sha_of "$TDIR/data.img")
tap=acpiown$$
host_ip=169.254.103.1
make_tap "$tap" "$host_ip/24"
trap 'del_tap "$tap"' EXIT
cat >"$TDIR/test.sh" <<'EOT'
echo "OWN-VDA-SHA $(sha256sum /dev/vda | cut -d' ' -f1)"
echo "OWN-VIRTIO-DEVICES $(ls /sys/bus/virtio/devices | wc -l)"
echo "OWN-MMIO-BOUND $(ls /sys/bus/platform/drivers/virtio-mmio | grep -E '^(LNRO0005|virtio-mmio)' | tr '\n' ' ')"
[ -e /sys/bus/acpi/drivers/vmgenid/QEMUVGID:00 ] && echo "OWN-VMGENID-BOUND"
dmesg | grep -E 'ACPI (BIOS )?(Error|Warning)' | sed 's/^/OWN-ACPI-PROBLEM /'
dmesg | grep -E "failed|can't request" | grep -oE 'virtio-mmio\.[0-9]+' | sort -u | wc -l |
	sed 's/^/OWN-CMDLINE-REJECTED /'
dmesg | grep -E 'virtio-mmio\.[0-9]+' | sed 's/^/OWN-DMESG /'
case " $(cat /proc/cmdline) " in
*" acpi=off "*) exit 0 ;;
esac
ip link set eth0 up && ip addr add 169.254.103.2/24 dev eth0 &&
	ping -c 3 -W 10 169.254.103.1 >/dev/null && echo "OWN-PING-HOST ok"
grep -q 'virtio_mmio.device=' /proc/cmdline && exit 0
echo "OWN-BEFORE-POWEROFF"
poweroff -f
echo "OWN-POWEROFF-RETURNED"
EOT
test_initrd "$TDIR/initrd.img"

# own_boot ARGS - boot ember's kernel with ARGS, the drive and the interface.
own_boot() {
	vm_json "$ASSETS/vmlinux" "$TDIR/initrd.img" "$1" 2 256 \
		"$(drive_json data "$TDIR/data.img" false true)" "$(net_json eth0 "$tap" 06:00:a9:fe:67:02)"
	boot 200
	[ "$BOOT_RC" = timeout ] && fail "ember did not exit within its timeout ($(last_words))"
	grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "guest did not come up ($(last_words))"
	expect_marker EMBER-NPROC 2
	expect_marker OWN-VDA-SHA "$sum"
	expect_marker OWN-VIRTIO-DEVICES 2
	grep -q '^OWN-ACPI-PROBLEM' "$TDIR/serial.log" &&
		fail "the guest's ACPI code complained: $(grep -m1 '^OWN-ACPI-PROBLEM' "$TDIR/serial.log" | cut -c18-180)"
	[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC ($(last_words))"
}

# 1. The DSDT alone.
export EMBER_TEST_NO_CMDLINE_DEVICES=1
EMBER_SAVED=$EMBER
EMBER=$EMBER_TEST_BIN
own_boot "$STD_ARGS"
EMBER=$EMBER_SAVED
unset EMBER_TEST_NO_CMDLINE_DEVICES
case "$(marker EMBER-CMDLINE)" in
*virtio_mmio.device=*) fail "ember-test announced devices on the command line despite the hook" ;;
esac
expect_marker OWN-MMIO-BOUND "LNRO0005:00 LNRO0005:01 "
expect_marker OWN-CMDLINE-REJECTED 0
expect_marker OWN-PING-HOST ok
grep -q '^OWN-VMGENID-BOUND' "$TDIR/serial.log" || fail "the vmgenid driver did not bind QEMUVGID:00"
grep -q '^OWN-BEFORE-POWEROFF' "$TDIR/serial.log" || fail "the guest script did not reach poweroff"
grep -q '^OWN-POWEROFF-RETURNED' "$TDIR/serial.log" && fail "poweroff -f returned in the guest"
grep -q 'powered off through ACPI' "$TDIR/ember.log" || fail "ember saw no ACPI power-off ($(last_words))"
mv "$TDIR/serial.log" "$TDIR/serial-dsdt.log"

# 2. The DSDT and the command line: the DSDT's devices win (ACPI scans at
# subsys_initcall, virtio_mmio.device= is parsed at device_initcall).
own_boot "$STD_ARGS"
case "$(marker EMBER-CMDLINE)" in
*virtio_mmio.device=4K@0xc0002000:6*) ;;
*) fail "ember did not announce the devices on the command line" ;;
esac
expect_marker OWN-MMIO-BOUND "LNRO0005:00 LNRO0005:01 "
expect_marker OWN-CMDLINE-REJECTED 2
expect_marker OWN-PING-HOST ok
mv "$TDIR/serial.log" "$TDIR/serial-both.log"

# 3. acpi=off: the command line and the MP table.
own_boot "$STD_ARGS acpi=off"
expect_marker OWN-MMIO-BOUND "virtio-mmio.0 virtio-mmio.1 "
expect_marker OWN-CMDLINE-REJECTED 0
grep -q '^OWN-VMGENID-BOUND' "$TDIR/serial.log" && fail "acpi=off, yet vmgenid bound"
echo "ember's kernel: DSDT alone, DSDT + cmdline, acpi=off: 2 devices each" >"$TDIR/boot-summary"
exit 0
