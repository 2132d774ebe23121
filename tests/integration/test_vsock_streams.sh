# vsock_streams: virtio-vsock with Firecracker's hybrid host side, one boot.
# The guest runs /vsockt (tests/integration/vsockt.c): an echo server on
# vsock port 5000, a guest-to-host echo through <uds_path>_6000, a guest
# connection closed mid-stream, then it waits for the host on port 4999.
# The host side, through <uds_path>:
#   - CONNECT 5000 with a 4 MiB payload echoed back intact (each byte
#     checked, FNV checksum printed);
#   - 32 connections at once, 64 KiB each;
#   - a client that sends 2 MiB and never reads stalls only its own stream:
#     another connection completes meanwhile;
#   - CONNECT to a port nobody listens on: closed, no "OK";
#   - a client that sends half a CONNECT line: closed after the handshake
#     timeout (5 s);
# and the guest reboots cleanly at the end.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/lib_vsock.sh
. "$(dirname "$LIB")/lib_vsock.sh"
need_asset vmlinux

UDS=$TDIR/v.sock
stall=
g2h=
cleanup() {
	[ -n "$stall" ] && kill "$stall" 2>/dev/null
	[ -n "$g2h" ] && kill "$g2h" 2>/dev/null
	[ -n "${EMBER_PID:-}" ] && kill -9 "$EMBER_PID" 2>/dev/null
}
trap cleanup EXIT

cat >"$TDIR/guest.sh" <<'GUEST'
/vsockt listen 5000 &
sleep 3 # the listener binds before the host connects (a race seen once)
echo "EMBER-VSOCK-READY"
echo "EMBER-VSOCK-G2H $(/vsockt connect 2 6000 1048576 2>&1 | tail -n 1)"
echo "EMBER-VSOCK-HALF $(/vsockt half 2 6001 200000 2>&1 | tail -n 1)"
/vsockt once 4999
GUEST
vsock_initrd "$TDIR/guest.sh" "$TDIR/initrd.img"
cat >"$TDIR/vm.json" <<EOF
{
  "boot-source": {
    "kernel_image_path": $(json_str "$ASSETS/vmlinux"),
    "initrd_path": $(json_str "$TDIR/initrd.img"),
    "boot_args": $(json_str "$STD_ARGS")
  },
  "machine-config": { "vcpu_count": 2, "mem_size_mib": 256 },
  $(vsock_json 3 "$UDS")
}
EOF

# Host listeners for the guest's connections, up before the guest is.
"$VSOCKT" hlisten "${UDS}_6000" 1 >"$TDIR/g2h.out" 2>&1 &
g2h=$!
"$VSOCKT" hlisten "${UDS}_6001" 1 >"$TDIR/half.out" 2>&1 &

boot_bg
wait_guest_line EMBER-VSOCK-READY 240
[ -S "$UDS" ] || fail "no socket at $UDS"

# 1. One big stream.
timeout 300 "$VSOCKT" hconnect "$UDS" 5000 4194304 >"$TDIR/big.out" 2>&1 ||
	fail "4 MiB echo: $(tail -n 1 "$TDIR/big.out")"
echo "4 MiB echo: $(cat "$TDIR/big.out")" >"$TDIR/boot-summary"

# 2. 32 connections at once.
timeout 300 "$VSOCKT" hconnect "$UDS" 5000 65536 32 >"$TDIR/many.out" 2>&1 ||
	fail "32 connections: $(tail -n 1 "$TDIR/many.out")"
echo "32 x 64 KiB: $(cat "$TDIR/many.out")" >>"$TDIR/boot-summary"

# 3. A client that never reads; another keeps flowing meanwhile.
"$VSOCKT" hstall "$UDS" 5000 2097152 >"$TDIR/stall.out" 2>&1 &
stall=$!
sleep 3
kill -0 "$stall" 2>/dev/null || fail "the stalled client ended: $(cat "$TDIR/stall.out")"
timeout 120 "$VSOCKT" hconnect "$UDS" 5000 1048576 >"$TDIR/beside.out" 2>&1 ||
	fail "a stream beside a stalled one: $(tail -n 1 "$TDIR/beside.out")"
grep -q stalled "$TDIR/stall.out" && fail "2 MiB went through a client that never reads"
kill "$stall"
stall=

# 4. Nobody listens on the port: closed without OK.
timeout 60 "$VSOCKT" hrefused "$UDS" 4321 30 >"$TDIR/refused.out" 2>&1 ||
	fail "CONNECT 4321: $(tail -n 1 "$TDIR/refused.out")"

# 5. Half a CONNECT line: dropped after the handshake timeout.
timeout 60 "$VSOCKT" hsilent "$UDS" 20 "CONNECT 50" >"$TDIR/silent.out" 2>&1 ||
	fail "a silent client: $(tail -n 1 "$TDIR/silent.out")"
s=$(sed -n 's/^closed after \([0-9]*\).*/\1/p' "$TDIR/silent.out")
[ -n "$s" ] && [ "$s" -ge 4 ] || fail "a silent client closed too early: $(cat "$TDIR/silent.out")"

# 6. The guest's own connections.
wait_guest_line "EMBER-VSOCK-HALF" 120
g=$(tr -d '\r' <"$TDIR/serial.raw" | sed -n 's/^EMBER-VSOCK-G2H //p')
case $g in ok\ 1048576\ *) ;; *) fail "guest to <uds_path>_6000: '$g'" ;; esac
g=$(tr -d '\r' <"$TDIR/serial.raw" | sed -n 's/^EMBER-VSOCK-HALF //p')
case $g in closed\ mid-stream*) ;; *) fail "guest closing mid-stream: '$g'" ;; esac

# 7. Still serving after all that; then the guest ends.
timeout 60 "$VSOCKT" hconnect "$UDS" 5000 4096 >"$TDIR/after.out" 2>&1 ||
	fail "after the tests: $(tail -n 1 "$TDIR/after.out")"
timeout 60 "$VSOCKT" hconnect "$UDS" 4999 0 >/dev/null 2>&1
wait_bg 120
expect_boot_ok
exit 0
