package rawsocket

import (
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/internal/idlepoll"
)

// AwaitInput waits, without reading a frame, until Recv has something to
// do: input is buffered, or the connection has a reason to wake its reader
// (an error, its end, Close). d > 0 bounds the wait (with the connection's
// read deadline, which it then clears), d <= 0 waits as long as it takes;
// false means d passed with nothing read. Call it from the goroutine that
// calls Recv, between Recv calls: the payload Recv decoded last is not
// kept.
//
// A server with a goroutine per connection lets an idle connection wait
// here on a fresh goroutine with the smallest stack instead of deep in
// Recv (wamp/router does, for Router.Attach); the connection then holds no
// read buffer either. Where reads do not go around net.Conn (TLS) it
// returns true at once, and Recv waits.
func (c *Conn) AwaitInput(d time.Duration) bool {
	select {
	case <-c.closed:
		return true
	default:
	}
	if c.raw == nil {
		return true
	}
	if d <= 0 {
		c.buf = nil // an idle connection holds no payload buffer
	}
	return c.raw.await(c.nc, d)
}

// AwaitInputFunc is AwaitInput(0) without a goroutine: where it can, it
// arranges for f to run on a new goroutine once Recv has something to do
// (input is there, the peer hung up, or Close), and returns true at once;
// f runs exactly once. Meanwhile no goroutine waits for the connection:
// one shared poller goroutine watches every connection waiting so (of
// this package and package ws: on Linux, an epoll instance beside the
// runtime's poller, running only while some connection waits), and the
// connection holds no read or payload buffer. Close wakes the waiter
// before it closes the socket; close the connection with Close, not its
// NetConn, while it waits.
//
// It returns false, and f never runs, where it cannot wait so (TLS, a
// net.Conn that is not a TCP or Unix socket, systems without the poller,
// input already buffered, Close begun): then wait as before, AwaitInput(0)
// and Recv. Call it from the goroutine that calls Recv, between Recv
// calls, which then ends its reading: the next Recv is f's. PINGs and
// PONGs that come alone are handled as Recv handles them (a PING is
// answered, a PONG goes to Ping) on a short-lived goroutine, and the wait
// goes on without f: a peer that pings an idle connection keeps it without
// a goroutine. Where the answer cannot be queued at once (the write queue
// over Options.WriteQueue, a peer that does not read) f runs, and Recv
// answers it as usual. A server with a goroutine per connection lets an
// idle connection wait here (wamp/router does, for Router.Attach): it then
// costs no goroutine (its record and at least 2 KiB of stack) while it
// idles.
func (c *Conn) AwaitInputFunc(f func()) bool {
	if c.raw == nil || !idlepoll.Supported || c.raw.r < c.raw.w || c.raw.pending != nil {
		return false
	}
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	if c.idleEnd {
		return false
	}
	c.buf = nil // an idle connection holds no payload buffer
	idleCount.Add(1)
	key, ok := idlepoll.Add(c.rc, func() {
		idleCount.Add(-1)
		c.idleWoke(f)
	})
	if !ok {
		idleCount.Add(-1)
		return false
	}
	c.idleKey = key
	return true
}

// idleCount is how many connections wait in AwaitInputFunc (IdleWaiters).
var idleCount atomic.Int64

// IdleWaiters returns how many connections of the process wait in
// AwaitInputFunc now (without a goroutine each): for metrics and tests.
func IdleWaiters() int { return int(idleCount.Load()) }

// endIdle keeps AwaitInputFunc from waiting from now on and wakes its
// waiter, if any: Close calls it before it closes the socket, which would
// leave the poller without an event.
func (c *Conn) endIdle() {
	c.idleMu.Lock()
	c.idleEnd = true
	idlepoll.Cancel(c.idleKey) // nothing if its f has been started already
	c.idleMu.Unlock()
}

// idleWoke runs on a fresh goroutine when the poller saw input for c (or
// c is ending): it handles PINGs and PONGs that came alone and waits on in
// the poller after them; anything else goes to f.
func (c *Conn) idleWoke(f func()) {
	if c.controlOnly() && c.AwaitInputFunc(f) {
		return
	}
	f()
}

// controlOnly reads the input that is there, without waiting, and handles
// the PING and PONG frames it starts with as Recv does: it answers a PING
// with its PONG, queued with TryAdd (no write in this goroutine, no wait
// for room), and hands a PONG to Ping. It reports whether that was all, or
// nothing came (a stray wake-up): then the wait may go on. Anything else
// (a regular frame, part of a frame, a full write queue, an error, the
// end, Close) is left to Recv, with what follows it.
func (c *Conn) controlOnly() bool {
	select {
	case <-c.closed:
		return false
	default:
	}
	r := c.raw
	if !r.readNow() {
		return true
	}
	if r.pending != nil {
		return false
	}
	for r.r < r.w {
		t, p, n := c.wholeControl((*r.buf)[r.r:r.w])
		if n == 0 {
			return false
		}
		if t == FramePing {
			if ok, err := c.wq.TryAdd(frame(FramePong, p)); !ok || err != nil {
				return false // Recv answers it, or reports the error
			}
		} else {
			c.pong(p)
		}
		r.r += n
	}
	r.release()
	return true
}

// wholeControl returns the type, payload and length of the PING or PONG
// frame that b starts with if b holds all of it and it is valid (Recv
// would take it); else n is 0.
func (c *Conn) wholeControl(b []byte) (t FrameType, p []byte, n int) {
	if len(b) < 4 {
		return 0, nil, 0
	}
	t, l, err := ParseHeader(b)
	if err != nil || t == FrameRegular || l > c.maxRecv || len(b)-4 < l {
		return 0, nil, 0
	}
	return t, b[4 : 4+l], 4 + l
}
