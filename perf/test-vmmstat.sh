#!/usr/bin/env bash
# test-vmmstat.sh - checks perf/vmmstat against a fake VMM whose numbers are
# known: it maps a "guest RAM" of exactly -m MiB and touches part of it,
# burns CPU, bumps fake KVM counters in a directory passed with -x, prints
# the marker (split across writes, after escape bytes), then behaves as
# told (exit, hang, never print the marker). Runs on any Linux host; no KVM.
#
#   bash perf/test-vmmstat.sh      prints "N passed, N failed", exit 0 if none failed
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

cflags=(-std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes)

# The fake VMM: fakevmm MODE RAM_MIB TOUCH_MIB BUSY_MS KVM_DIR
# MODE: hold (exit 0 one second after the marker), hang (sleep 30 s after
# it), silent (exit 3 without it), slow (sleep 30 s before it). BUSY_MS is
# CPU time burnt before the marker.
cat >"$tmp/fakevmm.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* bump DIR FILE N - add N to the number in DIR/FILE, as KVM would. */
static void bump(const char *dir, const char *file, unsigned long long n)
{
	unsigned long long v = 0;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%llu\n", v + n);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	volatile unsigned long spin = 0;
	size_t ram, touch, i;
	double end;
	char *p;

	if (argc != 6)
		return 2;
	ram = strtoull(argv[2], NULL, 10) << 20;
	touch = strtoull(argv[3], NULL, 10) << 20;
	p = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		return 2;
	/* No THP: the guest Rss must be exactly what was touched. */
	madvise(p, ram, MADV_NOHUGEPAGE);
	for (i = 0; i < touch; i += 4096)
		p[i] = 1;
	end = cpu_s() + strtoull(argv[4], NULL, 10) / 1000.0;
	while (cpu_s() < end)
		spin++;
	bump(argv[5], "exits", 42);
	bump(argv[5], "io_exits", 7);
	if (!strcmp(argv[1], "silent"))
		return 3;
	if (!strcmp(argv[1], "slow"))
		sleep(30);
	/* The marker after escape bytes, \r and a NUL, split across two writes. */
	if (write(1, "noise\n\033c\r\0EMBER-GU", 18) != 18)
		return 2;
	usleep(100000);
	if (write(1, "EST-UP\r\nafter\n", 14) != 14)
		return 2;
	sleep(strcmp(argv[1], "hang") ? 1 : 30);
	return 0;
}
EOF

gcc -static "${cflags[@]}" -I"$root/vmm" -o "$tmp/vmmstat" "$here/vmmstat.c" "$here/vmmsample.c" \
	"$root/vmm/err.c" || { echo "cannot build vmmstat"; exit 1; }
gcc "${cflags[@]}" -Wno-missing-prototypes -o "$tmp/fakevmm" "$tmp/fakevmm.c" ||
	{ echo "cannot build the fake VMM"; exit 1; }
# A comm with blanks and parentheses: stat fields must be counted from the last ')'.
ln -s "$tmp/fakevmm" "$tmp/fake (vm) m"
mkdir -p "$tmp/kvm"
printf '1000\n' >"$tmp/kvm/exits"
printf '5\n' >"$tmp/kvm/io_exits"

# check NAME CONDITION - one result line; CONDITION is evaluated by bash.
check() {
	if eval "$2"; then
		pass=$((pass + 1))
		echo "TEST vmmstat_$1 PASS"
	else
		fail=$((fail + 1))
		echo "TEST vmmstat_$1 FAIL (line: ${line:-none}, rc ${rc:-?})"
	fi
}

# field KEY - the value of KEY= in $line.
field() {
	sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$line"
}

# stat ARGS... - run vmmstat, set line (its stdout) and rc.
stat() {
	line=$("$tmp/vmmstat" "$@" 2>"$tmp/stderr")
	rc=$?
}

# 1. A normal boot: every number known.
stat -n fake -r 3 -m 64 -x "$tmp/kvm" -o "$tmp/console" -- "$tmp/fake (vm) m" hold 64 8 300 "$tmp/kvm"
check exit_status '[ "$rc" -eq 0 ]'
check line_prefix '[ "${line%% wall_ms=*}" = "BENCH vmm=fake run=3" ]'
check wall '[ "$(field wall_ms)" -ge 300 ] && [ "$(field wall_ms)" -lt 5000 ]'
check cpu '[ "$(field vmm_cpu_ms)" -ge 200 ] && [ "$(field vmm_cpu_ms)" -le 1000 ]'
check proc_cpu '[ "$(field proc_cpu_ms)" -ge "$(field vmm_cpu_ms)" ]'
check exits_delta '[ "$(field exits)" = 42 ]'
check io_delta '[ "$(field x_io)" = 7 ]'
check missing_counter_na '[ "$(field x_mmio)" = NA ]'
check guest_found '[ "$(field guest_maps)" = 1 ]'
check guest_rss '[ "$(field guest_rss_kib)" = 8192 ]'
check priv_excludes_guest '[ "$(field priv_kib)" -gt 0 ] && [ "$(field priv_kib)" -lt 8192 ]'
check rss_includes_guest '[ "$(field rss_kib)" -ge $((8192 + $(field priv_kib))) ]'
check vmm_rc '[ "$(field vmm_rc)" = 0 ]'
check console_copied 'grep -q '\''^after$'\'' "$tmp/console"'
check threads '[ "$(field threads)" = 1 ]'

# 2. A different -m: the 64 MiB mapping is no longer guest RAM.
stat -n fake -m 32 -x "$tmp/kvm" -- "$tmp/fakevmm" hold 64 8 0 "$tmp/kvm"
check other_size_not_guest '[ "$(field guest_maps)" = 0 ] && [ "$(field priv_kib)" -ge 8192 ]'

# 3. No marker before exit.
stat -n fake -m 64 -x "$tmp/kvm" -- "$tmp/fakevmm" silent 64 0 0 "$tmp/kvm"
check nomarker '[ "$rc" -eq 1 ] && [ "$line" = "BENCH vmm=fake run=0 status=nomarker" ]'

# 4. Marker timeout: the VMM is killed, not waited for.
SECONDS=0
stat -n fake -m 64 -t 1 -x "$tmp/kvm" -- "$tmp/fakevmm" slow 64 0 0 "$tmp/kvm"
check timeout '[ "$rc" -eq 1 ] && [ "$line" = "BENCH vmm=fake run=0 status=timeout" ] && [ "$SECONDS" -lt 10 ]'

# 5. A VMM that outlives the finish timeout is killed after the sample.
SECONDS=0
stat -n fake -m 64 -w 1 -x "$tmp/kvm" -- "$tmp/fakevmm" hang 64 1 0 "$tmp/kvm"
check finish_kill '[ "$rc" -eq 0 ] && [ "$(field vmm_rc)" = killed ] && [ "$SECONDS" -lt 10 ]'

# 6. No debugfs: exits are NA, the rest still measured.
stat -n fake -m 64 -x "$tmp/nonexistent" -- "$tmp/fakevmm" hold 64 1 0 "$tmp/kvm"
check no_debugfs '[ "$rc" -eq 0 ] && [ "$(field exits)" = NA ] && [ "$(field guest_maps)" = 1 ]'

# 7. Bad command lines: exit status 2, nothing on stdout.
for bad in "-m 0 -- true" "-- true" "-m 64" "-m x -- true" "-m 64 -r -1 -- true" \
	"-m 64 -t 1x -- true" "-m 99999999999 -- true" "-m 64 -n a=b -- true" "-m 64 -k '' -- true" \
	"-m 64 -q -- true"; do
	eval "stat $bad"
	check "usage($bad)" '[ "$rc" -eq 2 ] && [ -z "$line" ]'
done

# 8. A command that cannot be run.
stat -m 64 -x "$tmp/kvm" -- "$tmp/no-such-vmm"
check exec_failure '[ "$rc" -eq 1 ] && grep -q '\''cannot run'\'' "$tmp/stderr"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
