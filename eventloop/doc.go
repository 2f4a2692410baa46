// Package eventloop is the reactor under Autobahn|Go's servers and load generators: a few event
// loops serve every connection, with no goroutine and no buffer per idle connection.
//
// On Linux each loop is an epoll instance (kqueue on darwin and the BSDs) with a connection table
// indexed by fd — the kernel only ever holds fds, never Go pointers — one read buffer shared by all
// its connections, an eventfd (a pipe on kqueue systems) for wake-ups from other goroutines and a
// timing wheel for deadlines and idle timeouts. Elsewhere a goroutine-per-connection fallback over
// the net package offers the same API. The package knows nothing of WebSocket: it moves bytes.
//
// # Example
//
//	type echo struct{}
//
//	func (echo) OnOpen(c *eventloop.Conn)                {}
//	func (echo) OnData(c *eventloop.Conn, in []byte) int { c.Write(in); return len(in) }
//	func (echo) OnWritable(c *eventloop.Conn)            {}
//	func (echo) OnClose(c *eventloop.Conn, err error)    {}
//
//	l, err := eventloop.New(eventloop.Config{}, echo{})
//	if err != nil { ... }
//	addr, err := l.Listen("tcp", "127.0.0.1:9000")
//	go l.Run()
//	...
//	l.Shutdown(ctx) // Run returns
//
// Clients run on a loop too: Loop.Dial connects without blocking the loop, and OnOpen, OnData and
// friends follow as for accepted connections.
//
// # Concurrency
//
// Handler methods of one loop run on that loop's goroutine, one at a time, and must not block.
// Conn methods are for that goroutine (inside callbacks) except AsyncWrite, Wake, Close, Fd and
// the address methods, which any goroutine may call. Loop.Listen, Dial, Shutdown and Stats may be
// called from any goroutine; Dial and Shutdown block, so never from a callback. InCallback tells
// code shared by both sides (a write that could wait for a peer, say) which side it runs on.
//
// A loaded loop polls without blocking and only parks its thread in epoll_wait when no event is
// ready, so it keeps its core busy even at GOMAXPROCS=1 and needs no other goroutine to run.
//
// # Writes and back-pressure
//
// Write sends at once and queues only what the kernel refused; Writev sends a header and its
// payload in one writev. The queue has a high and a low watermark: above the high one the
// SlowReaderPolicy applies (pause reading, refuse writes, or close), below the low one OnWritable
// is called. Memory per connection is therefore bounded by about twice the high watermark plus
// Config.MaxPendingInput of unconsumed input.
//
// # Limits
//
// Accept pauses for Config.AcceptBackoff when the process is out of fds (EMFILE/ENFILE) instead of
// spinning. Connections idle for Config.IdleTimeout (default 5 minutes) are closed. Each open
// connection costs one fd, about 200 bytes of Go memory and 8 bytes of table; the kernel's socket
// buffers come on top.
package eventloop
