# blk_readonly: a read-only drive is read-only in the guest (sysfs ro flag,
# writes fail, even with the block layer's own flag cleared) and the image
# stays byte-for-byte the same; reads return the image's content. Then a
# read-only root: root=/dev/vda ro, the guest cannot write to /.
# timeout: 400
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
dd if=/dev/urandom of="$TDIR/data.img" bs=1M count=8 2>/dev/null
before=$(sha_of "$TDIR/data.img")
cat >"$TDIR/test.sh" <<'EOT'
echo "EMBER-RO $(cat /sys/block/vda/ro)"
dd if=/dev/zero of=/dev/vda bs=4096 count=1 conv=fsync 2>/dev/null && echo "EMBER-WRITE1 succeeded"
blockdev --setrw /dev/vda 2>/dev/null
dd if=/dev/zero of=/dev/vda bs=4096 count=4 oflag=direct 2>/dev/null && echo "EMBER-WRITE2 succeeded"
echo "EMBER-READ-SHA $(sha256sum /dev/vda | cut -d' ' -f1)"
exit 0
EOT
test_initrd "$TDIR/initrd.img"
vm_json "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128 \
	"$(drive_json data "$TDIR/data.img" false true)" ""
boot 200
expect_boot_ok
expect_marker EMBER-RO 1
grep -q EMBER-WRITE "$TDIR/serial.log" && fail "a write to the read-only drive succeeded"
expect_marker EMBER-READ-SHA "$before"
[ "$(sha_of "$TDIR/data.img")" = "$before" ] || fail "the read-only image changed"

# Read-only root.
cat >"$TDIR/test.sh" <<'EOT'
grep -q '^/dev/root / ext4 ro' /proc/mounts && echo "EMBER-ROOT ext4-ro"
touch /newfile 2>/dev/null && echo "EMBER-TOUCH succeeded"
exit 0
EOT
make_rootfs "$TDIR/root.img" 32
root_before=$(sha_of "$TDIR/root.img")
vm_json "$ASSETS/vmlinux" "" "$STD_ARGS" 1 128 \
	"$(drive_json rootfs "$TDIR/root.img" true true)" ""
boot 200
expect_boot_ok
grep -q 'root=/dev/vda ro' "$TDIR/serial.log" || fail "cmdline lacks root=/dev/vda ro"
expect_marker EMBER-ROOT ext4-ro
grep -q EMBER-TOUCH "$TDIR/serial.log" && fail "the guest wrote to its read-only root"
[ "$(sha_of "$TDIR/root.img")" = "$root_before" ] || fail "the read-only root image changed"
