//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"math"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// open opens c, whose peer's address is peer when accept returned it (else the zero AddrPort).
func (lp *loop) open(c *Conn, peer netip.AddrPort) {
	// The addresses are read once, now: later the fd may be closed, or reused by another connection.
	// IP addresses are read and kept as values, with no allocation (on Linux).
	if la, ra, isUnix := ipAddrs(int(c.fd), peer); isUnix {
		lsa, _ := unix.Getsockname(int(c.fd))
		rsa, _ := unix.Getpeername(int(c.fd))
		c.rare.Store(newFarAddrs(farAddrs{unix: &[2]net.Addr{sockaddrToAddr(lsa), sockaddrToAddr(rsa)}}))
	} else {
		lp4, lk, lok := packIP4(la)
		rp4, rk, rok := packIP4(ra)
		if lok && rok {
			c.laddr, c.raddr = lp4, rp4
			c.aflags.Or(uint32(lk)<<aLocalShift | uint32(rk)<<aRemoteShift)
		} else {
			c.rare.Store(newFarAddrs(farAddrs{ip: [2]netip.AddrPort{la, ra}}))
		}
	}
	c.storeState(stateOpen)
	lp.stats.conns.Add(1) // open ones only: not a dial still connecting (see drop)
	if lp.idle > 0 {
		lp.setIdle(c, lp.after(lp.idle))
	}
	if lp.cfg.HandshakeTimeout > 0 {
		lp.setDeadline(c, lp.after(int64(lp.cfg.HandshakeTimeout)))
	}
	lp.arm(c)
	lp.h.OnOpen(c)
	lp.settle(c)
}

// fail closes c with err as soon as the current callback returns, without draining its queue.
func (lp *loop) fail(c *Conn, err error) {
	if c.casState(stateOpen, stateClosing) || c.flags&fErrs == 0 {
		c.setCloseError(err)
	}
	c.flags |= fAbort
}

// settle finishes a close that a callback, another goroutine or an error requested. A graceful
// close sends, after the queue, what AsyncWrite accepted before the close (bounded, like the queue,
// by CloseTimeout).
func (lp *loop) settle(c *Conn) {
	if c.loadState() != stateClosing || c.flags&fClosing != 0 && c.flags&fAbort == 0 {
		return
	}
	if c.flags&(fClosing|fAbort) == 0 {
		lp.takeAsync(c)
	}
	c.flags |= fClosing
	if c.flags&fAbort != 0 || len(c.outBuf()) == 0 {
		lp.closeConn(c, c.closeError())
		return
	}
	lp.setDeadline(c, lp.after(int64(lp.cfg.CloseTimeout)))
	lp.setIdle(c, 0)
	lp.arm(c)
	lp.interest(c)
}

// takeAsync moves the AsyncWrite data of a closing connection to its queue (or sends it), without
// the watermarks: once the state left stateOpen, AsyncWrite accepts nothing more, so this is all.
func (lp *loop) takeAsync(c *Conn) {
	var buf []byte
	if r := c.rare.Load(); r != nil {
		r.mu.Lock()
		buf = r.takeAsync()
		r.mu.Unlock()
	}
	c.flags &^= fAsyncHeld
	if len(buf) == 0 || c.flags&fWrShut != 0 {
		return
	}
	if len(c.outBuf()) == 0 {
		n, err := writeFD(int(c.fd), buf)
		lp.stats.writes.Add(1)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR {
				lp.fail(c, os.NewSyscallError("write", err))
				return
			}
			n = 0
		}
		lp.stats.bytesWritten.Add(uint64(n))
		buf = buf[n:]
	}
	c.setOut(append(c.outBuf(), buf...))
}

// syncPause brings the loop's view of PauseRead (fUserPaused, and so the poller registration) in
// line with the last PauseRead or ResumeRead.
func (lp *loop) syncPause(c *Conn) {
	want := c.readPaused()
	if want == (c.flags&fUserPaused != 0) {
		return
	}
	if want {
		c.flags |= fUserPaused
		// Not kept while paused: a 32-bit time left unread for long would read wrong (see packTime).
		lp.setIdle(c, 0)
	} else {
		c.flags = c.flags&^fUserPaused | fResumed
		// The idle timeout did not run while paused: it starts again now.
		lp.touchIdle(c)
	}
	lp.interest(c)
}

// touchIdle restarts the idle timeout of an open connection.
func (lp *loop) touchIdle(c *Conn) {
	if lp.idle > 0 && c.loadState() == stateOpen {
		lp.setIdle(c, lp.after(lp.idle))
		lp.arm(c)
	}
}

// after returns the loop time d after now, the end of time if that is past it.
func (lp *loop) after(d int64) int64 {
	if d > math.MaxInt64-lp.now {
		return math.MaxInt64
	}
	return lp.now + d
}

// setDeadline sets c's deadline to loop time at (0: none), in 32 bits or,
// when it is too far ahead for them, in c.io. The caller arms the wheel.
func (lp *loop) setDeadline(c *Conn, at int64) {
	if c.deadline = lp.nearTime(c, at, fFarDeadline); c.flags&fFarDeadline != 0 {
		c.ioMake().farDeadline = at
	}
}

// setIdle sets c's idle time to loop time at (0: none), like setDeadline.
func (lp *loop) setIdle(c *Conn, at int64) {
	if c.idleAt = lp.nearTime(c, at, fFarIdle); c.flags&fFarIdle != 0 {
		c.ioMake().farIdle = at
	}
}

// nearTime returns loop time at (0: none) in 32 bits (packTime), or 0 with
// the flag far set in c.flags when at is too far ahead for them (the
// caller keeps it in c.io); far is cleared otherwise.
func (lp *loop) nearTime(c *Conn, at int64, far uint32) uint32 {
	c.flags &^= far
	if at == 0 {
		return 0
	}
	t, ok := packTime(at, lp.now)
	if !ok {
		c.flags |= far
	}
	return t
}

// closeConn closes c now and calls OnClose.
func (lp *loop) closeConn(c *Conn, err error) {
	if c.loadState() == stateClosed {
		return
	}
	// The state first, then rare: see connRare.
	c.storeState(stateClosed)
	if r := c.rare.Load(); r != nil {
		r.mu.Lock()
		r.async = nil
		r.mu.Unlock()
	}
	if a, ok := lp.dials[c]; ok {
		delete(lp.dials, c)
		lp.drop(c)
		a.r.res <- dialResult{c, a.t, err}
		return
	}
	lp.l.fds.set(int(c.fd), nil)
	lp.nconns--
	lp.stats.conns.Add(-1)
	lp.stats.closed.Add(1)
	unix.Close(int(c.fd))
	c.io = nil
	c.flags &^= fFarDeadline | fFarIdle
	lp.h.OnClose(c, err)
	// The timing wheel may hold c until its slot comes round (up to
	// wheelSlots ticks): it must not hold the protocol's state with it.
	c.ctx = nil
}

// Fd returns the socket's file descriptor. Any goroutine; do not use it after OnClose.
func (c *Conn) Fd() int { return int(c.fd) }

// Context returns the context slot set by SetContext or DialOptions.Value.
func (c *Conn) Context() any { return c.ctx }

// SetContext sets the context slot, for the protocol layer's per-connection state.
func (c *Conn) SetContext(v any) { c.ctx = v }

// LocalAddr returns the local address, as it was when the connection opened (nil if it could not
// be read then). Any goroutine; it stays valid after the close.
func (c *Conn) LocalAddr() net.Addr {
	if f := c.far(); f != nil {
		if f.unix != nil {
			return f.unix[0]
		}
		return tcpAddr(f.ip[0])
	}
	return tcpAddr(c.laddr.addrPort(ip4Kind(c.aflags.Load() >> aLocalShift & 3)))
}

// RemoteAddr returns the peer's address, as it was when the connection opened (nil if it could not
// be read then). Any goroutine; it stays valid after the close.
func (c *Conn) RemoteAddr() net.Addr {
	if f := c.far(); f != nil {
		if f.unix != nil {
			return f.unix[1]
		}
		return tcpAddr(f.ip[1])
	}
	return tcpAddr(c.raddr.addrPort(ip4Kind(c.aflags.Load() >> aRemoteShift & 3)))
}

func tcpAddr(ap netip.AddrPort) net.Addr {
	if !ap.IsValid() {
		return nil
	}
	return net.TCPAddrFromAddrPort(ap)
}

// Wake makes the loop call OnWritable for c soon. Safe from any goroutine: a producer that keeps
// its own queue calls Wake and writes from OnWritable.
func (c *Conn) Wake() error {
	if !c.request(aWake, stateOpen) {
		return ErrClosed
	}
	return nil
}

// request sets the flags set and aQueued in c.aflags and the state to
// state, in one step with checking that c is open, and puts c in the loop's
// wake list unless it is there. It reports false, and does nothing, when c
// is not open. Any goroutine.
func (c *Conn) request(set uint32, state int32) bool {
	for {
		v := c.aflags.Load()
		if int32(v&aState>>aStateShift) != stateOpen {
			return false
		}
		if c.aflags.CompareAndSwap(v, v&^aState|uint32(state)<<aStateShift|aQueued|set) {
			if v&aQueued == 0 {
				c.lp.enqueue(c)
			}
			return true
		}
	}
}

// NotifyWritable arms one OnWritable call for when the write queue is at or below the low
// watermark: on the next loop turn if it already is, else when flush brings it there. Safe from
// any goroutine; it costs one wake-up, and none more however long the queue stays above the low
// watermark, so a goroutine waiting for room calls it once instead of Wake in a loop. Calls while
// armed arm nothing more; nothing happens on a closing connection.
func (c *Conn) NotifyWritable() { c.request(aNotify, stateOpen) }

// PauseRead stops reading from the connection until ResumeRead: the loop no longer reads its
// socket, so the kernel's buffers fill and TCP flow control holds the peer back, and OnData is not
// called; input OnData left unconsumed is kept. Safe from any goroutine: in a callback of the
// connection it takes effect when the callback returns, from another goroutine through a wake-up of
// the loop, without waiting for it (a read already under way may still reach OnData). It is
// independent of the SlowReaderPause pause: the connection reads when neither applies.
//
// While paused, the idle timeout does not run (the application, not the peer, stopped the input); it
// starts again at ResumeRead. A deadline set with SetDeadline still applies. A peer's EOF is noticed
// after ResumeRead, behind the input before it; a reset closes the connection at once.
func (c *Conn) PauseRead() { c.setReadPause(true) }

// ResumeRead undoes PauseRead: reading resumes and unconsumed input is handed to OnData again,
// without waiting for more. Safe from any goroutine, like PauseRead.
func (c *Conn) ResumeRead() { c.setReadPause(false) }

func (c *Conn) setReadPause(p bool) {
	for {
		v := c.aflags.Load()
		if int32(v&aState>>aStateShift) == stateClosed || (v&aPause != 0) == p {
			return
		}
		n := v&^aPause | aQueued
		if p {
			n |= aPause
		}
		if c.aflags.CompareAndSwap(v, n) {
			if v&aQueued == 0 {
				c.lp.enqueue(c)
			}
			return
		}
	}
}

// Close closes the connection after its queued output, and then what AsyncWrite accepted before
// Close, is sent (bounded by Config.CloseTimeout); OnClose follows with a nil error, or with
// ErrTimeout when CloseTimeout passed first and output was dropped. Safe from any goroutine; on
// the loop it takes effect when the current callback returns.
func (c *Conn) Close() error {
	if !c.request(0, stateClosing) {
		return ErrClosed
	}
	return nil
}

// CloseWrite shuts the write side (TCP FIN) once the queued output is sent; reading goes on.
func (c *Conn) CloseWrite() error {
	if c.loadState() != stateOpen || c.flags&fShutWr != 0 {
		return ErrClosed
	}
	// AsyncWrite refuses more from now on (aShutWr, seen under rare's lock), as Write does: it could
	// never be sent. What it accepted before goes out first, ahead of the FIN.
	c.aflags.Or(aShutWr)
	if r := c.rare.Load(); r != nil {
		r.mu.Lock()
		buf := r.takeAsync()
		r.mu.Unlock()
		c.flags &^= fAsyncHeld
		if len(buf) > 0 {
			if err := c.lp.send(c, buf); err != nil {
				return err
			}
		}
	}
	c.flags |= fShutWr
	if len(c.outBuf()) == 0 {
		c.flags |= fWrShut
		if err := unix.Shutdown(int(c.fd), unix.SHUT_WR); err != nil {
			return os.NewSyscallError("shutdown", err)
		}
	}
	return nil
}

// SetDeadline closes the connection with ErrTimeout at t (timing-wheel resolution); the zero time
// clears it. The idle timeout (Config.IdleTimeout) applies independently.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.loadState() != stateOpen {
		return ErrClosed
	}
	lp := c.lp
	if t.IsZero() {
		lp.setDeadline(c, 0)
		return nil
	}
	at, d := lp.nanotime(), int64(time.Until(t))
	if d > math.MaxInt64-at {
		at = math.MaxInt64 // beyond the end of time: never
	} else {
		at = max(at+d, 1)
	}
	lp.setDeadline(c, at)
	lp.arm(c)
	return nil
}

// expiry is the earliest of the deadline and the idle time (0: none). The idle timeout does not
// run while PauseRead applies.
func (c *Conn) expiry() int64 {
	now := c.lp.now
	var d, i int64
	switch {
	case c.flags&fFarDeadline != 0:
		d = c.io.farDeadline
	case c.deadline != 0:
		d = unpackTime(c.deadline, now)
	}
	if c.flags&fUserPaused == 0 && !c.readPaused() {
		switch {
		case c.flags&fFarIdle != 0:
			i = c.io.farIdle
		case c.idleAt != 0:
			i = unpackTime(c.idleAt, now)
		}
	}
	switch {
	case d == 0:
		return i
	case i == 0 || d < i:
		return d
	}
	return i
}
