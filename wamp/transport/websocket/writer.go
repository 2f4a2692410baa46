package websocket

import (
	"context"
	"fmt"
	"time"

	"github.com/autobahn-go/autobahn/wamp/internal/coalesce"
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
// and flushes writes itself) is a coalesce.Queue: Send encodes its message
// into it; the Send that finds no write under way writes everything queued
// with one ws.Conn.WriteMessages call (one WebSocket message per WAMP
// message), and Sends arriving meanwhile queue behind it and return at
// once (see package coalesce for when it yields first or leaves the write
// to a writer goroutine). Under load a connection thus makes one system
// call for many messages, a lone message costs no goroutine switch, and an
// idle connection holds no goroutine.

// writer is the write side of a Conn on goroutines while the Conn sends:
// a Conn takes one (acquireWriter) when it sends and holds it while it is
// busy; while its reader waits for input without a time limit
// (AwaitInput(0), as wamp/router parks an idle session's reader) the Conn
// gives an idle writer back to writers (retireLocked: at the park, or
// when the last Send during it ends), so that an idle connection holds
// none. A writer that failed or was drained by Close,
// or whose write is still under way then, stays its Conn's.
type writer struct {
	c     *Conn // the Conn served; read by the write under way
	wq    coalesce.Queue
	wmsgs [][]byte // the writer's argument to WriteMessages
	wdl   deadline // the writer's write context (writeCtx)
	// closed is closed when its Conn's Close begins (drainWriter): it ends
	// Sends waiting for room in wq. The writer's, not the Conn's, so that
	// an idle Conn holds no channel; a writer whose closed is closed stays
	// its Conn's and never goes back to writers.
	closed chan struct{}
}

// writers holds up to freeWriters retired writers for the next
// connections that send; the rest are left to the garbage collector. (A
// sync.Pool would keep every retired writer until two collections, which
// an idle process may not run for a long time.)
var writers = make(chan *writer, freeWriters)

// freeWriters bounds writers (about 500 bytes each, with their channel).
const freeWriters = 64

// writeOptions resolves WriteQueue and WriteTimeout (kept in the Conn).
func writeOptions(opts Options) (limit int, timeout time.Duration) {
	limit, timeout = opts.WriteQueue, opts.WriteTimeout
	if limit <= 0 {
		limit = DefaultWriteQueue
	}
	if timeout <= 0 {
		timeout = DefaultWriteTimeout
	}
	return limit, timeout
}

// acquireWriter returns c's writer, made or taken from writers if c holds
// none, for one Send (give it back with releaseWriter); nil once Close
// began.
func (c *Conn) acquireWriter() *writer {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return nil
	}
	if c.w == nil {
		var w *writer
		select {
		case w = <-writers:
			w.wq.Reset(c.wlimit, w.closed, ErrClosed)
		default:
			w = &writer{closed: make(chan struct{})}
			w.wq.Init(c.wlimit, w.writeQueued, w.writeFailed, w.closed, ErrClosed)
		}
		w.c = c
		c.w = w
	}
	c.wrefs++
	return c.w
}

// releaseWriter ends a Send's use of c's writer; the last Send retires
// it while the reader is parked.
func (c *Conn) releaseWriter() {
	c.wmu.Lock()
	c.wrefs--
	if c.wrefs == 0 && c.wparked {
		c.retireLocked() // unlocks
		return
	}
	c.wmu.Unlock()
}

// parkWriter marks the reader parked (AwaitInput without a time limit)
// or no longer; parking retires an idle writer.
func (c *Conn) parkWriter(parked bool) {
	c.wmu.Lock()
	c.wparked = parked
	if parked {
		c.retireLocked() // unlocks
		return
	}
	c.wmu.Unlock()
}

// retireLocked gives c's writer back to writers if no Send uses it and
// its queue is Reusable (empty, no write under way, no error); c.wmu is
// held and retireLocked unlocks it.
func (c *Conn) retireLocked() {
	w := c.w
	if w == nil || c.wrefs > 0 || c.wclosed || !w.wq.Reusable() {
		c.wmu.Unlock()
		return
	}
	c.w = nil
	c.wmu.Unlock()
	w.c = nil
	w.wmsgs = w.wmsgs[:0]
	select {
	case writers <- w:
	default: // enough kept
	}
}

// drainWriter stops c's writing for Close: later Sends return ErrClosed.
// It reports whether a write is still stuck after closeFlush (see
// coalesce.Queue.Drain).
func (c *Conn) drainWriter() (stuck bool) {
	c.wmu.Lock()
	c.wclosed = true
	w := c.w
	c.wmu.Unlock()
	if w == nil {
		return false
	}
	close(w.closed) // Sends waiting for room return ErrClosed
	return w.wq.Drain(closeFlush)
}

// writeQueued is the queue's write: the queued messages with one
// WriteMessages call, within WriteTimeout (no Send's ctx bounds it: it may
// carry other Sends' messages, and a half-written frame cannot be
// resumed).
func (w *writer) writeQueued(_ context.Context, b []byte, ends []int) error {
	wctx := w.writeCtx()
	msgs := w.wmsgs[:0] // the writer's own: one writer at a time
	from := 0
	for _, to := range ends {
		msgs = append(msgs, b[from:to])
		from = to
	}
	err := w.c.c.WriteMessages(wctx, w.c.op, msgs)
	clear(msgs)
	w.wmsgs = msgs[:0]
	if err != nil {
		return fmt.Errorf("websocket: write: %w", err)
	}
	return nil
}

// writeFailed is the queue's fail: a failed write has dropped the
// WebSocket (Recv sees its end); this closes it in the other cases. The
// Conn itself stays open, so that Send returns the error, not ErrClosed.
func (w *writer) writeFailed(error) {
	_ = w.c.c.Close(ws.StatusInternalError, "write failed")
}

// deadline is the writer's write context: Background's Done and Err with
// a deadline of its own, WriteTimeout from now. ws.Conn.WriteMessages sets
// the deadline on the socket and, as Done is nil, registers nothing to
// watch, so the writer's writes cost no allocation; it is kept in the Conn
// (one writer at a time), so none is made per write.
type deadline struct {
	context.Context // Background
	d               time.Time
}

func (d *deadline) Deadline() (time.Time, bool) { return d.d, true }

// writeCtx returns the writer's context for its next write: it ends
// Options.WriteTimeout from now. Close abandons a write still stuck after
// its drain by closing the socket. Only the writer calls it.
func (w *writer) writeCtx() context.Context {
	w.wdl.Context = context.Background()
	w.wdl.d = time.Now().Add(w.c.wtimeout)
	return &w.wdl
}
