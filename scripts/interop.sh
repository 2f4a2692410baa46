#!/usr/bin/env bash
# WebSocket interop: installs the external peers when missing (Debian
# python3-autobahn + Twisted, chromium; Node's ws from npm) and runs the
# interop module's tests with every peer required. Idempotent: a warm
# machine installs nothing. Run as root on Debian (apt); elsewhere install
# the peers yourself.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_DIR=${INTEROP_NODE_DIR:-$HOME/.cache/autobahn-interop/node}
export INTEROP_NODE_DIR=$NODE_DIR

apt_pkgs=()
/usr/bin/python3 -c 'import autobahn.twisted.websocket, twisted' 2>/dev/null || apt_pkgs+=(python3-autobahn python3-twisted)
# The WAMP router peers (interop/peers/wamp_py.py): every serializer and
# auth method of Autobahn|Python.
/usr/bin/python3 -c 'import cbor2, msgpack, ubjson' 2>/dev/null || apt_pkgs+=(python3-cbor2 python3-msgpack python3-ubjson)
/usr/bin/python3 -c 'import nacl, argon2, passlib' 2>/dev/null || apt_pkgs+=(python3-nacl python3-argon2 python3-passlib)
command -v chromium >/dev/null || apt_pkgs+=(chromium)
command -v node >/dev/null || apt_pkgs+=(nodejs)
command -v npm >/dev/null || apt_pkgs+=(npm)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "interop: installing ${apt_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
fi
if [ ! -f "$NODE_DIR/node_modules/ws/package.json" ]; then
  echo "interop: installing ws into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && timeout 300 npm install --no-audit --no-fund --silent ws@8)
fi
# AutobahnJS for the WAMP router peers (interop/peers/wamp_js.js).
if [ ! -f "$NODE_DIR/node_modules/autobahn/package.json" ]; then
  echo "interop: installing autobahn (AutobahnJS) into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && timeout 300 npm install --no-audit --no-fund --silent autobahn@26.3.1)
fi

cd interop
# The WebSocket peers live in the root package; interop/wamp runs our WAMP
# client against the gammazero/nexus router in-process, and Autobahn|Python
# and AutobahnJS against our router (wamp/router).
INTEROP_REQUIRE=1 timeout 300 go test -count=1 -timeout 240s . ./wamp/
# The examples that need a peer (their tests skip without one in the main
# module's go test ./...): the browser page in headless Chromium, and
# Autobahn|Python calling a Go procedure.
(cd .. && INTEROP_REQUIRE=1 timeout 180 go test -count=1 -timeout 150s ./examples/browser-page/ ./examples/python-to-go/)
# Autobahn|Python on one router of a NATS-federated cluster, our client on
# another (the natsfabric module of its own).
(cd ../wamp/router/natsfabric && INTEROP_REQUIRE=1 timeout 180 go test -count=1 -timeout 150s -run 'TestAutobahnPython' .)
echo "interop ok: gorilla, coder, Autobahn|Python, Node ws, Chromium; WAMP with nexus; our router with Autobahn|Python and AutobahnJS; examples browser-page and python-to-go; Autobahn|Python across natsfabric routers"
