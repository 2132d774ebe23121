#!/bin/sh
# bench-snapshot-payload.sh - the snapshot benchmark's side inside the nested
# test host (busybox sh); perf/bench-snapshot.sh copies it to the payload as
# run.sh next to ember, the guest bzImage, the initrd and bench.conf
# (RUNS MEM_MIB BIG_MIB BIG_FILL_MIB CLONES BOOT_ARGS).
#
# The guest (/test.sh) fills BIG_FILL_MIB of a tmpfs with random bytes when
# its command line says bench_fill=N, prints EMBER-READY and then echoes
# every console line it reads as "EMBER-ECHO <line>": it sits idle in read(2)
# when it is snapshotted, and "running again" after a restore means it
# answered a line typed on its console (each VMM's stdin is a FIFO).
#
# Timing is done by two static helpers, so that no shell, curl or grep sits
# in a measured path: apiclient (one request: send to response) and
# consoleprobe (an optional request, then the console watched every 1 ms for
# a text, the line typed again every 50 ms until it shows). Times in ms with
# 0.1 ms steps, from CLOCK_REALTIME.
#
# Lines:
#   BENCH-SNAP kind=K run=R ms=N [load_ms=N] [minflt=N majflt=N pss_kib=N rss_kib=N]
#     create / create_big / create_diff: PUT /snapshot/create to its 204
#       (Full 128 MiB, Full BIG_MIB with BIG_FILL_MIB in use, a Diff after
#       2 s more of the big guest); qemu_create: QEMU's migrate to a file
#       (HMP, polled every 20 ms);
#     ember_cold / qemu_cold: boot to EMBER-READY (ember already listening:
#       from PUT /vm; QEMU from before its exec);
#     ember_restore: PUT /snapshot/load (resume_vm) on a waiting ember to the
#       guest's answer (load_ms: to the 204); ember_restore_exec: the same
#       from before ember's exec; qemu_restore: from before QEMU's exec with
#       -incoming "exec:cat FILE" to the answer;
#     the memory fields are the VMM process's, 1 s after the guest answered.
#   BENCH-CLONES n=N started=N ready=N load_ms=N ready_ms=N avail_kib_per_clone=N
#     (load_ms / ready_ms: from the first load request to the last 204 / the
#     last answer)
#   BENCH-SNAP kind=clone_N run=I pss_kib=N ... (each clone, 3 s after)
# Everything else the VMMs print stays in /tmp/snap.

cd /payload || exit 125
. ./bench.conf
W=/tmp/snap
QEMU_DIR=/opt/qemu
QEMU_PREFIX="$QEMU_DIR/lib/ld-linux-x86-64.so.2 --library-path $QEMU_DIR/lib
$QEMU_DIR/bin/qemu-system-x86_64-microvm -L $QEMU_DIR/share/qemu -bios bios-microvm.bin"
mkdir -p $W

note() { echo "BENCH-NOTE $*"; }

now_us() { ./consoleprobe --now; }

# us_to_ms US - "12.3" from 12345.
us_to_ms() { awk -v u="$1" 'BEGIN { printf "%.1f\n", u / 1000 }'; }

avail_kib() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

# api SOCK METHOD PATH BODY - one untimed request; 1 unless it got a 2xx.
api() { ./apiclient "$@" >/dev/null; }

# boot_wait NAME SECS [SOCK BODY] - PUT /vm BODY on SOCK if given, then until
# NAME's console says EMBER-READY; 1 on timeout.
boot_wait() {
	if [ -n "$3" ]; then
		./consoleprobe -s "$3" -m PUT -p /vm -b "$4" -o "$W/$1.out" -w EMBER-READY -T "$2" >/dev/null
	else
		./consoleprobe -o "$W/$1.out" -w EMBER-READY -T "$2" >/dev/null
	fi
}

# mem_of PID - the process's faults so far and its memory.
mem_of() {
	awk '{ printf "minflt=%s majflt=%s ", $10, $12 }' "/proc/$1/stat"
	awk '$1 == "Pss:" { p = $2 } $1 == "Rss:" { r = $2 } END { printf "pss_kib=%s rss_kib=%s\n", p, r }' \
		"/proc/$1/smaps_rollup"
}

stop() { # PID...
	kill -9 "$@" 2>/dev/null
	for p in "$@"; do wait "$p" 2>/dev/null; done
}

why() { # NAME - the last lines a VMM left, for a failed step
	note "$1 stderr: $(tail -n 3 "$W/$1.err" 2>/dev/null | tr '\r\n' '  ' | cut -c1-300)"
	note "$1 console: $(tail -n 3 "$W/$1.out" 2>/dev/null | tr '\r\n' '  ' | cut -c1-300)"
}

# start_ember NAME [nowait] - a fresh ember on $W/NAME.sock, console in
# $W/NAME.out, stdin the FIFO $W/NAME.in (opened read-write: no EOF between
# writers); waits for the socket unless told not to.
start_ember() {
	CATPID=
	rm -f "$W/$1.sock" "$W/$1.in" "$W/$1.out"
	mkfifo "$W/$1.in"
	./ember --api-sock "$W/$1.sock" <>"$W/$1.in" >"$W/$1.out" 2>"$W/$1.err" &
	PID=$!
	[ "$2" = nowait ] && return 0
	i=0
	while [ ! -S "$W/$1.sock" ] && [ $i -lt 1000 ]; do usleep 5000; i=$((i + 1)); done
}

# start_qemu NAME MEM_MIB [QEMU ARGS...] - QEMU microvm with the same guest,
# stdin the FIFO $W/NAME.in, its HMP monitor on $W/NAME.mon.{in,out}.
start_qemu() {
	n=$1 m=$2
	shift 2
	rm -f "$W/$n.in" "$W/$n.out" "$W/$n.mon.in" "$W/$n.mon.out"
	mkfifo "$W/$n.in" "$W/$n.mon.in" "$W/$n.mon.out"
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	$QEMU_PREFIX -M microvm,acpi=off,pcie=off,rtc=off,smm=off,ioapic2=off,isa-serial=on \
		-enable-kvm -cpu host -m "$m" -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot -device i8042 \
		-chardev pipe,id=mon,path="$W/$n.mon" -mon chardev=mon,mode=readline \
		-kernel /payload/bzImage -initrd /payload/initrd.img -append "$BOOT_ARGS" "$@" \
		<>"$W/$n.in" >"$W/$n.out" 2>"$W/$n.err" &
	PID=$!
	cat "$W/$n.mon.out" >"$W/$n.mon.log" 2>/dev/null &
	CATPID=$!
}

vm_json() { # MEM_MIB EXTRA_ARGS TRACK
	echo "{\"boot-source\": {\"kernel_image_path\": \"/payload/bzImage\", \"initrd_path\": \"/payload/initrd.img\", \"boot_args\": \"$BOOT_ARGS$2\"}, \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": $1, \"track_dirty_pages\": $3}, \"start\": true}"
}

load_json() { # SNAP MEM
	echo "{\"snapshot_path\": \"$1\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$2\"}, \"resume_vm\": true}"
}

# create KIND NAME TYPE SNAP MEM - a snapshot of the paused ember NAME.
create() {
	out=$(./apiclient "$W/$2.sock" PUT /snapshot/create \
		"{\"snapshot_type\": \"$3\", \"snapshot_path\": \"$4\", \"mem_file_path\": \"$5\"}")
	a=$(echo "$out" | sed -n 's/^first_send_us=//p')
	b=$(echo "$out" | sed -n 's/^last_reply_us=//p')
	case $out in
	*statuses=204*)
		echo "BENCH-SNAP kind=$1 run=1 ms=$(us_to_ms $((b - a))) state_bytes=$(wc -c <"$4") mem_disk_kib=$(du -k "$5" | cut -f1)"
		;;
	*) note "$1 failed: $(echo "$out" | tr '\n' ' ')" ;;
	esac
}

# field NAME TEXT - the value of NAME= in consoleprobe's output TEXT.
field() { echo "$2" | sed -n "s/.*$1=\([0-9a-z]*\).*/\1/p"; }

# ping NAME TAG SECS - type a line on NAME's console until the answer comes.
ping_vm() {
	./consoleprobe -i "$W/$1.in" -l "t$2e" -o "$W/$1.out" -w "EMBER-ECHO t$2e" -T "$3" >/dev/null
}

snapshots() {
	start_ember base
	boot_wait base 300 "$W/base.sock" "$(vm_json "$MEM_MIB" "" false)" || why base
	sleep 1
	api "$W/base.sock" PATCH /vm '{"state": "Paused"}'
	create create base Full "$W/snap" "$W/mem"
	stop "$PID"

	start_ember big
	boot_wait big 900 "$W/big.sock" "$(vm_json "$BIG_MIB" " bench_fill=$BIG_FILL_MIB" true)" || why big
	sleep 1
	api "$W/big.sock" PATCH /vm '{"state": "Paused"}'
	create create_big big Full "$W/bigsnap" "$W/bigmem"
	api "$W/big.sock" PATCH /vm '{"state": "Resumed"}'
	ping_vm big big 60 || why big
	sleep 2
	api "$W/big.sock" PATCH /vm '{"state": "Paused"}'
	create create_diff big Diff "$W/bigdsnap" "$W/bigdiff"
	stop "$PID"
	rm -f "$W/bigsnap" "$W/bigmem" "$W/bigdsnap" "$W/bigdiff"

	start_qemu qbase "$MEM_MIB"
	boot_wait qbase 300 || why qbase
	sleep 1
	t0=$(now_us)
	echo "migrate \"exec:cat > $W/qemu.mig\"" >"$W/qbase.mon.in"
	i=0
	while ! grep -q 'Migration status: completed' "$W/qbase.mon.log" && [ $i -lt 6000 ]; do
		echo "info migrate" >"$W/qbase.mon.in"
		usleep 20000
		i=$((i + 1))
	done
	if grep -q 'Migration status: completed' "$W/qbase.mon.log"; then
		echo "BENCH-SNAP kind=qemu_create run=1 ms=$(us_to_ms $(($(now_us) - t0))) mem_disk_kib=$(du -k "$W/qemu.mig" | cut -f1)"
	else
		note "qemu migration to a file failed: $(tail -n 3 "$W/qbase.mon.log" | tr '\r\n' '  ')"
	fi
	echo quit >"$W/qbase.mon.in"
	sleep 1
	stop "$PID" "$CATPID"
}

# record KIND RUN NAME OUT [boot|load] - consoleprobe's output OUT for NAME
# as a BENCH-SNAP line, then NAME is stopped. A restore (the default) adds
# NAME's faults and memory 1 s after the answer, "load" also the time to the
# request's reply; a "boot" has only its time.
record() {
	ans=$(field answer_us "$4")
	case $ans in
	[0-9]*)
		extra=
		[ "$5" = load ] && extra=" load_ms=$(us_to_ms "$(field reply_us "$4")")"
		if [ "$5" != boot ]; then
			sleep 1
			extra="$extra $(mem_of "$PID")"
		fi
		echo "BENCH-SNAP kind=$1 run=$2 ms=$(us_to_ms "$ans")$extra"
		;;
	*)
		echo "BENCH-SNAP kind=$1 run=$2 failed"
		note "$1: $4"
		why "$3"
		;;
	esac
	stop "$PID" $CATPID
	CATPID=
}

one_run() { # RUN
	start_ember cold
	out=$(./consoleprobe -s "$W/cold.sock" -m PUT -p /vm -b "$(vm_json "$MEM_MIB" "" false)" \
		-o "$W/cold.out" -w EMBER-READY -T 300)
	record ember_cold "$1" cold "$out" boot

	start_ember rest
	out=$(./consoleprobe -s "$W/rest.sock" -m PUT -p /snapshot/load -b "$(load_json "$W/snap" "$W/mem")" \
		-i "$W/rest.in" -l "t$1e" -o "$W/rest.out" -w "EMBER-ECHO t$1e")
	record ember_restore "$1" rest "$out" load

	t0=$(now_us)
	start_ember rexec nowait
	out=$(./consoleprobe -t "$t0" -s "$W/rexec.sock" -m PUT -p /snapshot/load \
		-b "$(load_json "$W/snap" "$W/mem")" \
		-i "$W/rexec.in" -l "t$1e" -o "$W/rexec.out" -w "EMBER-ECHO t$1e")
	record ember_restore_exec "$1" rexec "$out"

	t0=$(now_us)
	start_qemu qcold "$MEM_MIB"
	out=$(./consoleprobe -t "$t0" -o "$W/qcold.out" -w EMBER-READY -T 300)
	record qemu_cold "$1" qcold "$out" boot

	t0=$(now_us)
	start_qemu qrest "$MEM_MIB" -incoming "exec:cat $W/qemu.mig"
	out=$(./consoleprobe -t "$t0" -i "$W/qrest.in" -l "t$1e" -o "$W/qrest.out" -w "EMBER-ECHO t$1e")
	record qemu_restore "$1" qrest "$out"
}

# clones N - N embers waiting (the warm pool), then N loads of one snapshot
# at once, a line typed to each once it is loaded (its probe watches for the
# answer every 20 ms: N probes polling every 1 ms would starve the one CPU
# the clones share); their memory 3 s later.
clones() {
	a0=$(avail_kib)
	pids=
	c=1
	while [ $c -le "$1" ]; do
		start_ember "c$c"
		pids="$pids $PID"
		c=$((c + 1))
	done
	t0=$(now_us)
	cpids=
	c=1
	while [ $c -le "$1" ]; do
		./consoleprobe -t "$t0" -s "$W/c$c.sock" -m PUT -p /snapshot/load \
			-b "$(load_json "$W/snap" "$W/mem")" -i "$W/c$c.in" -l "t${c}e" -r 0 -P 20000 \
			-o "$W/c$c.out" -w "EMBER-ECHO t${c}e" >"$W/c$c.probe" &
		cpids="$cpids $!"
		c=$((c + 1))
	done
	for p in $cpids; do wait "$p"; done
	started=$(cat "$W"/c*.probe | grep -c '^status=204 ')
	ready=$(cat "$W"/c*.probe | grep -c 'answer_us=[0-9]')
	load_ms=$(cat "$W"/c*.probe | sed -n 's/.*reply_us=\([0-9]*\).*/\1/p' | sort -n | tail -n 1)
	load_ms=$(us_to_ms "${load_ms:-0}")
	ready_ms=$(cat "$W"/c*.probe | sed -n 's/.*answer_us=\([0-9][0-9]*\).*/\1/p' | sort -n | tail -n 1)
	ready_ms=$(us_to_ms "${ready_ms:-0}")
	sleep 3
	c=1
	for p in $pids; do
		echo "BENCH-SNAP kind=clone_$1 run=$c $(mem_of "$p")"
		c=$((c + 1))
	done
	echo "BENCH-CLONES n=$1 started=$started ready=$ready load_ms=$load_ms ready_ms=$ready_ms avail_kib_per_clone=$(((a0 - $(avail_kib)) / $1))"
	# shellcheck disable=SC2086 # a list of pids
	stop $pids
	rm -f "$W"/c*.probe "$W"/c*.out "$W"/c*.err "$W"/c*.in
}

note "testhost kernel=$(uname -r) cpus=$(nproc) mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo) qemu=$($QEMU_PREFIX -version 2>&1 | head -n 1 | tr ' ' '_')"
snapshots
run=1
while [ $run -le "$RUNS" ]; do
	one_run $run
	run=$((run + 1))
done
for n in $CLONES; do clones "$n"; done
exit 0
