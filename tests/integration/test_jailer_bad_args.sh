# jailer_bad_args: ember-jailer refuses bad arguments with a clear message
# before anything is created (exit status 2; the base directory and the
# cgroup tree are unchanged), and when a later step fails (a cgroup value
# the kernel rejects, an rlimit it refuses) it removes what it had created
# (exit status 1). No guest is booted.
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
jail_setup

base=/srv/ember-it-bad
cgp=ember-it-bad
jail_base "$base"
# An existing jail: a root already holding the ember binary.
mkdir -p "$base/ember/taken/root" && cp "$EMBER" "$base/ember/taken/root/ember"
# A world-writable base directory, and a prepared jail root others can write.
mkdir -p "$base/open" && chmod 0777 "$base/open"
mkdir -p "$base/ember/loose/root" && chmod 0777 "$base/ember/loose/root"
# A dynamically linked executable (QEMU in the test host, ls elsewhere).
dyn=/opt/qemu/bin/qemu-system-x86_64-microvm
[ -f "$dyn" ] || dyn=$(readlink -f "$(command -v ls)")
cleanup() {
	rm -rf "$base"
	rmdir "$CG/$cgp" 2>/dev/null
}
trap cleanup EXIT

# snapshot - the base directory and the cgroup tree, as one listing.
snapshot() {
	{
		find "$base" | LC_ALL=C sort
		find "$CG" -maxdepth 2 -type d | LC_ALL=C sort
	} >"$1"
}

# try STATUS MESSAGE ARGS... - the jailer exits STATUS, says MESSAGE on
# stderr, and the base directory and cgroups look as before.
try() {
	want=$1
	msg=$2
	shift 2
	snapshot "$TDIR/before"
	$JRUN "$JAILER" "$@" >"$TDIR/out" 2>&1
	rc=$?
	snapshot "$TDIR/after"
	[ "$rc" = "$want" ] || fail "$* -> status $rc, not $want: $(head -c 200 "$TDIR/out")"
	grep -qF -- "$msg" "$TDIR/out" || fail "$* -> no \"$msg\" in: $(head -c 200 "$TDIR/out")"
	cmp -s "$TDIR/before" "$TDIR/after" ||
		fail "$* left something behind: $(diff "$TDIR/before" "$TDIR/after" | grep '^[-+]/' | head -n 3 | tr '\n' ' ')"
	echo "ok ($rc): $msg"
}

ok="--exec-file $EMBER --uid $JAIL_UID --gid $JAIL_GID --chroot-base-dir $base"
long=$(printf '%065d' 0)
# shellcheck disable=SC2086 # $ok is split on purpose
{
	try 2 "missing --id" $ok
	try 2 "--id: must not contain '/'" --id a/b $ok
	try 2 "--id: must not contain '/'" --id ../../etc $ok
	try 2 "--id: longer than 64 characters" --id "$long" $ok
	try 2 "--id: only letters, digits and '-'" --id "a.b" $ok
	try 2 "missing --exec-file" --id a --uid 1 --gid 1
	try 2 "no such file" --id a --exec-file /nonexistent/ember --uid 1 --gid 1 \
		--chroot-base-dir "$base"
	try 2 "not a regular file" --id a --exec-file "$base/ember" --uid 1 --gid 1 \
		--chroot-base-dir "$base"
	try 2 "dynamically linked" --id a --exec-file "$dyn" --uid 1 --gid 1 \
		--chroot-base-dir "$base"
	try 2 "jail taken already exists" --id taken $ok
	try 2 "loose/root must be owned by root and writable by root only" --id loose $ok
	try 2 "--uid: must be a number" --id a --uid x $ok
	try 2 "--uid: given more than once" --id a $ok --uid 5
	try 2 "--uid: must be a number from 0 to" --id a --exec-file "$EMBER" --uid -1 --gid 1
	try 2 "missing --gid" --id a --exec-file "$EMBER" --uid 1
	# A missing base is created, but not where others could create it first.
	try 2 "--chroot-base-dir $base/open/none does not exist, and $base/open, where" \
		--id a --exec-file "$EMBER" --uid 1 --gid 1 --chroot-base-dir "$base/open/none"
	try 2 "writable by root only" --id a --exec-file "$EMBER" --uid 1 --gid 1 \
		--chroot-base-dir "$base/open"
	try 2 "unknown cgroup file \"memory.limit_in_bytes\"" --id a $ok \
		--cgroup memory.limit_in_bytes=1
	try 2 "cgroup v1 is not supported" --id a $ok --cgroup-version 1
	try 2 "--parent-cgroup" --id a $ok --parent-cgroup ../x
	try 2 "--parent-cgroup nope: no such cgroup" --id a $ok --parent-cgroup nope
	try 2 "not a namespace file" --id a $ok --netns "$EMBER"
	try 2 "--netns /nonexistent: no such file" --id a $ok --netns /nonexistent
	try 2 "not a network namespace" --id a $ok --netns /proc/self/ns/uts
	try 2 "unknown resource" --id a $ok --resource-limit nproc=10
	try 2 "ember's --id comes from the jailer" --id a $ok -- --id b
	try 2 "unknown flag \"--no-api\"" --id a $ok --no-api
	try 2 "unexpected argument \"vm.json\"" --id a $ok vm.json
	# Failures after the jail and the cgroup were created: rolled back.
	try 1 "the kernel rejected it" --id late $ok --parent-cgroup "$cgp" \
		--cgroup pids.max=lots
	try 1 "--resource-limit no-file=" --id late $ok --resource-limit no-file=999999999
}
[ -d "$base/ember/taken/root" ] && cmp -s "$EMBER" "$base/ember/taken/root/ember" ||
	fail "the existing jail was touched"
