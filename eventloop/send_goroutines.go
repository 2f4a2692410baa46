//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || eventloop_goroutines

package eventloop

// The output side of the goroutine fallback: the writer goroutine, which only writes, and the
// callback goroutine, which calls OnWritable. A blocking write cannot say how much of it the
// kernel took until it returns, and on the pollers the queue is what the kernel refused: so the
// writer writes in chunks of at most writeChunk bytes and counts each one as sent once its write
// returns, and the queue (Queued, the watermarks, the slow-reader pause) errs by less than a
// chunk. OnWritable never runs on the writer, which may be blocked for as long as the peer does
// not read; a Wake must be served meanwhile, as on a loop.

import (
	"errors"
	"os"
)

// writeChunk bounds one write of the writer goroutine (see above).
const writeChunk = 16 << 10

func (c *Conn) writer() {
	l := c.l
	defer l.wg.Done()
	defer close(c.written)
	for range c.kick {
		c.mu.Lock()
		out := c.out
		c.out, c.inflight, c.async = nil, len(out), 0
		c.mu.Unlock()
		for len(out) > 0 {
			n, err := c.nc.Write(out[:min(len(out), writeChunk)])
			l.stats.writes.Add(1)
			l.stats.bytesWritten.Add(uint64(n))
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					c.closeTimedOut()
				}
				if c.state.Load() == stateOpen {
					// Between callbacks, as on a loop: a callback running now sees the connection
					// open until it returns. The reader holds c.cb only in a callback or its own
					// close, never waiting for this goroutine meanwhile.
					c.cb.Lock()
					c.closeWith(err, true)
					c.cb.Unlock()
				}
				c.nc.Close()
				return
			}
			out = out[n:]
			c.mu.Lock()
			c.inflight = len(out)
			c.progressLocked()
			c.mu.Unlock()
		}
		c.mu.Lock()
		c.progressLocked()
		shut := c.shutWr && len(c.out) == 0
		done := c.state.Load() != stateOpen && len(c.out) == 0
		c.mu.Unlock()
		if shut {
			if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
		}
		if done {
			c.nc.Close()
			return
		}
	}
}

// closeTimedOut follows a write that Config.CloseTimeout ended (the only write deadline, set by
// closeWith): the output was not all sent, so a Close reports ErrTimeout, as on the pollers; a
// close for another reason (EOF, Shutdown) keeps its error.
func (c *Conn) closeTimedOut() {
	c.l.stats.timeouts.Add(1)
	c.mu.Lock()
	if c.closeErr == nil {
		c.closeErr = ErrTimeout
	}
	c.mu.Unlock()
}

// progressLocked follows a write: it wakes a reader the slow-reader policy paused and owes
// OnWritable to a connection that asked for it once the queue is at the low watermark.
func (c *Conn) progressLocked() {
	if c.wantWritable && c.queuedLocked() <= c.l.cfg.WriteLowWatermark {
		c.wantWritable = false
		c.oweLocked()
	}
	c.drained.Broadcast()
}

// oweLocked owes c one OnWritable call and starts the callback goroutine unless it runs, which it
// reports. Calls owed meanwhile coalesce into one, as the loops' wake-ups do.
func (c *Conn) oweLocked() bool {
	if c.state.Load() != stateOpen {
		return false
	}
	c.owed = true
	if c.calling {
		return false
	}
	c.calling = true
	// The reader holds its own count until OnClose, and owing needs an open connection, so the
	// loop's count is not zero here (Shutdown may be waiting on it).
	c.l.wg.Add(1)
	go c.callbacks()
	return true
}

// callbacks is the callback goroutine: it calls OnWritable, under c.cb like every callback, until
// no call is owed.
func (c *Conn) callbacks() {
	defer c.l.wg.Done()
	for {
		c.mu.Lock()
		if !c.owed || c.state.Load() != stateOpen {
			c.owed, c.calling = false, false
			c.mu.Unlock()
			return
		}
		c.owed = false
		c.mu.Unlock()
		c.cb.Lock()
		if c.state.Load() == stateOpen {
			c.l.h.OnWritable(c)
		}
		c.cb.Unlock()
	}
}

// signal wakes the writer goroutine; false when a wake-up was pending already.
func (c *Conn) signal() bool {
	select {
	case c.kick <- struct{}{}:
		return true
	default:
		return false
	}
}

func (c *Conn) queuedLocked() int { return len(c.out) + c.inflight }

// Queued returns the number of bytes waiting to be written: those queued and those the writer
// goroutine has not written yet.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queuedLocked()
}

// Write queues b for the writer goroutine.
func (c *Conn) Write(b []byte) (int, error) {
	if err := c.enqueue(b, true); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Writev queues the buffers in order.
func (c *Conn) Writev(bufs ...[]byte) (int, error) {
	var b []byte
	for _, p := range bufs {
		b = append(b, p...)
	}
	return c.Write(b)
}

// Send writes b like Write, but without Write's admission against the
// watermarks: it is for a layer above that bounds its own output (ws's
// push-mode queue does: it counts Queued in its bound), so that a whole
// message it accepted is never refused here. The SlowReaderPolicy still
// applies to the queue that results, as on the pollers: Pause stops
// reading above the high watermark, Close closes (when b joins a queue
// that is not empty, as for Write).
func (c *Conn) Send(b []byte) error {
	return c.enqueue(b, false)
}

// enqueue queues b; with admit it applies the slow-reader policy, as the pollers do, when b joins
// a queue that is not empty (an empty one takes a write of any size); without admit (Send) b is
// never refused, but SlowReaderClose still closes the connection then.
func (c *Conn) enqueue(b []byte, admit bool) error {
	c.mu.Lock()
	if c.state.Load() != stateOpen || c.shutWr {
		c.mu.Unlock()
		return ErrClosed
	}
	high := c.l.cfg.WriteHighWatermark
	if q := c.queuedLocked(); (admit || c.l.cfg.SlowReader == SlowReaderClose) && q > 0 && q+len(b) > high {
		switch {
		case c.l.cfg.SlowReader == SlowReaderClose:
			c.mu.Unlock()
			c.closeWith(ErrSlowReader, true)
			return ErrSlowReader
		case c.l.cfg.SlowReader == SlowReaderDrop || q+len(b) > 2*high:
			c.wantWritable = true
			c.mu.Unlock()
			return ErrQueueFull
		}
		c.wantWritable = true
	}
	c.out = append(c.out, b...)
	if c.queuedLocked() > high {
		// OnWritable follows the drain to the low watermark, as on the pollers, also after a write
		// to an empty queue or a Send (neither of which is admitted above).
		c.wantWritable = true
	}
	c.mu.Unlock()
	c.signal()
	return nil
}

// AsyncWrite queues a copy of b; safe from any goroutine. As on the pollers, where it waits for
// the loop apart from the queue, it fails with ErrClosed once the connection is closing and with
// ErrQueueFull when more than twice the high watermark of it waits for the writer to take it.
// With SlowReaderClose, b joining queued output past the high watermark closes the connection
// (ErrSlowReader), as the pollers do when they take it: between its callbacks.
func (c *Conn) AsyncWrite(b []byte) error {
	c.mu.Lock()
	if c.state.Load() != stateOpen || c.shutWr {
		c.mu.Unlock()
		return ErrClosed
	}
	if q := c.queuedLocked(); c.l.cfg.SlowReader == SlowReaderClose && q > 0 && q+len(b) > c.l.cfg.WriteHighWatermark {
		c.mu.Unlock()
		c.closeBetween(ErrSlowReader, true)
		return ErrSlowReader
	}
	if c.async+len(b) > 2*c.l.cfg.WriteHighWatermark {
		c.mu.Unlock()
		return ErrQueueFull
	}
	c.out = append(c.out, b...)
	c.async += len(b)
	c.mu.Unlock()
	if c.signal() {
		c.l.stats.wakeups.Add(1)
	}
	return nil
}

// Wake makes the callback goroutine call OnWritable soon, also while the writer is blocked in a
// write; safe from any goroutine.
func (c *Conn) Wake() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() != stateOpen {
		return ErrClosed
	}
	if c.oweLocked() {
		c.l.stats.wakeups.Add(1)
	}
	return nil
}

// NotifyWritable arms one OnWritable call for when the queue is at or below the low watermark;
// safe from any goroutine.
func (c *Conn) NotifyWritable() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() != stateOpen {
		return
	}
	if c.queuedLocked() <= c.l.cfg.WriteLowWatermark {
		c.wantWritable = false
		if c.oweLocked() {
			c.l.stats.wakeups.Add(1)
		}
		return
	}
	c.wantWritable = true
}

// WantWritable asks, from a callback of c, for one OnWritable call once the write queue is at
// or below the low watermark. With the queue empty it does nothing.
func (c *Conn) WantWritable() {
	c.mu.Lock()
	if c.queuedLocked() > 0 && c.state.Load() == stateOpen {
		c.wantWritable = true
	}
	c.mu.Unlock()
}

// CloseWrite shuts the write side once the queue is sent.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	if c.state.Load() != stateOpen || c.shutWr {
		c.mu.Unlock()
		return ErrClosed
	}
	c.shutWr = true
	c.mu.Unlock()
	c.signal()
	return nil
}
