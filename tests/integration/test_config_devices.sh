# config_devices: bad drive and network-interface configurations are
# refused with an error that names the problem, before any guest runs:
# missing image, an image that cannot be opened for writing (a directory),
# a tap that does not exist, a tap another VMM holds, a bad MAC, duplicate
# ids, two root drives.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
k=$ASSETS/vmlinux
i=$ASSETS/initramfs.cpio.gz
dd if=/dev/zero of="$TDIR/ok.img" bs=1M count=1 2>/dev/null

vm_json "$k" "$i" "$STD_ARGS" 1 128 "$(drive_json rootfs "$TDIR/missing.img" true false)" ""
expect_config_error 'drive "rootfs": cannot open .*missing.img.*No such file'

mkdir -p "$TDIR/adir"
vm_json "$k" "$i" "$STD_ARGS" 1 128 "$(drive_json data "$TDIR/adir" false false)" ""
expect_config_error 'drive "data": cannot open .*adir for writing: Is a directory'
vm_json "$k" "$i" "$STD_ARGS" 1 128 "$(drive_json data "$TDIR/adir" false true)" ""
expect_config_error 'drive "data": .*adir is not a regular file or block device'

vm_json "$k" "$i" "$STD_ARGS" 1 128 \
	"$(drive_json a "$TDIR/ok.img" false false),$(drive_json a "$TDIR/ok.img" false true)" ""
expect_config_error 'duplicate drive_id "a"'

vm_json "$k" "$i" "$STD_ARGS" 1 128 \
	"$(drive_json a "$TDIR/ok.img" true false),$(drive_json b "$TDIR/ok.img" true true)" ""
expect_config_error 'more than one root device'

vm_json "$k" "$i" "$STD_ARGS" 1 128 "" "$(net_json eth0 embnotap0)"
expect_config_error 'network interface "eth0": tap "embnotap0" does not exist'

vm_json "$k" "$i" "$STD_ARGS" 1 128 "" "$(net_json eth0 embtap1 06:00:zz:00:00:01)"
expect_config_error 'guest_mac'

vm_json "$k" "$i" "$STD_ARGS" 1 128 "" \
	"$(net_json eth0 embtap1 06:00:00:00:00:01),$(net_json eth0 embtap2 06:00:00:00:00:02)"
expect_config_error 'duplicate iface_id "eth0"'

# A tap held by a running VMM is busy for a second one.
tap=embtap$$
make_tap "$tap" 169.254.101.1/24
trap 'del_tap "$tap"; [ -n "${EMBER_PID:-}" ] && kill -9 "$EMBER_PID" 2>/dev/null' EXIT
cat >"$TDIR/test.sh" <<'EOT'
sleep 600
EOT
test_initrd "$TDIR/initrd.img"
vm_json "$k" "$TDIR/initrd.img" "$STD_ARGS" 1 128 "" "$(net_json eth0 "$tap")"
cp "$TDIR/vm.json" "$TDIR/holder.json"
"$EMBER" --no-api --config-file "$TDIR/holder.json" </dev/null >"$TDIR/holder.out" 2>"$TDIR/holder.log" &
EMBER_PID=$!
n=0
until grep -q 'net "eth0": virtio-mmio' "$TDIR/holder.log"; do
	n=$((n + 1))
	[ "$n" -lt 300 ] || fail "the first VMM never attached the tap: $(tail -n 1 "$TDIR/holder.log")"
	sleep 0.2
done
expect_config_error "tap \"$tap\" is busy"
kill -9 "$EMBER_PID"
