#!/usr/bin/env bash
# Prefork scaling: echo messages/s of `autobahn serve --driver loop
# --procs N` (N processes sharing the port with SO_REUSEPORT, each on
# GOMAXPROCS=1: N processes on N cores) under `autobahn bench run`
# (closed loop, C connections x S bytes), rounds interleaved (1, 2, 1,
# 2, ...) so the shared machine's slow moments fall on both; medians.
# Server CPU is the children's utime+stime (/proc) over the whole run
# (connect, warm-up, measure, drain), so msg per server-CPU-second is a
# slight underestimate, alike for every N.
#
# Usage: bench/run-prefork.sh [procs-list] [conns] [size] [duration] [rounds]
#   defaults: "1 2" 1000 32 5s 3; ENGINE=uring runs the generator on
#   io_uring (bench run --engine), which needs less CPU per message.
# Bounded: every serve and bench run is under timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
plist=${1:-1 2}
conns=${2:-1000}
size=${3:-32}
dur=${4:-5s}
rounds=${5:-3}
engine=${ENGINE:-loop}
port=${PORT:-19830}
work=$(mktemp -d)
spid=""
cleanup() {
  if [ -n "$spid" ]; then kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
go build -o "$work/autobahn" ./cmd/autobahn
hz=$(getconf CLK_TCK)
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }

echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for round in $(seq "$rounds"); do
  for n in $plist; do
    port=$((port + 1))
    GOMAXPROCS=1 timeout 120 "$work/autobahn" serve --driver loop --procs "$n" --addr "127.0.0.1:$port" \
      --log-level error >"$work/out" 2>"$work/err" &
    spid=$!
    for _ in $(seq 100); do
      if grep -qs "driver loop" "$work/out" && { [ "$n" = 1 ] || grep -qs "processes share" "$work/out"; }; then break; fi
      sleep 0.1
    done
    pids=$(pgrep -P "$spid") # serve, under timeout
    if [ "$n" != 1 ]; then pids=$(pgrep -P "$pids" | tr '\n' ' '); fi # its children
    t0=$(ticks $pids)
    timeout 60 "$work/autobahn" bench run -engine "$engine" -c "$conns" -size "$size" -duration "$dur" -warmup 1s \
      -progress 0 -json "ws://127.0.0.1:$port/echo" >"$work/run.json"
    t1=$(ticks $pids)
    python3 - "$work/run.json" "$n" "$round" "$(( t1 - t0 ))" "$hz" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n, rnd, ticks, hz = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
cpu = ticks / hz
msgs = r["msg_per_s"] * r["duration_s"]
print(f"round {rnd} procs {n} msg/s {r['msg_per_s']:.0f} server_cpu_s {cpu:.2f} msg_per_cpu_s {msgs / max(cpu, 0.01):.0f} errors {r['errors']} generator_cpu {r['generator_cpu_percent']:.0f}%")
PY
    kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
