# lib_jailer.sh - helpers for the ember-jailer integration tests (sourced
# after lib.sh; POSIX sh, busybox ash compatible).
#
# The jailer is ember-jailer next to $EMBER (build/ember-jailer, or
# /payload/ember-jailer in the test host). The tests need root and a cgroup2
# mount (the test host's /init mounts one). They jail ember as uid:gid
# $JAIL_UID:$JAIL_GID and look at it from outside through /proc.
#
# pivot_root cannot leave an initramfs root (rootfs has no parent mount),
# and the test host runs from one. There the jailer runs chrooted into
# /jhost, a recursive bind mount of / (a mount with a parent, like the root
# file system of a disk-booted host); paths are the same inside and out.
# /jhost is made once per test host and never removed, and lies outside
# every test's work directory (rm -rf must never walk into a bind of /).

JAILER=$(dirname "$EMBER")/ember-jailer
JAIL_UID=10123
JAIL_GID=10124
HOSTROOT=
JRUN=
CG=

# jail_setup - check the prerequisites; set CG, HOSTROOT and JRUN.
jail_setup() {
	[ -x "$JAILER" ] || fail "$JAILER missing (make build/ember-jailer)"
	[ "$(id -u)" = 0 ] || fail "the jailer tests need root"
	CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$CG" ] || fail "no cgroup2 file system mounted"
	# mountinfo: field 5 is the mount point, the fstype follows " - ".
	if awk '$5 == "/" && / - rootfs / { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		HOSTROOT=/jhost
		JRUN="chroot /jhost"
		if ! awk '$2 == "/jhost" { f = 1 } END { exit !f }' /proc/mounts; then
			mkdir -p /jhost && mount -o rbind / /jhost ||
				fail "cannot bind-mount / onto /jhost"
		fi
	fi
}

# jail_base DIR - an empty chroot base directory, root-owned, mode 0755.
jail_base() {
	rm -rf "$1"
	mkdir -p "$1" && chmod 0755 "$1" || fail "cannot create $1"
}

# jail_link SRC DST - hard-link SRC into the jail (the documented way), or
# copy it when the two are on different file systems.
jail_link() {
	src=$(readlink -f "$1")
	ln "$src" "$2" 2>/dev/null || cp "$src" "$2" || fail "cannot place $1 in the jail"
}

# jail_initrd TEST_SH OUT - the guest initramfs with TEST_SH appended as
# /test.sh (as guest-kernel-config/with-test.sh does).
jail_initrd() {
	mkdir -p "$TDIR/extra"
	cp "$1" "$TDIR/extra/test.sh" && chmod 0755 "$TDIR/extra/test.sh"
	(cd "$TDIR/extra" && echo test.sh | cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -c >"$TDIR/extra.cpio.gz" || fail "cannot build the extra cpio"
	cat "$ASSETS/initramfs.cpio.gz" "$TDIR/extra.cpio.gz" >"$2" || fail "cannot write $2"
}

# jail_config ROOT VCPUS MEM_MIB - ROOT/vm.json with paths inside the jail.
jail_config() {
	write_config /vmlinux /initrd.img "$STD_ARGS" "$2" "$3"
	cp "$TDIR/vm.json" "$1/vm.json" || fail "cannot write $1/vm.json"
}

# wait_for FILE PATTERN SECONDS - 0 once FILE has a line matching PATTERN.
wait_for() {
	n=0
	while [ "$n" -lt "$(($3 * 5))" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

# alive PID - PID exists and is not a zombie (an orphan that exited may
# wait a while for the test host's init to reap it).
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# wait_gone PID SECONDS - 0 once PID has exited.
wait_gone() {
	n=0
	while [ "$n" -lt "$(($2 * 5))" ]; do
		alive "$1" || return 0
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

# status_field PID FIELD - a /proc/PID/status field, tabs squeezed to spaces.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' '  ' | sed 's/ *$//'
}

# limit PID NAME - "soft hard" of a /proc/PID/limits line ("Max open files").
limit() {
	grep "^$2 " "/proc/$1/limits" | sed "s/^$2 *//" | awk '{ print $1, $2 }'
}

# cg_rm DIR - remove a cgroup, killing what is left in it first.
cg_rm() {
	[ -d "$1" ] || return 0
	for p in $(cat "$1/cgroup.procs" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	n=0
	while ! rmdir "$1" 2>/dev/null && [ "$n" -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}
