# replay_nomad_mmds: pigeon-as/nomad-driver-firecracker's MMDS set-up —
# with a NIC, `PUT /mmds/config {"version": "V2", "network_interfaces":
# [first NIC]}` before boot, then after InstanceStart `PUT /mmds` with the
# task's metadata plus IPConfigs and Mounts (a failure would be fatal) —
# and the guest reading its IP configuration and mounts through a V2
# session token, as that driver's guest init does.
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
mmds_tap 122
trap 'api_stop; del_tap "$TAP"' EXIT

{
	mmds_guest_prelude
	cat <<'EOT'
# The host puts the metadata after InstanceStart: wait for it.
i=0
while [ $i -lt 60 ]; do
	tok=$(req PUT /latest/api/token 'X-metadata-token-ttl-seconds: 300' | body)
	ip=$(wget -q -O - --header "X-metadata-token: $tok" $M/IPConfigs/eth0/Address 2>/dev/null)
	[ -n "$ip" ] && break
	sleep 1
	i=$((i + 1))
done
echo "EMBER-NOMAD-IP $ip"
echo "EMBER-NOMAD-MOUNT $(wget -q -O - --header "X-metadata-token: $tok" $M/Mounts/0/Target)"
echo "EMBER-NOMAD-TASK $(wget -q -O - --header "X-metadata-token: $tok" $M/Task)"
echo "EMBER-NOMAD-V1 $(req GET /Task | status)"
echo "EMBER-NOMAD-DONE"
sleep 60
EOT
} >"$TDIR/guest.sh"
initrd_with_test "$TDIR/guest.sh"
api_start
api_ok GET /machine-config
api_ok PUT /logger "{\"log_path\": \"$TDIR/fc.log\", \"level\": \"Debug\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256, "smt": false}'
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"host_dev_name\": \"$TAP\", \"guest_mac\": \"06:00:a9:fe:7a:02\"}"
api_ok PUT /mmds/config '{"version": "V2", "network_interfaces": ["eth0"]}'
api_ok PUT /actions '{"action_type": "InstanceStart"}'
api_ok PUT /mmds '{"Task": "web-1", "IPConfigs": {"eth0": {"Address": "169.254.122.2/24", "Gateway": "169.254.122.1"}}, "Mounts": [{"Source": "/dev/vdb", "Target": "/data"}]}'
wait_console EMBER-NOMAD-DONE 200
tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
expect_marker EMBER-NOMAD-IP 169.254.122.2/24
expect_marker EMBER-NOMAD-MOUNT /data
expect_marker EMBER-NOMAD-TASK web-1
expect_marker EMBER-NOMAD-V1 401
exit 0
