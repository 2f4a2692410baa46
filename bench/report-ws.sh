#!/usr/bin/env bash
# Regenerates a generated section of BENCHMARKS.md (between its
# "<!-- autobahn bench report NAME -->" markers) and its charts in
# bench/charts/NAME-*.svg: `autobahn bench compare` runs the matrix and
# keeps its JSON in bench/results/NAME.json, `autobahn bench report`
# renders it. Servers run on GOMAXPROCS=1 pinned to CPU 0, the generator is
# pinned to CPU 1 (taskset). Run from anywhere; about 15 s per server, cell
# and round (plus the idle run).
#
# The section shows each server at its peak: the closed loop (RATE=0,
# `--msg-rate 0`); `bench compare`'s own default is the open loop at equal
# load, for ranking (RATE=10000 here gives that).
#
# Usage: bench/report-ws.sh            the echo matrix, section ws-echo
#        NAME=ws-echo-batch SERVERS=autobahn-loop,gorilla,gws SIZES=32 IDLE=0 \
#            EXTRA="--inflight 4 --batch" bench/report-ws.sh
#        RENDER_ONLY=1 bench/report-ws.sh   re-render the kept JSON only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
name=${NAME:-ws-echo}
servers=${SERVERS:-autobahn-loop,autobahn-std,autobahn-loop-tls,gorilla,gws,gobwas}
conns=${CONNS:-1000}
sizes=${SIZES:-32,4096}
rounds=${ROUNDS:-5}
duration=${DURATION:-3s}
idle=${IDLE:-1000}
rate=${RATE:-0}
read -r -a extra <<<"${EXTRA:-}"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/autobahn" ./cmd/autobahn
ulimit -n 20000
if [ -z "${RENDER_ONLY:-}" ]; then
  pin=()
  command -v taskset >/dev/null && pin=(taskset -c 1)
  "${pin[@]}" "$bin/autobahn" bench compare --bench-dir bench --servers "$servers" --conns "$conns" --sizes "$sizes" \
    --idle "$idle" --rounds "$rounds" --duration "$duration" --warmup 1s --server-cpu 0 --msg-rate "$rate" "${extra[@]}" --json >"$bin/$name.json"
  mv "$bin/$name.json" "bench/results/$name.json"
fi
regen=bench/report-ws.sh
[ "$name" != ws-echo ] && regen="NAME=$name SERVERS=$servers SIZES=$sizes IDLE=$idle EXTRA=\"${EXTRA:-}\" bench/report-ws.sh"
"$bin/autobahn" bench report --name "$name" --charts bench/charts --update BENCHMARKS.md --regen "$regen" \
  "bench/results/$name.json"
