package rawsocket

import (
	"context"
	"errors"
	"net"
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
// within WriteTimeout and ctx (a writing Send's). A failed write, or ctx
// ending during it, fails the queue and closes the connection: a
// half-written frame cannot be resumed.
func (c *Conn) writeQueued(ctx context.Context, b []byte, _ []int) error {
	deadline, ctxDeadline := time.Now().Add(c.wtimeout), false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxDeadline = d, true
	}
	c.nc.SetWriteDeadline(deadline)
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { c.nc.SetWriteDeadline(time.Unix(1, 0)) })
	}
	_, err := rawio.WriteConn(c.nc, c.rc, b)
	if stop != nil && !stop() && err == nil {
		c.nc.SetWriteDeadline(time.Time{}) // ctx ended just after the Write
	}
	if err != nil {
		var ne net.Error
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case ctxDeadline && errors.As(err, &ne) && ne.Timeout():
			err = context.DeadlineExceeded // the net deadline fired before ctx's timer
		}
	}
	return err
}
