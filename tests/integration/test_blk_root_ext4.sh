# blk_root_ext4: the root filesystem on virtio-blk (ext4, Sync engine,
# cache Writeback): the guest writes 64 MiB of random data, syncs, checks
# the sum, remounts / read-only and reboots. On the host the image must be
# clean for e2fsck -fn and the file (read with debugfs) must have the sum the
# guest saw: nothing lost, nothing corrupted.
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
grep -q '^/dev/root / ext4 rw' /proc/mounts && echo "EMBER-ROOT ext4-rw"
mount -o remount,ro /
EOT
make_rootfs "$TDIR/root.img" 160
vm_json "$ASSETS/vmlinux" "" "$STD_ARGS" 2 256 \
	"$(drive_json rootfs "$TDIR/root.img" true false '"cache_type": "Writeback"')" ""
boot 400
expect_boot_ok
expect_marker EMBER-ROOT ext4-rw
expect_marker EMBER-TEST-RC 0
grep -q 'root=/dev/vda rw virtio_mmio.device=4K@0xc0001000:5' "$TDIR/serial.log" ||
	fail "cmdline lacks root=/dev/vda rw and the device: $(marker EMBER-CMDLINE)"
sum=$(marker EMBER-DATA-SHA)
[ -n "$sum" ] || fail "the guest printed no checksum"
check_fs "$TDIR/root.img"
check_file_sha "$TDIR/root.img" /data.bin "$sum"
