# jailer_boot: ember started by ember-jailer (--daemonize --new-pid-ns, a
# netns, cgroup v2 limits, rlimits, an unprivileged uid/gid, the default
# /srv/jailer base) boots the guest from files hard-linked into the jail.
# While the guest's /test.sh sleeps, the confinement is checked from outside:
# /proc/<pid>/root is the jail, mount/PID namespaces differ from the host's
# and the netns is the requested one, uid/gid, CapEff 0, NoNewPrivs 1, Seccomp 2, the
# cgroup with memory.max and pids.max (a fork loop in that cgroup stops at
# pids.max), only /dev/kvm and /dev/net/tun in the jail's /dev, the rlimits,
# no inherited fd or environment variable. Then the guest finishes and ember
# exits 0.
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
jail_setup

id=jboot-$$
base=/srv/jailer
jdir=$base/ember/$id
root=$jdir/root
cgdir=$CG/ember-it/$id
ns=ember-it-$$
nsfile=$HOSTROOT/run/netns/$ns

cleanup() {
	[ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null
	cg_rm "$cgdir"
	rmdir "$CG/ember-it" 2>/dev/null
	umount "$nsfile" 2>/dev/null
	rm -f "$nsfile"
	rm -rf "$jdir"
}
trap cleanup EXIT

mkdir -p "$base" && chmod 0755 "$base"
rm -rf "$jdir"
mkdir -p "$root"
# The microVM's files, placed by the caller before the jailer runs.
jail_link "$ASSETS/vmlinux" "$root/vmlinux"
cat >"$TDIR/test.sh" <<'EOT'
echo JAIL-GUEST-WAITING
sleep 30
exit 0
EOT
jail_initrd "$TDIR/test.sh" "$root/initrd.img"
jail_config "$root" 1 128
# A network namespace to join (busybox unshare persists it on a file).
mkdir -p "$HOSTROOT/run/netns" && touch "$nsfile" && unshare --net="$nsfile" true ||
	fail "cannot create a network namespace"

# An inherited fd (9) and an environment variable that must not reach ember.
echo secret >"$TDIR/secret"
EMBER_IT_SECRET=1 $JRUN "$JAILER" --id "$id" --exec-file "$EMBER" --uid $JAIL_UID --gid $JAIL_GID \
	--netns "/run/netns/$ns" --daemonize --new-pid-ns --cgroup-version 2 \
	--cgroup memory.max=200M --cgroup pids.max=10 --parent-cgroup ember-it \
	--resource-limit no-file=512 --resource-limit fsize=67108864 -- \
	--no-api --boot-timer --config-file /vm.json --serial-out /run/serial.log \
	--log-path /run/ember.log >"$TDIR/jailer.out" 2>&1 9<"$TDIR/secret"
rc=$?
[ "$rc" -eq 0 ] || fail "ember-jailer exited with $rc: $(head -c 300 "$TDIR/jailer.out")"
pid=$(cat "$root/ember.pid" 2>/dev/null)
[ -n "$pid" ] && alive "$pid" || fail "no running ember behind $root/ember.pid"
[ "$(cat "/proc/$pid/comm")" = ember ] || fail "pid $pid is $(cat "/proc/$pid/comm"), not ember"
if ! wait_for "$root/run/serial.log" '^JAIL-GUEST-WAITING' 120; then
	cp "$root/run/ember.log" "$TDIR/ember.log" 2>/dev/null
	fail "the jailed guest never reached its test script"
fi

# The root is the jail, with only what the caller and the jailer put there.
[ "$(stat -L -c %d:%i "/proc/$pid/root")" = "$(stat -c %d:%i "$root")" ] ||
	fail "/proc/$pid/root is not $root"
got=$(ls -A "/proc/$pid/root" | tr '\n' ' ')
[ "$got" = "dev ember ember.pid initrd.img run vm.json vmlinux " ] ||
	fail "unexpected jail contents: $got"
# Namespaces: mount and PID of its own, the requested network namespace.
for t in mnt pid; do
	[ "$(readlink "/proc/$pid/ns/$t")" != "$(readlink "/proc/self/ns/$t")" ] ||
		fail "ember shares the host's $t namespace"
done
[ "$(readlink "/proc/$pid/ns/net")" = "net:[$(stat -L -c %i "$nsfile")]" ] ||
	fail "ember is not in the network namespace $nsfile"
[ "$(sed -n 's/^NSpid:[[:space:]]*//p' "/proc/$pid/status" | awk '{ print $2 }')" = 1 ] ||
	fail "ember is not PID 1 of its PID namespace"
# Identity and privileges, for every thread.
for st in /proc/$pid/task/*/status; do
	t=$(dirname "$st")
	t=${t##*/}
	[ "$(status_field "$pid/task/$t" Uid)" = "$JAIL_UID $JAIL_UID $JAIL_UID $JAIL_UID" ] ||
		fail "thread $t: Uid $(status_field "$pid/task/$t" Uid)"
	[ "$(status_field "$pid/task/$t" Gid)" = "$JAIL_GID $JAIL_GID $JAIL_GID $JAIL_GID" ] ||
		fail "thread $t: Gid $(status_field "$pid/task/$t" Gid)"
	[ "$(status_field "$pid/task/$t" Groups)" = "$JAIL_GID" ] ||
		fail "thread $t: Groups $(status_field "$pid/task/$t" Groups)"
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(status_field "$pid/task/$t" $c)" = 0000000000000000 ] ||
			fail "thread $t: $c $(status_field "$pid/task/$t" $c)"
	done
	[ "$(status_field "$pid/task/$t" NoNewPrivs)" = 1 ] || fail "thread $t: NoNewPrivs not 1"
	# Jailed and filtered: ember's own seccomp filters are on in the jail.
	[ "$(status_field "$pid/task/$t" Seccomp)" = 2 ] ||
		fail "thread $t: Seccomp $(status_field "$pid/task/$t" Seccomp), not 2"
done
# Daemonized: its own session, stdio on /dev/null.
for fd in 0 1 2; do
	case $(readlink "/proc/$pid/fd/$fd") in
	*/dev/null) ;;
	*) fail "fd $fd is $(readlink "/proc/$pid/fd/$fd"), not /dev/null" ;;
	esac
done
[ "$(awk '{ print $6 }' "/proc/$pid/stat")" != "$(awk '{ print $6 }' /proc/self/stat)" ] ||
	fail "ember is in the test's session"
# Nothing inherited: not the file behind fd 9, no environment.
for f in /proc/$pid/fd/*; do
	case $(readlink "$f") in
	*secret*) fail "ember holds $(readlink "$f")" ;;
	esac
done
[ ! -s "/proc/$pid/environ" ] || fail "ember's environment: $(tr '\0' ' ' <"/proc/$pid/environ")"
# Device nodes: exactly kvm and net/tun, owned by the jailed ids, 0600.
[ "$(ls -A "$root/dev" | tr '\n' ' ')" = "kvm net " ] || fail "jail /dev: $(ls -A "$root/dev")"
[ "$(ls -A "$root/dev/net")" = tun ] || fail "jail /dev/net: $(ls -A "$root/dev/net")"
[ "$(stat -c '%F %t:%T %u:%g %a' "$root/dev/kvm")" = "character special file a:e8 $JAIL_UID:$JAIL_GID 600" ] ||
	fail "/dev/kvm: $(stat -c '%F %t:%T %u:%g %a' "$root/dev/kvm")"
[ "$(stat -c '%F %t:%T %u:%g %a' "$root/dev/net/tun")" = "character special file a:c8 $JAIL_UID:$JAIL_GID 600" ] ||
	fail "/dev/net/tun: $(stat -c '%F %t:%T %u:%g %a' "$root/dev/net/tun")"
# Resource limits, soft and hard.
[ "$(limit "$pid" 'Max open files')" = "512 512" ] ||
	fail "Max open files: $(limit "$pid" 'Max open files')"
[ "$(limit "$pid" 'Max file size')" = "67108864 67108864" ] ||
	fail "Max file size: $(limit "$pid" 'Max file size')"
# The cgroup: ember alone in it, with the values applied and holding.
[ "$(cat "/proc/$pid/cgroup")" = "0::/ember-it/$id" ] || fail "cgroup: $(cat "/proc/$pid/cgroup")"
# Besides ember, only KVM's own worker kernel threads, which KVM attaches
# to the cgroup of the process that created the VM (kvm-nx-lpage-recovery).
for p in $(cat "$cgdir/cgroup.procs"); do
	[ "$p" = "$pid" ] && continue
	comm=$(cat "/proc/$p/comm" 2>/dev/null)
	case $comm in
	kvm-*) [ -z "$(tr -d '\0' <"/proc/$p/cmdline")" ] || fail "process $p ($comm) in the cgroup" ;;
	*) fail "process $p ($comm) in the cgroup besides ember ($pid)" ;;
	esac
	echo "in the cgroup besides ember: $p ($comm, a kernel thread)"
done
[ "$(cat "$cgdir/memory.max")" = 209715200 ] || fail "memory.max: $(cat "$cgdir/memory.max")"
[ "$(cat "$cgdir/pids.max")" = 10 ] || fail "pids.max: $(cat "$cgdir/pids.max")"
[ "$(cat "$cgdir/memory.current")" -le 209715200 ] || fail "memory.current above memory.max"
echo "ember pid $pid: $(cat "$cgdir/pids.current") tasks, memory.current $(cat "$cgdir/memory.current")"
# A fork loop inside the VM's cgroup stops at pids.max (ember's threads
# count): fork fails, pids.events counts it, ember runs on.
sh -c "echo \$\$ >$cgdir/cgroup.procs || exit 9
	i=0; while [ \$i -lt 50 ]; do sleep 60 & i=\$((i + 1)); done" \
	>"$TDIR/forkloop.out" 2>&1
[ $? -ne 9 ] || fail "cannot move a shell into $cgdir"
[ "$(cat "$cgdir/pids.current")" -le 10 ] || fail "pids.current $(cat "$cgdir/pids.current") > 10"
max_hits=$(awk '$1 == "max" { print $2 }' "$cgdir/pids.events")
[ "${max_hits:-0}" -ge 1 ] || fail "pids.max never refused a fork (pids.events: max ${max_hits:-?})"
echo "fork loop: pids.current $(cat "$cgdir/pids.current"), pids.events max $max_hits"
for p in $(cat "$cgdir/cgroup.procs"); do
	[ "$p" = "$pid" ] || kill -9 "$p" 2>/dev/null
done
alive "$pid" || fail "ember exited during the checks (guest sleep too short?)"

# The guest finishes; ember exits 0 on the guest's reboot.
wait_gone "$pid" 120 || fail "ember still running 120 s after the checks"
tr -d '\r' <"$root/run/serial.log" >"$TDIR/serial.log"
cp "$root/run/ember.log" "$TDIR/ember.log"
grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "no EMBER-GUEST-UP from the jailed guest"
expect_marker EMBER-TEST-RC 0
grep -q 'ember exiting with status 0' "$TDIR/ember.log" ||
	fail "ember did not exit with status 0 ($(last_words))"
