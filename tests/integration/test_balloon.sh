# balloon: a 256 MiB guest touches most of its memory (a 180 MiB file in a
# tmpfs, then deleted), so its free pages are backed on the host. Inflating
# the balloon by 64 MiB with PATCH /balloon must lower ember's RSS by at
# least 56 MiB; deflating brings "actual" back to 0. On the way: the
# statistics appear after the polling interval, the phase and validation
# errors are Firecracker's, free page hinting runs a command-id round, and
# GET /vm/config shows the balloon.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

cat >"$TDIR/fill.sh" <<'GUEST'
mkdir -p /mnt/b
mount -t tmpfs -o size=200m b /mnt/b
dd if=/dev/zero of=/mnt/b/f bs=1M count=180 2>/dev/null
rm /mnt/b/f
echo EMBER-FILLED
while :; do sleep 5; done
GUEST
initrd_with_test "$TDIR/fill.sh"

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$EMBER_PID/status"; }

# wait_actual PAGES SECS - until GET /balloon/statistics shows actual_pages PAGES.
wait_actual() {
	i=0
	while :; do
		api_ok GET /balloon/statistics
		case $API_BODY in
		*"\"actual_pages\":$1,"*) return 0 ;;
		esac
		[ $i -ge $(($2 * 2)) ] && fail "actual_pages never reached $1: $API_BODY"
		sleep 0.5
		i=$((i + 1))
	done
}

api_start
api_fault 400 "not supported before starting" PATCH /balloon '{"amount_mib": 1}'
api_fault 400 "No balloon device found." GET /balloon
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 256}'
api_fault 400 "Amount of pages requested is too large." PUT /balloon '{"amount_mib": 512, "deflate_on_oom": true}'
api_fault 400 "deserializing" PUT /balloon '{"amount_mib": 1}'
api_ok PUT /balloon '{"amount_mib": 0, "deflate_on_oom": true, "stats_polling_interval_s": 1, "free_page_hinting": true}'
api_ok GET /balloon
case $API_BODY in
*'"stats_polling_interval_s":1'*'"free_page_hinting":true'*) ;;
*) fail "GET /balloon: $API_BODY" ;;
esac
api_fault 400 "not supported before starting" GET /balloon/statistics
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_console EMBER-FILLED 180
sleep 2
before=$(rss_kb)

api_ok PATCH /balloon '{"amount_mib": 64}'
wait_actual 16384 120
sleep 1
after=$(rss_kb)
echo "RSS before inflating: $before kB, after 64 MiB: $after kB (fell $(((before - after) / 1024)) MiB)" | tee -a "$TDIR/boot-summary"
[ $((before - after)) -ge $((56 * 1024)) ] || fail "RSS fell by $(((before - after) / 1024)) MiB only"

api_ok GET /balloon/statistics
case $API_BODY in
*'"target_mib":64'*'"free_memory":'*) ;;
*) fail "statistics without the guest's numbers: $API_BODY" ;;
esac
api_fault 400 "Cannot enable/disable the statistics after boot." PATCH /balloon/statistics '{"stats_polling_interval_s": 0}'
api_ok PATCH /balloon/statistics '{"stats_polling_interval_s": 2}'
api_fault 400 "Amount of pages requested is too large." PATCH /balloon '{"amount_mib": 300}'

api_ok PATCH /balloon '{"amount_mib": 0}'
wait_actual 0 120
echo "RSS after deflating: $(rss_kb) kB" | tee -a "$TDIR/boot-summary"

api_ok PATCH /balloon/hinting/start
api_ok GET /balloon/hinting/status
case $API_BODY in
*'"host_cmd":2'*) ;;
*) fail "hinting status after start: $API_BODY" ;;
esac
i=0
while :; do
	api_ok GET /balloon/hinting/status
	case $API_BODY in
	*'"guest_cmd":null'*) ;;
	*) break ;;
	esac
	[ $i -ge 60 ] && fail "the guest never answered the hinting command: $API_BODY"
	sleep 0.5
	i=$((i + 1))
done
api_ok PATCH /balloon/hinting/stop
api_ok GET /vm/config
case $API_BODY in
*'"balloon":{"amount_mib":0,'*) ;;
*) fail "GET /vm/config: $API_BODY" ;;
esac
api_alive
exit 0
