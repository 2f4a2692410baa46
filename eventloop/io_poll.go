//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

func (lp *loop) connEvent(c *Conn, r, w, hup bool) {
	if c.flags&fConnecting != 0 {
		if w || hup {
			lp.finishDial(c)
		}
		return
	}
	if hup && c.flags&(fPaused|fUserPaused|fEOF|fClosing) == fPaused && c.loadState() == stateOpen {
		// The peer hung up (it reset, typically: it closed without reading our output) while the
		// slow-reader pause held reading back, so what it sent before is still in the socket. Read
		// it first, as when it came unpaused, before a write fails on the reset and closes c: the
		// hang-up is reported again until a read finds the end (EOF) or the error; one that finds
		// nothing (it would block) closes as below.
		if !lp.read(c) {
			return
		}
	}
	if w && len(c.outBuf()) > 0 {
		lp.flush(c)
		if c.loadState() == stateClosed {
			return
		}
	}
	switch {
	case r && c.flags&fRegR != 0:
		lp.read(c)
	case hup:
		err := error(io.EOF)
		if errno, e := unix.GetsockoptInt(int(c.fd), unix.SOL_SOCKET, unix.SO_ERROR); e == nil && errno != 0 {
			err = os.NewSyscallError("read", unix.Errno(errno))
		} else if lp.syncPause(c); c.flags&fUserPaused != 0 && c.loadState() == stateOpen {
			// A clean hang-up while the application paused reading: input may still wait in the
			// socket. Stop watching (a hang-up is reported whatever the interest set, so it would
			// come back at once) until ResumeRead; then the reads find the input and EOF.
			lp.park(c)
			return
		}
		lp.closeConn(c, err)
	}
}

// park takes c out of the poller after a hang-up while it is paused; interest puts it back.
func (lp *loop) park(c *Conn) {
	if err := lp.p.del(int(c.fd), c.flags&fRegR != 0, c.flags&fRegW != 0); err != nil {
		lp.closeConn(c, os.NewSyscallError("epoll_ctl", err))
		return
	}
	c.flags = c.flags&^(fRegR|fRegW) | fParked
}

// read reads once and hands the input to OnData, or begins the close at EOF, or closes c at an
// error. It reports whether the read would block (EAGAIN, EINTR).
func (lp *loop) read(c *Conn) (blocked bool) {
	if c.readPaused() {
		// PauseRead from another goroutine, not applied yet: apply it instead of reading.
		lp.syncPause(c)
		return false
	}
	n, err := readFD(int(c.fd), lp.buf)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return true
		}
		lp.closeConn(c, os.NewSyscallError("read", err))
		return
	}
	lp.stats.reads.Add(1)
	if n == 0 {
		lp.peerClosed(c)
		return
	}
	lp.stats.bytesRead.Add(uint64(n))
	if lp.idle > 0 {
		lp.setIdle(c, lp.after(lp.idle))
	}
	lp.deliver(c, lp.buf[:n])
	return false
}

// deliver hands the unconsumed input followed by data (nil: none new) to OnData and keeps what it
// leaves. While reading is paused (PauseRead) it only keeps the input.
func (lp *loop) deliver(c *Conn, data []byte) {
	if len(c.inBuf()) > 0 {
		c.setIn(append(c.inBuf(), data...))
		data = c.inBuf()
	}
	if c.readPaused() {
		// PauseRead came after the read: OnData waits for ResumeRead.
		if len(c.inBuf()) == 0 {
			c.setIn(append(make([]byte, 0, max(len(data), 512)), data...))
		}
		lp.syncPause(c)
		if len(c.inBuf()) > lp.cfg.MaxPendingInput {
			lp.fail(c, ErrInputTooLarge)
		}
		lp.settle(c)
		return
	}
	k := lp.h.OnData(c, data)
	if k < 0 {
		k = 0
	} else if k > len(data) {
		k = len(data)
	}
	if c.loadState() != stateOpen {
		c.setIn(nil)
		lp.settle(c)
		return
	}
	rest := data[k:]
	switch {
	case len(rest) == 0:
		c.setIn(nil)
	case len(c.inBuf()) > 0:
		c.setIn(c.inBuf()[:copy(c.inBuf(), rest)])
	default:
		c.setIn(append(make([]byte, 0, max(len(rest), 512)), rest...))
	}
	if len(c.inBuf()) > lp.cfg.MaxPendingInput {
		lp.fail(c, ErrInputTooLarge)
	}
	// A PauseRead in OnData takes effect now: no more reads.
	lp.syncPause(c)
	lp.settle(c)
}

// peerClosed handles EOF: stop reading, send what is queued, then close with io.EOF.
func (lp *loop) peerClosed(c *Conn) {
	c.flags |= fEOF
	c.setIn(nil)
	if c.casState(stateOpen, stateClosing) {
		c.setCloseError(io.EOF)
	}
	lp.settle(c)
}

// interest brings the poller registration in line with what c needs. It reads only when neither
// the slow-reader pause nor PauseRead applies.
func (lp *loop) interest(c *Conn) {
	r := c.flags&(fPaused|fEOF|fClosing|fUserPaused) == 0
	w := len(c.outBuf()) > 0
	oldR, oldW := c.flags&fRegR != 0, c.flags&fRegW != 0
	var err error
	switch {
	case c.flags&fParked != 0:
		// Out of the poller since a hang-up while paused: back in once there is work.
		if !r && !w {
			return
		}
		if err = lp.p.add(int(c.fd), c.gen, r, w); err == nil {
			c.flags &^= fParked
		}
	case r == oldR && w == oldW:
		return
	default:
		err = lp.p.mod(int(c.fd), c.gen, oldR, oldW, r, w)
	}
	if err != nil {
		lp.fail(c, err)
		return
	}
	c.flags &^= fRegR | fRegW
	if r {
		c.flags |= fRegR
	}
	if w {
		c.flags |= fRegW
	}
}

// flush writes queued output when the socket became writable.
func (lp *loop) flush(c *Conn) {
	n, err := writeFD(int(c.fd), c.outBuf())
	lp.stats.writes.Add(1)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		lp.closeConn(c, os.NewSyscallError("write", err))
		return
	}
	lp.stats.bytesWritten.Add(uint64(n))
	c.setOut(c.outBuf()[n:])
	if len(c.outBuf()) == 0 {
		c.setOut(nil)
		if c.flags&fShutWr != 0 && c.flags&fWrShut == 0 {
			c.flags |= fWrShut
			unix.Shutdown(int(c.fd), unix.SHUT_WR)
		}
	}
	if len(c.outBuf()) <= lp.cfg.WriteLowWatermark {
		c.flags &^= fPaused
	}
	if c.flags&fClosing != 0 {
		if len(c.outBuf()) == 0 {
			lp.closeConn(c, c.closeError())
			return
		}
		lp.interest(c)
		return
	}
	if len(c.outBuf()) <= lp.cfg.WriteLowWatermark && c.flags&fAsyncHeld != 0 {
		var buf []byte
		if r := c.rare.Load(); r != nil {
			r.mu.Lock()
			if c.loadState() == stateOpen {
				// Closing (Close came from another goroutine): settle takes it, after the queue.
				buf = r.takeAsync()
				c.flags &^= fAsyncHeld
			}
			r.mu.Unlock()
		}
		if len(buf) > 0 {
			lp.send(c, buf)
		}
	}
	lp.interest(c)
	if len(c.outBuf()) <= lp.cfg.WriteLowWatermark && c.flags&fWantWritable != 0 && c.loadState() == stateOpen {
		c.flags &^= fWantWritable
		lp.h.OnWritable(c)
		lp.settle(c)
	}
}

// Queued returns the number of bytes waiting in the write queue.
func (c *Conn) Queued() int { return len(c.outBuf()) }

// Write sends b: directly when the queue is empty, and it queues (copies) what the kernel refused.
// It returns len(b) when b was sent or queued. ErrQueueFull (SlowReaderDrop, or past twice the high
// watermark with SlowReaderPause) means nothing of b was sent, and OnWritable follows once the queue
// drained; ErrSlowReader (SlowReaderClose) means the connection closes.
func (c *Conn) Write(b []byte) (int, error) {
	if c.loadState() != stateOpen || c.flags&fShutWr != 0 {
		return 0, ErrClosed
	}
	lp := c.lp
	if len(c.outBuf()) > 0 {
		if err := lp.admit(c, c.heldLen()+len(b)); err != nil {
			return 0, err
		}
		if err := lp.releaseHeld(c); err != nil {
			return 0, err
		}
	}
	if err := lp.send(c, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// heldLen returns how many bytes of AsyncWrite's data the loop holds back until the queue drains
// (fAsyncHeld); a write of the loop goes behind them (see releaseHeld), so its admission counts them.
func (c *Conn) heldLen() int {
	if c.flags&fAsyncHeld == 0 {
		return 0
	}
	r := c.rare.Load()
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.async)
}

// releaseHeld queues the AsyncWrite data held back (fAsyncHeld) ahead of a write of the loop: it
// was accepted first, perhaps before the Wake whose OnWritable writes now.
func (lp *loop) releaseHeld(c *Conn) error {
	if c.flags&fAsyncHeld == 0 {
		return nil
	}
	c.flags &^= fAsyncHeld
	r := c.rare.Load()
	r.mu.Lock()
	buf := r.takeAsync()
	r.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	return lp.send(c, buf)
}

// send writes b, or queues it behind output already waiting, without admission control.
func (lp *loop) send(c *Conn, b []byte) error {
	if len(c.outBuf()) > 0 {
		return lp.queue(c, b)
	}
	n, err := writeFD(int(c.fd), b)
	lp.stats.writes.Add(1)
	if err != nil {
		if err != unix.EAGAIN && err != unix.EINTR {
			err = os.NewSyscallError("write", err)
			lp.fail(c, err)
			return err
		}
		n = 0
	}
	lp.stats.bytesWritten.Add(uint64(n))
	if n == len(b) {
		return nil
	}
	return lp.queue(c, b[n:])
}

// Writev sends the buffers in order with one writev call (header and payload together) and queues
// what the kernel refused, like Write.
func (c *Conn) Writev(bufs ...[]byte) (int, error) {
	if c.loadState() != stateOpen || c.flags&fShutWr != 0 {
		return 0, ErrClosed
	}
	lp := c.lp
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if len(c.outBuf()) > 0 {
		if err := lp.admit(c, c.heldLen()+total); err != nil {
			return 0, err
		}
		if err := lp.releaseHeld(c); err != nil {
			return 0, err
		}
		for _, b := range bufs {
			c.setOut(append(c.outBuf(), b...))
		}
		return total, nil
	}
	n, err := writev(&lp.scratch, int(c.fd), bufs)
	lp.stats.writes.Add(1)
	if err != nil {
		if err != unix.EAGAIN && err != unix.EINTR {
			err = os.NewSyscallError("writev", err)
			lp.fail(c, err)
			return 0, err
		}
		n = 0
	}
	lp.stats.bytesWritten.Add(uint64(n))
	if n == total {
		return n, nil
	}
	// The queue was empty: what the kernel refused is kept whole, whatever its size (see queued).
	for _, b := range bufs {
		if n >= len(b) {
			n -= len(b)
			continue
		}
		c.setOut(append(c.outBuf(), b[n:]...))
		n = 0
	}
	return total, lp.queued(c, false)
}

// admit applies the slow-reader policy before n more bytes join a non-empty queue.
func (lp *loop) admit(c *Conn, n int) error {
	q := len(c.outBuf()) + n
	high := lp.cfg.WriteHighWatermark
	if q <= high {
		return nil
	}
	switch lp.cfg.SlowReader {
	case SlowReaderDrop:
		c.flags |= fWantWritable
		return ErrQueueFull
	case SlowReaderClose:
		lp.fail(c, ErrSlowReader)
		return ErrSlowReader
	default:
		if q > 2*high {
			c.flags |= fWantWritable
			return ErrQueueFull
		}
		if c.flags&fPaused == 0 {
			c.flags |= fPaused | fWantWritable
			lp.interest(c)
		}
		return nil
	}
}

// queue keeps b (the part of a write the kernel refused) and arms the writable event. It always
// accepts the rest of a write that was partly sent, so a message is never cut.
func (lp *loop) queue(c *Conn, b []byte) error {
	joined := len(c.outBuf()) > 0
	c.setOut(append(c.outBuf(), b...))
	return lp.queued(c, joined)
}

// queued applies the slow-reader policy to the queue a write left and arms the writable event.
// joined says the write found output queued already: SlowReaderClose closes only then. A write to
// an empty queue is judged by nothing but its size (the peer read all that came before it), so it
// is kept whole however much of it the kernel refused, as on the goroutine fallback; the next write
// that joins it while it is queued is judged.
func (lp *loop) queued(c *Conn, joined bool) error {
	if len(c.outBuf()) > lp.cfg.WriteHighWatermark {
		switch lp.cfg.SlowReader {
		case SlowReaderClose:
			if !joined {
				c.flags |= fWantWritable
				break
			}
			lp.fail(c, ErrSlowReader)
			return ErrSlowReader
		case SlowReaderPause:
			c.flags |= fPaused | fWantWritable
		default:
			c.flags |= fWantWritable
		}
	}
	lp.interest(c)
	return nil
}

// AsyncWrite queues a copy of b to be written by the loop. Safe from any goroutine. It fails with
// ErrClosed once the connection is closing or its write side was shut (CloseWrite), and with
// ErrQueueFull when more than twice the high watermark waits for the loop. What it accepted goes
// out ahead of what a callback writes after a later Wake, also while the queue is above the high
// watermark and the loop holds it back. With SlowReaderClose the loop closes the connection
// (ErrSlowReader) when the data joins queued output and takes it past the high watermark, as for
// Write; the goroutine fallback does so in AsyncWrite, which then returns ErrSlowReader.
func (c *Conn) AsyncWrite(b []byte) error {
	if c.loadState() != stateOpen {
		return ErrClosed
	}
	// rare first, the state under its lock after: see connRare.
	r := c.rareMake()
	r.mu.Lock()
	if c.loadState() != stateOpen || c.aflags.Load()&aShutWr != 0 {
		r.mu.Unlock()
		return ErrClosed
	}
	if len(r.async)+len(b) > 2*c.lp.cfg.WriteHighWatermark {
		r.mu.Unlock()
		return ErrQueueFull
	}
	r.async = append(r.async, b...)
	// After the data: the loop clears aQueued before it takes the data (see handleWakes).
	old := c.aflags.Or(aQueued)
	r.mu.Unlock()
	if old&aQueued == 0 {
		c.lp.enqueue(c)
	}
	return nil
}
