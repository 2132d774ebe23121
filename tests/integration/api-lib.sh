# shellcheck shell=sh
# api-lib.sh - helpers for the API tests (sourced after lib.sh; POSIX sh,
# busybox ash in the test host). They drive a real ember through its Unix
# socket with curl, as Firecracker's getting-started guide does.
#
#   api_start [FLAGS...]       ember --api-sock $SOCK --boot-timer FLAGS in the
#                              background; waits until GET / answers
#   api METHOD PATH [BODY]     one request; sets API_STATUS and API_BODY
#   api_ok METHOD PATH [BODY]  ... and fails the test unless it is 2xx
#   api_fault STATUS TEXT METHOD PATH [BODY]
#                              ... fails unless it is STATUS with a JSON
#                              fault_message containing TEXT
#   api_alive                  GET / still answers 200 and ember still runs
#   wait_console TEXT SECS     wait for TEXT on the guest console
#   api_wait_exit SECS         wait for ember to exit; sets BOOT_RC
#   api_stop                   kill ember if it still runs (test cleanup)
#   initrd_with_test FILE      $TDIR/initrd.img: the guest initramfs + FILE
#                              as /test.sh (run by the guest's /init)
#   uptime_guest [CLOCKSOURCE] $TDIR/initrd.img whose guest prints its uptime
#                              every second (on CLOCKSOURCE) until stopped
#   expect_clock_frozen        pause 10 s: no guest output, and the guest's
#                              uptime does not advance across the pause

SOCK=$TDIR/api.sock
EMBER_PID=
API_STATUS=
API_BODY=

# api_start FLAGS... - start ember; stdout (the guest console) goes to
# serial.raw, stderr (ember's log) to ember.log.
# shellcheck disable=SC2120 # FLAGS are optional
api_start() {
	"$EMBER" --api-sock "$SOCK" --boot-timer "$@" </dev/null >"$TDIR/serial.raw" \
		2>"$TDIR/ember.log" &
	EMBER_PID=$!
	API_T0=$(uptime_cs)
	i=0
	while [ $i -lt 100 ]; do
		if [ -S "$SOCK" ] && api GET / && [ "$API_STATUS" = 200 ]; then
			return 0
		fi
		kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited at start-up ($(last_words))"
		sleep 0.1
		i=$((i + 1))
	done
	fail "the API socket did not answer within 10 s"
}

# api METHOD PATH [BODY] - BODY "@FILE" sends a file; no BODY: no body.
api() {
	m=$1
	p=$2
	rm -f "$TDIR/resp"
	if [ $# -ge 3 ]; then
		case $3 in
		@*) set -- --data-binary "$3" ;;
		*) set -- --data-raw "$3" ;;
		esac
	else
		set --
	fi
	API_STATUS=$(curl -s --max-time 60 --unix-socket "$SOCK" -X "$m" \
		-H 'Accept: application/json' -H 'Content-Type: application/json' "$@" \
		-o "$TDIR/resp" -w '%{http_code}' "http://localhost$p" 2>"$TDIR/curl.err")
	API_BODY=$(cat "$TDIR/resp" 2>/dev/null)
	echo "$m $p -> $API_STATUS $API_BODY" >>"$TDIR/api.log"
	[ -n "$API_STATUS" ] && [ "$API_STATUS" != 000 ]
}

api_ok() {
	api "$@" || fail "$1 $2: no answer ($(cat "$TDIR/curl.err"))"
	case $API_STATUS in
	2??) ;;
	*) fail "$1 $2: status $API_STATUS, body $API_BODY" ;;
	esac
}

# fault_message - the fault_message of API_BODY, with \" and \\ unescaped.
fault_message() {
	printf '%s' "$API_BODY" | sed -n 's/.*"fault_message":"\(\([^"\\]\|\\.\)*\)".*/\1/p' |
		sed 's/\\"/"/g; s/\\\\/\\/g'
}

api_fault() {
	want=$1
	text=$2
	shift 2
	api "$@" || fail "$1 $2: no answer ($(cat "$TDIR/curl.err"))"
	[ "$API_STATUS" = "$want" ] || fail "$1 $2: status $API_STATUS, expected $want ($API_BODY)"
	msg=$(fault_message)
	[ -n "$msg" ] || fail "$1 $2: no fault_message in $API_BODY"
	case $msg in
	*"$text"*) ;;
	*) fail "$1 $2: fault_message '$msg' lacks '$text'" ;;
	esac
}

api_alive() {
	kill -0 "$EMBER_PID" 2>/dev/null || fail "ember is gone ($(last_words))"
	if ! api GET / || [ "$API_STATUS" != 200 ]; then
		fail "GET / no longer answers ($API_STATUS)"
	fi
}

# console_text - the console so far, without CRs.
console_text() {
	tr -d '\r' <"$TDIR/serial.raw"
}

wait_console() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		console_text | grep -q "$1" && return 0
		kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited before '$1' ($(last_words))"
		sleep 0.1
		i=$((i + 1))
	done
	fail "no '$1' on the console within $2 s ($(last_words))"
}

api_wait_exit() {
	i=0
	while kill -0 "$EMBER_PID" 2>/dev/null; do
		[ $i -ge $(($1 * 10)) ] && fail "ember still runs after $1 s ($(last_words))"
		sleep 0.1
		i=$((i + 1))
	done
	wait "$EMBER_PID"
	BOOT_RC=$?
	tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
	BOOT_SECS=$(awk -v a="$API_T0" -v b="$(uptime_cs)" 'BEGIN { printf "%.2f", (b - a) / 100 }')
	echo "ember status $BOOT_RC after $BOOT_SECS s" >"$TDIR/boot-summary"
	EMBER_PID=
}

api_stop() {
	[ -n "$EMBER_PID" ] && kill -9 "$EMBER_PID" 2>/dev/null
	tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log" 2>/dev/null
	return 0
}

initrd_with_test() {
	need_asset initramfs.cpio.gz
	rm -rf "$TDIR/extra"
	mkdir -p "$TDIR/extra"
	cp "$1" "$TDIR/extra/test.sh"
	chmod 0755 "$TDIR/extra/test.sh"
	# A second, gzip'ed newc archive: Linux unpacks concatenated archives.
	(cd "$TDIR/extra" && echo test.sh | cpio -o -H newc -R 0:0 2>/dev/null | gzip) \
		>"$TDIR/test.cpio.gz" || fail "cannot pack the guest test script"
	cat "$ASSETS/initramfs.cpio.gz" "$TDIR/test.cpio.gz" >"$TDIR/initrd.img"
}

# shellcheck disable=SC2120 # CLOCKSOURCE is optional
uptime_guest() {
	{
		if [ -n "${1:-}" ]; then
			# The TSC clocksource registers a while after boot (once
			# its calibration is refined): wait up to 20 s for it.
			echo "cs=/sys/devices/system/clocksource/clocksource0"
			echo "i=0; while [ \$i -lt 40 ] && ! grep -qw $1 \$cs/available_clocksource; do sleep 0.5; i=\$((i + 1)); done"
			echo "echo $1 >/sys/devices/system/clocksource/clocksource0/current_clocksource"
			# shellcheck disable=SC2016 # expanded in the guest
			echo 'echo "EMBER-CLOCKSOURCE $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"'
		fi
		cat <<'GUEST'
while :; do
	read -r up _ </proc/uptime
	echo "EMBER-UPTIME $up"
	sleep 1
done
GUEST
	} >"$TDIR/uptime.sh"
	initrd_with_test "$TDIR/uptime.sh"
}

# expect_clock_frozen - needs a guest from uptime_guest, printing already.
# The guest's loop takes about a second (a few under TCG); had its clock run
# on during the pause, its uptime would advance by more than the 10 s pause.
expect_clock_frozen() {
	api_ok PATCH /vm '{"state": "Paused"}'
	p0=$(uptime_cs)
	api_ok GET /
	case $API_BODY in
	*'"state":"Paused"'*) ;;
	*) fail "GET / while paused: $API_BODY" ;;
	esac
	sleep 1
	before=$(console_text | grep -c '^EMBER-UPTIME')
	last=$(console_text | sed -n 's/^EMBER-UPTIME //p' | tail -n 1)
	sleep 9
	during=$(console_text | grep -c '^EMBER-UPTIME')
	[ "$during" -eq "$before" ] || fail "the guest printed $((during - before)) lines while paused"
	api_ok PATCH /vm '{"state": "Resumed"}'
	p1=$(uptime_cs)
	i=0
	while [ "$(console_text | grep -c '^EMBER-UPTIME')" -lt $((before + 2)) ]; do
		[ $i -ge 600 ] && fail "no guest output within 60 s of resuming"
		sleep 0.1
		i=$((i + 1))
	done
	next=$(console_text | sed -n 's/^EMBER-UPTIME //p' | sed -n "$((before + 1))p")
	gap=$(awk -v a="$last" -v b="$next" 'BEGIN { printf "%.2f", b - a }')
	paused=$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.2f", (b - a) / 100 }')
	echo "paused for $paused s (host); guest uptime advanced $gap s across the pause" \
		>>"$TDIR/pause-summary"
	awk -v g="$gap" -v p="$paused" 'BEGIN { exit !(p >= 9.5 && g < p - 4) }' ||
		fail "guest uptime advanced $gap s across a $paused s pause (its clock kept running)"
	api_ok GET /
	case $API_BODY in
	*'"state":"Running"'*) ;;
	*) fail "GET / after resume: $API_BODY" ;;
	esac
}
