# rate_blk: fio in the guest measures a drive limited to 4 MiB/s and 200
# IOPS (Firecracker's buckets: size = rate x refill_time, refill_time
# 500 ms, no one_time_burst) within +-10% of each limit over 10 s, then a
# live PATCH /drives raises the bandwidth to 16 MiB/s and the next 10 s are
# within +-10% of that. An unlimited drive read beside the limited one at
# the same time runs much faster (>= 4x the limit).
# Each fio job runs 2 s (ramp_time, not counted) and then 10 s; the rate is
# fio's own: KiB read / runtime ms of the counted 10 s. The ramp drains the
# bucket the device starts with (a full one, 0.5 s of traffic), so the
# counted window sees the steady rate only. 256 KiB sequential reads (16 or
# 64 per second: below the ops limit) measure the bandwidth bucket, 4 KiB
# random reads (800 KiB/s: below the bandwidth limit) the ops bucket. Unlimited
# under TCG the guest reads far above 16 MiB/s and 1000 IOPS (make bench-io).
# The guest waits for the PATCH by polling the last block of the unlimited
# drive, which the host writes only after the PATCH returned.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_rate.sh
. "$(dirname "$LIB")/lib_rate.sh"
trap api_stop EXIT
need_asset vmlinux

mib=1048576
truncate -s 64M "$TDIR/lim.img" "$TDIR/free.img" || fail "cannot make the images"

cat >"$TDIR/rate.sh" <<'GUEST'
for d in /sys/block/vd*; do
	case $(cat "$d/serial" 2>/dev/null) in
	lim) lim=/dev/${d##*/} ;;
	free) free=/dev/${d##*/} ;;
	esac
done
# fio_run PHASE ARGS... - one fio run (O_DIRECT, queue depth 1, 2 s ramp,
# then 10 s counted); per job "EMBER-FIO PHASE JOB KIB MS IOPS".
fio_run() {
	phase=$1
	shift
	fio --output-format=terse --terse-version=3 --direct=1 --ioengine=psync --thread \
		--time_based --ramp_time=2 --runtime=10 "$@" >/tmp/fio.out 2>/tmp/fio.err
	grep -q '^3;' /tmp/fio.out ||
		echo "EMBER-FIO-ERROR $phase $(cat /tmp/fio.err /tmp/fio.out | head -c 300 | tr '\n' ' ')"
	awk -F';' -v p="$phase" '/^3;/ { print "EMBER-FIO", p, $3, $6, $9, $8 }' /tmp/fio.out
}
fio_run bw --rw=read --bs=256k --name=lim --filename="$lim" --name=free --filename="$free"
fio_run iops --rw=randread --bs=4k --name=lim --filename="$lim"
echo "EMBER-WAIT-PATCH"
i=0
while [ $i -lt 600 ]; do
	echo 3 >/proc/sys/vm/drop_caches
	go=$(dd if="$free" bs=4096 count=1 skip=16383 2>/dev/null | tr -d '\000' | head -c 8)
	[ "$go" = EMBER-GO ] && break
	sleep 0.2
	i=$((i + 1))
done
echo "EMBER-PATCHED $go"
fio_run patched --rw=read --bs=256k --name=lim --filename="$lim"
GUEST
initrd_with_tools "$TDIR/rate.sh"

# bucket RATE_BYTES_PER_S - a 500 ms bucket for that rate, no burst.
bucket() {
	echo "{\"size\": $(($1 / 2)), \"refill_time\": 500}"
}
api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 384}'
api_ok PUT /drives/lim "{\"drive_id\": \"lim\", \"path_on_host\": \"$TDIR/lim.img\", \"is_root_device\": false, \"is_read_only\": true, \"rate_limiter\": {\"bandwidth\": $(bucket $((4 * mib))), \"ops\": $(bucket 200)}}"
api_ok PUT /drives/free "{\"drive_id\": \"free\", \"path_on_host\": \"$TDIR/free.img\", \"is_root_device\": false, \"is_read_only\": true}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'

# fio_field PHASE JOB N - field N of that EMBER-FIO line (4 KiB, 5 ms, 6 IOPS).
fio_field() {
	console_text | awk -v p="$1" -v j="$2" -v n="$3" '$1 == "EMBER-FIO" && $2 == p && $3 == j { print $n }'
}
# kibs PHASE JOB - KiB/s over the counted window.
kibs() {
	awk -v k="$(fio_field "$1" "$2" 4)" -v ms="$(fio_field "$1" "$2" 5)" \
		'BEGIN { if (ms > 0) printf "%.0f", k * 1000 / ms; else print "none" }'
}
wait_console 'EMBER-WAIT-PATCH' 420
console_text | grep -q 'EMBER-FIO-ERROR' && fail "fio failed: $(console_text | grep 'EMBER-FIO-ERROR' | head -n 1)"
lim_bw=$(kibs bw lim)
free_bw=$(kibs bw free)
lim_iops=$(awk -v k="$(fio_field iops lim 4)" -v ms="$(fio_field iops lim 5)" \
	'BEGIN { if (ms > 0) printf "%.0f", k / 4 * 1000 / ms; else print "none" }')
rate_note "4 MiB/s limit: $lim_bw KiB/s; unlimited beside it: $free_bw KiB/s; 200 IOPS limit: $lim_iops IOPS"

api_ok PATCH /drives/lim "{\"drive_id\": \"lim\", \"rate_limiter\": {\"bandwidth\": $(bucket $((16 * mib)))}}"
api_ok GET /vm/config
case $API_BODY in
*$((8 * mib))*) ;;
*) fail "GET /vm/config does not show the new limit: $API_BODY" ;;
esac
printf 'EMBER-GO' | dd of="$TDIR/free.img" bs=4096 seek=16383 conv=notrunc 2>/dev/null ||
	fail "cannot signal the guest"
wait_console 'EMBER-FIO patched lim' 120
console_text | grep -q 'EMBER-PATCHED EMBER-GO' || fail "the guest did not see the PATCH signal"
patched_bw=$(kibs patched lim)
rate_note "after PATCH to 16 MiB/s: $patched_bw KiB/s"

expect_within "4 MiB/s limit (KiB/s)" "$lim_bw" 4096 10
expect_within "200 IOPS limit (IOPS)" "$lim_iops" 200 10
expect_within "16 MiB/s after PATCH (KiB/s)" "$patched_bw" 16384 10
[ "$free_bw" -ge $((4 * 4096)) ] ||
	fail "the unlimited drive beside the limited one read only $free_bw KiB/s"
exit 0
