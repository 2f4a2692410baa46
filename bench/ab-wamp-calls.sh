#!/usr/bin/env bash
# A/B of wampcalls binaries (for instance built from two commits) in the
# client-bound setup of run-wamp-calls.sh, against one nexus router, the
# binaries run alternately (their order flips every round).
# Usage: bench/ab-wamp-calls.sh ROUNDS CALLS INFLIGHT "CELLS" BIN...
#   CELLS: "rs:msgpack ws:json …" (rs RawSocket, ws WebSocket)
#   BIN:   wampcalls binaries; each is labelled client=<its directory name>,
#          and a directory named nexus* runs -client nexus.
# Example:
#   (cd bench && go build -o /tmp/a/ ./cmd/wampcalls)   # at commit A
#   (cd bench && go build -o /tmp/b/ ./cmd/wampcalls)   # at commit B
#   bench/ab-wamp-calls.sh 5 20000 16 "rs:msgpack ws:msgpack" /tmp/a/wampcalls /tmp/b/wampcalls > ab.txt
#   benchstat -col /client -row /tr,/ser ab.txt
# Needs a writable cgroup v1 cpu controller (the CPU quota of half a CPU).
set -euo pipefail
cd "$(dirname "$0")"
rounds=$1 calls=$2 inflight=$3 cells=$4
shift 4
bins=("$@")
tmp=$(mktemp -d)
cg=/sys/fs/cgroup/cpu/autobahn-ab-$$
cleanup() {
  [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null || true
  rmdir "$cg" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/" ./cmd/nexusrouter
mkdir "$cg" && echo 50000 > "$cg/cpu.cfs_quota_us" && echo 100000 > "$cg/cpu.cfs_period_us"
GOMAXPROCS=2 "$tmp/nexusrouter" -outqueue 1024 > "$tmp/router.out" &
rpid=$!
for _ in $(seq 50); do grep -q websocket "$tmp/router.out" 2>/dev/null && break; sleep 0.1; done
rs=$(awk '/^rawsocket/{print $2}' "$tmp/router.out")
ws=$(awk '/^websocket/{print $2}' "$tmp/router.out")
for r in $(seq "$rounds"); do
  order=("${bins[@]}")
  if [ $((r % 2)) = 0 ]; then mapfile -t order < <(printf '%s\n' "${bins[@]}" | tac); fi
  for cell in $cells; do
    url=$rs
    [ "${cell%%:*}" = ws ] && url=$ws
    for b in "${order[@]}"; do
      name=$(basename "$(dirname "$b")")
      client=ours
      case $name in nexus*) client=nexus ;; esac
      sh -c 'echo $$ > "$0/cgroup.procs"; exec env GOMAXPROCS=1 "$@"' "$cg" "$b" -url "$url" -ser "${cell#*:}" \
        -client "$client" -calls "$calls" -inflight "$inflight" -router-pid "$rpid" | sed "s/client=[a-z-]*/client=$name/"
    done
  done
done
