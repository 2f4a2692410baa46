#!/usr/bin/env bash
# Issue 15's measured hardening targets, on both drivers, loopback only,
# each run bounded (about 1 minute in all):
#   - 2,000 closed permessage-deflate connections: live heap back to the
#     baseline within 1 s of the last close (cmd/closedheap);
#   - four bzip2 bombs at once, three waves: the other connections' echo
#     p50/p99 on the same loop during the attack (cmd/bombp99).
# Both programs run server and clients in one process (2,000 connections
# need 4,000 open files); bombp99 runs once more with its server in a
# process of its own (-serve, -connect). Results are in BENCHMARKS.md ("Heap after close,
# bombs beside echoes, shutdown at scale").
# Usage: bench/run-hardening.sh [connections]
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-2000}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./cmd/closedheap ./cmd/bombp99
echo "\$ bench/run-hardening.sh $n   # $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for d in loop goroutines; do
  timeout 120 "$bin/closedheap" -driver "$d" -n "$n"
  echo
done
for d in loop goroutines; do
  timeout 120 "$bin/bombp99" -driver "$d"
  echo
done
# The same with the server in a process of its own (the clients' goroutines
# then do not compete with the loop for the server process's processors).
for d in loop goroutines; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin/bombp99" -driver "$d" -serve "127.0.0.1:$port" > "$bin/serve.out" 2>&1 &
  spid=$!
  for _ in $(seq 50); do grep -q serving "$bin/serve.out" && break; sleep 0.1; done
  cat "$bin/serve.out"
  timeout 120 "$bin/bombp99" -connect "127.0.0.1:$port"
  kill -INT "$spid"; wait "$spid"
  echo
done
