#!/usr/bin/env bash
# Issue 15's shutdown target: SIGINT to `autobahn serve` with 1,000
# well-behaved clients (500 on the net/http port, 500 on the event loop's),
# 3 peers that finish the handshake and then read nothing, and one HTTP
# request whose body never comes. Every well-behaved client must get 1001
# and serve must exit 0 within the close timeout (5 s) plus one second.
# Loopback only; every step bounded. Prints serve's exit status and time,
# and each client process's close counts (connhold).
# Usage: bench/run-sigint.sh
set -uo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
( cd .. && go build -o "$work/autobahn" ./cmd/autobahn ) || exit 1
go build -o "$work/" ./cmd/connhold || exit 1
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(port); p2=$(port)
"$work/autobahn" serve --driver std --addr "127.0.0.1:$p1" --loop-addr "127.0.0.1:$p2" > "$work/serve.out" 2>&1 &
spid=$!
for _ in $(seq 50); do grep -q "event-loop" "$work/serve.out" && break; sleep 0.1; done
"$work/connhold" -url "ws://127.0.0.1:$p1/echo" -conns 500 -max-wait 30s > "$work/c1.out" 2>&1 &
c1=$!
"$work/connhold" -url "ws://127.0.0.1:$p2/echo" -conns 500 -max-wait 30s > "$work/c2.out" 2>&1 &
c2=$!
pids+=("$c1" "$c2")
# Three silent peers and one slow body, held for 20 s at most.
/usr/bin/python3 - "$p1" "$p2" > "$work/peers.out" 2>&1 <<'PY' &
import socket, sys, time
p1, p2 = int(sys.argv[1]), int(sys.argv[2])
held = []
for port in (p1, p2, p1):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    held.append(s)
b = socket.create_connection(("127.0.0.1", p1))
b.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc")
held.append(b)
print("held", len(held), flush=True)
time.sleep(20)
PY
pids+=($!)
deadline=$((SECONDS + 30))
until grep -q dialed "$work/c1.out" && grep -q dialed "$work/c2.out" && grep -q held "$work/peers.out"; do
  (( SECONDS > deadline )) && { echo "run-sigint: clients did not connect" >&2; exit 1; }
  sleep 0.2
done
kill -USR1 "$c1" "$c2" # every client pings once; connhold then waits for the closes
until grep -q pongs "$work/c1.out" && grep -q pongs "$work/c2.out"; do
  (( SECONDS > deadline )) && { echo "run-sigint: no pongs" >&2; exit 1; }
  sleep 0.2
done
start=$(date +%s%N)
kill -INT "$spid"
wait "$spid"; status=$?
took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "serve: exit status $status, ${took} ms after SIGINT"
wait "$c1" "$c2"
echo "net/http port: $(grep pongs "$work/c1.out"); $(grep closed "$work/c1.out")"
echo "event loop:    $(grep pongs "$work/c2.out"); $(grep closed "$work/c2.out")"
