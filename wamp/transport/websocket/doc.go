// Package websocket is the WAMP WebSocket transport (WAMP spec, "WebSocket
// Transport"): WAMP messages travel as WebSocket messages, one message per
// WebSocket message, in the serialization the subprotocol names:
// "wamp.2.json" (text messages), "wamp.2.msgpack", "wamp.2.cbor",
// "wamp.2.ubjson" (binary messages). The batched variants
// "wamp.2.json.batched", … carry several WAMP messages per WebSocket
// message in Autobahn's framing (wamp.AppendBatched, wamp.SplitBatched):
// JSON messages each end with 0x18, binary ones each start with a 4-octet
// big-endian length.
//
// Client side: offer serializers in order of preference; the server
// chooses one and the Conn is bound to it.
//
//	c, err := websocket.Dial(ctx, "wss://example.com/ws", websocket.Options{
//		Serializers: []wamp.Serializer{cbor.Serializer{}, json.Serializer{}},
//		WS:          &ws.Options{TLSConfig: tlsConfig, MaxMessagePayload: 1 << 20},
//	})
//	sess, err := client.Join(ctx, c, "realm1", client.JoinOptions{})
//
// Server side inside net/http, choosing the client's most preferred
// subprotocol that the server supports (a client offering none gets
// 400 Bad Request):
//
//	c, err := websocket.Accept(w, r, websocket.Options{Serializers: serializers})
//
// or, for a connection upgraded elsewhere (ws.UpgradeConn on a raw
// net.Conn, or wshttp.Accept) with ws.Options.Subprotocols set to
// websocket.Subprotocols(serializers, batched), New(conn, opts).
//
// Batching: Recv splits a batched frame and queues its messages, returning
// them one per call, in order. Send writes every message as a batch of one
// (which every receiver accepts); it does not hold messages back to
// coalesce them.
//
// Limits: the WebSocket layer enforces ws.Options.MaxMessagePayload and
// MaxFramePayload on receive (default 16 MiB; the connection is closed with
// 1009) before buffering; Send refuses a message whose encoding exceeds
// MaxMessagePayload with ErrMessageTooLarge and keeps the connection.
//
// Concurrency: Send is safe for concurrent use (each Send encodes into a
// pooled buffer, then the ws layer writes one whole message at a time);
// Recv is for one reading goroutine, which also answers pings; Close is
// safe at any time and more than once. Send and Recv honour ctx: ctx
// ending while a message is half read or written drops the connection.
package websocket
