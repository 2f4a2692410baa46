// Package wamp holds interoperability tests of the WAMP client
// (github.com/autobahn-go/autobahn/wamp/client) against the
// github.com/gammazero/nexus/v3 router, run in-process on 127.0.0.1:0 over
// RawSocket with JSON, MessagePack and CBOR. WebSocket interop follows when
// the ws/ transport lands.
package wamp
