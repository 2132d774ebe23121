# entropy: PUT /entropy gives the guest a virtio-rng device; /dev/hwrng is
# the virtio one and reads random bytes (two 64 KiB reads differ and do not
# compress); a 32 KiB/s limit (8 KiB bucket refilled every 250 ms) makes a
# 64 KiB read take at least ~1.75 s (a lower bound only: under TCG the device
# may be slower, never faster); the metrics count the bytes and the
# throttling; GET /vm/config shows the limiter; PUT /entropy after boot is
# refused.
# timeout: 240
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

cat >"$TDIR/rng.sh" <<'GUEST'
cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
echo "EMBER-RNG current $(cat /sys/class/misc/hw_random/rng_current)"
t0=$(cs)
dd if=/dev/hwrng of=/tmp/a bs=4096 count=16 2>/dev/null
t1=$(cs)
dd if=/dev/hwrng of=/tmp/b bs=4096 count=16 2>/dev/null
echo "EMBER-RNG size $(wc -c </tmp/a) $(wc -c </tmp/b)"
echo "EMBER-RNG same $(cmp -s /tmp/a /tmp/b && echo yes || echo no)"
echo "EMBER-RNG gz $(gzip -c /tmp/a | wc -c)"
echo "EMBER-RNG took $((t1 - t0))"
echo "EMBER-RNG done"
sleep 120 # the host checks the API and metrics meanwhile
GUEST
initrd_with_test "$TDIR/rng.sh"

api_start
api_ok PUT /metrics "{\"metrics_path\": \"$TDIR/metrics.json\"}"
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}'
api_fault 400 'missing field `rate_limiter.bandwidth.refill_time`' PUT /entropy '{"rate_limiter": {"bandwidth": {"size": 1}}}'
api_ok PUT /entropy '{"rate_limiter": {"bandwidth": {"size": 8192, "refill_time": 250}}}'
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'EMBER-RNG done' 150

val() { console_text | awk -v k="$1" '$1 == "EMBER-RNG" && $2 == k { print $3 }'; }
[ "$(val current)" = virtio_rng.0 ] || fail "/dev/hwrng is not the virtio device: '$(val current)'"
console_text | grep -q 'EMBER-RNG size 65536 65536' || fail "short reads from /dev/hwrng: $(console_text | grep 'EMBER-RNG size')"
[ "$(val same)" = no ] || fail "two reads from /dev/hwrng returned the same bytes"
[ "$(val gz)" -ge 65536 ] || fail "64 KiB from /dev/hwrng compress to $(val gz) bytes: not random"
took=$(val took)
echo "64 KiB at a 32 KiB/s limit: ${took}0 ms"
[ "$took" -ge 166 ] || fail "the limited device gave 64 KiB in ${took}0 ms (limit: >= 1750 ms)"

api_fault 400 'not supported after starting' PUT /entropy '{}'
api_ok GET /vm/config
case $API_BODY in
*'"entropy":{"rate_limiter":{"bandwidth":{"size":8192'*) ;;
*) fail "GET /vm/config does not show the entropy device: $API_BODY" ;;
esac
api_ok PUT /actions '{"action_type": "FlushMetrics"}'
grep -q '"entropy":{[^}]*"entropy_bytes":[1-9]' "$TDIR/metrics.json" || fail "metrics: no entropy bytes counted"
grep -q '"entropy_rate_limiter_throttled":[1-9]' "$TDIR/metrics.json" || fail "metrics: the limiter never throttled"
exit 0
