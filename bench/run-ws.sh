#!/usr/bin/env bash
# WebSocket echo benchmark: each server in bench/servers/{autobahn-std,gobwas,
# gorilla,coder} (and autobahn-std -raw as autobahn-raw, -loop as
# autobahn-loop) on GOMAXPROCS=1,
# loaded by cmd/wsload over loopback.
# Usage: bench/run-ws.sh [conns] [duration] [rounds]
set -euo pipefail
cd "$(dirname "$0")"
conns=${1:-1000}
dur=${2:-5s}
rounds=${3:-1}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./cmd/wsload ./servers/autobahn-std ./servers/gobwas ./servers/gorilla ./servers/coder
port=19400
for round in $(seq "$rounds"); do
  for srv in ${SERVERS:-autobahn-std autobahn-raw autobahn-loop gobwas gorilla coder}; do
    port=$((port + 1))
    cmd=("$bin/$srv")
    # autobahn-raw: the same server on ws.Server.Serve (zero-copy handshake).
    [ "$srv" = autobahn-raw ] && cmd=("$bin/autobahn-std" -raw)
    # autobahn-loop: the same handler on the event loop (ws/wsloop).
    [ "$srv" = autobahn-loop ] && cmd=("$bin/autobahn-std" -loop)
    GOMAXPROCS=1 "${cmd[@]}" -addr "127.0.0.1:$port" &
    spid=$!
    sleep 0.5
    "$bin/wsload" -url "ws://127.0.0.1:$port/echo" -conns "$conns" -duration 3s -warmup 0s -idle -pid "$spid" -label "$srv" || true
    for size in 32 4096; do
      "$bin/wsload" -url "ws://127.0.0.1:$port/echo" -conns "$conns" -size "$size" -duration "$dur" -pid "$spid" -label "$srv" || true
    done
    kill "$spid"
    wait "$spid" 2>/dev/null || true
  done
done
