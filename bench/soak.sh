#!/usr/bin/env bash
# DoS checklist soak (issue 15): `autobahn serve` on both drivers (std:
# net/http + wshttp on --addr; loop: ws/wsloop on --loop-addr) and the
# gorilla echo server, attacked by cmd/dossoak, every row at once, loopback
# only, bounded (each row ≤ MAX, default 80s; about 90 s in all). Prints a
# Markdown table. The short versions of the rows run in `make test`
# (TestDoS in ws and ws/wsloop, table in internal/wsconf/dos_cases.go).
# Usage: bench/soak.sh [max-per-row]
set -euo pipefail
cd "$(dirname "$0")"
max=${1:-80s}
bin=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$bin"
}
trap cleanup EXIT
(cd .. && go build -o "$bin/" ./cmd/autobahn)
go build -o "$bin/" ./cmd/dossoak ./servers/gorilla
port=$((19500 + RANDOM % 400))
std=127.0.0.1:$port loop=127.0.0.1:$((port + 1)) gor=127.0.0.1:$((port + 2))
"$bin/autobahn" serve --driver std --addr "$std" --loop-addr "$loop" --compress deflate,bzip2,snappy \
  --max-message 1048576 --max-frame 1048576 --handshake-timeout 2s --ping-interval 2s --ping-timeout 2s \
  --log-level error 2>"$bin/serve.log" &
pids+=($!)
"$bin/gorilla" -addr "$gor" 2>/dev/null &
pids+=($!)
for a in "$std" "$loop" "$gor"; do
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/${a%:*}/${a#*:}") 2>/dev/null && break; sleep 0.1; done
done
echo "\$ bench/soak.sh $max   # $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
"$bin/dossoak" -max "$max" std="ws://$std/echo" loop="ws://$loop/echo" gorilla="ws://$gor/echo"
