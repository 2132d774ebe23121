# shellcheck shell=sh
# lib_vsock.sh - helpers for the vsock tests (sourced after lib.sh; POSIX sh,
# busybox ash in the test host). The tool is build/test-vsockt (tests/
# integration/vsockt.c), found next to ember; the guest gets a copy as
# /vsockt in its initramfs.
#
#   vsock_initrd SCRIPT OUT        OUT: the guest initramfs + SCRIPT as
#                                  /test.sh + /vsockt
#   vsock_json CID UDS             the config file's "vsock" member
#   vsock_connect_retry UDS PORT BYTES SECS
#                                  vsockt hconnect until the guest listens
#                                  (an agent dialled before it is up), output
#                                  in $TDIR/vsockt.out

VSOCKT=$(dirname "$EMBER")/test-vsockt
[ -x "$VSOCKT" ] || fail "$VSOCKT missing (make build/test-vsockt)"

vsock_initrd() {
	need_asset initramfs.cpio.gz
	rm -rf "$TDIR/vextra"
	mkdir -p "$TDIR/vextra"
	cp "$1" "$TDIR/vextra/test.sh" && cp "$VSOCKT" "$TDIR/vextra/vsockt" ||
		fail "cannot stage the guest files"
	chmod 0755 "$TDIR/vextra/test.sh" "$TDIR/vextra/vsockt"
	(cd "$TDIR/vextra" && printf 'test.sh\nvsockt\n' | cpio -o -H newc -R 0:0 2>/dev/null |
		gzip) >"$TDIR/vextra.cpio.gz" || fail "cannot pack the guest files"
	cat "$ASSETS/initramfs.cpio.gz" "$TDIR/vextra.cpio.gz" >"$2" || fail "cannot write $2"
}

vsock_json() {
	printf '"vsock": { "guest_cid": %s, "uds_path": %s }' "$1" "$(json_str "$2")"
}

vsock_connect_retry() {
	t0=$(uptime_cs)
	until "$VSOCKT" hconnect "$1" "$2" "$3" >"$TDIR/vsockt.out" 2>&1; do
		[ $(($(uptime_cs) - t0)) -lt $(($4 * 100)) ] ||
			fail "CONNECT $2 never answered within $4 s: $(tail -n 1 "$TDIR/vsockt.out")"
		sleep 0.5
	done
}
