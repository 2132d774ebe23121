# jailer_memory: the cgroup's memory.max holds against the guest. The guest
# has 512 MiB but its cgroup only 80 MiB; its /test.sh fills guest RAM
# (a file in the initramfs' tmpfs), the pages KVM faults in are charged to
# ember's cgroup, and the kernel's OOM killer ends ember inside the cgroup:
# the supervising jailer reports SIGKILL (137), memory.events counts the
# kill, and nothing outside the cgroup is touched.
# timeout: 240
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
jail_setup

base=/srv/ember-it-mem
id=jmem-$$
root=$base/ember/$id/root
cgdir=$CG/ember-it-mem/$id
cleanup() {
	cg_rm "$cgdir"
	rmdir "$CG/ember-it-mem" 2>/dev/null
	rm -rf "$base"
}
trap cleanup EXIT
jail_base "$base"
mkdir -p "$root"
jail_link "$ASSETS/vmlinux" "$root/vmlinux"
cat >"$TDIR/test.sh" <<'EOT'
echo JAIL-FILLING
dd if=/dev/zero of=/fill bs=1M count=200 2>/dev/null
echo JAIL-FILLED
EOT
jail_initrd "$TDIR/test.sh" "$root/initrd.img"
jail_config "$root" 1 512

$JRUN "$JAILER" --id "$id" --exec-file "$EMBER" --uid $JAIL_UID --gid $JAIL_GID \
	--chroot-base-dir "$base" --new-pid-ns --parent-cgroup ember-it-mem \
	--cgroup memory.max=80M -- \
	--no-api --config-file /vm.json </dev/null >"$TDIR/serial.raw" 2>"$TDIR/ember.log"
rc=$?
tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
grep -q '^JAIL-FILLING' "$TDIR/serial.log" || fail "the guest never started filling its RAM (status $rc; $(last_words))"
grep -q '^JAIL-FILLED' "$TDIR/serial.log" && fail "the guest filled 200 MiB under an 80 MiB memory.max"
[ "$rc" -eq 137 ] || fail "jailer status $rc, expected 137 (ember SIGKILLed by the OOM killer)"
kills=$(awk '$1 == "oom_kill" { print $2 }' "$cgdir/memory.events")
[ "${kills:-0}" -ge 1 ] || fail "memory.events shows no OOM kill ($(tr '\n' ' ' <"$cgdir/memory.events"))"
echo "memory.max $(cat "$cgdir/memory.max"), peak $(cat "$cgdir/memory.peak" 2>/dev/null || echo ?), oom_kill $kills"
