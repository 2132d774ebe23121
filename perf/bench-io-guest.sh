#!/bin/sh
# bench-io-guest.sh - the guest's side of make bench-io, run as /test.sh by
# the guest init (busybox sh). Finds the data disk by its serial
# ("benchdata"), runs fio on it and iperf3 against the host end of the tap,
# and prints one "BENCH-GUEST key=value" line per figure. Parameters come
# from /bench.env: FIO_S (seconds per fio job), IPERF_S, HOST_IP, GUEST_IP.
. /bench.env

data=
for d in /sys/block/vd*; do
	[ "$(cat "$d/serial" 2>/dev/null)" = benchdata ] && data=/dev/${d##*/}
done
if [ -z "$data" ]; then
	echo "BENCH-GUEST error=no_data_disk"
	exit 1
fi

# fio_job NAME RW BS - one fio job on the data disk, O_DIRECT, queue depth 1
# (the guest kernel has neither libaio nor io_uring); sets BW_KIB and IOPS
# from fio's terse output (v3: read bw/iops fields 7/8, write 48/49).
fio_job() {
	BW_KIB=
	IOPS=
	fio --name="$1" --filename="$data" --rw="$2" --bs="$3" --direct=1 --ioengine=psync \
		--size=256m --time_based --runtime="$FIO_S" --ramp_time=2 --thread \
		--output-format=terse --terse-version=3 >/tmp/fio.out 2>/tmp/fio.err
	set -- $(awk -F';' -v rw="$2" '/^3;/ { if (rw ~ /write/) print $48, $49; else print $7, $8 }' /tmp/fio.out)
	BW_KIB=${1%.*}
	IOPS=${2%.*}
	if [ -z "$BW_KIB" ]; then
		echo "BENCH-GUEST fio_error=$(cat /tmp/fio.err /tmp/fio.out | head -c 300 | tr ' \n' '__')"
		BW_KIB=0
		IOPS=0
	fi
}

fio_job seqwrite write 1m
echo "BENCH-GUEST seqwrite_mibs=$((BW_KIB / 1024))"
fio_job seqread read 1m
echo "BENCH-GUEST seqread_mibs=$((BW_KIB / 1024))"
fio_job randread randread 4k
echo "BENCH-GUEST randread_iops=$IOPS"

ip link set eth0 up
ip addr add "$GUEST_IP/24" dev eth0
# Wait for the link and the host's iperf3 server.
ping -c 1 -W 5 "$HOST_IP" >/dev/null 2>&1

# iperf_mbps [-R] - TCP throughput in Mbit/s as the receiver saw it.
iperf_mbps() {
	iperf3 -c "$HOST_IP" -t "$IPERF_S" -f m "$@" 2>&1 |
		awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print int($(i - 1)) }'
}

echo "BENCH-GUEST tcp_g2h_mbps=$(iperf_mbps)"
echo "BENCH-GUEST tcp_h2g_mbps=$(iperf_mbps -R)"
exit 0
