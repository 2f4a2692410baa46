package rawsocket

import (
	"context"
	"errors"
	"net"
	"runtime"
	"time"
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

// The write side. Send serializes its message straight into the queue;
// the Send that finds no write under way writes everything queued with one
// Write, and Sends arriving meanwhile queue behind it and return at once;
// frames left when a write ends go to a writer goroutine that exists only
// until the queue is empty. How the leading Send writes (inline, after
// yielding to ready senders, or through the writer goroutine for a burst)
// is package coalesce's policy. Under load (many calls in flight, a burst
// of events) a connection thus makes one system call for many messages
// instead of one each, a lone message costs no goroutine switch, and an
// idle connection holds no goroutine.

// enqueue appends one frame to the write queue (build appends it to b and
// returns the longer slice) and writes it if no write is under way. It
// waits, within ctx, while the queue is over its limit.
func (c *Conn) enqueue(ctx context.Context, build func(b []byte) ([]byte, error)) error {
	c.wmu.Lock()
	for c.werr == nil && len(c.wq) > 0 && len(c.wq) >= c.wlimit {
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
	start := len(c.wq)
	b, err := build(c.wq)
	if err != nil {
		if len(b) >= start {
			c.wq = b[:start] // drop what build appended
		}
		c.wmu.Unlock()
		return err
	}
	c.wq = b
	c.wqn++
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
	if err := c.flush(ctx); err != nil {
		return err
	}
	c.wmu.Lock()
	if len(c.wq) == 0 || c.werr != nil {
		c.idleLocked()
		c.wmu.Unlock()
		return nil
	}
	c.wmu.Unlock()
	go c.writeLoop() // what was queued during our write
	return nil
}

// frame returns a build function for enqueue that appends a frame of type
// t with payload p.
func frame(t FrameType, p []byte) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		return append(AppendHeader(b, t, len(p)), p...), nil
	}
}

// writeLoop is the writer goroutine: it writes until the queue is empty.
func (c *Conn) writeLoop() {
	runtime.Gosched()
	for {
		c.wmu.Lock()
		if len(c.wq) == 0 || c.werr != nil {
			c.idleLocked()
			c.wmu.Unlock()
			return
		}
		c.wmu.Unlock()
		if c.flush(context.Background()) != nil {
			return
		}
	}
}

// flush writes everything queued with one Write, within WriteTimeout and
// ctx (the writing Send's); only the writer (the goroutine that set wbusy,
// or the writer goroutine after it) calls it. A failed write, or ctx
// ending during it, is remembered (every later Send returns it), ends the
// writer and closes the connection: a half-written frame cannot be
// resumed.
func (c *Conn) flush(ctx context.Context) error {
	c.wmu.Lock()
	buf, n := c.wq, c.wqn
	c.wq, c.wspare, c.wqn = c.wspare[:0], nil, 0
	if c.wroom != nil {
		close(c.wroom)
		c.wroom = nil
	}
	c.wmu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	deadline, ctxDeadline := time.Now().Add(c.wtimeout), false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxDeadline = d, true
	}
	c.nc.SetWriteDeadline(deadline)
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { c.nc.SetWriteDeadline(time.Unix(1, 0)) })
	}
	start := time.Now()
	_, err := c.nc.Write(buf)
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
	c.wmu.Lock()
	c.wpol.Wrote(n, start, time.Now())
	if cap(buf) <= 64<<10 {
		c.wspare = buf[:0] // keep small buffers for the next round
	}
	if err == nil {
		c.wmu.Unlock()
		return nil
	}
	if c.werr == nil {
		c.werr = err
	}
	if c.wroom != nil {
		close(c.wroom) // the Sends waiting for room return c.werr
		c.wroom = nil
	}
	c.idleLocked() // before Close, which may be waiting for the writer
	c.wmu.Unlock()
	c.Close()
	return err
}

// idleLocked marks the writer gone; c.wmu must be held.
func (c *Conn) idleLocked() {
	c.wbusy = false
	if c.widle != nil {
		close(c.widle)
		c.widle = nil
	}
}

// drain waits, at most closeFlush, until the writer has written what was
// queued before Close, then stops every later Send.
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
}
