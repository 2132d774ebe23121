# mmds_v1: MMDS V1 on the guest's eth0, read with the guest's busybox wget
# and nc: a value as text, a listing of keys (sub-objects with a "/"), JSON
# with Accept: application/json, 404 for a missing path; a PATCH /mmds after
# boot seen by the guest; then the guest floods the MMDS address with 64
# connections that never finish their request while it fetches a
# 30000-byte value again and again (every copy intact) until the host,
# whose API answered meanwhile, says stop through MMDS.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/mmds-lib.sh
. "$(dirname "$LIB")/mmds-lib.sh"
need_asset vmlinux
mmds_tap 110
trap 'api_stop; del_tap "$TAP"' EXIT

big=$(awk 'BEGIN { for (i = 0; i < 30000; i++) printf "%c", 97 + i % 26 }')
big_sha=$(printf '%s' "$big" | sha256sum | cut -d' ' -f1)
cat >"$TDIR/mmds.json" <<EOT
{"latest": {"meta-data": {"ami-id": "ami-12345678", "hostname": "guest-110",
  "network": {"interfaces": {"macs": {"06:00:a9:fe:00:02": {"subnet-id": "subnet-be9b61d"}}}}},
  "big": "$big"}}
EOT
{
	mmds_guest_prelude
	cat <<'EOT'
echo "EMBER-AMI $(wget -q -O - $M/latest/meta-data/ami-id)"
echo "EMBER-LIST $(wget -q -O - $M/latest/meta-data/ | tr '\n' ' ')"
echo "EMBER-JSON $(wget -q -O - --header 'Accept: application/json' $M/latest/meta-data/network | tr -d ' \n')"
echo "EMBER-MISSING $(req GET /latest/nothing-here | status)"
echo "EMBER-WAIT-PATCH"
i=0
while [ $i -lt 120 ]; do
	v=$(wget -q -O - $M/latest/meta-data/ami-id)
	[ "$v" = ami-patched ] && break
	sleep 0.5
	i=$((i + 1))
done
echo "EMBER-PATCHED $v $(wget -q -O - $M/latest/meta-data/hostname)"
i=0
while [ $i -lt 64 ]; do
	(printf 'GET /latest/meta-data/ HTTP/1.1\r\n'; sleep 20) | nc 169.254.169.254 80 >/dev/null 2>&1 &
	i=$((i + 1))
done
sleep 1
echo "EMBER-FLOOD-ON"
# Fetch the big value until the host, having used its API during the
# flood, says so through MMDS itself (at least 5 times, at most 100).
ok=0
i=0
while [ $i -lt 100 ]; do
	rm -f /tmp/big
	wget -q -O /tmp/big $M/latest/big && [ "$(sha256sum /tmp/big | cut -d' ' -f1)" = BIGSHA ] &&
		ok=$((ok + 1))
	i=$((i + 1))
	[ $i -ge 5 ] && [ "$(wget -q -O - $M/latest/step)" = done ] && break
done
echo "EMBER-BIG-OK $ok of $i"
echo "EMBER-AFTER $(wget -q -O - $M/latest/meta-data/ami-id)"
EOT
} | sed "s/BIGSHA/$big_sha/" >"$TDIR/guest.sh"
mmds_boot V1 "$TDIR/guest.sh" "$TDIR/mmds.json"

wait_console EMBER-WAIT-PATCH 400
api_ok PATCH /mmds '{"latest": {"meta-data": {"ami-id": "ami-patched"}}}'
wait_console EMBER-FLOOD-ON 200
api_alive
api_ok GET /mmds
case $API_BODY in
*ami-patched*) ;;
*) fail "GET /mmds during the flood: $API_BODY" ;;
esac
api_ok PATCH /mmds '{"latest": {"step": "done"}}'
wait_console EMBER-AFTER 300
api_wait_exit 120
expect_marker EMBER-AMI ami-12345678
for k in ami-id hostname network/; do
	marker EMBER-LIST | grep -q "$k" || fail "the listing lacks $k: $(marker EMBER-LIST)"
done
marker EMBER-JSON | grep -q '"subnet-id":"subnet-be9b61d"' ||
	fail "the JSON answer lacks the subnet: $(marker EMBER-JSON)"
expect_marker EMBER-MISSING 404
expect_marker EMBER-PATCHED "ami-patched guest-110"
big_ok=$(marker EMBER-BIG-OK)
set -- $big_ok
[ "${1:-0}" -ge 5 ] && [ "$1" = "${3:-}" ] || fail "big value during the flood: ${big_ok:-nothing}"
expect_marker EMBER-AFTER ami-patched
exit 0
