#!/usr/bin/env bash
# Compression benchmarks (BENCHMARKS.md, "Compression"):
#  1. memory per permessage-deflate connection, server and client side, with
#     cmd/compressmem in two processes: N idle connections (default 10000), then
#     M connections (default 1000) each echoing a JSON message every 100 ms;
#     ext=none is the baseline without compression;
#  2. throughput and ratio on JSON messages against gorilla/websocket
#     (BenchmarkSend in ./compress), compared with benchstat.
# Usage: bench/run-compress.sh [idle-conns] [active-conns] [count]
set -euo pipefail
cd "$(dirname "$0")"
idle=${1:-10000}
active=${2:-1000}
count=${3:-6}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/compressmem" ./cmd/compressmem

measure() { # n active ext
  local fifo="$bin/out.$3.$1"
  mkfifo "$fifo"
  "$bin/compressmem" -mode server -ext "$3" -n "$1" -active "$2" >"$fifo" &
  local spid=$!
  exec 3<"$fifo"
  read -r _ addr <&3
  timeout 300 "$bin/compressmem" -mode client -ext "$3" -n "$1" -active "$2" -addr "$addr"
  cat <&3
  exec 3<&-
  wait "$spid" || true
  rm -f "$fifo"
}

for ext in none nct ctx; do
  measure "$idle" 0 "$ext"
done
for ext in none nct ctx; do
  measure "$active" 5s "$ext"
done

command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
PATH="$PATH:$(go env GOPATH)/bin"
go test -run '^$' -bench Send -benchtime 3000x -count "$count" ./compress | tee "$bin/send.txt"
benchstat -col /impl -row /data,/mode,/level "$bin/send.txt"
