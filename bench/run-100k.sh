#!/usr/bin/env bash
# 100,000 concurrent WebSocket connections on one machine: `autobahn serve
# --procs P` (P processes sharing the port with SO_REUSEPORT, each under
# the 20,000 open files a process gets here) and C client processes
# (cmd/connhold, each from its own 127.0.0.x source address, so ephemeral
# ports do not run out). The clients open the connections and hold them;
# then every connection is pinged and the pongs counted; then the server
# parent gets SIGTERM and the 1001 close frames are counted.
# Reports server RSS (all children) in total and per connection, and kernel
# memory from /proc/meminfo (Slab) and /proc/net/sockstat (TCP mem): deltas
# over the run, both ends of each loopback connection, and noisy on a
# shared machine.
#
# Usage: bench/run-100k.sh [total] [clients] [procs] [driver] [hold-seconds]
#   defaults: 100000 7 8 loop 5;  driver: loop or std;  TLS=1 serves wss
#   (on either driver) with a throw-away certificate.
# Every step is bounded (dials, pongs and closes time out; the whole run
# is killed after 5 minutes).
set -euo pipefail
if [ -z "${RUN100K_INNER:-}" ]; then
  exec timeout 300 env RUN100K_INNER=1 "$0" "$@"
fi
cd "$(dirname "$0")"
total=${1:-100000}
clients=${2:-7}
procs=${3:-8}
driver=${4:-loop}
hold=${5:-5}
port=${PORT:-19790}
per=$(( (total + clients - 1) / clients ))
if (( per > 19000 || total / procs > 17000 )); then
  echo "run-100k: $per connections per client or $((total / procs)) per server process is too close to the open-file limit ($(ulimit -n)): add clients or --procs" >&2
  exit 2
fi

work=$(mktemp -d)
spid=""
cpids=()
cleanup() {
  for p in "${cpids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$spid" ]; then kill "$spid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
( cd .. && go build -o "$work/autobahn" ./cmd/autobahn )
go build -o "$work/" ./cmd/connhold

scheme=ws
tlsflags=()
if [ "${TLS:-0}" = 1 ]; then
  scheme=wss
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  tlsflags=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
fi

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }      # KiB
tcpmem() { awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i+1) * 4 }' /proc/net/sockstat; } # KiB
children() { pgrep -P "$spid" || true; }
rss() { # summed VmRSS (KiB) of the given pids
  local sum=0 p v
  for p in "$@"; do
    v=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
waitfor() { # waitfor SECONDS PATTERN FILE...: until every file has a line matching PATTERN
  local deadline=$((SECONDS + $1)) pat=$2 f
  shift 2
  for f in "$@"; do
    until grep -q "$pat" "$f" 2>/dev/null; do
      if (( SECONDS > deadline )); then echo "run-100k: timed out waiting for '$pat' in $f" >&2; return 1; fi
      sleep 0.2
    done
  done
}
sumfield() { # sumfield KEY FILE...: sum of KEY=N over the files' lines
  local key=$1
  shift
  cat "$@" | grep -o "\b$key=[0-9]*" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }'
}

"$work/autobahn" serve --procs "$procs" --driver "$driver" --addr "127.0.0.1:$port" --demo=false "${tlsflags[@]}" \
  >"$work/serve.out" 2>"$work/serve.err" &
spid=$!
waitfor 30 "processes share these ports" "$work/serve.out"
mapfile -t kids < <(children)
rss0=$(rss "${kids[@]}")
slab0=$(meminfo Slab)
tcp0=$(tcpmem)
echo "server: autobahn serve --procs $procs --driver $driver ($scheme), pids ${kids[*]}, RSS before ${rss0} KiB"

start=$SECONDS
logs=()
for i in $(seq 1 "$clients"); do
  n=$per
  if (( i == clients )); then n=$(( total - per * (clients - 1) )); fi
  "$work/connhold" -url "$scheme://127.0.0.1:$port/echo" -conns "$n" -src "127.0.0.$((10 + i))" -max-wait 4m \
    >"$work/client$i.out" 2>"$work/client$i.err" &
  cpids+=($!)
  logs+=("$work/client$i.out")
done
waitfor 150 "^dialed" "${logs[@]}"
ok=$(sumfield ok "${logs[@]}")
failed=$(sumfield failed "${logs[@]}")
echo "open: $ok connections ($failed failed) in $((SECONDS - start)) s"
sleep "$hold"

mapfile -t kids < <(children)
rss1=$(rss "${kids[@]}")
crss=$(rss "${cpids[@]}")
slab1=$(meminfo Slab)
tcp1=$(tcpmem)
per_conn() { awk -v a="$1" -v n="$ok" 'BEGIN { if (n > 0) printf "%.0f", a * 1024 / n; else print "n/a" }'; }
echo "server RSS: ${rss1} KiB in ${#kids[@]} processes; +$((rss1 - rss0)) KiB for $ok connections = $(per_conn $((rss1 - rss0))) B per connection (user memory)"
echo "kernel: Slab +$((slab1 - slab0)) KiB = $(per_conn $((slab1 - slab0))) B, TCP socket buffers +$((tcp1 - tcp0)) KiB = $(per_conn $((tcp1 - tcp0))) B per connection (both ends, loopback)"
echo "clients RSS: ${crss} KiB in $clients processes"

for p in "${cpids[@]}"; do kill -USR1 "$p"; done
waitfor 60 "^pongs" "${logs[@]}"
got=$(sumfield got "${logs[@]}")
echo "ping: $got pongs of $(sumfield of "${logs[@]}") pings"

start=$SECONDS
kill -TERM "$spid"
status=0
wait "$spid" || status=$?
spid=""
waitfor 60 "^closed" "${logs[@]}"
ga=$(sumfield going_away "${logs[@]}")
echo "shutdown: serve exited $status after $((SECONDS - start)) s; close 1001: $ga, other codes: $(sumfield other "${logs[@]}"), dropped: $(sumfield dropped "${logs[@]}")"
if (( status != 0 )) || grep -qi "panic" "$work/serve.err"; then
  echo "serve stderr (last lines):"
  tail -5 "$work/serve.err"
fi
# The verdict (make test runs this small): every connection opened,
# answered its ping and got 1001; serve exited 0.
if (( failed > 0 || got != ok || ga != ok || status != 0 )); then
  echo "run-100k: FAILED" >&2
  exit 1
fi
echo "run-100k: ok"
