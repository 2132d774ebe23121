# net: virtio-net on a tap with a link-local address in the test host. The
# guest gets its configured MAC, configures eth0, pings the host and is
# pinged back, then 64 MiB of random data go host -> guest and guest -> host
# over TCP (busybox nc) with matching checksums on both ends.
# timeout: 900
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
tap=embtap$$
mac=06:00:a9:fe:64:02
host_ip=169.254.100.1
guest_ip=169.254.100.2
make_tap "$tap" "$host_ip/24"
trap 'del_tap "$tap"' EXIT
cat >"$TDIR/test.sh" <<EOT
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
echo "EMBER-MAC \$(cat /sys/class/net/eth0/address)"
ping -c 3 -W 10 $host_ip >/dev/null && echo "EMBER-PING-HOST ok"
dd if=/dev/urandom of=/tmp/tx bs=1M count=64 2>/dev/null
echo "EMBER-TX-SHA \$(sha256sum /tmp/tx | cut -d' ' -f1)"
# busybox nc exits at end of input on either side: keep the listener's
# stdin open (a FIFO with a writer) so that only the sender's EOF ends it.
mkfifo /tmp/hold
nc -l -p 5001 </tmp/hold >/tmp/rx &
pid=\$!
exec 3>/tmp/hold
echo "EMBER-NET-READY"
wait \$pid
exec 3>&-
echo "EMBER-RX-SHA \$(sha256sum /tmp/rx | cut -d' ' -f1)"
rm -f /tmp/rx
nc $host_ip 5002 </tmp/tx && echo "EMBER-TX-DONE ok"
EOT
test_initrd "$TDIR/initrd.img"
vm_json "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 2 384 "" "$(net_json eth0 "$tap" "$mac")"
dd if=/dev/urandom of="$TDIR/h2g" bs=1M count=64 2>/dev/null
h2g=$(sha_of "$TDIR/h2g")
boot_bg
wait_guest_line EMBER-NET-READY 400
ping -c 3 -W 10 "$guest_ip" >/dev/null || fail "the host cannot ping the guest"
mkfifo "$TDIR/hold"
nc -l -p 5002 <"$TDIR/hold" >"$TDIR/g2h" &
lpid=$!
exec 3>"$TDIR/hold"
nc "$guest_ip" 5001 <"$TDIR/h2g" || fail "sending to the guest failed"
wait_guest_line EMBER-TX-DONE 400
wait "$lpid"
exec 3>&-
wait_bg 120
expect_boot_ok
expect_marker EMBER-MAC "$mac"
expect_marker EMBER-PING-HOST ok
expect_marker EMBER-RX-SHA "$h2g"
expect_marker EMBER-TX-SHA "$(sha_of "$TDIR/g2h")"
grep -q 'net "eth0": virtio-mmio at 0xc0001000, GSI 5' "$TDIR/ember.log" ||
	fail "the interface was not attached as the first device"
