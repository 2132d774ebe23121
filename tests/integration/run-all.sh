#!/bin/sh
# run-all.sh - run ember's integration tests (POSIX sh; busybox ash is enough).
#
#   run-all.sh EMBER_BIN ASSET_DIR [NAME...]
#
# ASSET_DIR holds the guest assets: vmlinux, bzImage, initramfs.cpio.gz (from
# make guest) and debian-vmlinuz (Debian's stock kernel, from make testhost).
# Each test_<name>.sh next to this script runs in its own work directory
# under a timeout (its "# timeout: N" header line, default 120 s). Output:
#   TEST <name> PASS
#   TEST <name> FAIL <reason>
# with "  | " detail lines (timing; on failure the end of ember's output),
# then "integration: <p> passed, <f> failed". Exit status 0 only if all pass.
# NAME... restricts the run to those tests.
#
# Environment: EMBER_TEST_WORKDIR (where work directories go, default a new
# directory under ${TMPDIR:-/tmp}; kept on failure), EMBER_BOOT_TIMEOUT.

if [ $# -lt 2 ]; then
	echo "usage: $0 EMBER_BIN ASSET_DIR [NAME...]" >&2
	exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
# Absolute paths: each test runs from its own directory.
EMBER=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ASSETS=$(cd "$2" 2>/dev/null && pwd)
LIB=$here/lib.sh
shift 2
export EMBER ASSETS LIB

if [ ! -x "$EMBER" ]; then
	echo "integration: $EMBER is not an executable" >&2
	exit 2
fi
if [ -z "$ASSETS" ]; then
	echo "integration: asset directory not found" >&2
	exit 2
fi

work=${EMBER_TEST_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/ember-it.XXXXXX")}
mkdir -p "$work" || exit 2

# test_timeout FILE - the "# timeout: N" header of a test, else 120.
test_timeout() {
	t=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-120}"
}

# show_tail FILE LABEL - the last lines of FILE as detail lines.
show_tail() {
	[ -s "$1" ] || return 0
	echo "  | $2:"
	tail -n 8 "$1" | cut -c1-200 | sed 's/^/  |   /'
}

# run_one NAME - run test_NAME.sh, print its TEST line; 0 if it passed.
run_one() {
	name=$1
	file=$here/test_$name.sh
	TDIR=$work/$name
	export TDIR
	rm -rf "$TDIR"
	mkdir -p "$TDIR"
	if [ ! -f "$file" ]; then
		echo "TEST $name FAIL no such test"
		return 1
	fi
	t=$(test_timeout "$file")
	(cd "$TDIR" && timeout -k 10 "$t" sh "$file") >"$TDIR/test.out" 2>&1
	rc=$?
	[ -f "$TDIR/boot-summary" ] && echo "  | $(cat "$TDIR/boot-summary")"
	if [ "$rc" -eq 0 ]; then
		echo "TEST $name PASS"
		return 0
	fi
	if [ -s "$TDIR/reason" ]; then
		reason=$(head -n 1 "$TDIR/reason")
	else
		case $rc in
		124 | 137 | 143) reason="test timed out after $t s" ;;
		*) reason="test script exited with status $rc" ;;
		esac
	fi
	show_tail "$TDIR/ember.log" "ember stderr ($TDIR/ember.log)"
	show_tail "$TDIR/serial.log" "guest console ($TDIR/serial.log)"
	show_tail "$TDIR/test.out" "test script output"
	echo "TEST $name FAIL $reason"
	return 1
}

if [ $# -gt 0 ]; then
	names=$*
else
	names=
	for f in "$here"/test_*.sh; do
		n=${f##*/test_}
		names="$names ${n%.sh}"
	done
fi

passed=0
failed=0
for n in $names; do
	if run_one "$n"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

echo "integration: $passed passed, $failed failed"
if [ "$failed" -eq 0 ] && [ -z "${EMBER_TEST_WORKDIR:-}" ]; then
	rm -rf "$work"
else
	echo "  | work directories kept in $work"
fi
[ "$failed" -eq 0 ]
