#!/bin/sh
# bench-api-payload.sh - bench-api's side inside the nested test host (busybox
# sh). perf/bench-api.sh copies it to the payload as run.sh, next to ember,
# startprobe, floor-listen, apiclient, the guest kernel and initramfs, and
# bench.conf:
#   START_RUNS=N BOOT_RUNS=M BOOT_ARGS="..."
# Prints, one line each (only these reach the console, which is slow):
#   BENCH start prog=ember|floor run=i wall_us=.. cpu_us=.. priv_kib=.. ...
#   BENCH boot mode=MODE run=i req_to_timer_ms=.. req_to_start_ms=.. timer_ms=..
#   BENCH-NOTE ...
# Boot modes, each a fresh ember with the same microVM (1 vCPU, 128 MiB):
#   five-c     five requests over one connection (apiclient): boot-source,
#              drives/rootfs, machine-config, network-interfaces/eth0,
#              actions InstanceStart (Firecracker's getting-started order)
#   one-c      one PUT /vm with the same document and "start": true
#   five-curl  the five requests, one curl process each (as the guide does)
#   one-curl   the one request with curl
# req_to_timer_ms: the first request's send -> the guest's boot-timer write
# (both CLOCK_REALTIME: the client's clock, ember's log timestamp);
# req_to_start_ms: the first request's send -> InstanceStart begins;
# timer_ms: ember's own boot timer (InstanceStart -> the write).

cd /payload || exit 125
# shellcheck source=/dev/null # written by bench-api.sh
. ./bench.conf
SOCK=/tmp/bench-api.sock

note() {
	echo "BENCH-NOTE $*"
}

start_bench() {
	i=1
	while [ "$i" -le "$START_RUNS" ]; do
		./startprobe -n 1 -s /tmp/fl.sock -- /payload/floor-listen /tmp/fl.sock |
			sed "s/^run=1/BENCH start prog=floor run=$i/"
		./startprobe -n 1 -q -s "$SOCK" -- /payload/ember --api-sock "$SOCK" |
			sed "s/^run=1/BENCH start prog=ember run=$i/"
		i=$((i + 1))
	done
}

# The microVM, as the five requests and as one document.
BS="{\"kernel_image_path\": \"/payload/vmlinux\", \"initrd_path\": \"/payload/initramfs.cpio.gz\", \"boot_args\": \"$BOOT_ARGS\"}"
DR='{"drive_id": "rootfs", "path_on_host": "/tmp/rootfs.img", "is_root_device": true, "is_read_only": false}'
MC='{"vcpu_count": 1, "mem_size_mib": 128}'
NI='{"iface_id": "eth0", "guest_mac": "06:00:AC:10:00:02", "host_dev_name": "tap0"}'
ST='{"action_type": "InstanceStart"}'
DOC="{\"boot-source\": $BS, \"drives\": [$DR], \"machine-config\": $MC, \"network-interfaces\": [$NI], \"start\": true}"

curl_put() {
	curl -s -o /dev/null --unix-socket "$SOCK" -X PUT -H 'Content-Type: application/json' \
		--data-raw "$2" "http://localhost$1"
}

# log_us PATTERN - the CLOCK_REALTIME (us) of ember's first log line with PATTERN.
log_us() {
	grep -m 1 "$1" /tmp/bench-ember.log | awk '{ split($1, t, "."); printf "%s%06d\n", t[1], t[2] }'
}

boot_once() {
	mode=$1
	run=$2
	rm -f "$SOCK"
	./ember --api-sock "$SOCK" --boot-timer </dev/null >/dev/null 2>/tmp/bench-ember.log &
	pid=$!
	# Wait for the socket, so every mode starts from a listening ember.
	./apiclient "$SOCK" GET / "" >/dev/null 2>&1 || { note "mode=$mode run=$run: no API"; return; }
	case $mode in
	five-c)
		./apiclient "$SOCK" PUT /boot-source "$BS" PUT /drives/rootfs "$DR" \
			PUT /machine-config "$MC" PUT /network-interfaces/eth0 "$NI" \
			PUT /actions "$ST" >/tmp/bench-client.out
		;;
	one-c)
		./apiclient "$SOCK" PUT /vm "$DOC" >/tmp/bench-client.out
		;;
	five-curl)
		echo "first_send_us=$(./apiclient --now)" >/tmp/bench-client.out
		curl_put /boot-source "$BS"
		curl_put /drives/rootfs "$DR"
		curl_put /machine-config "$MC"
		curl_put /network-interfaces/eth0 "$NI"
		curl_put /actions "$ST"
		;;
	one-curl)
		echo "first_send_us=$(./apiclient --now)" >/tmp/bench-client.out
		curl_put /vm "$DOC"
		;;
	esac
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	first=$(sed -n 's/^first_send_us=//p' /tmp/bench-client.out)
	start=$(log_us 'InstanceStart: building')
	timer=$(log_us 'Guest-boot-time')
	own=$(grep -o 'Guest-boot-time = [0-9]* us' /tmp/bench-ember.log | awk '{ print $3 }')
	if [ -z "$first" ] || [ -z "$start" ] || [ -z "$timer" ]; then
		note "mode=$mode run=$run failed: $(tail -n 2 /tmp/bench-ember.log | tr '\n' ' ')"
		return
	fi
	echo "BENCH boot mode=$mode run=$run" \
		"req_to_timer_ms=$(awk -v a="$first" -v b="$timer" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" \
		"req_to_start_ms=$(awk -v a="$first" -v b="$start" 'BEGIN { printf "%.1f", (b - a) / 1000 }')" \
		"timer_ms=$(awk -v a="$own" 'BEGIN { printf "%.1f", a / 1000 }')"
}

boot_bench() {
	[ "$BOOT_RUNS" -gt 0 ] || return 0
	dd if=/dev/zero of=/tmp/rootfs.img bs=1024 count=64 2>/dev/null
	# One unmeasured boot first (page cache, KVM module warm-up).
	boot_once one-c 0 >/dev/null
	r=1
	while [ "$r" -le "$BOOT_RUNS" ]; do
		# Rotate the order so no mode always follows the same one.
		case $((r % 4)) in
		1) order="five-c one-c five-curl one-curl" ;;
		2) order="one-c five-curl one-curl five-c" ;;
		3) order="five-curl one-curl five-c one-c" ;;
		0) order="one-curl five-c one-c five-curl" ;;
		esac
		for m in $order; do
			boot_once "$m" "$r"
		done
		r=$((r + 1))
	done
}

note "testhost kernel=$(uname -r) ember=$(./ember --version | tr ' ' '_')"
start_bench
boot_bench
echo "RESULT bench-api done"
exit 0
