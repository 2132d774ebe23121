#!/usr/bin/env bash
# dropin.sh - black-box checks of what Firecracker's orchestrators need
# before a guest runs, against the real binaries (no guest is booted, so
# this runs with `make unit`; the replays that boot guests are
# tests/integration/test_replay_*.sh):
#
#   version      `ember --version` read as Kata reads it (second word of the
#                first line, "v" stripped, semver >= 0.21.1); GET / and
#                GET /version say the same
#   start_time   --start-time-us/--start-time-cpu-us/--parent-cpu-time-us
#                become api_server.process_startup_time_us/_cpu_us
#   fifo         logger and metrics FIFOs nobody reads: accepted (flags and
#                API), a full one never stalls the API, lines stay whole
#   threads      the API thread is named fc_api
#   socket       no --api-sock: /run/firecracker.socket (root: in a private
#                mount namespace with its own /run)
#   kata_jailer  ember-jailer with Kata's argument list and Kata's jail
#                preparation on a noexec,nodev /run (root)
#   base_dir     a missing --chroot-base-dir is created; a jail root on a
#                noexec mount is refused before anything is made (root)
#
#   bash tests/unit/dropin.sh EMBER EMBER-JAILER
set -uo pipefail

EMBER=$(readlink -f "${1:-build/ember}")
JAILER=$(readlink -f "${2:-build/ember-jailer}")
tmp=$(mktemp -d /tmp/ember-dropin.XXXXXX)
pids=()
pass=0
fail=0
skip=0
cleanup() {
	local p

	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
	echo "TEST dropin_$1 PASS"
	pass=$((pass + 1))
}

bad() {
	echo "TEST dropin_$1 FAIL $2"
	fail=$((fail + 1))
}

skipped() {
	echo "TEST dropin_$1 SKIP $2"
	skip=$((skip + 1))
}

# start NAME SOCK ARGS... - ember in the background; waits for GET /.
start() {
	local name=$1 sock=$2 i
	shift 2
	"$EMBER" --api-sock "$sock" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	for i in $(seq 100); do
		curl -sf --max-time 2 --unix-socket "$sock" http://localhost/ >/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

stop() {
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# get SOCK PATH - the body of a GET.
get() {
	curl -s --max-time 5 --unix-socket "$1" "http://localhost$2"
}

# put SOCK PATH BODY - prints the status code.
put() {
	curl -s --max-time 5 --unix-socket "$1" -X PUT -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/json' -d "$3" "http://localhost$2"
}

# field JSON GROUP NAME - a number from a metrics line.
field() {
	printf '%s' "$1" | sed -n "s/.*\"$2\":{[^}]*\"$3\":\([0-9]*\).*/\1/p"
}

# semver_ge A B - A >= B, both MAJOR.MINOR.PATCH.
semver_ge() {
	local a1 a2 a3 b1 b2 b3
	IFS=. read -r a1 a2 a3 <<<"$1"
	IFS=. read -r b1 b2 b3 <<<"$2"
	[[ $a1 =~ ^[0-9]+$ && $a2 =~ ^[0-9]+$ && $a3 =~ ^[0-9]+$ ]] || return 1
	((a1 != b1)) && { ((a1 > b1)); return; }
	((a2 != b2)) && { ((a2 > b2)); return; }
	((a3 >= b3))
}

t_version() {
	local line word v sock=$tmp/v.sock pid
	line=$("$EMBER" --version | head -n 1)
	word=$(awk '{ print $2 }' <<<"$line")
	v=${word#v}
	semver_ge "$v" 0.21.1 || { bad version "Kata would refuse \"$line\" (needs >= 0.21.1)"; return; }
	semver_ge "$v" 1.0.0 || { bad version "\"$line\" is below 1.0.0"; return; }
	[ "$("$JAILER" --version | awk '{ print $2; exit }')" = "v$v" ] ||
		{ bad version "ember-jailer --version disagrees with $line"; return; }
	start version "$sock" || { bad version "ember did not start: $(tail -n 2 "$tmp/version.err")"; return; }
	get "$sock" / | grep -qF "\"vmm_version\":\"$v\"" || { bad version "GET / says $(get "$sock" /)"; return; }
	[ "$(get "$sock" /version)" = "{\"firecracker_version\":\"$v\"}" ] ||
		{ bad version "GET /version says $(get "$sock" /version)"; return; }
	stop "$pid"
	ok version
}

t_start_time() {
	local sock=$tmp/st.sock m line us cpu rc
	m=$tmp/st.metrics
	start start_time "$sock" --metrics-path "$m" --start-time-us 0 --start-time-cpu-us 0 \
		--parent-cpu-time-us 7000000 || { bad start_time "ember did not start"; return; }
	line=$(head -n 1 "$m")
	us=$(field "$line" api_server process_startup_time_us)
	cpu=$(field "$line" api_server process_startup_time_cpu_us)
	stop "$pid"
	# --start-time-us 0: the wall time is CLOCK_MONOTONIC itself (> 0, and
	# at least this machine's uptime minus a little).
	[ -n "$us" ] && [ "$us" -gt 1000 ] || { bad start_time "process_startup_time_us=$us in $line"; return; }
	[ -n "$cpu" ] && [ "$cpu" -ge 7000000 ] && [ "$cpu" -lt 12000000 ] ||
		{ bad start_time "process_startup_time_cpu_us=$cpu, expected 7 s + ember's own"; return; }
	"$EMBER" --start-time-us -5 >/dev/null 2>"$tmp/st.err"
	rc=$?
	[ "$rc" = 153 ] && grep -q -- '--start-time-us: must be a number of microseconds' "$tmp/st.err" ||
		{ bad start_time "a bad value gave status $rc: $(cat "$tmp/st.err")"; return; }
	ok start_time
}

t_fifo() {
	local sock=$tmp/f.sock i code t0 t1 line n lost
	mkfifo "$tmp/log.fifo" "$tmp/metrics.fifo" "$tmp/api-log.fifo"
	# Flags (Kata's config-file path and firecracker-containerd's API path
	# both end in these opens).
	start fifo "$sock" --log-path "$tmp/log.fifo" --level Debug --metrics-path "$tmp/metrics.fifo" ||
		{ bad fifo "ember refused FIFOs without a reader: $(tail -n 2 "$tmp/fifo.err")"; return; }
	# FlushMetrics before boot is refused, as Firecracker refuses it.
	code=$(put "$sock" /actions '{"action_type": "FlushMetrics"}')
	[ "$code" = 400 ] || { bad fifo "FlushMetrics before boot: status $code"; return; }
	# Fill the log FIFO (Debug: a line per request the VMM thread applies):
	# each request is still answered at once.
	t0=$(date +%s%N)
	for i in $(seq 1200); do
		code=$(put "$sock" /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}')
		[ "$code" = 204 ] || { bad fifo "PUT /machine-config #$i: status $code"; return; }
	done
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 60000 ] || { bad fifo "1200 requests took $(((t1 - t0) / 1000000)) ms"; return; }
	get "$sock" / | grep -q '"state":"Not started"' || { bad fifo "GET / stopped answering"; return; }
	kill -0 "$pid" || { bad fifo "ember died"; return; }
	# A reader attaches late: what the FIFO held, then new lines, all whole.
	timeout 2 cat "$tmp/log.fifo" >"$tmp/log.out" &
	sleep 0.5
	put "$sock" /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}' >/dev/null
	wait $!
	n=$(wc -c <"$tmp/log.out")
	[ "$n" -ge 60000 ] || { bad fifo "the log FIFO held only $n bytes: not filled?"; return; }
	n=$(grep -v -c -E '^[0-9]+\.[0-9]+ \[[^]]*\] ' "$tmp/log.out")
	[ "$n" = 0 ] || { bad fifo "a log line was cut: $(grep -v -E '^[0-9]+\.[0-9]+ \[' "$tmp/log.out" | head -c 200)"; return; }
	# The API path (the SDK's PUT /logger) with a FIFO nobody reads.
	stop "$pid"
	start fifo_api "$sock" || { bad fifo "ember did not start"; return; }
	code=$(put "$sock" /logger "{\"log_path\": \"$tmp/api-log.fifo\", \"level\": \"Debug\", \"show_level\": true, \"show_log_origin\": false}")
	[ "$code" = 204 ] || { bad fifo "PUT /logger on a FIFO without a reader: $code"; return; }
	code=$(put "$sock" /metrics "{\"metrics_path\": \"$tmp/metrics.fifo\"}")
	[ "$code" = 204 ] || { bad fifo "PUT /metrics on a FIFO without a reader: $code"; return; }
	stop "$pid"
	ok fifo
}

t_threads() {
	local sock=$tmp/t.sock names
	start threads "$sock" || { bad threads "ember did not start"; return; }
	names=$(cat /proc/"$pid"/task/*/comm | tr '\n' '|')
	stop "$pid"
	case "|$names" in
	*"|fc_api|"*) ok threads ;;
	*) bad threads "no fc_api thread among: $names" ;;
	esac
}

# in_private_run SCRIPT - run SCRIPT (bash) as root in a new mount namespace
# whose /run is a fresh tmpfs mounted nosuid,nodev,noexec (as on most hosts).
in_private_run() {
	unshare -m --propagation private bash -c "mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 dropin /run && $1"
}

can_unshare() {
	[ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null
}

t_socket() {
	can_unshare || { skipped socket "needs root and unshare -m"; return; }
	cat >"$tmp/socket.sh" <<EOF
"$EMBER" </dev/null >/dev/null 2>"$tmp/socket.err" &
p=\$!
for i in \$(seq 100); do
	[ -S /run/firecracker.socket ] && break
	sleep 0.05
done
curl -s --max-time 5 --unix-socket /run/firecracker.socket http://localhost/version >"$tmp/socket.out"
kill -9 \$p; wait \$p 2>/dev/null
EOF
	in_private_run "bash $tmp/socket.sh"
	grep -q firecracker_version "$tmp/socket.out" 2>/dev/null ||
		{ bad socket "nothing answered on /run/firecracker.socket: $(cat "$tmp/socket.err")"; return; }
	ok socket
}

t_kata_jailer() {
	local id=0123456789abcdef0123456789abcdef
	can_unshare || { skipped kata_jailer "needs root and unshare -m"; return; }
	mkdir -p "$tmp/bin" && cp "$EMBER" "$tmp/bin/firecracker"
	# Kata (fc.go): jail root and its run/ made first, the root bind-mounted
	# over itself and remounted without noexec/nodev, FIFOs placed in it and
	# opened for reading; then the jailer with Kata's exact arguments.
	cat >"$tmp/kata.sh" <<EOF
set -e
root=/run/vc/firecracker/$id/root
mkdir -p \$root/run
mount --bind \$root \$root
mount -o remount,bind,nosuid,relatime,exec,dev \$root
mkfifo \$root/metrics.fifo
cat \$root/metrics.fifo >"$tmp/kata.metrics" &
"$JAILER" --id $id --exec-file "$tmp/bin/firecracker" --uid 0 --gid 0 \
	--chroot-base-dir /run/vc --daemonize -- --metrics-path /metrics.fifo \
	>"$tmp/kata.jailer" 2>&1
for i in \$(seq 100); do
	curl -s --max-time 2 --unix-socket \$root/run/firecracker.socket http://localhost/ \
		>"$tmp/kata.get" && break
	sleep 0.05
done
p=\$(cat \$root/firecracker.pid)
grep -E '^(Uid|CapEff|CapPrm|NoNewPrivs)' /proc/\$p/status >"$tmp/kata.status"
cat /proc/\$p/comm >"$tmp/kata.comm"
stat -c '%u:%g' \$root/run >"$tmp/kata.run"
kill -9 \$p; wait \$p 2>/dev/null
EOF
	in_private_run "bash $tmp/kata.sh" 2>"$tmp/kata.err"
	grep -q "\"id\":\"$id\",\"state\":\"Not started\"" "$tmp/kata.get" 2>/dev/null ||
		{ bad kata_jailer "no answer on <root>/run/firecracker.socket: $(head -c 300 "$tmp/kata.jailer" "$tmp/kata.err")"; return; }
	grep -q 'warning: --uid 0 --gid 0' "$tmp/kata.jailer" ||
		{ bad kata_jailer "no warning about uid 0: $(head -c 300 "$tmp/kata.jailer")"; return; }
	[ "$(cat "$tmp/kata.comm")" = firecracker ] || { bad kata_jailer "pid file names $(cat "$tmp/kata.comm")"; return; }
	[ "$(cat "$tmp/kata.run")" = 0:0 ] || { bad kata_jailer "/run in the jail is $(cat "$tmp/kata.run")"; return; }
	grep -q '^CapEff:[[:space:]]*0*$' "$tmp/kata.status" && grep -q '^CapPrm:[[:space:]]*0*$' "$tmp/kata.status" &&
		grep -q '^NoNewPrivs:[[:space:]]*1' "$tmp/kata.status" ||
		{ bad kata_jailer "privileges left: $(tr '\n' ' ' <"$tmp/kata.status")"; return; }
	# The jailer's start-time flags reached ember's metrics.
	us=$(field "$(head -n 1 "$tmp/kata.metrics")" api_server process_startup_time_us)
	[ -n "$us" ] && [ "$us" -gt 0 ] && [ "$us" -lt 10000000 ] ||
		{ bad kata_jailer "process_startup_time_us=$us: $(head -c 200 "$tmp/kata.metrics")"; return; }
	ok kata_jailer
}

t_base_dir() {
	local id=basedir-test
	can_unshare || { skipped base_dir "needs root and unshare -m"; return; }
	mkdir -p "$tmp/bin" && cp "$EMBER" "$tmp/bin/firecracker"
	cat >"$tmp/base.sh" <<EOF
# noexec /run, no bind mount: refused, nothing created.
"$JAILER" --id $id --exec-file "$tmp/bin/firecracker" --uid 1000 --gid 1000 \
	--chroot-base-dir /run/vc >"$tmp/base1.out" 2>&1
echo \$? >"$tmp/base1.rc"
ls -A /run >"$tmp/base1.ls"
# An exec,dev tmpfs below the noexec one; the base under it does not exist.
mkdir /run/ok && mount -t tmpfs -o mode=0755 ok /run/ok
"$JAILER" --id $id --exec-file "$tmp/bin/firecracker" --uid 1000 --gid 1000 \
	--chroot-base-dir /run/ok/srv/jailer --daemonize >"$tmp/base2.out" 2>&1
echo \$? >"$tmp/base2.rc"
root=/run/ok/srv/jailer/firecracker/$id/root
for i in \$(seq 100); do
	[ -S \$root/run/firecracker.socket ] && break
	sleep 0.05
done
stat -c '%u:%g %a' /run/ok/srv /run/ok/srv/jailer \$root/run >"$tmp/base2.stat"
kill -9 \$(cat \$root/firecracker.pid)
EOF
	in_private_run "bash $tmp/base.sh" 2>"$tmp/base.err"
	[ "$(cat "$tmp/base1.rc")" = 2 ] && grep -q 'is on a noexec mount' "$tmp/base1.out" ||
		{ bad base_dir "a noexec base: status $(cat "$tmp/base1.rc"): $(head -c 200 "$tmp/base1.out")"; return; }
	[ ! -s "$tmp/base1.ls" ] || { bad base_dir "the refused run created $(cat "$tmp/base1.ls")"; return; }
	[ "$(cat "$tmp/base2.rc")" = 0 ] ||
		{ bad base_dir "a missing base: status $(cat "$tmp/base2.rc"): $(head -c 200 "$tmp/base2.out")"; return; }
	[ "$(tr '\n' ' ' <"$tmp/base2.stat")" = "0:0 755 0:0 755 1000:1000 700 " ] ||
		{ bad base_dir "made: $(tr '\n' ' ' <"$tmp/base2.stat")"; return; }
	ok base_dir
}

for t in version start_time fifo threads socket kata_jailer base_dir; do
	"t_$t"
done
echo "dropin: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

