// Package wsloop runs ws.Handler on the event loop (package eventloop):
// the same handler that runs on goroutines with ws.Server or ws/wshttp,
// served by a few loops for very many connections, with no goroutine and
// no buffer per idle connection.
//
// Switching drivers is one line:
//
//	ws server on goroutines:  (&ws.Server{Handler: h, Options: opts}).Serve(ln)
//	on the event loop:        wsloop.ListenAndServe("127.0.0.1:9000", h, opts)
//
// The protocol lives once, in package ws: the loop reads, hands the bytes
// to the push-mode ws.Conn (ws.NewPushConn, Conn.Feed), which parses them,
// answers pings, runs the close handshake and calls the Handler; wsloop
// only moves bytes and runs the opening handshake on the loop.
//
// # Handlers on the loop
//
// OnConnect, OnOpen, OnMessage and OnClose run on the loop goroutine that
// owns the connection and must not block: a slow handler stalls every
// connection of its loop. Writes from a handler (Conn.WriteMessage and
// friends) never block there, to its own connection or to any other: frames
// are gathered while the callback runs and sent with one write when it
// returns. If the peer does not read and more than twice the loop's write
// high watermark (eventloop.Config, default 1 MiB) would be pending, the
// write fails and the connection is dropped. Other goroutines may write
// too; they wait while more than the high watermark is pending (within
// their context's deadline), also while a callback of the connection runs.
// ReadMessage and NextReader are not available (ws.ErrPushMode): messages
// come to OnMessage. Conn.Close returns once the close frame is queued.
// Pongs, close replies and Close never wait on the loop for another
// goroutine's frame: while such a write waits for the peer, the control
// frame is left to it, to send when its frame is out.
//
// # Clients
//
// Client dials ws:// URLs onto its own loops (for load generators and
// programs with very many client connections). wss:// and proxies are
// left to ws.Dial (ErrUnsupported).
//
// # Limits
//
// Every ws.Options limit applies (frame and message size, handshake and
// close timeouts, keepalive pings, origins, MaxConnections, FailByDrop;
// DisableNoDelay turns on eventloop.Config.TCPDelay), plus the loop's:
// write watermarks, slow-reader policy and idle timeout.
package wsloop
