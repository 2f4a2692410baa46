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
// while at most the high watermark, default ws.DefaultOutputHigh = 64 KiB,
// is pending, or while it keeps the total within twice that), or when the
// ws.Options.MemoryBudget shared by all connections is exhausted, the write
// fails with ws.ErrQueueFull (ws.ErrMemoryBudget) and nothing of the
// message is queued; the connection stays open. A
// goroutine that would rather wait calls Conn.WaitWritable first: it
// returns at once below the high watermark, else when the loop's queue
// drained to the low watermark, woken once by the loop, never by polling.
// A NextWriter stream holds the connection's tail while user code writes
// it: messages written meanwhile queue behind it and go when it is closed;
// control frames go at the next frame boundary.
//
// Decoding that costs much more than its input (a bzip2 message, a
// deflate message past its first ws.InlineDecodeMax compressed bytes) runs on a small process-wide pool
// of goroutines while the connection's reading is paused, so one hostile
// message cannot stall the loop's other connections; the Handler still
// gets the message on the loop, in order.
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
// Client dials ws:// and wss:// URLs onto its own loops (for load
// generators and programs with very many client connections); DialWith
// binds a source address (to open more connections than one port range
// allows). A handler that implements ws.PongHandler sees the pongs.
// wss:// uses Options.TLSConfig (ServerName from the URL, ALPN
// http/1.1, no renegotiation: a TLS 1.2 server that asks for one ends
// the connection, as with tls.RenegotiateNever). Proxies (ErrUnsupported)
// and renegotiation are left to ws.Dial.
//
// # TLS (wss://)
//
// Server.TLSConfig (or ListenAndServeTLS) serves wss:// on the loops with
// crypto/tls as it is, unforked: each connection's tls.Conn runs over an
// in-memory net.Conn. The loop feeds it what it read and reads the
// plaintext until the memory conn reports "would block" (a temporary
// error, after which crypto/tls keeps a record's partial input and goes
// on with the next Read), or until the last record of the input was read
// (the memory conn hands crypto/tls one record at a time, so it knows);
// the plaintext of all the records of one read goes to the ws.Conn at
// once, so that, as on ws://, the answers to one read are encrypted
// together (one record up to 16 KiB) and leave with one write. Output is
// encrypted into memory and sent like plaintext output: no goroutine and
// no buffer of ours per idle connection. crypto/tls keeps a handshake's state on its goroutine's
// stack, so the handshake alone runs on a goroutine of its own, which
// ends with it (and does the certificate's signature off the loop); these
// goroutines are bounded by MaxPendingHandshakes and live at most
// Options.HandshakeTimeout, which also closes a handshake that stalls.
// Input that arrives ahead of the handshake is buffered up to 64 KiB, then
// reading pauses. ALPN offers http/1.1 unless TLSConfig.NextProtos says
// otherwise (h2 is left out of it, and of the NextProtos of a
// configuration GetConfigForClient returns: a configuration shared with
// net/http or autocert offers it, and a browser would pick it); session tickets and resumption are crypto/tls's (on unless
// SessionTicketsDisabled). To reload certificates without a restart, set
// TLSConfig.GetCertificate to a function that returns the current
// certificate (from an atomic.Pointer the program swaps when the files
// change): every new handshake calls it, open connections keep theirs.
// Handlers of the server and the client read the negotiated TLS state
// (version, cipher suite, ALPN, SNI, peer certificates, channel binding)
// with ws.Conn.ConnectionState, as on goroutines.
//
// A server's TLS 1.3 connection then leaves crypto/tls: the loop takes
// its record layer over (package internal/tlsrec: AES-128-GCM,
// AES-256-GCM, ChaCha20-Poly1305; KeyUpdate both ways; alerts), opens
// each input's records in place in the loop's buffer and seals output
// straight into the buffer it sends, and the tls.Conn, with the buffers
// crypto/tls never shrinks, is dropped. Where the CPU has VAES and
// VPCLMULQDQ, AES-GCM runs on them, on 512-bit vectors or 256-bit ones
// (internal/aesgcm; AUTOBAHN_NVX=off keeps the standard library's).
// crypto/tls hands out its traffic secrets only through KeyLogWriter,
// so each handshake gets a copy of its tls.Config (the one
// GetConfigForClient returns, if set) whose
// KeyLogWriter keeps them in the process for this (passing every line
// on to the application's KeyLogWriter, if any); the records crypto/tls
// sealed with them (the session ticket) are counted by opening them.
// The connection stays with crypto/tls whenever anything there is not as
// expected, and always for TLS 1.2. A Client's connections move too
// unless its TLSConfig keeps sessions (ClientSessionCache set: the
// server's session tickets then go to crypto/tls, which alone can store
// them). An idle wss:// TLS 1.3 connection holds about 2.3 KB of heap,
// also after full-size records; once a pong answered its keepalive ping
// (sent after Options.PingInterval without input) it lets its two AEAD
// states go until its next record, and holds about 1.3 KB; with TLS 1.2
// about 9 KB (BenchmarkIdleConnMemory).
//
// # Limits
//
// Every ws.Options limit applies (frame and message size, handshake and
// close timeouts, keepalive pings, origins, MaxConnections, FailByDrop;
// DisableNoDelay turns on eventloop.Config.TCPDelay), plus the loop's:
// write watermarks, slow-reader policy and idle timeout (off unless set
// while keepalive is on, which drops a silent peer sooner). The write
// watermarks are the ws.Conn's OutputBounds too, one bound for both: a
// write the ws.Conn refuses for room (ws.ErrQueueFull) is judged by
// SlowReaderClose as one that joins the loop's queue: a peer that leaves
// more than the high watermark unread is dropped (ws.Conn.Err matches
// eventloop.ErrSlowReader). A connection
// counts toward MaxConnections once its request head is in, a valid
// upgrade from an allowed origin (else it gets its 4xx, also when the
// server is full); until then Server.MaxPendingHandshakes bounds it
// (default 4096). Server.Admit
// adds a bound of the caller's, such as one shared with a ws.Server on
// net/http (AdmitWith). What cannot be an
// HTTP/1.1 request (a TLS ClientHello, a bare-LF or HTTP/1.0 request) is
// answered with 400 and closed at once.
//
// Server.Metrics, if set, counts the server's connections, messages,
// close codes and refused handshakes (package ws/wsmetrics), as
// ws.Server.Metrics does on goroutines.
//
// A request that does not ask for a WebSocket (no Upgrade header lists
// websocket; another upgrade, such as h2c, is ignored as net/http ignores
// it) gets 426, unless Server.HTTP is set:
// it then answers such requests on the loop (a health check, metrics, a
// page), one per connection (Connection: close), so that one port serves
// both.
//
// # Shutdown
//
// Server.Shutdown (and ListenAndServe when its context ends) sends every
// connection its close frame (1001) at once and waits for the replies
// under one deadline, Options.CloseTimeout or the context's if sooner;
// the connections still open then are dropped.
package wsloop
