# blk_partuuid: a root drive with "partuuid" boots with
# root=PARTUUID=<uuid> rw, as Firecracker does: the disk has an MBR whose
# signature makes partition 1's PARTUUID, and the kernel finds its root
# filesystem there.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz

# le32 N - printf escapes for N as 4 little-endian bytes.
le32() {
	printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

cat >"$TDIR/test.sh" <<'EOT'
[ -e /sys/block/vda/vda1 ] && echo "EMBER-PART vda1"
grep -q '^/dev/root / ext4 rw' /proc/mounts && echo "EMBER-ROOT ext4-rw"
exit 0
EOT
make_rootfs "$TDIR/part.img" 32
# MBR: disk signature at 440, one Linux partition (type 0x83) from sector
# 2048 at 446, boot signature 55 aa at 510; the partition after 1 MiB.
dd if=/dev/zero of="$TDIR/disk.img" bs=1M count=1 2>/dev/null
cat "$TDIR/part.img" >>"$TDIR/disk.img"
{
	printf "$(le32 0x5eedc0de)"
	printf '\000\000\200\000\002\000\203\376\377\377'
	printf "$(le32 2048)$(le32 $((32 * 2048)))"
} | dd of="$TDIR/disk.img" bs=1 seek=440 conv=notrunc 2>/dev/null
printf '\125\252' | dd of="$TDIR/disk.img" bs=1 seek=510 conv=notrunc 2>/dev/null
vm_json "$ASSETS/vmlinux" "" "$STD_ARGS" 1 128 \
	"$(drive_json rootfs "$TDIR/disk.img" true false '"partuuid": "5eedc0de-01"')" ""
boot 200
expect_boot_ok
grep -q 'root=PARTUUID=5eedc0de-01 rw' "$TDIR/serial.log" ||
	fail "cmdline lacks root=PARTUUID=5eedc0de-01 rw: $(marker EMBER-CMDLINE)"
expect_marker EMBER-PART vda1
expect_marker EMBER-ROOT ext4-rw
expect_marker EMBER-TEST-RC 0
