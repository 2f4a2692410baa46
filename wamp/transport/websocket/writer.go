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

// writer is the write side of a Conn on goroutines.
type writer struct {
	c        *Conn
	wq       coalesce.Queue
	wmsgs    [][]byte // the writer's argument to WriteMessages
	wtimeout time.Duration
	wdl      deadline // the writer's write context (writeCtx)
}

func newWriter(c *Conn, opts Options) *writer {
	w := &writer{c: c, wtimeout: opts.WriteTimeout}
	if w.wtimeout <= 0 {
		w.wtimeout = DefaultWriteTimeout
	}
	limit := opts.WriteQueue
	if limit <= 0 {
		limit = DefaultWriteQueue
	}
	w.wq.Init(limit, w.writeQueued, w.writeFailed, c.closed, ErrClosed)
	return w
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
	w.wdl.d = time.Now().Add(w.wtimeout)
	return &w.wdl
}
