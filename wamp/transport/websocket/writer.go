package websocket

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// Defaults for the write side on goroutines.
const (
	// DefaultWriteTimeout bounds one write of queued messages when
	// Options.WriteTimeout is zero.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultWriteQueue is the number of queued octets above which Send
	// waits, when Options.WriteQueue is zero. A message is always accepted
	// into an empty queue, whatever its size.
	DefaultWriteQueue = 1 << 20
	// closeFlush is how long Close lets messages already queued leave.
	closeFlush = time.Second
)

// The write side on goroutines (Dial, Accept, New; the event loop queues
// and flushes writes itself). Send encodes its message and appends it to
// the queue; the Send that finds no write under way writes everything
// queued with one ws.Conn.WriteMessages call (one WebSocket message per
// WAMP message), and Sends arriving meanwhile queue behind it and return
// at once; messages left when a write ends go to a writer goroutine that
// exists only until the queue is empty. How the leading Send writes
// (inline, after yielding to ready senders, or through the writer
// goroutine for a burst) is package coalesce's policy. Under load (many
// calls in flight, a burst of events) a connection thus makes one system
// call for many messages instead of one each, a lone message costs no
// goroutine switch, and an idle connection holds no goroutine.

// writeQueue holds encoded messages back to back: message i is
// b[ends[i-1]:ends[i]].
type writeQueue struct {
	b    []byte
	ends []int
}

// enqueue appends the encoded message p to the write queue, waiting,
// within ctx, while the queue is over its limit.
func (c *Conn) enqueue(ctx context.Context, p []byte) error {
	c.wmu.Lock()
	for c.werr == nil && len(c.wq.ends) > 0 && len(c.wq.b) >= c.wlimit {
		if c.wroom == nil {
			c.wroom = make(chan struct{})
		}
		room := c.wroom
		c.wmu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.closed:
			return ErrClosed
		}
		c.wmu.Lock()
	}
	if c.werr != nil {
		err := c.werr
		c.wmu.Unlock()
		return err
	}
	c.wq.b = append(c.wq.b, p...)
	c.wq.ends = append(c.wq.ends, len(c.wq.b))
	if c.wbusy {
		c.wmu.Unlock()
		return nil // the writer under way takes it
	}
	c.wbusy = true
	async, yield := c.wpol.Lead(time.Now())
	c.wmu.Unlock()
	if async {
		go c.writeLoop() // a burst: keep producing while it writes
		return nil
	}
	if yield {
		runtime.Gosched() // let ready senders queue behind us first
	}
	// This write is bounded by the Send's ctx too: if ctx ends during it,
	// the WebSocket is dropped (a half-written frame cannot be resumed),
	// as for a write that fails. A ctx that ends within WriteTimeout
	// bounds it alone (no context to make).
	wctx := c.writeCtx()
	if ctx.Done() != nil {
		c.wdl.Context = ctx // its Done and Err; the earlier deadline
		if d, ok := ctx.Deadline(); ok && d.Before(c.wdl.d) {
			c.wdl.d = d
		}
	}
	ok := c.flush(wctx)
	c.wdl.Context = nil // keep no reference to ctx
	if !ok {
		c.wmu.Lock()
		err := c.werr
		c.wmu.Unlock()
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%w (%w)", cerr, err)
		}
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			// the socket's deadline fired just before ctx's own timer
			return fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
		return err
	}
	c.wmu.Lock()
	if len(c.wq.ends) == 0 || c.werr != nil {
		c.idleLocked()
		c.wmu.Unlock()
		return nil
	}
	c.wmu.Unlock()
	go c.writeLoop() // what was queued during our write
	return nil
}

// writeLoop is the writer goroutine: it writes until the queue is empty.
func (c *Conn) writeLoop() {
	runtime.Gosched()
	for {
		c.wmu.Lock()
		if len(c.wq.ends) == 0 || c.werr != nil {
			c.idleLocked()
			c.wmu.Unlock()
			return
		}
		c.wmu.Unlock()
		if !c.flush(c.writeCtx()) {
			return
		}
	}
}

// flush writes what is queued within ctx; only the writer (the Send that
// set wbusy, or the writer goroutine after it) calls it. It reports false
// when the write failed; then the writer is gone and every later Send
// returns the error.
func (c *Conn) flush(ctx context.Context) bool {
	c.wmu.Lock()
	q := c.wq
	c.wq, c.wspare = writeQueue{b: c.wspare.b[:0], ends: c.wspare.ends[:0]}, writeQueue{}
	if c.wroom != nil {
		close(c.wroom)
		c.wroom = nil
	}
	c.wmu.Unlock()

	msgs := c.wmsgs[:0] // the writer's own: one writer at a time
	from := 0
	for _, to := range q.ends {
		msgs = append(msgs, q.b[from:to])
		from = to
	}
	start := time.Now()
	err := c.c.WriteMessages(ctx, c.op, msgs)
	end := time.Now()
	clear(msgs)
	c.wmsgs = msgs[:0]

	c.wmu.Lock()
	c.wpol.Wrote(len(q.ends), start, end)
	if cap(q.b) <= 64<<10 {
		c.wspare = writeQueue{b: q.b[:0], ends: q.ends[:0]} // small buffers serve the next round
	}
	if err == nil {
		c.wmu.Unlock()
		return true
	}
	if c.werr == nil {
		c.werr = fmt.Errorf("websocket: write: %w", err)
	}
	if c.wroom != nil {
		close(c.wroom) // the waiting Sends return c.werr
		c.wroom = nil
	}
	c.idleLocked()
	c.wmu.Unlock()
	// A failed write has dropped the WebSocket (Recv sees its end); this
	// closes it in the other cases. The Conn itself stays open, so that
	// Send returns the error, not ErrClosed.
	_ = c.c.Close(ws.StatusInternalError, "write failed")
	return false
}

// idleLocked marks the writer gone; c.wmu must be held.
func (c *Conn) idleLocked() {
	c.wbusy = false
	if c.widle != nil {
		close(c.widle)
		c.widle = nil
	}
}

// deadline is the writer's write context: Background's (or, for a Send's
// own write, that Send's ctx's) Done and Err with a deadline of its own,
// WriteTimeout from now or ctx's if earlier. ws.Conn.WriteMessages sets
// the deadline on the socket and, when Done is nil, registers nothing to
// watch, so the writer goroutine's writes cost no allocation; it is kept
// in the Conn (one writer at a time), so none is made per write.
type deadline struct {
	context.Context // Background, or the writing Send's ctx
	d               time.Time
}

func (d *deadline) Deadline() (time.Time, bool) { return d.d, true }

// writeCtx returns the writer's context for its next write: it ends
// Options.WriteTimeout from now. Close abandons a write under way by
// setting a past write deadline on the socket. Only the writer calls it.
func (c *Conn) writeCtx() context.Context {
	c.wdl.Context = context.Background()
	c.wdl.d = time.Now().Add(c.wtimeout)
	return &c.wdl
}

// drain waits, at most closeFlush, until the writer has written what was
// queued before Close; then it stops the writer (a write still under way
// is abandoned, which drops the connection) and every later Send.
func (c *Conn) drain() {
	c.wmu.Lock()
	var idle chan struct{}
	if c.wbusy && c.werr == nil {
		if c.widle == nil {
			c.widle = make(chan struct{})
		}
		idle = c.widle
	}
	c.wmu.Unlock()
	if idle != nil {
		t := time.NewTimer(closeFlush)
		select {
		case <-idle:
		case <-t.C:
		}
		t.Stop()
	}
	c.wmu.Lock()
	if c.werr == nil {
		c.werr = ErrClosed
	}
	c.wmu.Unlock()
	if idle != nil {
		select {
		case <-idle:
		default: // the writer is stuck: abandon its write (it drops the WebSocket)
			_ = c.c.NetConn().SetWriteDeadline(time.Unix(1, 0))
		}
	}
}
