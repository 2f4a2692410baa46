// Package idlepoll lets idle sockets wait for input without a goroutine
// each: Add registers a socket (its syscall.RawConn) and a function, and
// the function runs on a new goroutine, exactly once, when the socket
// becomes readable or hangs up, or when Cancel takes the registration
// back. Servers with a goroutine per connection (ws.Conn.AwaitInputFunc,
// the RawSocket transport's AwaitInputFunc) let their idle connections
// wait here between messages, so that an idle connection costs no
// goroutine (its record and at least 2 KiB of stack).
//
//	key, ok := idlepoll.Add(rc, func() { /* read what came */ })
//	if !ok {
//		// wait as before, on a goroutine
//	}
//	...
//	idlepoll.Cancel(key) // before closing the socket
//
// On Linux one epoll instance of the package's own (beside the runtime's
// poller, which keeps polling the same sockets for their readers) watches
// every waiting socket, once each (EPOLLONESHOT), under a 64-bit key that
// is never given out again, so that a late event of a socket whose
// descriptor was closed and reused finds no waiter. The epoll instance is
// itself in the runtime's poller (an os.File): one goroutine waits on it,
// parked like any reader, no thread blocked in epoll_wait, while some
// socket waits, and ends when none does; it only starts the waiters'
// functions. Elsewhere Supported is false and Add refuses.
//
// Rules: the caller owns the socket and keeps it open while it waits: a
// closed descriptor leaves the epoll set without an event, so Cancel the
// registration before closing the socket (Cancel then runs the function,
// which finds the connection ending). The function must not assume input
// is there: a hang-up and Cancel wake it too, and so can a spurious
// readiness; it reads as usual, through the runtime's poller.
//
// Limits and costs: a waiter costs an entry in one map (its key, RawConn
// and function) and the kernel's epitem (about 128 B); the number of
// waiters is bounded only by the number of open sockets. Events are taken
// 128 at a time. The epoll instance and its eventfd are made on first use
// and kept for the life of the process.
package idlepoll
