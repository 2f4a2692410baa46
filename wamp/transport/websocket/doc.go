// Package websocket is the WAMP WebSocket transport (WAMP spec, "WebSocket
// Transport"): WAMP messages travel as WebSocket messages, one message per
// WebSocket message, in the serialization the subprotocol names:
// "wamp.2.json" (text messages), "wamp.2.msgpack", "wamp.2.cbor",
// "wamp.2.ubjson", "wamp.2.flatbuffers" (binary messages). The batched variants
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
// A server connection of Accept or of the event loop's LoopHandler and
// LoopReceiver keeps the HTTP headers of the client's upgrade request
// (RequestHeader: lower-case names, the handshake's own Upgrade,
// Connection and Sec-WebSocket-* left out, at most MaxHeaderBytes), for
// authentication (cookies, X-Forwarded-For) and a router's session
// details.
//
// # On the event loop
//
// The same Conn runs on ws/wsloop's event loops, for very many
// connections. A client dials through a wsloop.Client offering the
// subprotocols (a wsloop.Client offers the same ones on every connection):
//
//	cl := &wsloop.Client{Options: opts.WSOptions()}
//	defer cl.Close()
//	c, err := websocket.DialLoop(ctx, cl, "ws://127.0.0.1:8080/ws", opts)
//
// A server serves LoopHandler, which runs every session on a goroutine of
// its own (a WAMP session blocks in Recv; the loop must not block):
//
//	srv := &wsloop.Server{Handler: websocket.LoopHandler(opts, func(c *websocket.Conn) {
//		// Recv and Send until the connection ends; c is closed on return.
//	}), Options: opts.WS}
//
// On the loop nobody reads on Recv's behalf: the loop reads as data comes
// and hands every message to the Conn, which copies it into a bounded
// inbox (Options.InboxBytes, default 16 MiB, and Options.InboxMessages,
// default 4096); Recv takes and decodes it on the caller's goroutine.
// While Recv lags the loop stops reading the connection once the inbox
// holds a quarter of a bound, and resumes at an eighth: TCP pushes back on
// the peer, nothing is dropped (the rest of the read that paused waits in
// ws). A message that still goes past a bound (one larger than the rest
// of InboxBytes) gets the connection closed with 1008, policy
// violation, chosen over 1013 (try again later) because the limit is the
// receiver's policy, like 1009 for size, and applies to clients and servers
// alike; the queued messages are dropped and Recv returns ErrInboxFull.
// When the connection ends otherwise, Recv returns what was received before
// the end, then the same errors as on goroutines.
//
// # On the event loop without a goroutine per session
//
// LoopHandler suits sessions written as blocking code (wamp/client's
// session, a session per goroutine); its cost is a goroutine per
// connection and a copy of every message into the inbox. A server whose
// work is a function call per message, such as a router that routes a
// message from the connection's callback to another connection, serves
// LoopReceiver instead: every message is decoded on the loop, straight from
// the WebSocket layer's buffer (the serializers copy the strings and binary
// values a message keeps), and handed to a Receiver; a connection holds no
// goroutine and no inbox.
//
//	srv := &wsloop.Server{Handler: websocket.LoopReceiver(opts, r), Options: opts.WS}
//
//	func (r *router) OnOpen(c *websocket.Conn)                    { c.SetData(newSession(c)) }
//	func (r *router) OnMessage(c *websocket.Conn, m wamp.Message) { c.Data().(*session).handle(m) }
//	func (r *router) OnClose(c *websocket.Conn, err error)        { c.Data().(*session).gone(err) }
//
// Its callbacks run on the loop goroutine that owns the connection, one at
// a time per connection, and must not block: a slow callback holds up
// every connection of its loop. They write with SendNow, which encodes the
// message into the connection's output queue and returns, never waiting,
// on that connection or any other: past the connection's bound (more than
// the loop's write high watermark pending, default 1 MiB, and the message
// would take it past twice that; see ws.OutputBounds) it fails with
// ws.ErrQueueFull and queues nothing, the peer reading too slowly. The
// caller decides what then: drop the message, close the connection, or
// leave it to a goroutine's Send, which waits for room (woken at the low
// watermark). Send must never be called from a callback: its wait would
// hold up the very loop that drains the queue. SendNow is safe from any
// goroutine, and on every connection of the loop (LoopHandler's and
// DialLoop's too); on those of Dial, Accept and New it fails.
//
// Input pushes back the other way: Conn.PauseRead stops the loop reading a
// connection (TCP then holds the peer back; messages already read may
// still arrive) until Conn.ResumeRead, for a Receiver that cannot take a
// peer's messages yet.
//
// A message that does not decode ends the connection: nothing more is
// delivered, the WebSocket closes with 1003 (unsupported data) for a frame
// of the wrong type and 1007 (invalid frame payload data) for malformed
// WAMP or a bad batch, and OnClose reports the error Recv would have
// returned (matching wamp.ErrProtocolViolation). A batch is decoded whole
// before its first message is delivered, so a bad batch delivers none.
// Recv on the other connections returns that error and leaves the
// connection to its user, whose Close then sends the same code.
// OnClose comes once per connection, after the last OnMessage, with the
// error Recv would have returned at the end; after Close no more messages
// are delivered. wsloop.Server.Shutdown returns after the last OnClose.
// Recv on a LoopReceiver connection fails (ws.ErrPushMode).
//
// Batching: Recv splits a batched frame and queues its messages, returning
// them one per call, in order (a Receiver gets them one per OnMessage).
// Send and SendNow send every message as a batch of one (which every
// receiver accepts); they do not hold messages back to coalesce them.
//
// Pre-encoded messages: SendEncoded, and Send or SendNow given a
// *wamp.Encoded of the connection's serializer, send its bytes as they
// are (framed as a batch of one when batched), encoding nothing: a
// router encodes an EVENT once for all its subscribers.
//
// Writing on goroutines (Dial, Accept, New): Send encodes its message into
// a per-connection queue. If no write is under way, Send writes everything
// queued with one ws.Conn.WriteMessages call itself (still one WebSocket
// message per WAMP message, their frames in one system call; under load
// after yielding once, so that goroutines ready to send can queue behind
// it; when one goroutine sends faster than writes complete, a writer
// goroutine takes over); otherwise it returns at once, and the write
// under way, or a writer goroutine that exists only until the queue is
// empty, sends it. So a connection with many calls in flight makes one
// system call for many messages, and a lone message costs no goroutine
// switch. The queue and its write state go back to a pool when the
// connection's reader parks (AwaitInput(0), as wamp/router parks an idle
// session) with nothing being written; the next Send takes them again.
// Send waits only
// while more than Options.WriteQueue octets (default 1 MiB) are queued,
// and during its own write (bounded by Options.WriteTimeout, not by its
// ctx: the write may carry other Sends' messages, and a half-written frame
// cannot be resumed); a
// write that fails or outlasts Options.WriteTimeout (default 30 s) drops
// the WebSocket and later Sends return its error; Close lets queued
// messages leave for up to a second first. On the event loop the loop
// queues and flushes writes itself.
//
// Limits: the WebSocket layer enforces ws.Options.MaxMessagePayload and
// MaxFramePayload on receive (default 16 MiB; the connection is closed with
// 1009) before buffering; Send refuses a message whose encoding exceeds
// MaxMessagePayload with ErrMessageTooLarge and keeps the connection.
//
// Concurrency: Send and SendNow are safe for concurrent use (each encodes
// into a pooled buffer, then queues the message whole); Recv is for one
// reading goroutine, which also answers pings (on the event loop the loop
// answers them, whether Recv runs or not); Close is safe at any time and
// more than once, from a Receiver's callback too. Send and Recv honour ctx: ctx ending while a message is half read
// drops the connection; on goroutines Send only waits for room in the
// queue, and its ctx ending there leaves the connection as it was.
// AwaitInput waits for the next input without reading it, so that a
// server can park an idle connection's reader on a fresh goroutine with
// the smallest stack; AwaitInputFunc (on Linux) waits with no goroutine,
// running a function on a new one once input comes (wamp/router does,
// with Router.Attach).
package websocket
