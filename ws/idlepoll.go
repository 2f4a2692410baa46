package ws

import (
	"sync/atomic"

	"github.com/autobahn-go/autobahn/internal/idlepoll"
)

// AwaitInputFunc is AwaitInput(0) without a goroutine: where it can, it
// arranges for f to run on a new goroutine once ReadMessage has something
// to do (input is there, or the connection has a reason to wake its reader:
// its end, Close, CloseNow), and returns true at once. f runs exactly once.
// Meanwhile no goroutine waits for the connection: one shared poller
// goroutine watches every connection waiting this way (package
// internal/idlepoll: on Linux, an epoll instance of its own beside the
// runtime's poller; it runs only while some connection waits), and a connection holds no read buffer and no Parser.
// Pings and pongs that come alone are handled as AwaitInput handles them
// (a ping is answered, on a short-lived goroutine) and the wait goes on.
//
// It returns false, and f never runs, where it cannot wait so (TLS, a
// net.Conn that is not a TCP or Unix socket, push mode, systems without
// the poller, input already buffered, a read under way in another
// goroutine): then wait as before, AwaitInput(0) and ReadMessage. Call it
// from the goroutine that reads, between ReadMessage calls, which then
// ends its reading: the next ReadMessage is f's. A server with a goroutine
// per connection lets an idle connection wait here (wamp/router does, for
// Router.Attach): it then costs no goroutine (its record and at least 2
// KiB of stack) while it idles.
func (c *Conn) AwaitInputFunc(f func()) bool {
	if c.push || c.p.rc == nil || !idlepoll.Supported || !c.rmu.TryLock() {
		return false
	}
	if c.p.rr < c.p.rw || c.p.reader != nil || c.p.pending != nil || c.finished() != nil {
		c.unlockRead()
		return false
	}
	c.releaseMsg()
	if c.p.rbig != nil { // all consumed: the next read takes a buffer again (rawStep)
		putBuf(c.p.rbig)
		c.p.rbig, c.p.rbuf = nil, nil
		c.p.rr, c.p.rw = 0, 0
	}
	if p := c.parser; p != nil && p.idle() {
		p.release()
		parserPool.Put(p)
		c.parser = nil
	}
	c.unlockRead()
	// Under c.mu: shutdown (which takes the waiter out before it closes
	// the socket) comes either before (ended) or after the registration.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.has(flagEnded) {
		return false
	}
	idleCount.Add(1)
	key, ok := idlepoll.Add(c.p.rc, func() {
		idleCount.Add(-1)
		c.idleWoke(f)
	})
	if !ok {
		idleCount.Add(-1)
		return false
	}
	c.p.idleKey = uint64(key)
	return true
}

// idleCount is how many connections wait in AwaitInputFunc (IdleWaiters).
var idleCount atomic.Int64

// idleCancel wakes c's waiter, if any: c is ending, and a closed socket
// leaves the poller without an event. Call it, with c.mu held, before
// closing nc. A key whose waiter has woken already is no more in the
// poller (keys are never reused): cancelling it does nothing.
func idleCancel(c *Conn) { idlepoll.Cancel(idlepoll.Key(c.p.idleKey)) }

// idleWoke runs on a fresh goroutine when the poller saw input for c (or
// c ended): it reads what is there and handles pings and pongs that came
// alone, waiting on in the poller after them; anything else goes to f.
func (c *Conn) idleWoke(f func()) {
	c.awaitInput() // input is there: this read does not wait (but for a stray wake-up)
	if c.controlOnly() && c.finished() == nil && c.AwaitInputFunc(f) {
		return
	}
	f()
}

// IdleWaiters returns how many connections of the process wait in
// AwaitInputFunc now (without a goroutine each): for metrics and tests.
func IdleWaiters() int { return int(idleCount.Load()) }
