#!/usr/bin/env bash
# Is the load generator the bottleneck? `autobahn bench run` with each
# engine (--engine loop, the event-loop client; uring, io_uring) against
# three servers of bench/servers (ours on the loop, gorilla, gws) at 1000
# connections x 32 B, closed loop with 1 message in flight: the server on
# CPU 0 with GOMAXPROCS=1, the generator on CPU 1, a fresh server per run,
# the engines alternating. Prints per run: msg/s, the server's and the
# generator's CPU (% of one core) and their ratio.
# Usage: bench/run-generator.sh [rounds]   (from the checkout; builds to /tmp/srv)
set -euo pipefail
cd "$(dirname "$0")"
R=${1:-3}
mkdir -p /tmp/srv
for s in autobahn-std gorilla gws; do go build -o /tmp/srv/$s ./servers/$s; done
(cd .. && go build -o /tmp/srv/autobahn ./cmd/autobahn)
port=9400
for r in $(seq $R); do
 for srv in "autobahn-std -loop" gorilla gws; do
  for eng in loop uring; do
   port=$((port+1))
   GOMAXPROCS=1 taskset -c 0 /tmp/srv/${srv%% *} $( [ "$srv" != "${srv%% *}" ] && echo ${srv#* } ) -addr 127.0.0.1:$port > /dev/null 2>&1 &
   pid=$!
   for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
   path=/echo
   out=$(taskset -c 1 /tmp/srv/autobahn bench run --json --engine $eng -c 1000 --size 32 --warmup 1s --duration 6s --progress 0 --pid $pid ws://127.0.0.1:$port$path 2>/dev/null)
   kill $pid; wait $pid 2>/dev/null || true
   echo "$r ${srv%% *} $eng $(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); s=d.get("server") or {}; print("msg/s %.0f server_cpu %.1f gen_cpu %.1f ratio %.2f errors %d" % (d["msg_per_s"], s.get("cpu_percent",0), d.get("generator_cpu_percent",0), d.get("generator_cpu_percent",0)/max(s.get("cpu_percent",1e-9),1e-9), d.get("errors",0)))' 2>&1)"
  done
 done
done
