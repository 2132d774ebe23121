# shellcheck shell=sh
# mmds-lib.sh - helpers for the MMDS integration tests (sourced after lib.sh,
# lib_virtio.sh and api-lib.sh; POSIX sh, busybox ash in the test host).
#
#   mmds_tap NET              a tap with 169.254.NET.1/24 on the host; sets
#                             TAP, HOST_IP, GUEST_IP (169.254.NET.2)
#   mmds_guest_prelude        prints the start of a guest script: eth0 up
#                             with GUEST_IP, a route to 169.254.169.254, and
#                             shell helpers req/status/body (raw HTTP over
#                             busybox nc) and M (the MMDS base URL for wget)
#   mmds_boot VERSION SCRIPT DATA
#                             ember through the API: the guest script as
#                             /test.sh, eth0 on TAP, mmds-config for eth0
#                             with VERSION, PUT /mmds DATA (a file), start

# shellcheck disable=SC2034 # used by the tests that source this file
mmds_tap() {
	TAP=embmd$$
	HOST_IP=169.254.$1.1
	GUEST_IP=169.254.$1.2
	make_tap "$TAP" "$HOST_IP/24"
}

mmds_guest_prelude() {
	cat <<EOT
ip link set eth0 up
ip addr add $GUEST_IP/24 dev eth0
ip route add 169.254.169.254 dev eth0
M=http://169.254.169.254
# req METHOD PATH [HEADER...] - one request over nc; the response on stdout.
req() {
	m=\$1 p=\$2
	shift 2
	{
		printf '%s %s HTTP/1.1\r\nHost: 169.254.169.254\r\n' "\$m" "\$p"
		for h in "\$@"; do printf '%s\r\n' "\$h"; done
		printf 'Connection: close\r\n\r\n'
	} | timeout 30 nc 169.254.169.254 80
}
# status / body - of a response on stdin.
status() { head -n 1 | cut -d' ' -f2; }
body() { tr -d '\r' | sed '1,/^\$/d'; }
EOT
}

mmds_boot() {
	initrd_with_test "$2"
	api_start
	api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
	api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
	api_ok PUT /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"host_dev_name\": \"$TAP\", \"guest_mac\": \"06:00:a9:fe:00:02\"}"
	api_ok PUT /mmds/config "{\"network_interfaces\": [\"eth0\"], \"version\": \"$1\"}"
	api_ok PUT /mmds "@$3"
	api_ok PUT /actions '{"action_type": "InstanceStart"}'
}
