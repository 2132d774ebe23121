#!/bin/sh
# with-test.sh TEST_SH OUT [BASE] - write OUT: the guest initramfs BASE
# (default build/guest/initramfs.cpio.gz) followed by a second, gzip'ed newc
# cpio archive holding TEST_SH as /test.sh. Linux unpacks concatenated
# archives in order, so the guest's /init finds /test.sh, runs it and prints
# "EMBER-TEST-RC <exit code>". No root privileges needed.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 TEST_SH OUT [BASE_INITRAMFS]" >&2
	exit 2
fi
test_sh=$1
out=$2
base=${3:-$(dirname "$0")/../build/guest/initramfs.cpio.gz}
[ -f "$test_sh" ] || { echo "$0: $test_sh: no such file" >&2; exit 1; }
[ -f "$base" ] || { echo "$0: $base: no such file (run make guest)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$test_sh" "$tmp/test.sh"
chmod 0755 "$tmp/test.sh"
# A compressed second archive needs no alignment; a raw one would have to
# start at a 4-byte boundary of the concatenation.
(cd "$tmp" && echo test.sh | cpio -o -H newc -R 0:0 --quiet) | gzip -n >"$tmp/test.cpio.gz"
cat "$base" "$tmp/test.cpio.gz" >"$out.tmp"
mv "$out.tmp" "$out"
