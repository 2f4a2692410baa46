#!/usr/bin/env bash
# Reproduces the "Event loop" tables of BENCHMARKS.md: raw TCP echo servers (bench/servers/*) under
# bench/cmd/load, the server pinned to CPU 0 at GOMAXPROCS=1, the load generator on CPU 1.
# Every cell is run RUNS times, servers interleaved, and the median is reported. Bounded: each run
# lasts WARMUP+DUR seconds; all traffic stays on 127.0.0.x.
#
#   RUNS=5 DUR=3s ./run-tcp.sh            # full table (about 8 minutes)
#   SERVERS="autobahn-tcp gnet" CELLS="1000x32" IDLE="" STRACE="" ./run-tcp.sh
set -euo pipefail
cd "$(dirname "$0")"

RUNS=${RUNS:-5}
DUR=${DUR:-3s}
WARMUP=${WARMUP:-1s}
SERVERS=${SERVERS:-"autobahn-tcp evio gnet net"}
CELLS=${CELLS:-"100x32 100x4096 1000x32 1000x4096"}
IDLE=${IDLE-"10000 19000"}
STRACE=${STRACE-"1000x32"}
SATURATE=${SATURATE-"1000x32"}
DEPTH=${DEPTH:-64}
OUT=${OUT:-/tmp/autobahn-bench-tcp}
PORT=${PORT:-9100}

mkdir -p "$OUT/bin"
for s in $SERVERS; do go build -o "$OUT/bin/$s" "./servers/$s"; done
go build -o "$OUT/bin/load" ./cmd/load
: >"$OUT/results.txt"

spid=""
cleanup() { if [ -n "$spid" ]; then kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; fi; }
trap cleanup EXIT

start_server() { # name
	PORT=$((PORT + 1))
	GOMAXPROCS=1 taskset -c 0 "$OUT/bin/$1" -addr "127.0.0.1:$PORT" >/dev/null 2>&1 &
	spid=$!
	for _ in $(seq 200); do
		if ss -Hltn "sport = :$PORT" | grep -q LISTEN; then return 0; fi
		sleep 0.02
	done
	echo "server $1 did not start" >&2
	return 1
}

stop_server() { kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=""; }

load() { # label args...
	local label=$1
	shift
	GOMAXPROCS=1 taskset -c 1 "$OUT/bin/load" -addr "127.0.0.1:$PORT" -pid "$spid" -label "$label" "$@" | tee -a "$OUT/results.txt"
}

for run in $(seq "$RUNS"); do
	for cell in $CELLS; do
		conns=${cell%x*} size=${cell#*x}
		for s in $SERVERS; do
			start_server "$s"
			load "run=$run server=$s cell=$cell" -conns "$conns" -size "$size" -warmup "$WARMUP" -duration "$DUR"
			stop_server
		done
	done
done

# Saturation: DEPTH messages in flight per connection (the client answers each read with one write),
# so the server always has input waiting unless the client falls behind.
for cell in $SATURATE; do
	conns=${cell%x*} size=${cell#*x}
	for run in $(seq "$RUNS"); do
		for s in $SERVERS; do
			start_server "$s"
			load "run=$run server=$s cell=sat$cell" -conns "$conns" -size "$size" -depth "$DEPTH" -warmup "$WARMUP" -duration "$DUR"
			stop_server
		done
	done
done

for n in $IDLE; do
	for run in $(seq $(((RUNS + 1) / 2))); do
		for s in $SERVERS; do
			start_server "$s"
			load "run=$run server=$s cell=idle$n" -conns "$n" -idle -duration 2s
			stop_server
		done
	done
done

# Syscalls per message: strace -c on the server for 2 s of a closed-loop run.
if [ -n "$STRACE" ] && command -v strace >/dev/null; then
	for cell in $STRACE; do
		conns=${cell%x*} size=${cell#*x}
		for s in $SERVERS; do
			start_server "$s"
			load "run=strace server=$s cell=strace$cell" -conns "$conns" -size "$size" -warmup 1500ms -duration 2s >/dev/null &
			lpid=$!
			sleep 1.5
			timeout -s INT 2 strace -c -f -p "$spid" -o "$OUT/strace-$s-$cell.txt" >/dev/null 2>&1 || true
			wait "$lpid"
			stop_server
		done
	done
fi

exec ./tcp-report.sh "$OUT"
