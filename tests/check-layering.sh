#!/usr/bin/env bash
# check-layering.sh - the VMM's layering rules, checked mechanically:
#  1. nothing in vmm/ includes a header from api/ (api/ depends on vmm/),
#     except main.c, the program that joins the two;
#  2. the include graph of vmm/ and api/ (file -> included file) has no cycle;
#  3. the call graph between source files has no cycle: from the objects in
#     OBJDIR (default build/asan), file A -> file B when A references a
#     symbol B defines (nm). Skipped, with a note, when no objects exist.
# Exit status 0 when all hold; otherwise each violation is printed.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.."
OBJDIR=${OBJDIR:-build/asan}
fail=0

includes() { # file -> the quoted includes it names
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

# 1. vmm/ -> api/ (main.c, the program that joins the two, excepted)
for f in vmm/*.[ch]; do
	[ "$f" = vmm/main.c ] && continue
	for h in $(includes "$f"); do
		if [[ $h == api/* || (! -e vmm/$h && -e api/$h) ]]; then
			echo "layering: $f includes $h from api/" >&2
			fail=1
		fi
	done
done

# find_cycle EDGES - tsort reports a loop on stderr; print it.
find_cycle() {
	local out
	out=$(printf '%s\n' "$1" | tsort 2>&1 >/dev/null)
	[ -z "$out" ] && return 0
	echo "$out" | sed 's/^tsort: /  /' >&2
	return 1
}

# 2. include graph (self-edges and system headers left out)
edges=""
for f in vmm/*.[ch] api/*.[ch]; do
	edges+="$f $f"$'\n'
	for h in $(includes "$f"); do
		if [ -e "vmm/$h" ]; then t="vmm/$h"; elif [ -e "api/$h" ]; then t="api/$h"; else continue; fi
		[ "$t" != "$f" ] && edges+="$f $t"$'\n'
	done
done
if ! find_cycle "$edges"; then
	echo "layering: the include graph of vmm/ and api/ has a cycle (above)" >&2
	fail=1
fi

# 3. call graph from the objects
objs=$(ls "$OBJDIR"/vmm/*.o "$OBJDIR"/api/*.o 2>/dev/null | grep -v '/main\.o$\|/test_hook_on\.o$')
if [ -z "$objs" ]; then
	echo "layering: no objects in $OBJDIR: call graph not checked"
else
	defs=$(for o in $objs; do
		nm --defined-only -g "$o" | awk -v f="$o" 'NF == 3 { print $3, f }'
	done | sort -u)
	edges=$(for o in $objs; do
		nm -u "$o" | awk -v f="$o" '{ print $NF, f }'
	done | sort -u | join - <(echo "$defs") | awk '$2 != $3 { print $2, $3 }' | sort -u)
	if ! find_cycle "$edges"; then
		echo "layering: source files call each other in a loop (above)" >&2
		fail=1
	fi
fi
[ $fail -eq 0 ] && echo "layering: vmm/ does not include api/; no include or call cycles"
exit $fail
