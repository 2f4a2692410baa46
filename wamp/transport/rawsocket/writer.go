package rawsocket

import (
	"context"
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

// The write side. Send serializes its message straight into the queue and
// returns; a writer goroutine writes everything queued with one Write.
// Senders that queue while a Write is under way, or before the writer
// gets to run, share the next Write: under load (many calls in flight, a
// burst of events) a connection makes one system call for many messages
// instead of one each. The writer exists only while there is something to
// write: the first frame queued into an idle connection starts it, and it
// returns when the queue is empty, so an idle connection holds no
// goroutine and nothing leaks if the net.Conn is closed behind our back.

// enqueue appends one frame to the write queue: build appends it to b and
// returns the longer slice. It waits, within ctx, while the queue is over
// its limit.
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
	wake := !c.wbusy
	c.wbusy = true
	c.wmu.Unlock()
	if wake {
		go c.writeLoop()
	}
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
	// The goroutine that started us may have readied others that are
	// about to send (a reader handing out results, say); let them queue
	// first, so that one Write carries them all.
	runtime.Gosched()
	for c.flush() {
	}
}

// flush writes what is queued; it reports false when the queue was empty
// (the writer is idle again) or the write failed.
func (c *Conn) flush() bool {
	c.wmu.Lock()
	if len(c.wq) == 0 || c.werr != nil {
		c.wbusy = false
		if c.widle != nil {
			close(c.widle)
			c.widle = nil
		}
		c.wmu.Unlock()
		return false
	}
	buf := c.wq
	c.wq, c.wspare = c.wspare[:0], nil
	if c.wroom != nil {
		close(c.wroom)
		c.wroom = nil
	}
	c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.wtimeout))
	_, err := c.nc.Write(buf)
	c.wmu.Lock()
	if cap(buf) <= 64<<10 {
		c.wspare = buf[:0] // keep small buffers for the next round
	}
	if err != nil && c.werr == nil {
		c.werr = err
	}
	c.wmu.Unlock()
	if err != nil {
		c.Close()
		return false
	}
	return true
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
