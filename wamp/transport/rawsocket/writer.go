package rawsocket

import (
	"context"
	"time"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// Defaults for the write side.
const (
	// DefaultWriteTimeout bounds one write of queued frames when
	// Options.WriteTimeout is zero.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultWriteQueue is the number of queued octets above which Send
	// waits, when Options.WriteQueue is zero. A frame is always accepted
	// into an empty queue, whatever its size.
	DefaultWriteQueue = 1 << 20
	// closeFlush is how long Close lets frames already queued leave.
	closeFlush = time.Second
)

// The write side is a coalesce.Queue: Send serializes its message into it;
// the Send that finds no write under way writes everything queued with one
// Write, and Sends arriving meanwhile queue behind it and return at once
// (see package coalesce for when it yields first or leaves the write to a
// writer goroutine). Under load a connection thus makes one system call
// for many messages, a lone message costs no goroutine switch, and an idle
// connection holds no goroutine.

// frame returns a build function for the queue that appends a frame of
// type t with payload p.
func frame(t FrameType, p []byte) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		return append(AppendHeader(b, t, len(p)), p...), nil
	}
}

// writeQueued is the queue's write: everything queued with one Write,
// within WriteTimeout (no Send's ctx bounds it: it may carry other Sends'
// messages). A failed write fails the queue and closes the connection: a
// half-written frame cannot be resumed.
func (c *Conn) writeQueued(_ context.Context, b []byte, _ []int) error {
	c.nc.SetWriteDeadline(time.Now().Add(c.wtimeout))
	_, err := rawio.WriteConn(c.nc, c.rc, b)
	return err
}
