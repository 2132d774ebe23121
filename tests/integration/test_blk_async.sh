# blk_async: the same as blk_root_ext4 with io_engine Async (io_uring):
# 64 MiB written, synced, checked with e2fsck -fn and debugfs on the host.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
cat >"$TDIR/test.sh" <<'EOT'
set -e
dd if=/dev/urandom of=/data.bin bs=1M count=64 2>/dev/null
sync
echo "EMBER-DATA-SHA $(sha256sum /data.bin | cut -d' ' -f1)"
# Read back through the device, not the page cache.
echo 3 >/proc/sys/vm/drop_caches
echo "EMBER-READ-SHA $(sha256sum /data.bin | cut -d' ' -f1)"
mount -o remount,ro /
EOT
make_rootfs "$TDIR/root.img" 160
vm_json "$ASSETS/vmlinux" "" "$STD_ARGS" 1 256 \
	"$(drive_json rootfs "$TDIR/root.img" true false \
		'"cache_type": "Writeback", "io_engine": "Async"')" ""
boot 400
expect_boot_ok
expect_marker EMBER-TEST-RC 0
grep -q 'Async engine' "$TDIR/ember.log" || fail "ember did not use the Async engine"
sum=$(marker EMBER-DATA-SHA)
[ -n "$sum" ] || fail "the guest printed no checksum"
expect_marker EMBER-READ-SHA "$sum"
check_fs "$TDIR/root.img"
check_file_sha "$TDIR/root.img" /data.bin "$sum"
