// Package wamp holds interoperability tests of the WAMP client
// (github.com/autobahn-go/autobahn/wamp/client) against the
// github.com/gammazero/nexus/v3 router, run in-process on 127.0.0.1:0 over
// RawSocket and WebSocket (ws:// and wss://; package
// wamp/transport/websocket, on goroutines with Dial and on ws/wsloop's
// event loop with DialLoop) with JSON, MessagePack and CBOR, sessions of
// different transports and serializers talking to each other. nexus has no
// UBJSON and no batched WebSocket subprotocols; those are tested against
// this module's own server side only.
//
// The Router tests turn it around: our router (wamp/router), served
// in-process on 127.0.0.1:0 over WebSocket (every serializer, plain and
// batched) and RawSocket, with foreign clients (the Python and Node ones
// run as processes by the Go test: peers/wamp_py.py, peers/wamp_js.js,
// and for more of the Advanced Profile peers/wamp_py_review16.py and
// peers/wamp_js_review16.js; each prints one JSON line per check, and the
// test fails with the peer's stderr):
//
//   - Autobahn|Python 22.7.1 (Debian's, /usr/bin/python3): asyncio
//     ApplicationRunner over WebSocket with json, msgpack, cbor, ubjson and
//     their batched variants; Twisted over WebSocket and RawSocket. RPC
//     (args, kwargs, bytes, non-ASCII, int64 extremes), progressive
//     results, cancel, errors with arguments, disclosure, pattern-based
//     registrations and subscriptions, publish options; anonymous, ticket,
//     wampcra (salted and not), cryptosign and scram (pbkdf2, argon2id)
//     with the router's static principals, cryptosign bound to TLS
//     (tls-unique over wss://); call timeout, authorization, event
//     retention and history, the meta API and testaments; shared
//     registrations (first, last, random), reroute, CANCEL modes kill,
//     killnowait and skip, black- and whitelisting by authid and authrole,
//     publisher and caller identification, retained events to pattern
//     subscriptions; events MessagePack or CBOR carries and JSON cannot
//     (NaN, infinity) dropped for a JSON subscriber, which stays joined.
//   - AutobahnJS 26 on Node (--experimental-websocket): WebSocket json,
//     msgpack, cbor and RawSocket json; ticket, wampcra and cryptosign;
//     shared registrations, retained events to a prefix subscription,
//     black- and whitelisting by authid and authrole, call timeout and
//     CANCEL to an AutobahnJS callee (which has no call_canceling).
//   - The gammazero/nexus v3.3.0 client over WebSocket and RawSocket with
//     JSON, MessagePack and CBOR.
//   - One call across all three: Python (CBOR) calls a JS callee
//     (MessagePack) that publishes to a Go subscriber (JSON), bytes kept.
//
// A missing peer skips its test (fails with INTEROP_REQUIRE=1);
// scripts/interop.sh installs them.
package wamp
