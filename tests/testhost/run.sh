#!/usr/bin/env bash
# run.sh - run a payload inside the nested test host.
#
#   tests/testhost/run.sh [--interactive] PAYLOAD_DIR [TIMEOUT_S]
#
# PAYLOAD_DIR must contain run.sh; it is packed (symlinks followed) into a
# second cpio archive that lands at /payload in the test host, after
# build/testhost/base.cpio.gz. The test host boots under QEMU TCG with one
# vCPU, runs /payload/run.sh, prints "TESTHOST-RC <n>" and powers off.
#
# Batch mode (default): the whole serial log goes to a file (its path is
# printed on stderr); lines starting with "TEST ", "RESULT" or "BENCH" are
# streamed to stdout (TESTHOST_STREAM_RE overrides the pattern). A run that
# exceeds TIMEOUT_S (default 1800), prints nothing for TESTHOST_IDLE_S
# (default 300) or ends without TESTHOST-RC is a frozen test host, not a test
# failure: it is reported as such and retried once in a fresh test host.
# The exit status is the payload's (124: frozen twice, 125: the test host
# could not start the payload).
#
# Interactive mode: the test host's serial console is this terminal (stdin
# goes in, output comes out, still logged); Ctrl-A x quits QEMU. No retry,
# and TIMEOUT_S defaults to none.
#
# Environment: TESTHOST_MEM (MiB, default 6144), TESTHOST_IDLE_S,
# TESTHOST_STREAM_RE, TESTHOST_APPEND (extra kernel arguments),
# TESTHOST_QEMU (default qemu-system-x86_64).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/testhost
qemu=${TESTHOST_QEMU:-qemu-system-x86_64}
mem=${TESTHOST_MEM:-6144}
idle=${TESTHOST_IDLE_S:-300}
stream_re=${TESTHOST_STREAM_RE:-'^(TEST |RESULT|BENCH)'}
# quiet loglevel=3: every console byte costs ~0.6 ms under TCG, and kvm
# logs unhandled guest MSR writes at KERN_ERR. panic=-1 + -no-reboot:
# a test host kernel panic ends QEMU at once. mitigations=off: a throwaway
# test host gains nothing from them and they cost exits.
append="console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off ${TESTHOST_APPEND:-}"

interactive=0
qargs=()
frozen=0
qpid=
tmp=

usage() {
	echo "usage: $0 [--interactive] PAYLOAD_DIR [TIMEOUT_S]" >&2
	exit 2
}

say() {
	echo "testhost: $*" >&2
}

cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}

# pack_initrd PAYLOAD_DIR OUT - base.cpio.gz, zero padding, payload cpio.
# The kernel unpacks concatenated archives; an uncompressed cpio must start
# on a 4-byte boundary, so the gzip member before it is padded with zeros
# (which the unpacker skips). The payload stays uncompressed: the kernel
# copies it in no measurable time (the test host is ready ~7 s after launch
# with a 30 MB payload as with an empty one) and no gzip runs per test run.
pack_initrd() {
	local dir=$1 img=$2 size

	cp "$out/base.cpio.gz" "$img" || return 1
	size=$(stat -c %s "$img")
	head -c $(((512 - size % 512) % 512)) /dev/zero >>"$img"
	ln -s "$(cd "$dir" && pwd)" "$tmp/payload"
	(cd "$tmp" && find -L payload | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --dereference --quiet) >>"$img" || return 1
}

# set_qemu_args INITRD - the test host machine, in the array qargs. -smp 1:
# with 2 vCPUs multi-threaded TCG deadlocked the test host now and then (see
# /work/shared/reference/testhost-notes.md); guests still get several vCPUs.
# -display none rather than -nographic: the serial port is wired up below
# either way, and with -nographic SeaBIOS also writes to it (including a
# terminal reset sequence that would clear an interactive user's screen).
set_qemu_args() {
	qargs=(-accel tcg -cpu max -smp 1 -m "$mem" -display none -nodefaults -no-user-config
		-no-reboot -kernel "$out/vmlinuz" -initrd "$1" -append "$append")
}

# log_rc LOG - the payload's exit status from TESTHOST-RC, or nothing.
log_rc() {
	grep -a -o 'TESTHOST-RC [0-9]*' "$1" 2>/dev/null | tail -n 1 | awk '{ print $2 }'
}

# run_interactive INITRD LOG TIMEOUT - serial console on this terminal.
run_interactive() {
	local img=$1 log=$2 timeout=$3 pre=() rc

	[ "$timeout" -gt 0 ] && pre=(timeout --foreground "$timeout")
	# signal=off: Ctrl-C goes to the guest instead of killing QEMU; the
	# monitor shares the console (Ctrl-A c), Ctrl-A x quits.
	set_qemu_args "$img"
	"${pre[@]}" "$qemu" "${qargs[@]}" \
		-chardev "stdio,id=con,mux=on,signal=off,logfile=$log" -serial chardev:con -mon chardev=con
	rc=$(log_rc "$log")
	[ -n "$rc" ] || { say "test host ended without TESTHOST-RC (log: $log)"; return 124; }
	return "$rc"
}

# note_ready LOG START - once the log has TESTHOST-READY, say how long the
# test host took to come up and print "1".
note_ready() {
	local up

	up=$(grep -a -o -m 1 'TESTHOST-READY [0-9.]*' "$1")
	[ -n "$up" ] || return 0
	say "test host up after $((SECONDS - $2)) s (kernel uptime ${up#TESTHOST-READY } s at /init)"
	echo 1
}

# run_batch INITRD LOG TIMEOUT - one attempt; returns the payload's status
# (125 if QEMU did not start), or sets frozen=1 when the test host froze or
# timed out (the payload's status could be anything, so a flag says it).
run_batch() {
	local img=$1 log=$2 timeout=$3 start=$SECONDS size last=-1 changed=$SECONDS
	local why='' spid ready='' up qrc rc

	frozen=0
	: >"$log"
	set_qemu_args "$img"
	"$qemu" "${qargs[@]}" -serial "file:$log" </dev/null 2>"$log.qemu-stderr" &
	qpid=$!
	# Stream the interesting lines as they arrive; tail stops once QEMU is gone.
	tail -n +1 -F --pid="$qpid" "$log" 2>/dev/null | grep -a --line-buffered -E "$stream_re" |
		sed -u 's/\r$//' &
	spid=$!

	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		[ "$size" != "$last" ] && { last=$size; changed=$SECONDS; }
		[ -z "$ready" ] && ready=$(note_ready "$log" "$start")
		if [ $((SECONDS - start)) -ge "$timeout" ]; then
			why="no result within ${timeout} s"
		elif [ $((SECONDS - changed)) -ge "$idle" ]; then
			why="no serial output for ${idle} s"
		fi
		if [ -n "$why" ]; then
			kill "$qpid" 2>/dev/null
			break
		fi
	done
	wait "$qpid"
	qrc=$?
	qpid=
	wait "$spid" 2>/dev/null
	[ -z "$ready" ] && note_ready "$log" "$start" >/dev/null
	grep -a -o 'TESTHOST-ERROR.*' "$log" | tr -d '\r' | sed 's/^/testhost: /' >&2

	rc=$(log_rc "$log")
	if [ -n "$rc" ]; then
		say "payload exited with status $rc after $((SECONDS - start)) s"
		return "$rc"
	fi
	if [ -z "$why" ] && [ ! -s "$log" ] && [ "$qrc" -ne 0 ]; then
		say "QEMU failed to start (status $qrc):"
		sed 's/^/testhost:   /' "$log.qemu-stderr" >&2
		return 125
	fi
	say "FROZEN test host: ${why:-QEMU exited (status $qrc) without TESTHOST-RC} after $((SECONDS - start)) s"
	tail -n 5 "$log" | tr -d '\r' | sed 's/^/testhost:   | /' >&2
	frozen=1
	return 124
}

main() {
	local payload timeout img logdir log name attempt rc

	[ "${1:-}" = "--interactive" ] && { interactive=1; shift; }
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	payload=$1
	timeout=${2:-$((interactive ? 0 : 1800))}
	[ -d "$payload" ] || { say "payload $payload is not a directory"; exit 2; }
	[ -f "$payload/run.sh" ] || { say "payload $payload has no run.sh"; exit 2; }
	command -v "$qemu" >/dev/null || { say "$qemu missing (apt-get install qemu-system-x86)"; exit 125; }

	bash "$here/build.sh" >&2 || exit 125
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	tmp=$(mktemp -d "$out/run.XXXXXX")
	img=$tmp/initrd.img
	pack_initrd "$payload" "$img" || { say "cannot pack $payload"; exit 125; }

	logdir=$out/logs
	mkdir -p "$logdir"
	# Keep the newest 100 logs.
	find "$logdir" -maxdepth 1 -name '*.log*' -printf '%T@ %p\n' | sort -rn | tail -n +101 |
		cut -d' ' -f2- | xargs -r rm -f
	name=$(basename "$(cd "$payload" && pwd)")-$(date +%Y%m%d-%H%M%S)-$$

	if [ "$interactive" -eq 1 ]; then
		log=$logdir/$name.log
		say "serial log: $log"
		run_interactive "$img" "$log" "$timeout"
		exit $?
	fi

	for attempt in 1 2; do
		log=$logdir/$name-$attempt.log
		say "attempt $attempt, serial log: $log"
		run_batch "$img" "$log" "$timeout"
		rc=$?
		[ "$frozen" -eq 0 ] && exit "$rc"
		[ "$attempt" -eq 1 ] && say "retrying once in a fresh test host"
	done
	say "test host froze twice; giving up (not a test failure)"
	exit 124
}

main "$@"
