#!/usr/bin/env bash
# WAMP calls per second through a gammazero/nexus router in its own process
# (cmd/nexusrouter), driven by cmd/wampcalls with our client or nexus's
# (caller and callee of the same library; for WebSocket also ours on
# ws/wsloop's event loop, client=ours-loop), in two setups:
#   router-bound: router and client on one CPU each (taskset, GOMAXPROCS=1);
#                 the router saturates first, so calls/s mostly measures it.
#   client-bound: the router gets both CPUs (GOMAXPROCS=2), the client
#                 GOMAXPROCS=1 under a CPU quota of half a CPU (a cgroup v1
#                 cpu controller or cgroup v2 cpu.max; skipped without one),
#                 so the client is what runs out.
# Output: Go benchmark lines (benchstat -col /client -row /setup,/tr,/ser).
# Usage: bench/run-wamp-calls.sh [calls] [rounds] [inflight] [outqueue]
# (inflight: concurrent callers in the client, default 16; outqueue: the
# router's per-client queue, nexus's OutQueueSize, default 64 - more than
# about 64 calls in flight need a larger one, or nexus refuses calls with
# "callee blocked")
set -euo pipefail
cd "$(dirname "$0")"
calls=${1:-20000}
rounds=${2:-3}
inflight=${3:-16}
outqueue=${4:-0}
bin=$(mktemp -d)
cg=""
cleanup() {
  [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null || true
  [ -n "$cg" ] && rmdir "$cg" 2>/dev/null || true
  rm -rf "$bin"
}
trap cleanup EXIT
go build -o "$bin/" ./cmd/nexusrouter ./cmd/wampcalls

# A CPU-quota group for the client-bound setup.
if [ -w /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
  cg=/sys/fs/cgroup/cpu/autobahn-bench-$$
  mkdir "$cg" && echo 50000 > "$cg/cpu.cfs_quota_us" && echo 100000 > "$cg/cpu.cfs_period_us"
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
  cg=/sys/fs/cgroup/autobahn-bench-$$
  mkdir "$cg" && echo "50000 100000" > "$cg/cpu.max"
else
  echo "# no writable cgroup cpu controller: client-bound setup skipped" >&2
fi

start_router() { # start_router GOMAXPROCS [taskset-cpu]
  local out="$bin/router.out"
  if [ -n "${2:-}" ]; then
    GOMAXPROCS=$1 taskset -c "$2" "$bin/nexusrouter" -outqueue "$outqueue" > "$out" &
  else
    GOMAXPROCS=$1 "$bin/nexusrouter" -outqueue "$outqueue" > "$out" &
  fi
  rpid=$!
  for _ in $(seq 50); do [ -s "$out" ] && grep -q websocket "$out" && break; sleep 0.1; done
  rs=$(awk '/^rawsocket/{print $2}' "$out")
  ws=$(awk '/^websocket/{print $2}' "$out")
}

clients() { # the clients to run against a URL
  case "$1" in
    ws://*) echo ours ours-loop nexus ;;
    *) echo ours nexus ;;
  esac
}

stop_router() { kill "$rpid"; wait "$rpid" 2>/dev/null || true; rpid=""; }

for round in $(seq "$rounds"); do
  # router-bound
  start_router 1 0
  for url in "$rs" "$ws"; do
    for ser in json msgpack cbor; do
      for client in $(clients "$url"); do
        GOMAXPROCS=1 taskset -c 1 "$bin/wampcalls" -setup router-bound -url "$url" -ser "$ser" -client "$client" \
          -calls "$calls" -inflight "$inflight" -router-pid "$rpid"
      done
    done
  done
  stop_router
  # client-bound
  if [ -n "$cg" ]; then
    start_router 2
    for url in "$rs" "$ws"; do
      for ser in json msgpack cbor; do
        for client in $(clients "$url"); do
          sh -c 'echo $$ > "$0/cgroup.procs"; exec env GOMAXPROCS=1 "$@"' "$cg" "$bin/wampcalls" -setup client-bound \
            -url "$url" -ser "$ser" -client "$client" -calls "$calls" -inflight "$inflight" -router-pid "$rpid"
        done
      done
    done
    stop_router
  fi
done
