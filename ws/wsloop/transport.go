package wsloop

import (
	"net"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// conn is one connection on the loop: the eventloop connection, its
// handshake or its ws.Conn, and the ws.PushOutput of that ws.Conn.
//
// Output has one owner at a time. Every write of the ws.Conn, from the
// loop or from any goroutine, queues whole frames in the ws.Conn and
// returns (ws.ErrQueueFull past its bound). The loop takes them
// (TakeOutput) and sends them with one write: at the end of every callback
// of the connection (enter/leave), so a handler's answers leave together,
// and in OnWritable after OutputReady woke it for output queued outside
// callbacks. Nothing here waits: a goroutine that wants room calls
// ws.Conn.WaitWritable, which the loop wakes once, when its write queue
// falls to the low watermark (eventloop.Conn.WantWritable), never by
// polling.
type conn struct {
	d  *driver
	ec *eventloop.Conn
	h  ws.Handler
	c  *ws.Conn    // nil until the handshake is done
	p  ws.PushConn // c's driver side

	hs  *handshake // during the handshake
	tls *tlsLayer  // wss: the TLS under the WebSocket

	mu      sync.Mutex
	inCB    bool // the loop is in a callback for this connection
	waking  bool // a Wake is pending
	closing bool // Close was called: close ec once the output is sent
	lingers bool // CloseWrite was called: Close lingers
	shut    bool // closing is under way
	closed  bool // ec is closed
	resume  bool // ResumeFeed was called: call Resume from the loop
}

// enter and leave bracket every callback of the loop for c; leave sends
// the output queued meanwhile and closes ec if Close was called.
func (c *conn) enter() {
	c.mu.Lock()
	c.inCB = true
	c.mu.Unlock()
}

func (c *conn) leave() {
	c.mu.Lock()
	// inCB is cleared before the output is taken: a goroutine that queues
	// output after this point wakes the loop (OutputReady), one that
	// queued it before is taken below.
	c.inCB, c.waking = false, false
	closing, linger := c.closing && !c.shut, c.lingers
	c.shut = c.shut || closing
	c.mu.Unlock()
	c.flush()
	switch {
	case closing && linger:
		c.linger()
	case closing:
		_ = c.ec.Close()
	}
}

// flush sends the ws.Conn's output and tells it what the loop still
// holds; if a goroutine waits for room, the loop notifies again when its
// queue falls to the low watermark.
func (c *conn) flush() {
	if c.c == nil {
		return
	}
	if b := c.p.TakeOutput(); b != nil {
		err := c.send(*b)
		ws.PutOutput(b)
		if err != nil {
			// The socket failed (or closes as a slow reader): the
			// loop closes it and OnClose follows.
			_ = c.ec.Close()
		}
	}
	// Whatever the loop still holds is counted in the ws.Conn's bound:
	// let the loop say when it drained (OnWritable, at its low
	// watermark), which also wakes a goroutine waiting for room.
	if q := c.ec.Queued(); c.p.OutputSent(q) || q > 0 {
		c.ec.WantWritable()
	}
}

// linger ends the connection without destroying what it sent: it shuts
// the write side once the output is out (FIN) and discards input until
// the peer closes too, within Options.CloseTimeout. Closing at once could
// reset the connection while the peer's data is unread, and a reset may
// destroy the close frame before the peer reads it.
func (c *conn) linger() {
	c.closeNotify()
	if c.ec.CloseWrite() != nil {
		_ = c.ec.Close()
		return
	}
	_ = c.ec.SetDeadline(time.Now().Add(c.d.opts.CloseTimeout))
}

// OutputReady (ws.PushOutput) makes the loop take the ws.Conn's output:
// at the end of the callback under way for c, else after a Wake.
func (c *conn) OutputReady() {
	c.mu.Lock()
	wake := !c.inCB && !c.waking && !c.closed
	c.waking = c.waking || wake
	c.mu.Unlock()
	if wake {
		_ = c.ec.Wake()
	}
}

// ResumeFeed (ws.FeedResumer) is called by a goroutine that decoded a
// message of c off the loop: the loop calls Resume in OnWritable, after a
// Wake.
func (c *conn) ResumeFeed() {
	c.mu.Lock()
	c.resume = true
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		// Always: a Wake already pending (waking) may be the one whose
		// OnWritable is under way and has looked at resume already. The
		// loop coalesces Wakes that meet.
		_ = c.ec.Wake()
	}
}

// PauseRead and ResumeRead (ws.Conn.PauseRead) stop and resume reading
// the socket.
func (c *conn) PauseRead()  { c.ec.PauseRead() }
func (c *conn) ResumeRead() { c.ec.ResumeRead() }

// Write is never called: the loop takes the ws.Conn's output itself.
func (c *conn) Write([]byte) (int, error) { return 0, ws.ErrPushMode }

// Close sends what is queued and closes ec (from the loop, when the
// current callback returns, or after a Wake).
func (c *conn) Close() error {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
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
	c.mu.Unlock()
}

// Read is never called on a push-mode connection.
func (c *conn) Read([]byte) (int, error) { return 0, ws.ErrPushMode }

func (c *conn) LocalAddr() net.Addr  { return c.ec.LocalAddr() }
func (c *conn) RemoteAddr() net.Addr { return c.ec.RemoteAddr() }

// Deadlines have no meaning here: nothing waits on this connection (the
// loop's timers bound reads and the close).
func (c *conn) SetDeadline(time.Time) error      { return nil }
func (c *conn) SetReadDeadline(time.Time) error  { return nil }
func (c *conn) SetWriteDeadline(time.Time) error { return nil }
