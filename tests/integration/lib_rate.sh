# shellcheck shell=sh
# lib_rate.sh - helpers of the rate-limiter accuracy tests (sourced after
# lib.sh and api-lib.sh; POSIX sh, busybox ash in the test host).
#
#   initrd_with_tools FILE   $TDIR/initrd.img: the guest initramfs, then
#                            $ASSETS/tools.cpio.gz (Debian's fio and iperf3
#                            with their libraries, from make guest), then
#                            FILE as /test.sh
#   rate_note TEXT           add TEXT to the one-line summary run-all prints
#   expect_within NAME GOT WANT PCT
#                            fail unless GOT is within PCT % of WANT

initrd_with_tools() {
	need_asset tools.cpio.gz
	initrd_with_test "$1"
	# The kernel unpacks concatenated gzip'ed newc archives in order; the
	# test script comes last, after the libraries.
	cat "$ASSETS/initramfs.cpio.gz" "$ASSETS/tools.cpio.gz" "$TDIR/test.cpio.gz" \
		>"$TDIR/initrd.img" || fail "cannot pack the guest initrd with the tools"
}

rate_note() {
	RATE_NOTES="${RATE_NOTES:+$RATE_NOTES; }$*"
	echo "$*"
	echo "$RATE_NOTES" >"$TDIR/boot-summary"
}

expect_within() {
	awk -v g="$2" -v w="$3" -v p="$4" 'BEGIN { exit !(g >= w * (1 - p / 100) && g <= w * (1 + p / 100)) }' ||
		fail "$1: measured $2, expected $3 +-$4%"
}
