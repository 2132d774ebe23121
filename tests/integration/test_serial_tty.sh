# serial_tty: ember run the way a person runs it, on a terminal (a pty from
# test-ptyrun): stdin goes raw, typed text reaches the guest's serial
# console, and at exit ember puts the terminal back - all with the seccomp
# filters on (the event loop reads the terminal and restores it through
# ioctls on fd 0 that only this mode allows).
# timeout: 180
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
ptyrun=$(dirname "$EMBER")/test-ptyrun
[ -x "$ptyrun" ] || fail "$ptyrun missing (make build/test-ptyrun)"
cat >"$TDIR/guest-test.sh" <<'EOT'
echo EMBER-TTY-ASK
read -r line
echo "EMBER-TTY-GOT $line"
EOT
mkdir -p "$TDIR/extra"
cp "$TDIR/guest-test.sh" "$TDIR/extra/test.sh" && chmod 0755 "$TDIR/extra/test.sh"
(cd "$TDIR/extra" && echo test.sh | cpio -o -H newc -R 0:0 2>/dev/null | gzip) >"$TDIR/test.cpio.gz" ||
	fail "cannot pack the guest test script"
cat "$ASSETS/initramfs.cpio.gz" "$TDIR/test.cpio.gz" >"$TDIR/initrd.img"
write_config "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128
timeout -k 5 120 "$ptyrun" "$TDIR/serial.raw" EMBER-TTY-ASK hello-ember -- \
	"$EMBER" --no-api --boot-timer --config-file "$TDIR/vm.json" 2>"$TDIR/ember.log"
BOOT_RC=$?
tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
[ "$BOOT_RC" -eq 0 ] || fail "ember on a terminal exited with status $BOOT_RC ($(last_words))"
grep -q 'forbidden system call' "$TDIR/ember.log" && fail "a filter refused a call: $(last_words)"
grep -q '^EMBER-TTY-GOT hello-ember' "$TDIR/serial.log" ||
	fail "the guest did not get the typed line: $(grep EMBER-TTY "$TDIR/serial.log" | tr '\n' ' ')"
echo "ember status 0 on a pty; typed line reached the guest" >"$TDIR/boot-summary"
exit 0
