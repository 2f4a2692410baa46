// Package ws implements the WebSocket protocol, RFC 6455: a sans-I/O core
// (frame headers, the push Parser, the opening handshake on []byte) shared
// by every driver, and a blocking Conn over net.Conn for goroutine-based
// clients (Dial) and servers (Server, UpgradeConn, package wshttp).
//
//	c, err := ws.Dial(ctx, "ws://127.0.0.1:9000/echo", nil)
//	if err != nil {
//		return err
//	}
//	defer c.Close(ws.StatusNormalClosure, "")
//	if err := c.WriteMessage(ctx, ws.OpText, []byte("hello")); err != nil {
//		return err
//	}
//	op, payload, err := c.ReadMessage(ctx)
//
// A server implements Handler (OnConnect, OnOpen, OnMessage, OnClose, as in
// Autobahn|Python) and runs it with a Server: Server.Serve on a listener,
// Server.ServeConn on raw connections, or wshttp.Handler inside net/http.
// Every driver, and the package-level Serve, contains a Handler's panic:
// only its connection ends (1011), and the panic is logged and counted
// (Options.PanicCrash restores crashing).
//
// # Drivers
//
// The same Handler runs on goroutines (this package, wshttp) or on the
// event loop (package wsloop). Both use the same Conn: an event-loop driver
// makes it with NewPushConn, reads the socket itself and hands the bytes to
// PushConn.Feed, which parses them, answers pings, runs the closing handshake
// and calls the Handler. Its output is sans-I/O too: every write appends
// whole frames to the connection's queue under a short lock and returns
// (ErrQueueFull past OutputBounds), the driver takes them (PushConn.TakeOutput) and
// reports what it still holds (PushConn.OutputSent), and a goroutine that wants to
// wait for room calls WaitWritable, which the driver wakes at its low
// watermark (a NextWriter stream waits with its writer's own WaitWritable,
// which does not count the messages queued behind it). So framing, limits, extensions, keepalive and close handling
// are written once, and nothing on an event loop ever waits for another
// goroutine. Conn.ConnectionState gives the TLS state of a wss://
// connection on every driver and on clients (a driver that runs TLS
// itself has the net.Conn it gives NewPushConn implement
// ConnectionState() tls.ConnectionState).
//
// # Protocol
//
// Incoming frames are checked against every framing rule of RFC 6455,
// the minimal length encoding included: masking per role, reserved opcodes and
// RSV bits (allowed only for negotiated extensions, ParserConfig.AllowedRsv),
// control frame size and fragmentation, continuation order, close codes and
// reasons. Text messages and close reasons are validated as UTF-8 across
// fragments and fail fast (1007) at the first byte that cannot be UTF-8.
// Faults close the connection with 1002, 1007 or 1009 (or drop it, with
// Options.FailByDrop). The closing handshake echoes the peer's code, waits
// Options.CloseTimeout for the peer, then drops the TCP connection.
//
// # Limits and defaults
//
// Options' zero value is safe: 16 MiB frame and message payload limits
// (checked against the declared length before anything is buffered; the
// Parser never allocates from a length the peer declared), a 10 s opening
// handshake timeout, 8 KiB and 64 header lines for the handshake request,
// a 5 s close timeout, keepalive pings after 30 s of silence with a 15 s
// pong timeout, same-origin browser requests only, TCP_NODELAY on.
// Keepalive runs on one timer per resolved Options (a heap of connections),
// not a goroutine or a timer per connection; connections whose Options
// resolve to the same values share one resolved copy; an idle Conn on a TCP or Unix
// socket holds no read buffer (buffers come from a pool while data flows),
// an idle push-mode (event-loop) Conn no Parser or message state either
// (they come from a pool for each input: a 96-byte Conn, TestConnSize),
// and reading and writing whole messages does not allocate in steady state.
// Conn.AwaitInput lets a server with a goroutine per connection park an
// idle one on a fresh goroutine with the smallest stack, as Server does;
// Conn.AwaitInputFunc (Linux) lets it wait with no goroutine at all: one
// shared poller goroutine (an epoll instance of its own, itself in the
// runtime's poller) starts a goroutine for a connection once its input
// comes (IdleWaiters counts the connections waiting so).
// Costly decodes (CostlyDecoder: bzip2) take at most GOMAXPROCS-1
// processors in all, on every driver, so that a few compression bombs
// cannot starve the other connections.
//
// Server.Metrics (a *wsmetrics.Set, package ws/wsmetrics) counts
// connections, messages and bytes, close codes and refused handshakes
// with atomic adds and no allocation; Conn.SetMetrics does the same for a
// connection a driver of its own serves.
//
// # Concurrency
//
// A Conn has one reader (ReadMessage or NextReader and its reader) and any
// number of writers: WriteMessage, NextWriter, WritePrepared, Ping and Close
// are safe from many goroutines; a message is never interleaved with
// another. Pings are answered by the reading goroutine, so keep reading.
// Parser, Request and Response values belong to one goroutine;
// PreparedMessage is immutable and shared freely. Blocking calls take a
// context; cancelling a read drops the connection.
//
// Errors are sentinels (ErrProtocol, ErrInvalidUTF8, ErrMessageTooBig,
// ErrClosed, ErrHandshake, …) and typed values (*ProtocolError,
// *CloseError, *HandshakeError) for errors.Is and errors.As.
package ws
