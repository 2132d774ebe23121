# blk_sigkill: flushed data survives the VMM's death. The guest (root on
# virtio-blk, default cache Unsafe, Sync engine) writes 64 MiB, syncs and
# says so; ember is SIGKILLed as soon as that line is out. After journal
# recovery (what the next mount would do) the image must be clean for
# e2fsck -fn and the file must have the guest's checksum.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
cat >"$TDIR/test.sh" <<'EOT'
dd if=/dev/urandom of=/data.bin bs=1M count=64 2>/dev/null
sum=$(sha256sum /data.bin | cut -d' ' -f1)
sync
echo "EMBER-SYNCED $sum"
echo EMBER-SAID-IT
sleep 600
EOT
make_rootfs "$TDIR/root.img" 160
vm_json "$ASSETS/vmlinux" "" "$STD_ARGS" 1 256 \
	"$(drive_json rootfs "$TDIR/root.img" true false)" ""
boot_bg
# The next line, not the marker itself: the checksum line must be whole
# on the console (each byte is an exit) before ember dies.
wait_guest_line EMBER-SAID-IT 400
kill -9 "$EMBER_PID"
wait "$EMBER_PID" 2>/dev/null
tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
echo "ember SIGKILLed after the guest's sync" >"$TDIR/boot-summary"
sum=$(marker EMBER-SYNCED)
# The journal holds committed metadata: replay it as a mount would.
"$E2FSCK" -fp "$TDIR/root.img" >"$TDIR/e2fsck-replay.log" 2>&1
rc=$?
[ "$rc" -le 1 ] || fail "journal recovery failed (e2fsck -fp status $rc): $(tail -n 1 "$TDIR/e2fsck-replay.log")"
check_fs "$TDIR/root.img"
check_file_sha "$TDIR/root.img" /data.bin "$sum"
