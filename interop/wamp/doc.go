// Package wamp holds interoperability tests of the WAMP client
// (github.com/autobahn-go/autobahn/wamp/client) against the
// github.com/gammazero/nexus/v3 router, run in-process on 127.0.0.1:0 over
// RawSocket and WebSocket (ws:// and wss://; package
// wamp/transport/websocket, on goroutines with Dial and on ws/wsloop's
// event loop with DialLoop) with JSON, MessagePack and CBOR, sessions of
// different transports and serializers talking to each other. nexus has no
// UBJSON and no batched WebSocket subprotocols; those are tested against
// this module's own server side only.
package wamp
