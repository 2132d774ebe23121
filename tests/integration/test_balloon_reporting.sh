# balloon_reporting: with free_page_reporting the guest hands the pages it
# frees back by itself. The guest writes a 160 MiB file into a tmpfs, holds
# it for a few seconds, then deletes it; ember's RSS must fall by at least
# 96 MiB within 60 s without any API call.
# timeout: 240
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

cat >"$TDIR/cache.sh" <<'GUEST'
mkdir -p /mnt/c
mount -t tmpfs -o size=200m c /mnt/c
dd if=/dev/zero of=/mnt/c/f bs=1M count=160 2>/dev/null
echo EMBER-WRITTEN
sleep 8
rm /mnt/c/f
echo EMBER-DROPPED
while :; do sleep 5; done
GUEST
initrd_with_test "$TDIR/cache.sh"

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$EMBER_PID/status"; }

api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
api_ok PUT /balloon '{"amount_mib": 0, "deflate_on_oom": false, "free_page_reporting": true}'
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console EMBER-WRITTEN 180
sleep 1
full=$(rss_kb)
wait_console EMBER-DROPPED 60
i=0
while :; do
	now=$(rss_kb)
	[ $((full - now)) -ge $((96 * 1024)) ] && break
	[ $i -ge 120 ] && fail "RSS fell by $(((full - now) / 1024)) MiB only ($full -> $now kB)"
	sleep 0.5
	i=$((i + 1))
done
echo "RSS with the file: $full kB, after the guest dropped it: $now kB (fell $(((full - now) / 1024)) MiB)" | tee -a "$TDIR/boot-summary"
api_alive
exit 0
