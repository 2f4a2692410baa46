package ws

import (
	"errors"
	"time"
)

// AwaitInput waits, without reading a message, until ReadMessage has
// something to do: input is buffered, or the connection has a reason to
// wake its reader (an error, its end, Close). d > 0 bounds the wait; d <= 0
// waits as long as it takes. It reports whether ReadMessage has something
// to do now; false means d passed with nothing read. Pings and pongs that
// come alone (keepalive) are handled here, as ReadMessage would (a ping is
// answered), and do not end the wait.
//
// It is for servers that keep one goroutine per connection: a goroutine
// parked here holds a few frames of stack and no read buffer, where one
// parked in ReadMessage holds the deeper frames of message parsing, so an
// idle connection can wait on a fresh goroutine with the smallest stack
// (as Server does: a connection whose next input comes within 100 ms stays
// on its goroutine, an idle one moves to a fresh one). Call it from the
// goroutine that reads, between ReadMessage calls: the payload of the last
// message is no longer valid once it waits.
//
// Where reads do not go through the socket's poller directly (TLS, a
// net.Conn that is not a TCP or Unix socket) a wait would need a read
// buffer: AwaitInput then returns true at once and ReadMessage waits. In
// push mode it returns true at once as well (ReadMessage fails there).
func (c *Conn) AwaitInput(d time.Duration) bool {
	if c.push || c.p.rc == nil {
		return true
	}
	if d <= 0 {
		c.awaitData()
		return true
	}
	return c.awaitHotData(d)
}

// awaitData is awaitInput, except that pings and pongs that come alone are
// handled here and do not end the wait.
func (c *Conn) awaitData() {
	for {
		c.awaitInput()
		if !c.controlOnly() {
			return
		}
	}
}

// awaitHotData is awaitHot, except that pings and pongs that come alone are
// handled here and do not end the wait.
func (c *Conn) awaitHotData(d time.Duration) bool {
	for {
		if !c.awaitHot(d) {
			return false
		}
		if !c.controlOnly() {
			return true
		}
	}
}

// controlOnly consumes the buffered input if it is nothing but whole ping
// and pong frames, answering the pings, and reports whether it was: then
// the wait goes on. Anything else (a data or close frame, part of a frame,
// an error) is left to ReadMessage.
func (c *Conn) controlOnly() bool {
	if !c.rmu.TryLock() {
		return false
	}
	defer c.unlockRead()
	if c.p.pending != nil || c.p.reader != nil || (c.parser != nil && !c.parser.idle()) || c.p.rr == c.p.rw {
		return false
	}
	for b := c.p.rbuf[c.p.rr:c.p.rw]; len(b) > 0; b = b[wholeControl(b):] {
		if wholeControl(b) == 0 {
			return false
		}
	}
	if c.parser == nil {
		c.takeParser()
	}
	for c.p.rr < c.p.rw {
		n, ev, err := c.parser.Parse(c.p.rbuf[c.p.rr : c.p.rr+wholeControl(c.p.rbuf[c.p.rr:c.p.rw])])
		c.p.rr += n
		if err != nil {
			_ = c.fail(err) // ReadMessage reports it
			return false
		}
		if ev.Kind == EventPing {
			if err := c.pong(ev.Payload); err != nil && !errors.Is(err, ErrClosed) {
				return false
			}
		}
	}
	return true
}

// wholeControl returns the length of the ping or pong frame (final, no
// reserved bits, a valid length) that b starts with if b holds all of it,
// else 0.
func wholeControl(b []byte) int {
	if len(b) < 2 || b[0]&0xf0 != 0x80 || (Opcode(b[0]&0x0f) != OpPing && Opcode(b[0]&0x0f) != OpPong) || b[1]&0x7f > 125 {
		return 0
	}
	n := 2 + int(b[1]&0x7f)
	if b[1]&0x80 != 0 {
		n += 4
	}
	if len(b) < n {
		return 0
	}
	return n
}
