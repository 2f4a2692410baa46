#!/usr/bin/env bash
# Prints the median tables from the results of run-tcp.sh (default /tmp/autobahn-bench-tcp).
set -euo pipefail
OUT=${1:-/tmp/autobahn-bench-tcp}
R="$OUT/results.txt"

# field server cell key: the median of key over the runs
med() {
	grep -E "server=$1 cell=$2 " "$R" | grep -v 'run=strace' | tr ' ' '\n' | grep "^$3=" | cut -d= -f2 |
		sed 's/[%s]$//; s/KB$//' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
# median of a duration (µs/ms/s) in microseconds
medlat() {
	grep -E "server=$1 cell=$2 " "$R" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2 |
		awk '/µs$/ {sub("µs",""); print $1; next} /ms$/ {sub("ms",""); print $1*1000; next} /s$/ {sub("s",""); print $1*1e6}' |
		sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) printf "%.0f\n", a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2}'
}

servers=$(grep -o 'server=[^ ]*' "$R" | cut -d= -f2 | awk '!s[$0]++')
cells=$(grep -o 'cell=[0-9]*x[0-9]*' "$R" | cut -d= -f2 | awk '!s[$0]++')
runs=$(grep -oE 'run=[0-9]+' "$R" | sort -u | wc -l)

echo "Medians of $runs runs. Server: GOMAXPROCS=1, taskset -c 0; load generator: taskset -c 1."
echo
echo "msg per server-CPU-second (closed loop, one message in flight per connection):"
echo
printf '| server |'; for c in $cells; do printf ' %s |' "$c"; done; echo
printf '|---|'; for c in $cells; do printf -- '---:|'; done; echo
for s in $servers; do
	printf '| %s |' "$s"
	for c in $cells; do printf ' %s |' "$(med "$s" "$c" msg_per_server_cpu_s | awk '{printf "%.0fk", $1/1000}')"; done
	echo
done
echo
echo "throughput, latency and CPU shares (closed loop; loop thread: share of the time the busiest server"
echo "thread was running or runnable, from /proc/PID/task/*/schedstat):"
echo
echo '| server | cell | msg/s | p50 µs | p99 µs | server CPU | loop thread | client CPU |'
echo '|---|---|---:|---:|---:|---:|---:|---:|'
for c in $cells; do
	for s in $servers; do
		echo "| $s | $c | $(med "$s" "$c" msg/s | awk '{printf "%.0fk", $1/1000}') | $(medlat "$s" "$c" p50) | $(medlat "$s" "$c" p99) | $(med "$s" "$c" server_busy)% | $(med "$s" "$c" server_loop_wants)% | $(med "$s" "$c" client_busy)% |"
	done
done
if grep -q 'cell=sat' "$R"; then
	echo
	echo "saturation (many messages in flight per connection, client answers a read with one write):"
	echo
	echo '| server | cell | msg/s | server CPU | loop thread | client CPU | msg per server-CPU-s |'
	echo '|---|---|---:|---:|---:|---:|---:|'
	for c in $(grep -o 'cell=sat[^ ]*' "$R" | cut -d= -f2 | awk '!s[$0]++'); do
		for s in $servers; do
			echo "| $s | $c | $(med "$s" "$c" msg/s | awk '{printf "%.0fk", $1/1000}') | $(med "$s" "$c" server_busy)% | $(med "$s" "$c" server_loop_wants)% | $(med "$s" "$c" client_busy)% | $(med "$s" "$c" msg_per_server_cpu_s | awk '{printf "%.0fk", $1/1000}') |"
		done
	done
fi
if grep -q 'cell=idle' "$R"; then
	echo
	echo "idle memory: server RSS growth per connection (bytes), one ping each, held 2 s:"
	echo
	idles=$(grep -o 'cell=idle[0-9]*' "$R" | cut -d= -f2 | awk '!s[$0]++')
	printf '| server |'; for c in $idles; do printf ' %s conns |' "${c#idle}"; done; echo
	printf '|---|'; for c in $idles; do printf -- '---:|'; done; echo
	for s in $servers; do
		printf '| %s |' "$s"
		for c in $idles; do printf ' %s |' "$(med "$s" "$c" bytes_per_conn)"; done
		echo
	done
fi
if ls "$OUT"/strace-*.txt >/dev/null 2>&1; then
	echo
	echo "syscalls per message (strace -c -f on the server, 2 s of closed loop; msgs from the load generator):"
	echo
	echo '| server | cell | read | write | writev | epoll_wait | msgs per epoll_wait | other |'
	echo '|---|---|---:|---:|---:|---:|---:|---:|'
	for f in "$OUT"/strace-*.txt; do
		b=$(basename "$f" .txt); b=${b#strace-}; s=${b%-*}; c=${b##*-}
		msgs=$(grep -E "server=$s cell=strace$c " "$R" | tr ' ' '\n' | grep '^msgs=' | cut -d= -f2 | tail -1)
		[ -z "$msgs" ] && continue
		awk -v s="$s" -v c="$c" -v m="$msgs" '
			$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { n[$NF] += $4 }
			END {
				ew = n["epoll_wait"] + n["epoll_pwait"]
				other = 0
				for (k in n) if (k != "read" && k != "write" && k != "writev" && k != "epoll_wait" && k != "epoll_pwait") other += n[k]
				printf "| %s | %s | %.2f | %.2f | %.2f | %.3f | %.0f | %.2f |\n", s, c, n["read"]/m, n["write"]/m, n["writev"]/m, ew/m, (ew ? m/ew : 0), other/m
			}' "$f"
	done
fi
