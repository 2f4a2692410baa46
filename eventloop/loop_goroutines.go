//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || eventloop_goroutines

package eventloop

// The fallback for systems without epoll or kqueue: a goroutine reads and one writes per connection,
// over the net package. The API and its rules are the same; a per-connection mutex stands in for the
// loop, so the callbacks of one connection never run at once.

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
	accepted, dialed, closed, bytesRead, bytesWritten, reads, writes, wakeups, timeouts, acceptPauses atomic.Uint64
	conns                                                                                             atomic.Int64
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
	inflight     int // bytes the writer took from out and is writing: still queued, as the kernel's part is on the poller
	wake         bool
	wantWritable bool
	readPaused   bool // PauseRead
	shutWr       bool
	closeErr     error
	timer        *time.Timer
	kick         chan struct{}
	written      chan struct{} // closed when the writer goroutine ends
	drained      *sync.Cond
}

// New returns a Loop with cfg (zero fields take their defaults) and h.
func New(cfg Config, h Handler) (*Loop, error) {
	cfg.setDefaults()
	return &Loop{cfg: cfg, h: h, conns: map[*Conn]struct{}{}, stopped: make(chan struct{})}, nil
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
				// Out of fds or similar: back off instead of spinning.
				l.stats.acceptPauses.Add(1)
				time.Sleep(l.cfg.AcceptBackoff)
				continue
			}
			l.stats.accepted.Add(1)
			l.start(nc, nil, nil)
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
	var d net.Dialer
	if opt.LocalAddr != "" {
		la, err := net.ResolveTCPAddr(network, opt.LocalAddr)
		if err != nil {
			return nil, err
		}
		d.LocalAddr = la
	}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
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
	for _, ln := range l.listeners {
		ln.Close()
	}
	conns := make([]*Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.closeWith(ErrShutdown, false)
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
		AcceptPauses: st.acceptPauses.Load(),
	}
}

func (c *Conn) reader(opened chan struct{}) {
	l := c.l
	defer l.wg.Done()
	c.cb.Lock()
	if l.cfg.HandshakeTimeout > 0 {
		c.setTimer(time.Now().Add(l.cfg.HandshakeTimeout))
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
	for c.state.Load() == stateOpen {
		if c.waitRead() && len(in) > 0 {
			offer = true // resumed: hand the unconsumed input over again without waiting for more
		}
		if c.state.Load() != stateOpen {
			break
		}
		if offer {
			offer = false
			c.cb.Lock()
			k := l.h.OnData(c, in)
			c.cb.Unlock()
			k = min(max(k, 0), len(in))
			if rest := in[k:]; len(rest) == 0 {
				in = nil
			} else {
				in = append([]byte(nil), rest...) // never buf, which the next read overwrites
			}
			if len(in) > l.cfg.MaxPendingInput {
				c.closeWith(ErrInputTooLarge, true)
			}
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
		case errors.As(err, &ne) && ne.Timeout():
			l.stats.timeouts.Add(1)
			err = ErrTimeout
		}
		c.closeWith(err, err != io.EOF)
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

func (c *Conn) writer() {
	l := c.l
	defer l.wg.Done()
	defer close(c.written)
	for range c.kick {
		c.mu.Lock()
		out, wake := c.out, c.wake
		c.out, c.wake, c.inflight = nil, false, len(out)
		closing := c.state.Load() != stateOpen
		c.mu.Unlock()
		if len(out) > 0 {
			if closing {
				c.nc.SetWriteDeadline(time.Now().Add(l.cfg.CloseTimeout))
			}
			n, err := c.nc.Write(out)
			l.stats.writes.Add(1)
			l.stats.bytesWritten.Add(uint64(n))
			if err != nil {
				c.closeWith(err, true)
				c.nc.Close()
				return
			}
		}
		c.mu.Lock()
		c.inflight = 0
		c.drained.Broadcast()
		want := c.wantWritable && len(c.out) <= l.cfg.WriteLowWatermark
		if want {
			c.wantWritable = false
		}
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
		if (want || wake) && c.state.Load() == stateOpen {
			c.cb.Lock()
			l.h.OnWritable(c)
			c.cb.Unlock()
		}
	}
}

// waitRead blocks while reading is paused, by PauseRead or by the slow-reader policy, and the
// connection is open. It reports whether it waited for ResumeRead.
func (c *Conn) waitRead() (resumed bool) {
	l := c.l
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.state.Load() == stateOpen {
		switch {
		case c.readPaused:
			resumed = true
		case l.cfg.SlowReader == SlowReaderPause && len(c.out)+c.inflight > l.cfg.WriteHighWatermark:
		default:
			return resumed
		}
		c.drained.Wait()
	}
	return resumed
}

func (c *Conn) paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readPaused
}

func (c *Conn) signal() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// closeWith starts closing: the writer flushes (unless abort) and closes the socket.
func (c *Conn) closeWith(err error, abort bool) bool {
	c.mu.Lock()
	ok := c.state.CompareAndSwap(stateOpen, stateClosing)
	if ok {
		c.closeErr = err
	}
	c.drained.Broadcast()
	c.mu.Unlock()
	if ok && abort {
		c.nc.Close()
	}
	c.signal()
	return ok
}

func (c *Conn) setTimer(t time.Time) {
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(time.Until(t), func() {
		c.l.stats.timeouts.Add(1)
		c.closeWith(ErrTimeout, true)
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

// Queued returns the number of bytes waiting to be written.
func (c *Conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out) + c.inflight
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

func (c *Conn) enqueue(b []byte, admit bool) error {
	c.mu.Lock()
	if c.state.Load() != stateOpen || c.shutWr {
		c.mu.Unlock()
		return ErrClosed
	}
	high := c.l.cfg.WriteHighWatermark
	if q := len(c.out) + c.inflight + len(b); admit && q > high {
		switch {
		case c.l.cfg.SlowReader == SlowReaderClose:
			c.mu.Unlock()
			c.closeWith(ErrSlowReader, true)
			return ErrSlowReader
		case c.l.cfg.SlowReader == SlowReaderDrop || q > 2*high:
			c.wantWritable = true
			c.mu.Unlock()
			return ErrQueueFull
		}
		c.wantWritable = true
	}
	c.out = append(c.out, b...)
	c.mu.Unlock()
	c.signal()
	return nil
}

// AsyncWrite queues a copy of b; safe from any goroutine.
func (c *Conn) AsyncWrite(b []byte) error { return c.enqueue(b, true) }

// Wake makes the writer call OnWritable soon; safe from any goroutine.
func (c *Conn) Wake() error {
	c.mu.Lock()
	if c.state.Load() != stateOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	c.wake = true
	c.mu.Unlock()
	c.l.stats.wakeups.Add(1)
	c.signal()
	return nil
}

// NotifyWritable arms one OnWritable call for when the queue is at or below the low watermark;
// safe from any goroutine.
func (c *Conn) NotifyWritable() {
	c.mu.Lock()
	if c.state.Load() != stateOpen {
		c.mu.Unlock()
		return
	}
	c.wantWritable = true
	now := len(c.out) <= c.l.cfg.WriteLowWatermark
	c.mu.Unlock()
	if now {
		c.signal()
	}
}

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
		return nil
	}
	c.setTimer(t)
	return nil
}
