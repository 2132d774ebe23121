# shellcheck shell=bash disable=SC2034,SC2154 # sets what the sourcing script uses; it sets bench_name
# bench-lib.sh - what the host side of every test-host benchmark shares;
# sourced by perf/bench-*.sh after they set bench_name (their name in
# messages).
#
# Sets here (perf/), root, out (build/bench), guest (build/guest) and ember
# (BENCH_EMBER or build/ember). Gives bench_die, bench_check_number,
# bench_initrd (the guest initramfs with files appended), bench_libs (what
# ldd says a binary loads), bench_run (one test-host run into a raw file and
# a results table, through the script's own summarize) and bench_awk_med
# (awk text: the median of a sample, with its range).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/build/bench
guest=$root/build/guest
ember=${BENCH_EMBER:-$root/build/ember}

bench_die() {
	echo "$bench_name: error: $*" >&2
	exit 1
}

# bench_check_number NAME VALUE MIN MAX - VALUE is an integer in [MIN, MAX].
bench_check_number() {
	[[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
		bench_die "$1 must be an integer from $3 to $4, not '$2'"
}

# bench_initrd OUT DIR FILE... - OUT is the guest initramfs followed by an
# archive of FILEs (paths relative to DIR): the kernel unpacks concatenated
# archives, gzip members included, so they land in the guest's root.
bench_initrd() {
	local dest=$1 dir=$2

	shift 2
	(cd "$dir" && printf '%s\n' "$@" | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$dest.extra"
	cat "$guest/initramfs.cpio.gz" "$dest.extra" >"$dest"
	rm -f "$dest.extra"
}

# bench_libs BIN - the shared libraries and the loader ldd names for BIN.
bench_libs() {
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

# bench_run PAYLOAD TIMEOUT RAW TXT - PAYLOAD in one test host (the lines
# matching TESTHOST_STREAM_RE shown as they come), its output kept in RAW;
# TXT gets a header line and what `summarize RAW` prints, and is shown.
# Returns the run's status.
bench_run() {
	local rc=0

	bash "$root/tests/testhost/run.sh" "$1" "$2" | tee "$3" || rc=$?
	[ "$rc" -eq 0 ] || echo "$bench_name: test host run ended with status $rc" >&2
	{
		echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), tree $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?'), ember binary $ember"
		summarize "$3"
	} >"$4"
	echo
	cat "$4"
	echo "$bench_name: table in $4, raw lines in $3" >&2
	return "$rc"
}

# bench_awk_med - awk text defining med(key): the median of val[key, 1] ..
# val[key, cnt[key]] ("" when there are none), with lo[key] and hi[key] the
# smallest and the largest. A two-part key is med(a SUBSEP b).
bench_awk_med='
function med(key,   n, i, j, t, a) {
	n = cnt[key]
	if (!n) return ""
	for (i = 1; i <= n; i++) a[i] = val[key, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	lo[key] = a[1]; hi[key] = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'
