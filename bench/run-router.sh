#!/usr/bin/env bash
# WAMP router vs router: ours (cmd/ourrouter: wamp/router on goroutines,
# router=ours, and on ws/wsloop's event loop, router=ours-loop) against
# gammazero/nexus v3.3.0 (cmd/nexusrouter), each in its own process pinned
# to CPU 0 with GOMAXPROCS=1, the load generator (cmd/routerload, our
# client) on CPU 1 with GOMAXPROCS=1. Both routers run in the same round,
# their order flips every round.
#   rpc:    1 and 10 callers x 1 and 8 calls in flight each, over WebSocket
#           JSON and CBOR and RawSocket CBOR: calls per router-CPU-second
#           (router CPU time from /proc/PID/stat), p50/p99 latency.
#   pubsub: 1 publisher -> 10 and 1,000 subscribers (WebSocket JSON), paced so
#           that nothing is dropped (drops are counted and printed):
#           events delivered per router-CPU-second.
#   idlerpc: the RPC cell WebSocket CBOR 10x8 without and with 10,000 idle
#           sessions connected (ulimit -n 20000), held by a second
#           routerload process on CPU 1 (routerload -idle-inproc: by the
#           load generator itself, whose calls then come slower).
#   idle:   RSS growth of a freshly started router per idle session (WebSocket
#           and RawSocket JSON, cells tr=rs) at 1,000 and 10,000 sessions
#           (10,000 needs ulimit -n 20000).
# Output: Go benchmark lines on stdout (benchstat -col /router), then a
# table of medians and ratios against nexus on stderr.
# Usage: bench/run-router.sh [rounds] [duration] [parts]
#   defaults: 2 rounds, 3s per cell, parts "rpc pubsub idle idlerpc"
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-2}
dur=${2:-3s}
parts=${3:-rpc pubsub idle idlerpc}
ulimit -n 20000 2>/dev/null || echo "# ulimit -n 20000 refused: the 10,000-session cell may fail" >&2
bin=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$bin"
}
trap cleanup EXIT
go build -o "$bin/" ./cmd/ourrouter ./cmd/nexusrouter ./cmd/routerload
out=$bin/results.txt

start() { # start NAME: starts the router NAME on CPU 0; sets pid_NAME, url vars
  local name=$1 o=$bin/$1.out
  case $name in
    nexus) GOMAXPROCS=1 taskset -c 0 "$bin/nexusrouter" -outqueue 1024 > "$o" & ;;
    ours) GOMAXPROCS=1 taskset -c 0 "$bin/ourrouter" > "$o" & ;;
  esac
  local p=$!
  pids+=("$p")
  for _ in $(seq 200); do grep -q "^websocket " "$o" 2>/dev/null && break; sleep 0.1; done
  printf -v "pid_$name" %s "$p"
}
stop() { # stop PID
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
url() { # url ROUTER TR: the router's URL for tr ws, rs or loop
  local o=$bin/$1.out
  case $2 in
    ws) awk '$1=="websocket"{print $2}' "$o" ;;
    rs) awk '$1=="rawsocket"{print $2}' "$o" ;;
    loop) awk '$1=="websocket-loop"{print $2}' "$o" ;;
  esac
}
load() { GOMAXPROCS=1 taskset -c 1 "$bin/routerload" "$@" | tee -a "$out"; }

# run CELLARGS... for router in the round's order: nexus, ours and
# (WebSocket only) ours-loop; TR is ws or rs.
each() { # each ROUND TR ARGS...
  local round=$1 tr=$2
  shift 2
  local order=(nexus ours ours-loop)
  [ "$tr" = rs ] && order=(nexus ours)
  if [ $((round % 2)) = 0 ]; then mapfile -t order < <(printf '%s\n' "${order[@]}" | tac); fi
  for r in "${order[@]}"; do
    case $r in
      nexus) load -router nexus -router-pid "$pid_nexus" -url "$(url nexus "$tr")" "$@" ;;
      ours) load -router ours -router-pid "$pid_ours" -url "$(url ours "$tr")" "$@" ;;
      ours-loop) load -router ours-loop -router-pid "$pid_ours" -url "$(url ours loop)" "$@" ;;
    esac
  done
}

for round in $(seq "$rounds"); do
  if [[ " $parts " == *" rpc "* || " $parts " == *" pubsub "* || " $parts " == *" idlerpc "* ]]; then
    start nexus
    start ours
    if [[ " $parts " == *" rpc "* ]]; then
      for cell in ws:json ws:cbor rs:cbor; do
        for callers in 1 10; do
          for inflight in 1 8; do
            each "$round" "${cell%%:*}" -mode rpc -ser "${cell#*:}" -callers "$callers" -inflight "$inflight" -duration "$dur"
          done
        done
      done
    fi
    if [[ " $parts " == *" idlerpc "* ]]; then
      # the 10x8 WebSocket CBOR cell beside itself with 10,000 idle sessions
      each "$round" ws -mode rpc -ser cbor -callers 10 -inflight 8 -duration "$dur"
      each "$round" ws -mode rpc -ser cbor -callers 10 -inflight 8 -duration "$dur" -idle 10000
    fi
    if [[ " $parts " == *" pubsub "* ]]; then
      for n in 10 1000; do
        each "$round" ws -mode pubsub -ser json -subs "$n" -duration "$dur"
      done
    fi
    stop "$pid_nexus"
    stop "$pid_ours"
  fi
  if [[ " $parts " == *" idle "* ]]; then
    # a fresh router for every measurement: RSS before and after joining
    for n in 1000 10000; do
      order=(nexus ours ours-loop nexus-rs ours-rs)
      if [ $((round % 2)) = 0 ]; then order=(ours-rs nexus-rs ours-loop ours nexus); fi
      for r in "${order[@]}"; do
        name=$r tr=ws label=$r
        [ "$r" = ours-loop ] && name=ours tr=loop
        case $r in *-rs) name=${r%-rs} tr=rs label=${r%-rs} ;; esac
        start "$name"
        p=pid_$name
        load -mode idle -router "$label" -router-pid "${!p}" -url "$(url "$name" "$tr")" -sessions "$n" || true
        stop "${!p}"
      done
    done
  fi
done

# medians per cell and router, ratios ours/nexus
awk '
function median(s,   a, n, i, j, t) {
  n = split(s, a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
  name = $1; router = name; sub(/.*router=/, "", router); cell = name; sub(/\/router=.*/, "", cell)
  for (i = 3; i < NF; i += 2) {
    unit = $(i + 1)
    if (unit ~ /router-cpu-s|B\/session|p50|p99/) vals[cell, router, unit] = vals[cell, router, unit] " " $i
  }
  if (!(cell in seen)) { seen[cell] = 1; cells[++nc] = cell }
  if (!(router in rseen)) { rseen[router] = 1; routers[++nr] = router }
  units[cell] = (cell ~ /Idle/) ? "B/session" : (cell ~ /PubSub/) ? "events/router-cpu-s" : "calls/router-cpu-s"
}
END {
  for (c = 1; c <= nc; c++) {
    cell = cells[c]; u = units[cell]; line = cell " " u ":"
    nx = (cell SUBSEP "nexus" SUBSEP u) in vals ? median(vals[cell, "nexus", u]) : 0
    for (r = 1; r <= nr; r++) {
      k = cell SUBSEP routers[r] SUBSEP u
      if (!(k in vals)) continue
      m = median(vals[k]); line = line sprintf(" %s=%.0f", routers[r], m)
      if (u != "B/session" && (cell SUBSEP routers[r] SUBSEP "p50-µs") in vals)
        line = line sprintf(" (p50 %.0f p99 %.0f µs)", median(vals[cell, routers[r], "p50-µs"]), median(vals[cell, routers[r], "p99-µs"]))
      if (routers[r] != "nexus" && nx > 0) line = line sprintf(" [%.2fx nexus]", m / nx)
    }
    print line
  }
}' "$out" >&2
