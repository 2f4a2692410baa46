#!/usr/bin/env bash
# Issue 15's measured hardening targets, on both drivers, loopback only,
# each run bounded (about 1 minute in all):
#   - 2,000 closed permessage-deflate connections: live heap back to the
#     baseline within 1 s of the last close (cmd/closedheap);
#   - four bzip2 bombs at once, three waves: the other connections' echo
#     p50/p99 on the same loop during the attack (cmd/bombp99).
# Both programs run server and clients in one process (2,000 connections
# need 4,000 open files). Results are in BENCHMARKS.md ("Heap after close,
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
