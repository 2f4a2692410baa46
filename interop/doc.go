// Package interop tests Autobahn|Go's WebSocket client and server against
// other implementations: gorilla/websocket and coder/websocket in-process,
// and — when installed (scripts/interop.sh installs them) — Autobahn|Python
// (Debian python3-autobahn), Node's ws (npm) and headless Chromium loading
// the `autobahn serve` page (its echo self-test, and with ?selftest=wamp
// its inline JSON WAMP client calling and publishing through our router).
// Set INTEROP_REQUIRE=1 to fail instead of skip
// when an external peer is missing.
//
// It is a separate module so that the test-only peers stay out of the main
// go.mod.
package interop
