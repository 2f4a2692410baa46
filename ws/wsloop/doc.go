// Package wsloop runs ws.Handler on the event loop (package eventloop):
// the same handler that runs on goroutines with ws.Server or ws/wshttp,
// served by a few loops for very many connections, with no goroutine and
// no buffer per idle connection.
//
// Switching drivers is one line:
//
//	ws server on goroutines:  (&ws.Server{Handler: h, Options: opts}).Serve(ln)
//	on the event loop:        wsloop.ListenAndServe(ctx, "127.0.0.1:9000", h, opts)
//
// (ListenAndServe serves until ctx is done, then shuts down as
// Server.Shutdown does.)
//
// The protocol lives once, in package ws: the loop reads, hands the bytes
// to the push-mode ws.Conn (ws.NewPushConn, PushConn.Feed), which parses them,
// answers pings, runs the close handshake and calls the Handler; wsloop
// only moves bytes and runs the opening handshake on the loop.
//
// # Handlers on the loop
//
// OnConnect, OnOpen, OnMessage and OnClose run on the loop goroutine that
// owns the connection and must not block: a slow handler stalls every
// connection of its loop. A handler that panics does not stop the loop:
// its connection is closed with 1011 (OnConnect: answered with 500), the
// panic is logged once with its stack on Options.Logger and counted
// (Server.Panics); ws.Options.PanicCrash restores crashing.
//
// # Output
//
// Every connection's output has one owner at a time. A write (WriteMessage,
// WriteMessages, WritePrepared, a NextWriter's frames, Ping, Close, and the
// pongs and close replies the connection sends itself) appends whole frames
// to the connection's queue and returns, from a handler on the loop or
// from any other goroutine alike: no write ever waits. The loop sends what
// a callback queued with one write when the callback returns, and what
// other goroutines queued after they woke it. When more is pending than
// the loop's write watermarks allow (eventloop.Config: a message is taken
// while at most the high watermark, default 1 MiB, is pending, or while it
// keeps the total within twice that), the write fails with ws.ErrQueueFull
// and nothing of the message is queued; the connection stays open. A
// goroutine that would rather wait calls Conn.WaitWritable first: it
// returns at once below the high watermark, else when the loop's queue
// drained to the low watermark, woken once by the loop, never by polling.
// A NextWriter stream holds the connection's tail while user code writes
// it: messages written meanwhile queue behind it and go when it is closed;
// control frames go at the next frame boundary.
//
// Reading pushes back too: Conn.PauseRead stops the loop reading the
// connection (TCP flow control then holds the peer back) until
// Conn.ResumeRead, for a consumer that lags.
//
// ReadMessage and NextReader are not available (ws.ErrPushMode): messages
// come to OnMessage. Conn.Close returns once the close frame is queued; the
// loop reads the answer and closes, or drops the connection after
// Options.CloseTimeout.
//
// # Clients
//
// Client dials ws:// URLs onto its own loops (for load generators and
// programs with very many client connections); DialWith binds a source
// address (to open more connections than one port range allows). A
// handler that implements ws.PongHandler sees the pongs. wss:// and
// proxies are left to ws.Dial (ErrUnsupported).
//
// # Limits
//
// Every ws.Options limit applies (frame and message size, handshake and
// close timeouts, keepalive pings, origins, MaxConnections, FailByDrop;
// DisableNoDelay turns on eventloop.Config.TCPDelay), plus the loop's:
// write watermarks, slow-reader policy and idle timeout. A connection
// counts toward MaxConnections once its request head is in; until then
// Server.MaxPendingHandshakes bounds it (default 4096). What cannot be an
// HTTP/1.1 request (a TLS ClientHello, a bare-LF or HTTP/1.0 request) is
// answered with 400 and closed at once.
//
// # Shutdown
//
// Server.Shutdown (and ListenAndServe when its context ends) sends every
// connection its close frame (1001) at once and waits for the replies
// under one deadline, Options.CloseTimeout or the context's if sooner;
// the connections still open then are dropped.
package wsloop
