//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || eventloop_goroutines

package eventloop

// The fallback for systems without epoll or kqueue: a goroutine reads and one writes per connection,
// over the net package. The API and its rules are the same; a per-connection mutex (Conn.cb) stands in
// for the loop, so the callbacks of one connection never run at once.
//
// Goroutines: at most three per connection (and closeBetween's, for a moment). The reader runs
// OnOpen, OnData and OnClose; the writer only writes, and never runs a callback, since it may be
// blocked for long in a write to a peer that does not read; OnWritable (after Wake, NotifyWritable
// or the drain to the low watermark) runs on a third goroutine, started when such a call is owed and
// gone once none is (see send_goroutines.go).
// Deadlines are timers of the runtime (time.AfterFunc) that only start the close. A close that the
// loop would make (the peer's EOF or reset, a deadline, a failed write, too much input, Shutdown,
// AsyncWrite's slow peer) happens between the connection's callbacks, as on a loop, holding Conn.cb:
// a callback running then sees its connection open until it returns (for Shutdown and AsyncWrite,
// which do not wait for it, a goroutine of the connection's does; see closeBetween).

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	loopNew int32 = iota
	loopRunning
	loopStopped
)

const (
	stateOpen int32 = iota + 1
	stateClosing
	stateClosed
)

type loopStats struct {
	accepted, dialed, closed, bytesRead, bytesWritten, reads, writes, wakeups, timeouts, acceptPauses, acceptDrops atomic.Uint64
	conns                                                                                                          atomic.Int64
}

// Loop serves connections; see the package documentation.
type Loop struct {
	cfg   Config
	h     Handler
	state atomic.Int32
	stats loopStats

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[*Conn]struct{}
	wg        sync.WaitGroup
	quit      context.Context // done when Shutdown begins: ends accept back-offs and dials under way
	endQuit   context.CancelFunc
	stopped   chan struct{}
}

// Conn is one connection.
type Conn struct {
	l     *Loop
	nc    net.Conn
	cb    sync.Mutex // held while a callback runs: the connection's "loop"
	ctx   any
	state atomic.Int32

	mu           sync.Mutex // guards the fields below
	out          []byte
	inflight     int  // bytes the writer took from out and has not written yet (see writeChunk)
	async        int  // bytes AsyncWrite added to out since the writer last took it
	owed         bool // an OnWritable call is owed (Wake, NotifyWritable, the drain to the low watermark)
	calling      bool // the callback goroutine runs
	wantWritable bool
	readPaused   bool // PauseRead
	shutWr       bool
	closeErr     error
	timer        *time.Timer
	timerGen     uint64 // counts the timers set and cleared: a timer that fired acts if it is c's last
	closeAsked   bool   // closeBetween waits for a callback to end to close c
	kick         chan struct{}
	written      chan struct{} // closed when the writer goroutine ends
	drained      *sync.Cond
}

// New returns a Loop with cfg (zero fields take their defaults) and h.
func New(cfg Config, h Handler) (*Loop, error) {
	cfg.setDefaults()
	quit, endQuit := context.WithCancel(context.Background())
	return &Loop{cfg: cfg, h: h, conns: map[*Conn]struct{}{}, quit: quit, endQuit: endQuit, stopped: make(chan struct{})}, nil
}

// Listen opens a listener; it may be called before or during Run.
func (l *Loop) Listen(network, addr string) (net.Addr, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, ErrNetwork
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	l.listeners = append(l.listeners, ln)
	if l.state.Load() == loopRunning {
		l.startAccept(ln)
	}
	return ln.Addr(), nil
}

func (l *Loop) startAccept(ln net.Listener) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				// Out of fds or similar: back off instead of spinning, but not past Shutdown,
				// which waits for this goroutine.
				l.stats.acceptPauses.Add(1)
				t := time.NewTimer(l.cfg.AcceptBackoff)
				select {
				case <-t.C:
				case <-l.quit.Done():
					t.Stop()
					return
				}
				continue
			}
			l.stats.accepted.Add(1)
			if l.start(nc, nil, nil) == nil {
				l.stats.acceptDrops.Add(1)
			}
		}
	}()
}

// Dial connects and returns the connection once OnOpen has run.
func (l *Loop) Dial(ctx context.Context, network, addr string) (*Conn, error) {
	return l.DialWith(ctx, network, addr, DialOptions{})
}

// DialWith is Dial with options.
func (l *Loop) DialWith(ctx context.Context, network, addr string, opt DialOptions) (*Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
	default:
		return nil, ErrNetwork
	}
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	// Shutdown ends a dial under way with ErrShutdown, as the pollers' drain does.
	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(l.quit, func() { cancel(ErrShutdown) })()
	var d net.Dialer
	if opt.LocalAddr != "" {
		var la net.Addr
		var err error
		if network == "unix" {
			la, err = net.ResolveUnixAddr(network, opt.LocalAddr)
		} else {
			la, err = net.ResolveTCPAddr(network, opt.LocalAddr)
		}
		if err != nil {
			return nil, err
		}
		d.LocalAddr = la
	}
	nc, err := d.DialContext(dctx, network, addr)
	if err != nil {
		// The context's own error, as the pollers return it. The net package may report a passed
		// deadline as its own "i/o timeout" (the socket's deadline, set from the context's, can
		// fire before the context is done), which is not context.DeadlineExceeded.
		dl, ok := ctx.Deadline()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case ok && !time.Now().Before(dl):
			return nil, context.DeadlineExceeded
		case context.Cause(dctx) == ErrShutdown:
			return nil, ErrShutdown
		}
		return nil, err
	}
	opened := make(chan struct{})
	c := l.start(nc, opt.Value, opened)
	if c == nil {
		return nil, ErrClosed
	}
	<-opened
	l.stats.dialed.Add(1)
	return c, nil
}

func (l *Loop) start(nc net.Conn, v any, opened chan struct{}) *Conn {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(!l.cfg.TCPDelay)
	}
	c := &Conn{l: l, nc: nc, ctx: v, kick: make(chan struct{}, 1), written: make(chan struct{})}
	c.drained = sync.NewCond(&c.mu)
	c.state.Store(stateOpen)
	l.mu.Lock()
	if l.state.Load() == loopStopped {
		l.mu.Unlock()
		nc.Close()
		return nil
	}
	l.conns[c] = struct{}{}
	l.wg.Add(2)
	l.mu.Unlock()
	l.stats.conns.Add(1)
	go c.writer()
	go c.reader(opened)
	return c
}

// Run serves until Shutdown.
func (l *Loop) Run() error {
	l.mu.Lock()
	if !l.state.CompareAndSwap(loopNew, loopRunning) {
		l.mu.Unlock()
		if l.state.Load() == loopStopped {
			return ErrClosed
		}
		return ErrRunning
	}
	for _, ln := range l.listeners {
		l.startAccept(ln)
	}
	l.mu.Unlock()
	<-l.stopped
	return nil
}

// Shutdown closes the listeners and every connection and waits for them; see the epoll version.
func (l *Loop) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	prev := l.state.Swap(loopStopped)
	if prev == loopStopped {
		l.mu.Unlock()
		<-l.stopped
		return nil
	}
	l.endQuit()
	for _, ln := range l.listeners {
		ln.Close()
	}
	conns := make([]*Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.closeBetween(ErrShutdown, false)
	}
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		for _, c := range conns {
			c.nc.Close()
		}
		<-done
	}
	close(l.stopped)
	return err
}

// Stats sums the counters.
func (l *Loop) Stats() Stats {
	st := &l.stats
	return Stats{
		Conns: st.conns.Load(), Accepted: st.accepted.Load(), Dialed: st.dialed.Load(),
		Closed: st.closed.Load(), BytesRead: st.bytesRead.Load(), BytesWritten: st.bytesWritten.Load(),
		Reads: st.reads.Load(), Writes: st.writes.Load(), Wakeups: st.wakeups.Load(), Timeouts: st.timeouts.Load(),
		AcceptPauses: st.acceptPauses.Load(), AcceptDrops: st.acceptDrops.Load(),
	}
}

func (c *Conn) reader(opened chan struct{}) {
	l := c.l
	defer l.wg.Done()
	c.cb.Lock()
	if l.cfg.HandshakeTimeout > 0 {
		c.mu.Lock()
		c.setTimer(time.Now().Add(l.cfg.HandshakeTimeout))
		c.mu.Unlock()
	}
	l.h.OnOpen(c)
	c.cb.Unlock()
	if opened != nil {
		close(opened)
	}
	buf := make([]byte, l.cfg.ReadBufferSize)
	var in []byte  // input OnData left unconsumed, or read while paused
	var offer bool // in holds input OnData has not seen yet (or has to see again after ResumeRead)
	var err error  // the read error to act on once in has been offered
	lastIn := time.Now()
	for c.state.Load() == stateOpen {
		resumed, idle := c.waitRead(lastIn)
		if resumed {
			lastIn = time.Now() // the idle timeout did not run while paused
			if len(in) > 0 {
				offer = true // hand the unconsumed input over again without waiting for more
			}
		}
		if idle && c.state.Load() == stateOpen {
			// Nothing came for IdleTimeout while the slow-reader pause held reading back.
			err = ErrTimeout
			break
		}
		if c.state.Load() != stateOpen {
			break
		}
		if offer {
			offer = false
			c.cb.Lock()
			k := l.h.OnData(c, in)
			k = min(max(k, 0), len(in))
			if rest := in[k:]; len(rest) == 0 {
				in = nil
			} else {
				in = append([]byte(nil), rest...) // never buf, which the next read overwrites
			}
			if len(in) > l.cfg.MaxPendingInput {
				// Before another callback (an OnWritable owed meanwhile) can run, as on a loop.
				c.closeWith(ErrInputTooLarge, true)
			}
			c.cb.Unlock()
			continue
		}
		if err != nil {
			break
		}
		if l.cfg.IdleTimeout > 0 {
			c.nc.SetReadDeadline(time.Now().Add(l.cfg.IdleTimeout))
		}
		var n int
		n, err = c.nc.Read(buf)
		if n > 0 {
			lastIn = time.Now()
			l.stats.reads.Add(1)
			l.stats.bytesRead.Add(uint64(n))
			if len(in) == 0 {
				in = buf[:n] // offered (and copied if left) before the next read
			} else {
				in = append(in, buf[:n]...)
			}
			offer = true
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && c.paused() {
				// The idle timeout does not run while paused.
				err = nil
			}
		}
	}
	if err != nil && c.state.Load() == stateOpen {
		var ne net.Error
		switch {
		case err == io.EOF:
		case err == ErrTimeout || errors.As(err, &ne) && ne.Timeout():
			err = ErrTimeout // counted by closeWith
		}
		// Between callbacks, as on a loop: a callback running now (OnWritable) sees the connection
		// open until it returns, and its Send is not refused half-way by a close it cannot see.
		c.cb.Lock()
		c.closeWith(err, err != io.EOF)
		c.cb.Unlock()
	}
	<-c.written
	c.mu.Lock()
	err = c.closeErr
	c.state.Store(stateClosed)
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	c.nc.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
	l.stats.conns.Add(-1)
	l.stats.closed.Add(1)
	c.cb.Lock()
	l.h.OnClose(c, err)
	c.cb.Unlock()
}

// waitRead blocks while reading is paused, by PauseRead or by the slow-reader policy, and the
// connection is open. It reports whether it waited for ResumeRead, and whether it gave up because
// the idle timeout passed: it runs during the slow-reader pause, from lastIn (the last input), as
// on the pollers, where only PauseRead stops it (and restarts it once undone).
//
// The slow-reader pause follows the pollers', where the queue is what the kernel refused: reading
// stops while more than the high watermark is queued, counting the chunk being written whole
// although the kernel may have taken part of it (writeChunk bounds that error). Unlike the pollers
// it resumes as soon as the queue is back at the high watermark, not at the low one: a blocking
// write does not say what the kernel refused, and a band kept on bytes the writer has not tried
// yet would stop reading where the pollers read.
func (c *Conn) waitRead(lastIn time.Time) (resumed, idle bool) {
	l := c.l
	var timer *time.Timer // wakes the wait below when the idle timeout passes
	stop := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
	}
	c.mu.Lock()
	defer func() {
		c.mu.Unlock()
		stop()
	}()
	for c.state.Load() == stateOpen {
		switch {
		case c.readPaused:
			resumed = true
			stop() // the idle timeout does not run while paused
		case l.cfg.SlowReader == SlowReaderPause && c.queuedLocked() > l.cfg.WriteHighWatermark:
			if l.cfg.IdleTimeout <= 0 {
				break
			}
			if resumed && timer == nil {
				lastIn = time.Now() // PauseRead ended since the last look: the idle timeout starts again
			}
			if !time.Now().Before(lastIn.Add(l.cfg.IdleTimeout)) {
				return resumed, true
			}
			if timer == nil {
				timer = time.AfterFunc(time.Until(lastIn.Add(l.cfg.IdleTimeout)), func() {
					c.mu.Lock()
					c.drained.Broadcast()
					c.mu.Unlock()
				})
			}
		default:
			return resumed, false
		}
		c.drained.Wait()
	}
	return resumed, false
}

func (c *Conn) paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readPaused
}

// closeWith starts closing: the writer flushes (unless abort), within Config.CloseTimeout also when
// it is blocked in a write already, and closes the socket. It reports false, and does nothing, when
// c is closing already. A close with ErrTimeout (a deadline, the idle timeout) is counted here,
// before OnClose can run, and only when it is the one that closes c.
func (c *Conn) closeWith(err error, abort bool) bool {
	c.mu.Lock()
	ok := c.state.CompareAndSwap(stateOpen, stateClosing)
	if ok {
		c.closeErr = err
		if err == ErrTimeout {
			c.l.stats.timeouts.Add(1)
		}
	}
	c.drained.Broadcast()
	c.mu.Unlock()
	switch {
	case ok && abort:
		c.nc.Close()
	case ok:
		c.nc.SetWriteDeadline(time.Now().Add(c.l.cfg.CloseTimeout))
	}
	c.signal()
	return ok
}

// closeBetween closes c between its callbacks, as a loop does, for Shutdown and AsyncWrite, which
// neither wait for a callback of c nor (AsyncWrite) know they are not in one: at once when none
// runs, else on a goroutine of its own once the running one returns, so that it sees c open until
// then. That goroutine is counted in the loop's wait group (the reader's count keeps it above zero
// while c is open), and there is one at most: a close asked for meanwhile is left to it.
func (c *Conn) closeBetween(err error, abort bool) {
	if c.cb.TryLock() {
		c.closeWith(err, abort)
		c.cb.Unlock()
		return
	}
	c.mu.Lock()
	if c.state.Load() != stateOpen || c.closeAsked {
		c.mu.Unlock()
		return
	}
	c.closeAsked = true
	c.l.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.l.wg.Done()
		c.cb.Lock()
		c.closeWith(err, abort)
		c.cb.Unlock()
	}()
}

// setTimer arms the deadline's timer for t, in place of the one armed before; c.mu is held.
func (c *Conn) setTimer(t time.Time) {
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timerGen++
	gen := c.timerGen
	c.timer = time.AfterFunc(time.Until(t), func() {
		// Between callbacks, as on a loop, where a callback that moved the deadline on or cleared
		// it before returning keeps the connection: the timer armed now must still be c's then.
		// Not while a Close drains (CloseTimeout bounds that): closeWith does nothing then.
		c.cb.Lock()
		defer c.cb.Unlock()
		c.mu.Lock()
		current := c.timerGen == gen
		c.mu.Unlock()
		if current {
			c.closeWith(ErrTimeout, true)
		}
	})
}

// Fd returns -1: the fallback has no raw descriptor.
func (c *Conn) Fd() int { return -1 }

// Context returns the context slot.
func (c *Conn) Context() any { return c.ctx }

// SetContext sets the context slot.
func (c *Conn) SetContext(v any) { c.ctx = v }

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// PauseRead stops reading until ResumeRead; safe from any goroutine.
func (c *Conn) PauseRead() {
	c.mu.Lock()
	c.readPaused = true
	c.mu.Unlock()
}

// ResumeRead undoes PauseRead; safe from any goroutine.
func (c *Conn) ResumeRead() {
	c.mu.Lock()
	c.readPaused = false
	c.drained.Broadcast()
	c.mu.Unlock()
}

// Close closes after the queued output is sent; safe from any goroutine.
func (c *Conn) Close() error {
	if !c.closeWith(nil, false) {
		return ErrClosed
	}
	return nil
}

// SetDeadline closes the connection with ErrTimeout at t; the zero time clears it.
func (c *Conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load() != stateOpen {
		return ErrClosed
	}
	if t.IsZero() {
		if c.timer != nil {
			c.timer.Stop()
			c.timer = nil
		}
		c.timerGen++ // a timer that fired and waits for the running callback does nothing
		return nil
	}
	c.setTimer(t)
	return nil
}
