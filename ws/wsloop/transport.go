package wsloop

import (
	"net"
	"os"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// conn is one connection on the loop: the eventloop connection, its
// handshake or its ws.Conn, and the output side ws.Conn writes to (it is
// the net.Conn under the push-mode ws.Conn).
//
// Output: ws.Conn writes frames with conn.Write from the loop (inside a
// callback, e.g. OnMessage answering) or from any other goroutine. Frames
// are gathered in a pooled buffer; the loop sends them with one write when
// the callback returns, or, for writes made outside callbacks, after a
// Wake (OnWritable).
//
// Back-pressure: while no more than the loop's write high watermark is
// pending, a write just queues. Past it, a write made inside a callback (of
// any connection, on any loop: eventloop.InCallback) never waits, since a
// loop that waits for a peer stalls every connection it serves, and for its
// own connection waits forever: up to twice the watermark it queues, beyond
// that it fails (the ws.Conn then drops the connection). A write from any
// other goroutine waits until the pending output falls to the watermark,
// within its write deadline, however long a callback of the connection
// runs meanwhile.
type conn struct {
	d  *driver
	ec *eventloop.Conn
	h  ws.Handler
	c  *ws.Conn // nil until the handshake is done

	hs *handshake // during the handshake

	mu      sync.Mutex
	out     *[]byte // pooled, frames not yet handed to ec; nil when none
	queued  int     // ec.Queued() after the last flush
	inCB    bool    // the loop is in a callback for this connection
	waking  bool    // a Wake is pending
	closing bool    // Close was called: close ec once out is sent
	lingers bool    // CloseWrite was called: Close lingers
	shut    bool    // closing is under way
	closed  bool    // ec is closed
	wdl     time.Time
	changed chan struct{} // closed (and cleared) when a waiting writer should look again
}

// enter and leave bracket every callback of the loop for c; leave sends
// the frames written meanwhile and closes ec if Close was called.
func (c *conn) enter() {
	c.mu.Lock()
	c.inCB = true
	c.mu.Unlock()
}

func (c *conn) leave() {
	c.mu.Lock()
	c.inCB, c.waking = false, false
	out := c.out
	c.out = nil
	prevQueued, waiters := c.queued, c.changed != nil
	// No write joins out once closing is set, so the close can be decided
	// now; a Close or a waiting writer that comes later wakes the loop.
	closing, linger := c.closing && !c.shut, c.lingers
	c.shut = c.shut || closing
	c.mu.Unlock()
	if out != nil {
		_, err := c.ec.Write(*out)
		putBuf(out)
		if err != nil {
			// Past the queue bound (the writes were checked against it, so
			// this is a peer that stopped reading): give up.
			_ = c.ec.Close()
		}
	}
	// The usual callback (everything sent, nobody waiting) ends here,
	// without taking the lock again.
	if q := c.ec.Queued(); q != prevQueued || waiters {
		c.mu.Lock()
		c.queued = q
		if c.changed != nil && q <= c.d.high {
			close(c.changed)
			c.changed = nil
		}
		c.mu.Unlock()
	}
	switch {
	case closing && linger:
		c.linger()
	case closing:
		_ = c.ec.Close()
	}
}

// linger ends the connection without destroying what it sent: it shuts
// the write side once the output is out (FIN) and discards input until
// the peer closes too, within Options.CloseTimeout. Closing at once could
// reset the connection while the peer's data is unread, and a reset may
// destroy the close frame before the peer reads it.
func (c *conn) linger() {
	if c.ec.CloseWrite() != nil {
		_ = c.ec.Close()
		return
	}
	_ = c.ec.SetDeadline(time.Now().Add(c.d.opts.CloseTimeout))
}

// Write queues b (a frame or part of one) for the loop to send.
func (c *conn) Write(b []byte) (int, error) {
	onLoop := 0 // 1: inside a callback, -1: not, 0: not asked yet
	c.mu.Lock()
	for {
		if c.closing || c.closed {
			c.mu.Unlock()
			return 0, net.ErrClosed
		}
		pending := c.queued
		if c.out != nil {
			pending += len(*c.out)
		}
		if pending == 0 || pending+len(b) <= c.d.high {
			break
		}
		if onLoop == 0 {
			onLoop = -1
			if eventloop.InCallback() {
				onLoop = 1
			}
		}
		if onLoop > 0 {
			if pending+len(b) <= 2*c.d.high {
				break
			}
			c.mu.Unlock()
			return 0, eventloop.ErrQueueFull
		}
		if err := c.waitLocked(); err != nil {
			c.mu.Unlock()
			return 0, err
		}
	}
	if c.out == nil {
		c.out = getBuf()
	}
	*c.out = append(*c.out, b...)
	wake := !c.inCB && !c.waking
	c.waking = c.waking || wake
	c.mu.Unlock()
	if wake {
		if err := c.ec.Wake(); err != nil {
			return 0, net.ErrClosed
		}
	}
	return len(b), nil
}

// waitLocked waits (c.mu held, released meanwhile) until the loop reports
// progress, the connection closes or the write deadline passes.
func (c *conn) waitLocked() error {
	if !c.wdl.IsZero() && !time.Now().Before(c.wdl) {
		return os.ErrDeadlineExceeded
	}
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	ch, dl := c.changed, c.wdl
	if !c.waking {
		// Make the loop look at the queue (OnWritable) even if nothing
		// else would.
		c.waking = true
		c.mu.Unlock()
		_ = c.ec.Wake()
	} else {
		c.mu.Unlock()
	}
	var timeout <-chan time.Time
	if !dl.IsZero() {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
	case <-timeout:
	}
	c.mu.Lock()
	return nil
}

// notifyLocked wakes waiting writers.
func (c *conn) notifyLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// Close sends what is queued and closes ec (from the loop, when the
// current callback returns, or after a Wake).
func (c *conn) Close() error {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.notifyLocked()
	wake := !c.inCB && !c.waking
	c.waking = c.waking || wake
	c.mu.Unlock()
	if wake {
		_ = c.ec.Wake()
	}
	return nil
}

// CloseWrite asks that Close linger (ws.Conn calls it after failing the
// connection with a close frame): see linger.
func (c *conn) CloseWrite() error {
	c.mu.Lock()
	c.lingers = true
	c.mu.Unlock()
	return nil
}

// gone marks ec closed (OnClose).
func (c *conn) gone() {
	c.mu.Lock()
	c.closed = true
	if c.out != nil {
		putBuf(c.out)
		c.out = nil
	}
	c.notifyLocked()
	c.mu.Unlock()
}

// Read is never called on a push-mode connection.
func (c *conn) Read([]byte) (int, error) { return 0, ws.ErrPushMode }

func (c *conn) LocalAddr() net.Addr  { return c.ec.LocalAddr() }
func (c *conn) RemoteAddr() net.Addr { return c.ec.RemoteAddr() }

// SetDeadline and SetWriteDeadline bound how long a writer outside the
// loop waits for the queue to drain; read deadlines have no meaning here
// (the loop reads, and the loop's timers bound it).
func (c *conn) SetDeadline(t time.Time) error { return c.SetWriteDeadline(t) }

func (c *conn) SetReadDeadline(time.Time) error { return nil }

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.wdl = t
	c.notifyLocked()
	c.mu.Unlock()
	return nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}
