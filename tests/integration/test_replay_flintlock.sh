# replay_flintlock: ember started as flintlock starts Firecracker — no API
# (`--id <ULID> --boot-timer --no-api --config-file … --metadata …`), a
# config file shaped as flintlock writes it (smt on amd64, track_dirty_pages
# false, flintlock's boot args with its cloud-init datasource, an Unsafe
# drive, a metadata NIC with a guest MAC, `mmds-config` V1 on that NIC,
# logger and metrics files) — and the guest reads flintlock's meta-data and
# user-data from MMDS V1 at 169.254.169.254 as cloud-init's nocloud-net
# source does (plain GETs of /latest/meta-data and /latest/user-data).
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/mmds-lib.sh
. "$(dirname "$LIB")/mmds-lib.sh"
need_asset vmlinux
mmds_tap 121
trap 'del_tap "$TAP"' EXIT

# flintlock's metadata file: meta-data and user-data as cloud-init strings.
cat >"$TDIR/metadata.json" <<'EOT'
{"latest": {"meta-data": "instance_id: ns1/mvm0\nlocal_hostname: mvm0\nplatform: liquid_metal\n",
 "user-data": "#cloud-config\nhostname: mvm0\nfinal_message: flintlock-ok\n",
 "vendor-data": "#cloud-config\n"}}
EOT
{
	mmds_guest_prelude
	cat <<'EOT'
wget -q -O /tmp/md $M/latest/meta-data && echo "EMBER-FL-MD $(grep instance_id /tmp/md)"
wget -q -O /tmp/ud $M/latest/user-data && echo "EMBER-FL-UD $(grep final_message /tmp/ud)"
echo "EMBER-FL-KEYS $(wget -q -O - $M/latest/ | tr '\n' ,)"
echo "EMBER-FL-CMDLINE $(tr ' ' '\n' </proc/cmdline | grep -c '^ds=nocloud-net')"
EOT
} >"$TDIR/guest.sh"
initrd_with_test "$TDIR/guest.sh"
truncate -s 64M "$TDIR/root.img" || fail "cannot make the drive image"
smt=false
[ "$(uname -m)" = x86_64 ] && smt=true
cat >"$TDIR/vm.json" <<EOT
{
  "boot-source": {
    "kernel_image_path": "$ASSETS/vmlinux",
    "initrd_path": "$TDIR/initrd.img",
    "boot_args": "console=ttyS0 reboot=k panic=1 pci=off i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd ds=nocloud-net;s=http://169.254.169.254/latest/ quiet"
  },
  "drives": [
    {"drive_id": "root", "path_on_host": "$TDIR/root.img", "is_root_device": false,
     "is_read_only": false, "cache_type": "Unsafe"}
  ],
  "machine-config": {"vcpu_count": 1, "mem_size_mib": 256, "smt": $smt, "track_dirty_pages": false},
  "network-interfaces": [
    {"iface_id": "eth0", "host_dev_name": "$TAP", "guest_mac": "06:00:a9:fe:79:02"}
  ],
  "mmds-config": {"version": "V1", "network_interfaces": ["eth0"]},
  "logger": {"log_path": "$TDIR/fc.log", "level": "Debug", "show_level": true, "show_log_origin": true},
  "metrics": {"metrics_path": "$TDIR/metrics.json"}
}
EOT
: >"$TDIR/fc.log"
timeout -k 5 240 "$EMBER" --id 01HZXKQ4J0M5E3ZQ2V8WJ7T9AB --boot-timer --no-api \
	--config-file "$TDIR/vm.json" --metadata "$TDIR/metadata.json" \
	</dev/null >"$TDIR/serial.raw" 2>"$TDIR/ember.log"
BOOT_RC=$?
tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "the guest did not come up ($(last_words))"
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC ($(last_words))"
expect_marker EMBER-FL-MD "instance_id: ns1/mvm0"
expect_marker EMBER-FL-UD "final_message: flintlock-ok"
expect_marker EMBER-FL-KEYS "meta-data,user-data,vendor-data"
expect_marker EMBER-FL-CMDLINE 1
exit 0
