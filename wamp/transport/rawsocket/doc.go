// Package rawsocket is the WAMP RawSocket transport (WAMP spec, "RawSocket
// Transport"): a 4-octet opening handshake (magic 0x7F, the maximum message
// length a peer accepts as an exponent 2^(9+n), the serializer id 1 JSON,
// 2 MessagePack, 3 CBOR, 4 UBJSON, 5 FlatBuffers), then frames of a 4-octet header (3-bit
// type: regular, PING, PONG; 24-bit big-endian length) and the payload.
// It runs over any net.Conn: TCP, Unix sockets, TLS.
//
// Client side:
//
//	c, err := rawsocket.Dial(ctx, "tcp", "127.0.0.1:8080", rawsocket.Options{Serializer: json.Serializer{}})
//	err = c.Send(ctx, &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}})
//	m, err := c.Recv(ctx)
//
// Server side, for every accepted net.Conn (wrap the listener with
// tls.NewListener for TLS):
//
//	c, err := rawsocket.Accept(ctx, nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}})
//
// A PING is answered with a PONG carrying the same payload, from inside
// Recv, or, while the connection waits in AwaitInputFunc, on the short-lived
// goroutine that the input starts (the wait then goes on; a peer pinging an
// idle connection does not give it a goroutine); Ping sends one and waits
// for the answer.
//
// Concurrency: Send and Ping are safe for concurrent use; Recv is for one
// reading goroutine (Ping needs that goroutine to be reading, or the
// connection to wait in AwaitInputFunc); Close is safe
// at any time. If ctx ends during a Recv, the connection is closed: a
// half-read frame cannot be resumed.
//
// Writing: Send serializes the message into the connection's write queue.
// If no write is under way, Send writes everything queued with one system
// call itself (under load after yielding once, so that goroutines ready to
// send can queue behind it; when one goroutine sends faster than writes
// complete, a writer goroutine takes over); otherwise it returns at once,
// and the write under way, or a writer goroutine that exists only until
// the queue is empty, sends it. With many messages in flight (calls, a
// burst of events) they share writes instead of costing one system call
// each. Send waits, within its ctx, while more than Options.WriteQueue
// octets (default 1 MiB) are queued, and during its own write (bounded by
// Options.WriteTimeout, not by ctx: the write may carry other Sends'
// messages, and a half-written frame cannot be resumed);
// a write that takes longer than Options.WriteTimeout (default 30 s) ends
// the connection. After a failed write every Send returns its error, and
// Recv returns it too (matching ErrClosed as well). Close lets what is
// already queued leave first (at most a second), so a GOODBYE or ABORT
// sent just before Close is not lost.
// SendEncoded (and Send given a *wamp.Encoded) queues a message encoded
// once for many connections as it is, encoding nothing: a router's
// fan-out.
//
// Limits: the maximum message length we accept (Options.MaxMessageLen,
// default and largest 16 MiB, smallest 512 octets) is announced to the peer
// and enforced on every frame, as is the peer's on every Send. Payload
// buffers grow with the bytes that really arrive, not with the declared
// length. The opening handshake has a deadline (Options.HandshakeTimeout,
// default 10 s), and so has every frame once its first octet has come
// (Options.MessageTimeout, default 60 s): a peer that sends part of a
// frame and stops loses the connection.
//
// Memory: on TCP and Unix sockets reads go around net.Conn (package
// rawio) into a pooled 16 KiB buffer that a connection holds only while
// input is buffered; over TLS it keeps a bufio.Reader of that size. The
// payload buffer Recv decodes from is kept for the next frame only up to
// 64 KiB: one large message does not pin its memory. A
// server with a goroutine per connection can let an idle one wait in
// AwaitInput, on a fresh goroutine with the smallest stack, instead of in
// Recv; it then holds no payload buffer either (wamp/router does). On
// Linux AwaitInputFunc waits without a goroutine at all: the connection's
// socket waits in one poller shared with package ws (internal/idlepoll),
// and a function runs on a new goroutine when input comes (IdleWaiters
// counts the connections waiting so).
package rawsocket
