package wsloop

import (
	"net"
	"sync/atomic"
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
	ec *eventloop.Conn
	p  ws.PushConn // the ws.Conn's driver side; zero until the handshake is done
	x  *connExtra  // nil for a Server's ws:// connection once its handshake is done

	st   atomic.Uint32 // sInCB...: changed by one atomic step each (update)
	slot int32         // in Server.conns (index + 1; 0: none), guarded by Server.mu
}

// connExtra is what only some connections hold, so that the many, a
// Server's idle ws:// connections, carry one nil pointer for it (32 bytes
// a connection, a size class below 48). A Server's ws:// handshake uses the
// one in its pooled handshake; wss:// and a Client's connections have
// their own for life, which the loop sets before anything else can see
// the connection (only hs changes afterwards).
type connExtra struct {
	hs  *handshake // during the handshake
	tls *tlsLayer  // wss: the TLS under the WebSocket
	h   ws.Handler // a Client's connection: the Handler Dial was given
}

// hs returns c's handshake state, or nil once the handshake is over.
func (c *conn) hs() *handshake {
	if c.x == nil {
		return nil
	}
	return c.x.hs
}

// tls returns c's TLS layer, or nil on a ws:// connection.
func (c *conn) tls() *tlsLayer {
	if c.x == nil {
		return nil
	}
	return c.x.tls
}

// conn.st: the connection's flags, which the loop and other goroutines
// change, in one word instead of behind a mutex.
const (
	sInCB    uint32 = 1 << iota // the loop is in a callback for this connection
	sWaking                     // a Wake is pending
	sClosing                    // Close was called: close ec once the output is sent
	sLingers                    // CloseWrite was called: Close lingers
	sShut                       // closing is under way
	sClosed                     // ec is closed
	sResume                     // ResumeFeed was called: call Resume from the loop
	sRefused                    // OutputRefused was called: the loop judges its queue (flush)
	sJudge                      // OutputRefused matters: the loop's SlowReader is SlowReaderClose
)

// update changes c.st to f(old) in one atomic step and returns old.
func (c *conn) update(f func(old uint32) uint32) uint32 {
	for {
		old := c.st.Load()
		if c.st.CompareAndSwap(old, f(old)) {
			return old
		}
	}
}

// handler returns c's Handler: its Server's, or the one its Client's
// Dial was given (kept in c.x, so that a Server's connections, the many,
// do not each carry one). d is the loop's driver.
func (d *driver) handler(c *conn) ws.Handler {
	if s := d.srv; s != nil {
		return s.Handler
	}
	return c.x.h
}

// wsConn returns the ws.Conn, or nil until the handshake is done.
func (c *conn) wsConn() *ws.Conn { return c.p.Conn() }

// enter and leave bracket every callback of the loop for c; leave sends
// the output queued meanwhile and closes ec if Close was called.
func (c *conn) enter() { c.st.Or(sInCB) }

func (c *conn) leave(d *driver) {
	// sInCB is cleared before the output is taken: a goroutine that
	// queues output after this point wakes the loop (OutputReady), one
	// that queued it before is taken below.
	old := c.update(func(s uint32) uint32 {
		s &^= sInCB | sWaking
		if s&sClosing != 0 {
			s |= sShut
		}
		return s
	})
	closing, linger := old&(sClosing|sShut) == sClosing, old&sLingers != 0
	c.flush()
	switch {
	case closing && linger:
		c.linger(d)
	case closing:
		c.closeNotify() // TLS: each side ends its writing with one (RFC 8446 6.1)
		_ = c.ec.Close()
	}
}

// flush sends the ws.Conn's output and tells it what the loop still
// holds; if a goroutine waits for room, the loop notifies again when its
// queue falls to the low watermark.
func (c *conn) flush() {
	if c.wsConn() == nil {
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
	if c.st.Load()&sRefused != 0 && c.st.And(^sRefused)&sRefused != 0 && c.ec.Queued() > 0 {
		// The ws.Conn refused a write for room (OutputRefused) and the
		// peer left output unread: SlowReaderClose judges the queue as
		// for a write that joins it (it closes past the high watermark
		// with ErrSlowReader), which an empty Send is. Were the two
		// bounds left apart, ws's would refuse every write before the
		// loop's queue saw one past its high watermark.
		if c.ec.Send(nil) != nil {
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
// the peer closes too, within Options.CloseTimeout (if it is off, until
// the peer closes, or the loops stop). Closing at once could
// reset the connection while the peer's data is unread, and a reset may
// destroy the close frame before the peer reads it.
func (c *conn) linger(d *driver) {
	c.closeNotify()
	if c.ec.CloseWrite() != nil {
		_ = c.ec.Close()
		return
	}
	if ct := d.opts.CloseTimeout; ct > 0 { // negative (resolved 0): no bound
		_ = c.ec.SetDeadline(time.Now().Add(ct))
	}
}

// OutputReady (ws.PushOutput) makes the loop take the ws.Conn's output:
// at the end of the callback under way for c, else after a Wake.
func (c *conn) OutputReady() {
	old := c.update(func(s uint32) uint32 {
		if s&(sInCB|sWaking|sClosed) == 0 {
			s |= sWaking
		}
		return s
	})
	if old&(sInCB|sWaking|sClosed) == 0 {
		_ = c.ec.Wake()
	}
}

// judgeRefusals makes c's ws.Conn's refusals for room judged by the
// loop (OutputRefused) when its policy is SlowReaderClose; under the
// others the judgement changes nothing (Pause has stopped reading when
// the loop's queue passed the high watermark, Drop refuses), and a writer
// that retries when refused would wake the loop for nothing.
func (d *driver) judgeRefusals(c *conn) {
	if d.slowClose {
		c.st.Or(sJudge)
	}
}

// OutputRefused is told by the ws.Conn that it refused a write for room
// (ws.ErrQueueFull): under SlowReaderClose (sJudge) the loop applies its
// policy to what it still holds once it has taken the ws.Conn's output
// (flush), at the end of the callback under way for c, else after a
// Wake. It only changes c.st and wakes the loop (the ws.Conn holds its
// output lock).
func (c *conn) OutputRefused() {
	if c.st.Load()&sJudge == 0 {
		return
	}
	old := c.update(func(s uint32) uint32 {
		s |= sRefused
		if s&(sInCB|sWaking|sClosed) == 0 {
			s |= sWaking
		}
		return s
	})
	if old&(sInCB|sWaking|sClosed) == 0 {
		_ = c.ec.Wake()
	}
}

// ResumeFeed (ws.FeedResumer) is called by a goroutine that decoded a
// message of c off the loop: the loop calls Resume in OnWritable, after a
// Wake.
func (c *conn) ResumeFeed() {
	if c.st.Or(sResume)&sClosed == 0 {
		// Always: a Wake already pending (sWaking) may be the one whose
		// OnWritable is under way and has looked at sResume already. The
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
	old := c.update(func(s uint32) uint32 {
		switch {
		case s&(sClosing|sClosed) != 0:
		case s&(sInCB|sWaking) == 0:
			s |= sClosing | sWaking
		default:
			s |= sClosing
		}
		return s
	})
	if old&(sClosing|sClosed) != 0 {
		return nil
	}
	if old&(sInCB|sWaking) == 0 {
		_ = c.ec.Wake()
	}
	return nil
}

// CloseWrite asks that Close linger (ws.Conn calls it after failing the
// connection with a close frame): see linger.
func (c *conn) CloseWrite() error {
	c.st.Or(sLingers)
	return nil
}

// gone marks ec closed (OnClose).
func (c *conn) gone() {
	c.st.Or(sClosed)
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
