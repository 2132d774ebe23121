# rate_blk: a drive limited to 2 MiB/s (256 KiB bucket refilled every 125 ms,
# plus 32 ops per 125 ms) is read no faster than the limit, while an
# unlimited drive beside it runs at full speed; a live PATCH /drives raising
# the limit to 16 MiB/s takes effect on the next read. The guest times 4 MiB
# uncached reads with /proc/uptime (centiseconds). Under TCG only lower
# bounds are reliable: a read cannot beat the limit, the device may be slower.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

truncate -s 64M "$TDIR/lim.img" "$TDIR/free.img" || fail "cannot make the images"

cat >"$TDIR/rate.sh" <<'GUEST'
cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
i=0
while [ $i -lt 15 ]; do
	for d in vda vdb; do
		echo 3 >/proc/sys/vm/drop_caches
		t0=$(cs)
		dd if=/dev/$d of=/dev/null bs=64k count=64 skip=$((i * 64)) 2>/dev/null
		t1=$(cs)
		echo "EMBER-READ $i $(cat /sys/block/$d/serial) $((t1 - t0))"
	done
	i=$((i + 1))
	sleep 1
done
GUEST
initrd_with_test "$TDIR/rate.sh"

api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}'
api_ok PUT /drives/lim "{\"drive_id\": \"lim\", \"path_on_host\": \"$TDIR/lim.img\", \"is_root_device\": false, \"is_read_only\": true, \"rate_limiter\": {\"bandwidth\": {\"size\": 262144, \"refill_time\": 125}, \"ops\": {\"size\": 32, \"refill_time\": 125}}}"
api_ok PUT /drives/free "{\"drive_id\": \"free\", \"path_on_host\": \"$TDIR/free.img\", \"is_root_device\": false, \"is_read_only\": true}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console 'EMBER-READ 1 free' 120

# centiseconds of read $1 on drive $2
took() { console_text | awk -v i="$1" -v d="$2" '$1 == "EMBER-READ" && $2 == i && $3 == d { print $4 }'; }
lim=$(took 1 lim)
free=$(took 1 free)
echo "limited 4 MiB: ${lim}0 ms, unlimited: ${free}0 ms"
# 4 MiB at 2 MiB/s with a 256 KiB bucket: at least 1.875 s; allow 5% timer slack.
[ "$lim" -ge 178 ] || fail "the limited drive read 4 MiB in ${lim}0 ms (limit: >= 1875 ms)"
[ "$free" -lt $((lim / 2)) ] || fail "the unlimited drive is slowed too: ${free}0 ms vs ${lim}0 ms"

api_ok PATCH /drives/lim '{"drive_id": "lim", "rate_limiter": {"bandwidth": {"size": 2097152, "refill_time": 125}, "ops": {"size": 0, "refill_time": 0}}}'
api_ok GET /vm/config
case $API_BODY in
*2097152*) ;;
*) fail "GET /vm/config does not show the new limit: $API_BODY" ;;
esac
# A read that starts after the PATCH: two rounds later.
wait_console 'EMBER-READ 1 free' 5
n=$(console_text | awk '$1 == "EMBER-READ" { n = $2 } END { print n + 2 }')
wait_console "EMBER-READ $n lim" 120
fast=$(took "$n" lim)
echo "after PATCH to 16 MiB/s: ${fast}0 ms"
[ "$fast" -lt $((lim / 2)) ] || fail "PATCH did not raise the limit: ${fast}0 ms vs ${lim}0 ms"
exit 0
