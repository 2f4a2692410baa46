package websocket

import "time"

// AwaitInput waits, without reading a message, until Recv has something to
// do: a message of a batched frame is queued, input is buffered, or the
// connection has a reason to wake its reader (an error, its end, Close).
// d > 0 bounds the wait, d <= 0 waits as long as it takes; false means d
// passed with nothing read. Call it from the goroutine that calls Recv,
// between Recv calls.
//
// A server with a goroutine per connection lets an idle connection wait
// here on a fresh goroutine with the smallest stack instead of deep in
// Recv (wamp/router does, for Router.Attach): see ws.Conn.AwaitInput. On
// the event loop, on a LoopReceiver connection and where ws cannot wait
// without a read buffer (TLS) it returns true at once, and Recv waits.
// On goroutines, during a wait without a time limit (d <= 0) the
// connection's write state goes back to a pool whenever nothing is being
// written (the next Send takes it again), so a parked connection holds
// none.
func (c *Conn) AwaitInput(d time.Duration) bool {
	if c.qhead < len(c.queue) || c.loop || c.isClosed() { // on the loop: an inbox or a Receiver
		return true
	}
	if d > 0 {
		return c.c.AwaitInput(d)
	}
	// No defer: the frames of a parked reader stay small (they are part
	// of every idle connection's stack).
	c.parkWriter(true)
	ok := c.c.AwaitInput(d)
	c.parkWriter(false)
	return ok
}

// AwaitInputFunc is AwaitInput(0) without a goroutine (ws.Conn.AwaitInputFunc):
// where the connection can wait so, it arranges for f to run on a new
// goroutine once Recv has something to do, and returns true at once; f runs
// exactly once, and meanwhile no goroutine waits for the connection, and
// its write state is back in its pool as during AwaitInput(0). It returns
// false (f never runs) where it cannot (on the event loop, TLS, a batch's
// messages queued, Close begun, not on Linux): then call AwaitInput(0) or
// Recv. Call it from the goroutine that calls Recv, between Recv calls; the
// next Recv is f's.
func (c *Conn) AwaitInputFunc(f func()) bool {
	if c.qhead < len(c.queue) || c.loop || c.isClosed() {
		return false
	}
	c.parkWriter(true)
	if c.c.AwaitInputFunc(func() { c.parkWriter(false); f() }) {
		return true
	}
	c.parkWriter(false)
	return false
}
