// Package eventloop is the reactor under Autobahn|Go's servers and load generators: a few event
// loops serve every connection, with no goroutine and no buffer per idle connection.
//
// On Linux each loop is an epoll instance (kqueue on darwin and the BSDs); the loops share one
// connection table indexed by fd (8 bytes per connection however many loops) — the kernel only ever
// holds fds (with epoll, each with a generation, so an event for a connection closed while its batch
// was being handled never reaches a new connection that got the same fd, on its own loop or another),
// never Go pointers. Each loop has one read buffer shared by all its connections, an eventfd (a pipe
// on kqueue systems) for wake-ups from other goroutines and a timing wheel for deadlines and idle
// timeouts. A loop whose poller fails (an error other than EINTR) closes its connections with that
// error and stops the others; Run returns the error. Elsewhere a goroutine-per-connection fallback over
// the net package offers the same API, with at most three goroutines per connection: a reader, a
// writer, and one that calls OnWritable while a call is owed, so that Wake is served while the
// writer is blocked on a peer that does not read. Its writer writes in chunks of 16 KiB, and its
// queue counts the chunk under way as not sent; its slow-reader pause ends at the high watermark
// (it cannot tell what the kernel refused). The package knows nothing of WebSocket: it moves bytes.
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
// Conn methods are for that goroutine (inside callbacks) except AsyncWrite, Wake, NotifyWritable,
// PauseRead, ResumeRead, Close, Fd and the address methods, which any goroutine may call. The
// addresses are read when the connection opens and stay valid after it closed. Loop.Listen, Dial, Shutdown and Stats may be
// called from any goroutine; Dial and Shutdown block, so never from a callback. Nothing needs to
// know which side it runs on: code shared by both sides never waits (a goroutine that wants room
// waits for a notification, NotifyWritable, that the loop sends; see ws/wsloop).
//
// A loaded loop polls without blocking and waits only when no event is ready, so it keeps its core
// busy even at GOMAXPROCS=1 and needs no other goroutine to run. On Linux an idle loop parks its
// goroutine on the Go runtime's netpoller (the epoll fd is itself pollable) instead of blocking its
// thread in epoll_wait, so a wake-up costs no thread hand-off; with Config.LockOSThread, and on
// kqueue, it blocks its thread in epoll_wait or kevent.
//
// # Writes and back-pressure
//
// Write sends at once and queues only what the kernel refused; Writev sends a header and its
// payload in one writev. The queue has a high and a low watermark: above the high one the
// SlowReaderPolicy applies (pause reading, refuse writes, or close), below the low one OnWritable
// is called. A write that finds the queue empty is accepted whole, whatever its size: the policy
// judges the peer by the writes that join output it has not read yet. Memory per connection is
// therefore bounded by about twice the high watermark (or the largest single write) plus
// Config.MaxPendingInput of unconsumed input. Send is Write without the admission against the
// watermarks, for a layer above that bounds its output itself (ws's outbound queue counts Queued).
//
// Other goroutines write with AsyncWrite. What AsyncWrite accepted before Close is sent before the
// connection closes, after the queue, within Config.CloseTimeout, on every backend. A goroutine
// that waits for room calls NotifyWritable once: OnWritable follows once the queue is at or below
// the low watermark, with no wake-up in between however long that takes (Wake, by contrast, calls
// OnWritable at once).
//
// Reading has a brake of its own: PauseRead stops reading from a connection (OnData is no longer
// called, the kernel's buffers fill and TCP flow control holds the peer back) until ResumeRead, which
// hands over the input OnData had left, without waiting for more. It is independent of the
// slow-reader pause. The idle timeout does not run while reading is paused; a peer's EOF is seen
// after ResumeRead, behind the input before it. A reset (RST) closes a paused connection at once on
// epoll and kqueue; the goroutine fallback sees it only after ResumeRead. The Conn.PauseRead example hands each request to a
// goroutine and reads the next one once the answer is on its way.
//
// # Limits
//
// Accept pauses for Config.AcceptBackoff when the process is out of fds (EMFILE/ENFILE) instead of
// spinning. Connections idle for Config.IdleTimeout (default 5 minutes) are closed, unless the
// application paused their reading. Each open IPv4 connection costs one fd, an 80-byte Conn, 8 bytes
// of table and, with an idle timeout or a deadline, a timing-wheel entry (8 bytes); on Linux opening
// it allocates nothing else (the addresses are read into the stack). IPv6 and unix addresses take
// 112 bytes more, input or output held back 80, AsyncWrite's buffer and lock 48 besides its
// data. The kernel's socket buffers come on top.
package eventloop
