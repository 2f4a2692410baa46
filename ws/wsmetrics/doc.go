// Package wsmetrics counts what a WebSocket server does, for library users
// and for a Prometheus /metrics endpoint, with no dependency beyond the
// standard library.
//
// A *Set holds atomic counters and fixed-bucket histograms: connections
// opened, closed and active, connection durations, messages and payload
// bytes in and out, message sizes, closes by status code and refused
// opening handshakes by HTTP status. Set ws.Server.Metrics (also what
// ws/wshttp.Handler serves with) or wsloop.Server.Metrics to one Set; many
// servers may share it. A nil *Set counts nothing: every method is a no-op
// on nil, so a server without metrics pays one nil check per event.
//
//	m := new(wsmetrics.Set)
//	srv := &ws.Server{Handler: h, Metrics: m}
//	...
//	snap := m.Snapshot()        // numbers for a program
//	_ = m.WriteText(os.Stdout) // Prometheus text exposition format 0.0.4
//
// What is counted: a connection is opened once its opening handshake has
// been answered with 101 and closed when its Handler's OnClose is called
// (the code is the one OnClose gets; 1006 for a dropped connection), or,
// for a connection of ws/wshttp.AcceptConn that its caller serves itself
// (a WAMP session on net/http), when it has ended, with the code it
// ended with.
// Messages in are whole messages delivered to OnMessage or returned by
// Conn.ReadMessage, with their payload length after any extension
// decoded them; messages out are those WriteMessage, WriteMessages and
// WritePrepared accepted (queued or written), with their payload length
// before compression. Control frames, frame headers, messages streamed
// through NextReader/NextWriter and the handshake bytes are not counted.
// A refused handshake is counted with the HTTP status it was answered
// with (503 when the server is full or shutting down); handshakes that
// fail by timeout or I/O error before an answer are not.
//
// Concurrency and cost: every counter is an atomic add on a fixed array;
// nothing allocates on the hot path. Snapshot and WriteText read the
// counters one by one, so a snapshot taken while connections are busy
// may be off by the events that raced with it (Active is computed from
// the two counters read, and is never below zero). The set of labels is
// fixed and bounded: close codes 1000–1015 each, any other code as
// code="other"; a fixed list of HTTP statuses, any other as
// status="other".
package wsmetrics
