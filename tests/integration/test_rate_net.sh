# rate_net: a tap limited both ways to 4 MiB/s (Firecracker's buckets:
# size = rate x refill_time, refill_time 100 ms, no one_time_burst) carries
# TCP (iperf3: server in the test host on the tap's address, client in the
# guest) guest -> host (tx) and host -> guest (rx, iperf3 -R) within +-10% of
# the limit over 10 s; then a live PATCH /network-interfaces raises both
# limits to 8 MiB/s and the same two runs are within +-10% of that.
# The rate is iperf3's receiver summary (payload bits / its own interval);
# the bucket a device starts with (full: 100 ms of traffic) is counted in
# the expected rate; TCP/IP headers, which the bucket counts and iperf3 does
# not, cost a few per cent at most. Unlimited under TCG iperf3 runs at well
# over 100 Mbit/s both ways (make bench-io); 8 MiB/s is 67 Mbit/s.
# The guest waits for the PATCH by retrying a second iperf3 server that the
# host starts only after the PATCH returned.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_rate.sh
. "$(dirname "$LIB")/lib_rate.sh"
need_asset vmlinux
command -v iperf3 >/dev/null || fail "iperf3 not installed on the host (make deps)"
tap=embrl$$
host_ip=169.254.101.1
guest_ip=169.254.101.2
mib=1048576
s1=
s2=
make_tap "$tap" "$host_ip/24"
trap 'kill $s1 $s2 2>/dev/null; api_stop; del_tap "$tap"' EXIT
iperf3 -s -B "$host_ip" -p 5201 >"$TDIR/iperf-5201.log" 2>&1 &
s1=$!

cat >"$TDIR/net.sh" <<EOT
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
# iperf_run PHASE PORT [-R] - 10 s of TCP, retried until the server answers;
# "EMBER-IPERF PHASE tx|rx KBITS_PER_S SECONDS" from the receiver's summary.
iperf_run() {
	dir=tx
	[ "\${3:-}" = -R ] && dir=rx
	n=0
	until iperf3 -c $host_ip -p \$2 -t 10 -f k \$3 >/tmp/ip.out 2>&1; do
		n=\$((n + 1))
		if [ \$n -ge 300 ]; then
			echo "EMBER-IPERF-ERROR \$1 \$dir \$(head -c 300 /tmp/ip.out | tr '\n' ' ')"
			return 1
		fi
		sleep 1
	done
	awk -v p="\$1" -v d="\$dir" '/receiver/ {
		for (i = 1; i <= NF; i++) {
			if (\$i ~ /^[0-9.]+-[0-9.]+\$/) { split(\$i, t, "-"); s = t[2] - t[1] }
			if (\$i == "Kbits/sec") k = \$(i - 1)
		}
		print "EMBER-IPERF", p, d, k, s }' /tmp/ip.out
}
iperf_run lim 5201
iperf_run lim 5201 -R
echo "EMBER-WAIT-PATCH"
iperf_run patched 5202
iperf_run patched 5202 -R
EOT
initrd_with_tools "$TDIR/net.sh"

# bucket RATE_BYTES_PER_S - a 100 ms bucket for that rate, no burst.
bucket() {
	echo "{\"bandwidth\": {\"size\": $(($1 / 10)), \"refill_time\": 100}}"
}
# expected RATE_BYTES_PER_S SECONDS - Kbit/s the limit allows over SECONDS,
# the full bucket at the start included.
expected() {
	awk -v r="$1" -v s="$2" 'BEGIN { printf "%.0f", (r * s + r / 10) * 8 / 1000 / s }'
}
# measured PHASE DIR - "KBITS SECONDS" of that run.
measured() {
	console_text | awk -v p="$1" -v d="$2" '$1 == "EMBER-IPERF" && $2 == p && $3 == d { print $4, $5 }'
}
# check PHASE DIR RATE - the run is within 10% of what RATE allows.
check() {
	# shellcheck disable=SC2046 # "KBITS SECONDS": two words
	set -- "$1" "$2" "$3" $(measured "$1" "$2")
	[ -n "${5:-}" ] || fail "$1 $2: no iperf3 result ($(console_text | grep EMBER-IPERF-ERROR | head -n 1))"
	expect_within "$1 $2 (Kbit/s)" "$4" "$(expected "$3" "$5")" 10
}

api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 384}'
lim=$(bucket $((4 * mib)))
api_ok PUT /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"host_dev_name\": \"$tap\", \"rx_rate_limiter\": $lim, \"tx_rate_limiter\": $lim}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'

wait_console 'EMBER-WAIT-PATCH' 420
rate_note "4 MiB/s ($(expected $((4 * mib)) 10) Kbit/s) limit: tx $(measured lim tx), rx $(measured lim rx) (Kbit/s s)"
lim=$(bucket $((8 * mib)))
api_ok PATCH /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"rx_rate_limiter\": $lim, \"tx_rate_limiter\": $lim}"
iperf3 -s -B "$host_ip" -p 5202 >"$TDIR/iperf-5202.log" 2>&1 &
s2=$!
wait_console 'EMBER-IPERF patched rx' 200
rate_note "after PATCH to 8 MiB/s: tx $(measured patched tx), rx $(measured patched rx)"

check lim tx $((4 * mib))
check lim rx $((4 * mib))
check patched tx $((8 * mib))
check patched rx $((8 * mib))
exit 0
