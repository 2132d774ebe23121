# rate_net: an interface limited both ways to 256 KiB/s (32 KiB bucket refilled
# every 125 ms) moves 1 MiB host -> guest (rx) and 1 MiB guest -> host (tx)
# over TCP (busybox nc) intact and no faster than the limit, timed on the
# host; nothing is dropped (a throttled queue waits). Then a live PATCH lifts
# both limits and the same transfer runs at least twice as fast. Under TCG
# only lower bounds are reliable: the limit caps the rate, TCG may slow it
# (unlimited guest TX runs at about 1 MiB/s there, hence the low limit).
# timeout: 400
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
need_asset vmlinux
tap=embrl$$
host_ip=169.254.101.1
guest_ip=169.254.101.2
make_tap "$tap" "$host_ip/24"
trap 'api_stop; del_tap "$tap"' EXIT

cat >"$TDIR/net.sh" <<EOT
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
dd if=/dev/urandom of=/tmp/tx bs=1k count=1024 2>/dev/null
echo "EMBER-TX-SHA \$(sha256sum /tmp/tx | cut -d' ' -f1)"
round=0
while [ \$round -lt 2 ]; do
	mkfifo /tmp/hold\$round
	nc -l -p 5001 </tmp/hold\$round >/tmp/rx &
	pid=\$!
	exec 3>/tmp/hold\$round
	echo "EMBER-READY \$round"
	wait \$pid
	exec 3>&-
	echo "EMBER-RX-SHA \$round \$(sha256sum /tmp/rx | cut -d' ' -f1)"
	sleep 1
	nc $host_ip 5002 </tmp/tx
	round=\$((round + 1))
done
EOT
initrd_with_test "$TDIR/net.sh"
dd if=/dev/urandom of="$TDIR/h2g" bs=1k count=1024 2>/dev/null
h2g=$(sha256sum "$TDIR/h2g" | cut -d' ' -f1)

api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
lim='{"bandwidth": {"size": 32768, "refill_time": 125}}'
api_ok PUT /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"host_dev_name\": \"$tap\", \"rx_rate_limiter\": $lim, \"tx_rate_limiter\": $lim}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'

# round R: send 1 MiB to the guest, then receive 1 MiB; RX_CS / TX_CS: times
transfer() {
	wait_console "EMBER-READY $1" 300
	t0=$(uptime_cs)
	nc "$guest_ip" 5001 <"$TDIR/h2g" || fail "sending to the guest failed"
	wait_console "EMBER-RX-SHA $1 " 120
	RX_CS=$(($(uptime_cs) - t0))
	console_text | grep -q "EMBER-RX-SHA $1 $h2g" || fail "round $1: the guest got corrupt data"
	# busybox nc ends at EOF on either side: hold the listener's stdin open
	rm -f "$TDIR/hold"
	mkfifo "$TDIR/hold"
	t0=$(uptime_cs)
	timeout 120 nc -l -p 5002 <"$TDIR/hold" >"$TDIR/g2h" &
	lpid=$!
	exec 3>"$TDIR/hold"
	wait "$lpid" || fail "receiving from the guest failed"
	exec 3>&-
	TX_CS=$(($(uptime_cs) - t0 - 100)) # the guest sleeps 1 s first
	console_text | grep -q "EMBER-TX-SHA $(sha256sum "$TDIR/g2h" | cut -d' ' -f1)" ||
		fail "round $1: the host got corrupt data"
}
transfer 0
rx0=$RX_CS tx0=$TX_CS
echo "limited: rx ${rx0}0 ms, tx ${tx0}0 ms for 1 MiB"
# 1 MiB at 256 KiB/s with a 32 KiB bucket: >= 3.875 s; 12% slack for the
# host's console polling (the tx start is inferred from the guest's sleep).
[ "$rx0" -ge 340 ] || fail "rx beat the 256 KiB/s limit: 1 MiB in ${rx0}0 ms"
[ "$tx0" -ge 340 ] || fail "tx beat the 256 KiB/s limit: 1 MiB in ${tx0}0 ms"

off='{"bandwidth": {"size": 0, "refill_time": 0}}'
api_ok PATCH /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"rx_rate_limiter\": $off, \"tx_rate_limiter\": $off}"
transfer 1
echo "unlimited: rx ${RX_CS}0 ms, tx ${TX_CS}0 ms"
[ "$RX_CS" -lt $((rx0 / 2)) ] || fail "PATCH did not lift the rx limit: ${RX_CS}0 ms"
[ "$TX_CS" -lt $((tx0 / 2)) ] || fail "PATCH did not lift the tx limit: ${TX_CS}0 ms"
exit 0
