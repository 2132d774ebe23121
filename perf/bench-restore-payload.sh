#!/bin/sh
# bench-restore-payload.sh - the restore benchmark's side inside the nested
# test host (busybox sh); perf/bench-restore.sh copies it to the payload as
# run.sh next to ember, the guest vmlinux, the initrd and bench.conf
# (RUNS=N MEM_MIB=M BOOT_ARGS="..."). The guest prints "EMBER-TICK n" every
# 20 ms. For i in 1..RUNS: a cold boot through the API (PUT /vm with start,
# to the first tick), and a restore of one Full snapshot taken once (PUT
# /snapshot/load with resume_vm, to the first tick after it), each in a
# fresh ember. One "BENCH kind=cold|restore run=i ms=..." line per run;
# times are /proc/uptime's, 10 ms steps. Only BENCH lines reach the console.

cd /payload || exit 125
. ./bench.conf
W=/tmp/bench
mkdir -p $W

now_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# start_ember NAME - a fresh ember on $W/NAME.sock; console in $W/NAME.out.
start_ember() {
	rm -f "$W/$1.sock"
	./ember --api-sock "$W/$1.sock" </dev/null >"$W/$1.out" 2>"$W/$1.err" &
	PID=$!
	i=0
	while [ ! -S "$W/$1.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

api() { # SOCK METHOD PATH BODY
	curl -s --max-time 120 --unix-socket "$1" -X "$2" -H 'Content-Type: application/json' \
		--data-raw "$4" -o /dev/null -w '%{http_code}' "http://localhost$3"
}

# wait_tick FILE SECS - until FILE has a tick line; 0 if it came.
wait_tick() {
	i=0
	while ! grep -q 'EMBER-TICK' "$1" 2>/dev/null; do
		[ $i -ge $(($2 * 50)) ] && return 1
		usleep 20000
		i=$((i + 1))
	done
}

# mem_of PID - "minflt=N pss_kib=N rss_kib=N" of a process.
mem_of() {
	echo "minflt=$(awk '{ print $10 }' /proc/$1/stat) pss_kib=$(awk '/^Pss:/ { print $2 }' /proc/$1/smaps_rollup) rss_kib=$(awk '/^Rss:/ { print $2 }' /proc/$1/smaps_rollup)"
}

stop() {
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

VM="{\"boot-source\": {\"kernel_image_path\": \"/payload/vmlinux\", \"initrd_path\": \"/payload/initrd.img\", \"boot_args\": \"$BOOT_ARGS\"}, \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": $MEM_MIB}, \"start\": true}"
LOAD="{\"snapshot_path\": \"$W/snap\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$W/mem\"}, \"resume_vm\": true}"

# The snapshot, once.
start_ember base
api "$W/base.sock" PUT /vm "$VM" >/dev/null
wait_tick "$W/base.out" 300 || echo "BENCH-NOTE base boot failed: $(tail -n 3 $W/base.err)"
sleep 2
api "$W/base.sock" PATCH /vm '{"state": "Paused"}' >/dev/null
t0=$(now_cs)
rc=$(api "$W/base.sock" PUT /snapshot/create "{\"snapshot_path\": \"$W/snap\", \"mem_file_path\": \"$W/mem\"}")
echo "BENCH-NOTE create status=$rc ms=$((($(now_cs) - t0) * 10)) state_bytes=$(wc -c <$W/snap) mem_disk_kib=$(du -k $W/mem | cut -f1)"
stop

run=1
while [ $run -le "$RUNS" ]; do
	start_ember cold
	t0=$(now_cs)
	api "$W/cold.sock" PUT /vm "$VM" >/dev/null
	if wait_tick "$W/cold.out" 300; then
		echo "BENCH kind=cold run=$run ms=$((($(now_cs) - t0) * 10))"
	else
		echo "BENCH kind=cold run=$run failed"
	fi
	stop
	start_ember rest
	t0=$(now_cs)
	rc=$(api "$W/rest.sock" PUT /snapshot/load "$LOAD")
	if [ "$rc" = 204 ] && wait_tick "$W/rest.out" 120; then
		ms=$((($(now_cs) - t0) * 10))
		sleep 1
		echo "BENCH kind=restore run=$run ms=$ms $(mem_of $PID)"
	else
		echo "BENCH kind=restore run=$run failed status=$rc $(tail -n 2 $W/rest.err | tr '\n' ' ')"
	fi
	stop
	run=$((run + 1))
done

# Density: CLONES clones of the snapshot at once (each still ticking: not
# idle, so every console line costs the one TCG vCPU), 5 s, then each one's
# PSS (guest RAM shared through the page cache counts once overall). A line
# per clone keeps the test host's serial output alive.
pids=
t0=$(now_cs)
c=1
while [ $c -le "$CLONES" ]; do
	start_ember "c$c"
	api "$W/c$c.sock" PUT /snapshot/load "$LOAD" >/dev/null
	pids="$pids $PID"
	echo "BENCH-NOTE clone $c loaded"
	c=$((c + 1))
done
echo "BENCH-NOTE clones=$CLONES started_in_ms=$((($(now_cs) - t0) * 10))"
sleep 5
c=1
for p in $pids; do
	grep -q 'EMBER-TICK' "$W/c$c.out" || echo "BENCH-NOTE clone $c not ticking"
	echo "BENCH kind=clone run=$c $(mem_of "$p")"
	c=$((c + 1))
done
for p in $pids; do kill -9 "$p" 2>/dev/null; done
exit 0
