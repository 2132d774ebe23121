# blk_two_drives: two data drives (root on the initramfs): each shows its
# drive_id as serial (GET_ID, /sys/block/vdX/serial) and its size, reads
# return its own image, and a write lands in the right image.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
dd if=/dev/urandom of="$TDIR/a.img" bs=1M count=4 2>/dev/null
dd if=/dev/urandom of="$TDIR/b.img" bs=1M count=6 2>/dev/null
sum_a=$(sha_of "$TDIR/a.img")
sum_b=$(sha_of "$TDIR/b.img")
cat >"$TDIR/test.sh" <<'EOT'
for d in vda vdb; do
	echo "EMBER-SERIAL-$d $(cat /sys/block/$d/serial)"
	echo "EMBER-SIZE-$d $(cat /sys/block/$d/size)"
	echo "EMBER-SHA-$d $(sha256sum /dev/$d | cut -d' ' -f1)"
done
echo "ember-was-here" | dd of=/dev/vdb bs=512 seek=3 conv=sync,fsync 2>/dev/null
exit 0
EOT
test_initrd "$TDIR/initrd.img"
vm_json "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128 \
	"$(drive_json scratch_a "$TDIR/a.img" false false),$(drive_json data_volume_b "$TDIR/b.img" false false '"io_engine": "Async"')" ""
boot 200
expect_boot_ok
expect_marker EMBER-TEST-RC 0
expect_marker EMBER-SERIAL-vda scratch_a
expect_marker EMBER-SERIAL-vdb data_volume_b
expect_marker EMBER-SIZE-vda 8192
expect_marker EMBER-SIZE-vdb 12288
expect_marker EMBER-SHA-vda "$sum_a"
expect_marker EMBER-SHA-vdb "$sum_b"
case "$(marker EMBER-CMDLINE)" in
*root=*) fail "root= on the cmdline without a root drive" ;;
esac
grep -q 'virtio_mmio.device=4K@0xc0002000:6' "$TDIR/serial.log" || fail "second device not announced"
[ "$(dd if="$TDIR/b.img" bs=512 skip=3 count=1 2>/dev/null | head -c 14)" = "ember-was-here" ] ||
	fail "the guest's write did not reach the second image"
[ "$(sha_of "$TDIR/a.img")" = "$sum_a" ] || fail "the first image changed"
