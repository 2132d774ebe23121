# api_patch_drive: after boot, PATCH /drives/{id} with a new path_on_host
# switches the drive to another image: the guest sees the new capacity
# (configuration-change interrupt) and reads the new image's data; a path
# that cannot be opened is answered 400 and changes nothing. The drive uses
# the Async (io_uring) engine: its fixed file is swapped too.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

# Old image: 1 MiB of zeros. New image: 4 MiB with a marker at 1 MiB, past the
# old end, so nothing the guest cached from the old image can answer for it.
dd if=/dev/zero of="$TDIR/old.img" bs=1024 count=1024 2>/dev/null || fail "cannot make old.img"
dd if=/dev/zero of="$TDIR/new.img" bs=1024 count=4096 2>/dev/null || fail "cannot make new.img"
printf 'EMBER-NEW-DISK' | dd of="$TDIR/new.img" bs=1024 seek=1024 conv=notrunc 2>/dev/null ||
	fail "cannot write the marker"

cat >"$TDIR/size.sh" <<'GUEST'
while :; do
	s=$(cat /sys/block/vda/size)
	echo "EMBER-SIZE $s"
	if [ "$s" = 8192 ]; then
		echo "EMBER-DATA $(dd if=/dev/vda bs=1024 skip=1024 count=1 2>/dev/null | head -c 14)"
	fi
	sleep 1
done
GUEST
initrd_with_test "$TDIR/size.sh"

api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}'
api_ok PUT /drives/data "{\"drive_id\": \"data\", \"path_on_host\": \"$TDIR/old.img\", \"is_root_device\": false, \"is_read_only\": false, \"io_engine\": \"Async\"}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'EMBER-SIZE 2048' 120

api_fault 400 "cannot open" PATCH /drives/data "{\"drive_id\": \"data\", \"path_on_host\": \"$TDIR/missing.img\"}"
api_ok PATCH /drives/data "{\"drive_id\": \"data\", \"path_on_host\": \"$TDIR/new.img\"}"
wait_console 'EMBER-SIZE 8192' 60
wait_console 'EMBER-DATA EMBER-NEW-DISK' 30
api_ok GET /vm/config
case $API_BODY in
*new.img*) ;;
*) fail "GET /vm/config does not show the new path: $API_BODY" ;;
esac

api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC after Ctrl+Alt+Del ($(last_words))"
exit 0
