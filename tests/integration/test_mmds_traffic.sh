# mmds_traffic: ordinary traffic on an MMDS interface is untouched: while
# the guest reads MMDS in a loop, it pings the host and sends it 8 MiB over
# TCP (busybox nc), intact; every MMDS read in the loop succeeds; the host
# never learns the MMDS address (ARP for it is answered inside ember).
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/mmds-lib.sh
. "$(dirname "$LIB")/mmds-lib.sh"
need_asset vmlinux
mmds_tap 112
trap 'api_stop; del_tap "$TAP"' EXIT

echo '{"latest": {"meta-data": {"ami-id": "ami-traffic"}}}' >"$TDIR/mmds.json"
{
	mmds_guest_prelude
	cat <<EOT
dd if=/dev/urandom of=/tmp/tx bs=1M count=8 2>/dev/null
echo "EMBER-TX-SHA \$(sha256sum /tmp/tx | cut -d' ' -f1)"
ok=0
i=0
while [ \$i -lt 20 ]; do
	[ "\$(wget -q -O - \$M/latest/meta-data/ami-id)" = ami-traffic ] && ok=\$((ok + 1))
	i=\$((i + 1))
done >/dev/null 2>&1
echo "EMBER-WARM \$ok"
(
	ok=0
	i=0
	while [ \$i -lt 40 ]; do
		[ "\$(wget -q -O - \$M/latest/meta-data/ami-id)" = ami-traffic ] && ok=\$((ok + 1))
		i=\$((i + 1))
	done
	echo "EMBER-MMDS-LOOP \$ok"
) &
mpid=\$!
ping -c 10 -i 0.2 -W 10 $HOST_IP >/tmp/ping 2>&1 &
ppid=\$!
nc $HOST_IP 5002 </tmp/tx && echo "EMBER-TX-DONE ok"
wait \$ppid && echo "EMBER-PING ok"
wait \$mpid
EOT
} >"$TDIR/guest.sh"
mkfifo "$TDIR/hold"
timeout 500 nc -l -p 5002 <"$TDIR/hold" >"$TDIR/g2h" &
lpid=$!
exec 3>"$TDIR/hold"
mmds_boot V1 "$TDIR/guest.sh" "$TDIR/mmds.json"
wait_console EMBER-MMDS-LOOP 500
wait "$lpid"
exec 3>&-
api_wait_exit 120
expect_marker EMBER-WARM 20
expect_marker EMBER-MMDS-LOOP 40
expect_marker EMBER-TX-DONE ok
expect_marker EMBER-PING ok
expect_marker EMBER-TX-SHA "$(sha_of "$TDIR/g2h")"
ip neigh show dev "$TAP" | grep -q '169\.254\.169\.254' &&
	fail "the host saw the guest ARP for the MMDS address"
exit 0
