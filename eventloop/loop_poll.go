//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Loop states.
const (
	loopNew int32 = iota
	loopRunning
	loopStopped
)

// Connection states (Conn.state); read by any goroutine.
const (
	stateConnecting int32 = iota
	stateOpen
	stateClosing // Close was requested or an error happened; the loop finishes it
	stateClosed
)

// Connection flags (Conn.flags); owned by the loop goroutine.
const (
	fRegR         uint32 = 1 << iota // registered for reading
	fRegW                            // registered for writing
	fPaused                          // reading stopped: queue above the high watermark
	fWantWritable                    // call OnWritable when the queue drains below the low watermark
	fClosing                         // the loop began closing: drain the queue, then close
	fAbort                           // close without draining
	fShutWr                          // CloseWrite called: shut the write side once the queue is empty
	fWrShut                          // write side shut
	fEOF                             // the peer closed its side
	fConnecting                      // non-blocking connect in progress
	fAsyncHeld                       // AsyncWrite data waits for the queue to drain
)

// Async flags (Conn.aflags), guarded by Conn.mu.
const (
	aQueued uint8 = 1 << iota // in the loop's wake list
	aWake                     // Wake was called
)

// Loop is a set of event loops serving connections. Create it with New, add listeners with Listen,
// serve with Run, stop with Shutdown; Dial adds client connections to the running loop.
type Loop struct {
	cfg   Config
	h     Handler
	loops []*loop
	next  atomic.Uint32
	state atomic.Int32
	done  chan struct{}
}

type listener struct {
	fd     int
	tcp    bool
	path   string // unix socket path, removed on close
	paused bool
}

type timer struct {
	at int64
	fn func()
}

type loopStats struct {
	accepted, dialed, closed, bytesRead, bytesWritten, reads, writes, wakeups, polls, events,
	acceptPauses, timeouts atomic.Uint64
	conns atomic.Int64
}

// loop is one event loop: a poller, a connection table indexed by fd and a shared read buffer.
type loop struct {
	l         *Loop
	h         Handler
	cfg       *Config
	p         *poller
	wakeFd    int
	conns     []*Conn
	nconns    int
	listeners map[int]*listener
	dials     map[*Conn]chan error
	buf       []byte
	scratch   []byte
	wheel     wheel
	timers    []timer
	epoch     time.Time
	now       int64
	idle      int64
	draining  bool

	mu          sync.Mutex // guards tasks, wakes, dead
	tasks       []func()
	wakes       []*Conn
	spareTasks  []func()
	spareWakes  []*Conn
	dead        bool
	wakePending atomic.Bool

	stats loopStats
	_     [64]byte // keep the counters of two loops off one cache line
}

// Conn is one connection. Unless a method says otherwise it may be called only on the connection's
// loop, that is inside a Handler callback.
type Conn struct {
	lp       *loop
	fd       int32
	flags    uint32
	state    atomic.Int32
	aflags   uint8
	ctx      any
	in       []byte // input OnData left unconsumed
	out      []byte // output the kernel refused
	deadline int64  // loop time; 0: none
	idleAt   int64  // loop time; 0: none
	wheelAt  int64  // firing time of the wheel slot due to look at c; 0: none
	closeErr error
	mu       sync.Mutex // guards async, aflags
	async    []byte
}

// New returns a Loop with cfg (zero fields take their defaults) and h.
func New(cfg Config, h Handler) (*Loop, error) {
	cfg.setDefaults()
	l := &Loop{cfg: cfg, h: h, done: make(chan struct{})}
	l.loops = make([]*loop, cfg.Loops)
	for i := range l.loops {
		p, err := newPoller(1024)
		if err != nil {
			for _, lp := range l.loops[:i] {
				lp.p.close()
			}
			return nil, err
		}
		lp := &loop{
			l: l, h: h, cfg: &l.cfg, p: p, wakeFd: p.wakeFD(),
			listeners: map[int]*listener{},
			dials:     map[*Conn]chan error{},
			buf:       make([]byte, cfg.ReadBufferSize),
			epoch:     time.Now(),
		}
		if cfg.IdleTimeout > 0 {
			lp.idle = int64(cfg.IdleTimeout)
		}
		lp.wheel.init(int64(cfg.TimerResolution), 0)
		l.loops[i] = lp
	}
	return l, nil
}

func (l *Loop) pick() *loop {
	if len(l.loops) == 1 {
		return l.loops[0]
	}
	return l.loops[int(l.next.Add(1))%len(l.loops)]
}

// Listen opens a listening socket ("tcp", "tcp4", "tcp6" or "unix") and returns its address
// (useful with port 0). It may be called before or during Run. On Linux every loop gets its own
// SO_REUSEPORT socket; elsewhere one socket in the first loop hands connections to all loops.
func (l *Loop) Listen(network, addr string) (net.Addr, error) {
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	sa, family, err := resolve(context.Background(), network, addr)
	if err != nil {
		return nil, err
	}
	tcp := family != unix.AF_UNIX
	n := 1
	if tcp && reusePortBalances {
		n = len(l.loops)
	}
	fds := make([]int, 0, n)
	var bound unix.Sockaddr
	for i := 0; i < n; i++ {
		fd, err := l.listenFD(sa, family, n > 1)
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, err
		}
		fds = append(fds, fd)
		if i == 0 {
			if bound, err = unix.Getsockname(fd); err != nil {
				unix.Close(fd)
				return nil, err
			}
			sa = bound
		}
	}
	for i, fd := range fds {
		lp := l.loops[i]
		ln := &listener{fd: fd, tcp: tcp}
		if !tcp {
			ln.path = addr
		}
		if !lp.post(func() { lp.addListener(ln) }) {
			for _, fd := range fds[i:] {
				unix.Close(fd)
			}
			return nil, ErrClosed
		}
	}
	return sockaddrToAddr(bound), nil
}

func (l *Loop) listenFD(sa unix.Sockaddr, family int, reusePort bool) (int, error) {
	fd, err := socket(family)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if family != unix.AF_UNIX {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			unix.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
		if reusePort {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				unix.Close(fd)
				return -1, os.NewSyscallError("setsockopt", err)
			}
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, l.cfg.Backlog); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// Dial connects to addr without blocking the loop and returns the connection once OnOpen has run.
// It blocks the calling goroutine until then or until ctx is done, so it must not be called from a
// Handler callback. The loop must be running.
func (l *Loop) Dial(ctx context.Context, network, addr string) (*Conn, error) {
	return l.DialWith(ctx, network, addr, DialOptions{})
}

// DialWith is Dial with options: a local address to bind and the initial context slot.
func (l *Loop) DialWith(ctx context.Context, network, addr string, opt DialOptions) (*Conn, error) {
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	sa, family, err := resolve(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	fd, err := socket(family)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if opt.LocalAddr != "" {
		lsa, _, err := resolve(ctx, network, opt.LocalAddr)
		if err == nil {
			err = unix.Bind(fd, lsa)
		}
		if err != nil {
			unix.Close(fd)
			return nil, os.NewSyscallError("bind", err)
		}
	}
	if family != unix.AF_UNIX && !l.cfg.TCPDelay {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	lp := l.pick()
	c := &Conn{lp: lp, fd: int32(fd), ctx: opt.Value}
	ch := make(chan error, 1)
	if !lp.post(func() { lp.startDial(c, ch) }) {
		unix.Close(fd)
		return nil, ErrClosed
	}
	select {
	case err := <-ch:
		if err != nil {
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		err := ctx.Err()
		lp.post(func() { lp.cancelDial(c, err) })
		return nil, err
	}
}

// Run serves until Shutdown: the first loop on the calling goroutine, the others on their own.
// It returns nil after Shutdown, ErrRunning if the loop already runs, ErrClosed after Shutdown.
func (l *Loop) Run() error {
	if !l.state.CompareAndSwap(loopNew, loopRunning) {
		if l.state.Load() == loopStopped {
			return ErrClosed
		}
		return ErrRunning
	}
	var wg sync.WaitGroup
	for _, lp := range l.loops[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lp.run()
		}()
	}
	l.loops[0].run()
	wg.Wait()
	close(l.done)
	return nil
}

// Shutdown stops accepting, closes every connection after its queued output drained (OnClose gets
// ErrShutdown) and waits for Run to return. When ctx ends first, the remaining connections are
// closed at once and Shutdown returns ctx.Err(). It may be called from any goroutine except a loop.
func (l *Loop) Shutdown(ctx context.Context) error {
	prev := l.state.Swap(loopStopped)
	switch prev {
	case loopNew:
		// Never ran: release what Listen and New opened.
		for _, lp := range l.loops {
			lp.stop()
		}
		close(l.done)
		return nil
	case loopStopped:
		<-l.done
		return nil
	}
	for _, lp := range l.loops {
		lp.post(lp.drain)
	}
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		for _, lp := range l.loops {
			lp.post(lp.forceClose)
		}
		<-l.done
		return ctx.Err()
	}
}

// Stats sums the counters of all loops. It may be called from any goroutine.
func (l *Loop) Stats() Stats {
	var s Stats
	for _, lp := range l.loops {
		st := &lp.stats
		s.Conns += st.conns.Load()
		s.Accepted += st.accepted.Load()
		s.Dialed += st.dialed.Load()
		s.Closed += st.closed.Load()
		s.BytesRead += st.bytesRead.Load()
		s.BytesWritten += st.bytesWritten.Load()
		s.Reads += st.reads.Load()
		s.Writes += st.writes.Load()
		s.Wakeups += st.wakeups.Load()
		s.Polls += st.polls.Load()
		s.Events += st.events.Load()
		s.AcceptPauses += st.acceptPauses.Load()
		s.Timeouts += st.timeouts.Load()
	}
	return s
}

func (l *Loop) logger() *slog.Logger { return l.cfg.Logger }

// post queues fn to run on the loop. It reports false when the loop is gone.
func (lp *loop) post(fn func()) bool {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.dead {
		return false
	}
	lp.tasks = append(lp.tasks, fn)
	lp.wakeLocked()
	return true
}

// enqueue puts c in the wake list (AsyncWrite, Wake, Close from any goroutine).
func (lp *loop) enqueue(c *Conn) {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if lp.dead {
		return
	}
	lp.wakes = append(lp.wakes, c)
	lp.wakeLocked()
}

// wakeLocked writes the wake fd unless a wake-up is already pending. lp.mu keeps the fd open.
func (lp *loop) wakeLocked() {
	if lp.wakePending.CompareAndSwap(false, true) {
		lp.p.wake()
	}
}

func (lp *loop) nanotime() int64 { return int64(time.Since(lp.epoch)) }

func (lp *loop) run() {
	if lp.cfg.LockOSThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	lp.now = lp.nanotime()
	lp.wheel.next = lp.now + lp.wheel.tick
	lp.handleWakes()
	msec := 0
	for {
		n, err := lp.p.wait(msec)
		if err != nil {
			if lg := lp.l.logger(); lg != nil {
				lg.Error("eventloop: poll", "err", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		lp.stats.polls.Add(1)
		lp.stats.events.Add(uint64(n))
		lp.now = lp.nanotime()
		for i := 0; i < n; i++ {
			fd, r, w, hup := lp.p.event(i)
			lp.dispatch(fd, r, w, hup)
		}
		if lp.wheel.count > 0 {
			lp.wheel.advance(lp.now, lp.expire)
		}
		if len(lp.timers) > 0 {
			lp.runTimers()
		}
		if lp.draining && lp.nconns == 0 && len(lp.dials) == 0 {
			break
		}
		if n > 0 {
			// Busy: look again without blocking, so a loaded loop never parks its thread.
			msec = 0
			continue
		}
		if msec == 0 {
			// Idle after a busy spell: let other goroutines run before blocking.
			runtime.Gosched()
		}
		msec = lp.timeout()
	}
	lp.stop()
}

// timeout returns the poll timeout in milliseconds until the next timer (or block, -1).
func (lp *loop) timeout() int {
	next := int64(-1)
	if lp.wheel.count > 0 {
		next = lp.wheel.next
	}
	for _, t := range lp.timers {
		if next < 0 || t.at < next {
			next = t.at
		}
	}
	if next < 0 {
		return -1
	}
	d := (next - lp.now + int64(time.Millisecond) - 1) / int64(time.Millisecond)
	if d < 1 {
		d = 1
	}
	return int(d)
}

// stop marks the loop dead and releases its fds; tasks posted before see draining and clean up.
func (lp *loop) stop() {
	lp.draining = true
	lp.mu.Lock()
	lp.dead = true
	tasks := lp.tasks
	lp.tasks = nil
	lp.mu.Unlock()
	for _, t := range tasks {
		t()
	}
	for _, ln := range lp.listeners {
		lp.closeListener(ln)
	}
	for _, c := range lp.conns {
		if c != nil {
			lp.closeConn(c, ErrShutdown)
		}
	}
	lp.p.close()
}

func (lp *loop) dispatch(fd int, r, w, hup bool) {
	if fd == lp.wakeFd {
		lp.p.drainWake()
		lp.handleWakes()
		return
	}
	if fd < len(lp.conns) {
		if c := lp.conns[fd]; c != nil {
			lp.connEvent(c, r, w, hup)
			return
		}
	}
	if ln, ok := lp.listeners[fd]; ok {
		lp.accept(ln)
	}
}

func (lp *loop) handleWakes() {
	lp.wakePending.Store(false)
	lp.mu.Lock()
	tasks, wakes := lp.tasks, lp.wakes
	lp.tasks, lp.wakes = lp.spareTasks[:0], lp.spareWakes[:0]
	lp.mu.Unlock()
	lp.stats.wakeups.Add(1)
	for i, t := range tasks {
		t()
		tasks[i] = nil
	}
	for i, c := range wakes {
		wakes[i] = nil
		c.mu.Lock()
		af := c.aflags
		c.aflags = 0
		var buf []byte
		if len(c.out) <= lp.cfg.WriteHighWatermark {
			buf, c.async = c.async, nil
		} else if len(c.async) > 0 {
			// Hold it back until the queue drains: AsyncWrite reports ErrQueueFull meanwhile.
			c.flags |= fAsyncHeld
		}
		c.mu.Unlock()
		st := c.state.Load()
		if st == stateClosed {
			continue
		}
		if st == stateOpen && len(buf) > 0 {
			lp.send(c, buf)
		}
		if af&aWake != 0 && c.state.Load() == stateOpen {
			callWritable(lp.h, c)
		}
		lp.settle(c)
	}
	lp.spareTasks, lp.spareWakes = tasks[:0], wakes[:0]
}

func (lp *loop) addListener(ln *listener) {
	if lp.draining {
		lp.closeListener(ln)
		return
	}
	if err := lp.p.add(ln.fd, true, false); err != nil {
		lp.closeListener(ln)
		if lg := lp.l.logger(); lg != nil {
			lg.Error("eventloop: register listener", "err", err)
		}
		return
	}
	lp.listeners[ln.fd] = ln
}

func (lp *loop) closeListener(ln *listener) {
	delete(lp.listeners, ln.fd)
	unix.Close(ln.fd)
	if ln.path != "" {
		os.Remove(ln.path)
	}
}

// accept takes a batch of connections; the listener is level-triggered, so the rest come next round.
func (lp *loop) accept(ln *listener) {
	for i := 0; i < 128; i++ {
		fd, err := accept(ln.fd)
		if err != nil {
			switch err {
			case unix.EAGAIN:
			case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
				lp.pauseListener(ln, err)
			case unix.ECONNABORTED, unix.EINTR, unix.EPROTO:
				continue
			default:
				if lg := lp.l.logger(); lg != nil {
					lg.Error("eventloop: accept", "err", err)
				}
			}
			return
		}
		lp.stats.accepted.Add(1)
		if ln.tcp && !lp.cfg.TCPDelay {
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		}
		if !reusePortBalances && len(lp.l.loops) > 1 {
			if to := lp.l.pick(); to != lp {
				if !to.post(func() { to.openAccepted(fd) }) {
					unix.Close(fd)
				}
				continue
			}
		}
		lp.openAccepted(fd)
	}
}

// pauseListener stops accepting for AcceptBackoff: out of fds, accept would fail again at once and
// the level-triggered listener would spin the loop.
func (lp *loop) pauseListener(ln *listener, err error) {
	if ln.paused {
		return
	}
	lp.stats.acceptPauses.Add(1)
	if lg := lp.l.logger(); lg != nil {
		lg.Warn("eventloop: accept paused", "err", err, "for", lp.cfg.AcceptBackoff)
	}
	ln.paused = true
	lp.p.del(ln.fd, true, false)
	lp.timers = append(lp.timers, timer{at: lp.now + int64(lp.cfg.AcceptBackoff), fn: func() {
		ln.paused = false
		if _, ok := lp.listeners[ln.fd]; ok && !lp.draining {
			lp.p.add(ln.fd, true, false)
		}
	}})
}

func (lp *loop) runTimers() {
	ts := lp.timers
	keep := ts[:0]
	var due []func()
	for _, t := range ts {
		if t.at <= lp.now {
			due = append(due, t.fn)
		} else {
			keep = append(keep, t)
		}
	}
	lp.timers = keep
	for _, fn := range due {
		fn()
	}
}

func (lp *loop) insert(c *Conn) {
	fd := int(c.fd)
	if fd >= len(lp.conns) {
		n := 2 * len(lp.conns)
		if n <= fd {
			n = fd + 1024
		}
		t := make([]*Conn, n)
		copy(t, lp.conns)
		lp.conns = t
	}
	lp.conns[fd] = c
	lp.nconns++
	lp.stats.conns.Add(1)
}

func (lp *loop) openAccepted(fd int) {
	if lp.draining {
		unix.Close(fd)
		return
	}
	c := &Conn{lp: lp, fd: int32(fd)}
	if err := lp.p.add(fd, true, false); err != nil {
		unix.Close(fd)
		return
	}
	c.flags = fRegR
	lp.insert(c)
	lp.open(c)
}

func (lp *loop) open(c *Conn) {
	c.state.Store(stateOpen)
	if lp.idle > 0 {
		c.idleAt = lp.now + lp.idle
	}
	if lp.cfg.HandshakeTimeout > 0 {
		c.deadline = lp.now + int64(lp.cfg.HandshakeTimeout)
	}
	lp.arm(c)
	callOpen(lp.h, c)
	lp.settle(c)
}

func (lp *loop) startDial(c *Conn, ch chan error) {
	fd := int(c.fd)
	if lp.draining {
		unix.Close(fd)
		c.state.Store(stateClosed)
		ch <- ErrShutdown
		return
	}
	if err := lp.p.add(fd, false, true); err != nil {
		unix.Close(fd)
		c.state.Store(stateClosed)
		ch <- err
		return
	}
	c.flags = fRegW | fConnecting
	lp.insert(c)
	lp.dials[c] = ch
}

func (lp *loop) finishDial(c *Conn) {
	fd := int(c.fd)
	ch := lp.dials[c]
	delete(lp.dials, c)
	errno, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && errno != 0 {
		err = unix.Errno(errno)
	}
	if err == nil {
		err = lp.p.mod(fd, false, true, true, false)
	}
	if err != nil {
		lp.drop(c)
		ch <- os.NewSyscallError("connect", err)
		return
	}
	c.flags = fRegR
	lp.stats.dialed.Add(1)
	lp.open(c)
	ch <- nil
}

func (lp *loop) cancelDial(c *Conn, err error) {
	if ch, ok := lp.dials[c]; ok {
		delete(lp.dials, c)
		lp.drop(c)
		ch <- err
		return
	}
	if c.state.Load() != stateClosed {
		lp.closeConn(c, err)
	}
}

// drop removes a connection that never opened.
func (lp *loop) drop(c *Conn) {
	lp.conns[c.fd] = nil
	lp.nconns--
	lp.stats.conns.Add(-1)
	c.state.Store(stateClosed)
	unix.Close(int(c.fd))
}

// arm makes sure the timing wheel looks at c no later than its expiry.
func (lp *loop) arm(c *Conn) {
	at := c.expiry()
	if at == 0 || c.wheelAt != 0 && c.wheelAt <= at {
		return
	}
	if lp.wheel.count == 0 && lp.wheel.next < lp.now {
		lp.wheel.next = lp.now + lp.wheel.tick
	}
	c.wheelAt = lp.wheel.add(c, at)
}

func (lp *loop) expire(c *Conn) {
	lp.stats.timeouts.Add(1)
	err := c.closeErr
	if err == nil || c.flags&fClosing == 0 {
		err = ErrTimeout
	}
	lp.closeConn(c, err)
}

func (lp *loop) connEvent(c *Conn, r, w, hup bool) {
	if c.flags&fConnecting != 0 {
		if w || hup {
			lp.finishDial(c)
		}
		return
	}
	if w && len(c.out) > 0 {
		lp.flush(c)
		if c.state.Load() == stateClosed {
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
		}
		lp.closeConn(c, err)
	}
}

func (lp *loop) read(c *Conn) {
	n, err := readFD(int(c.fd), lp.buf)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return
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
		c.idleAt = lp.now + lp.idle
	}
	data := lp.buf[:n]
	if len(c.in) > 0 {
		c.in = append(c.in, data...)
		data = c.in
	}
	k := callData(lp.h, c, data)
	if k < 0 {
		k = 0
	} else if k > len(data) {
		k = len(data)
	}
	if c.state.Load() != stateOpen {
		c.in = nil
		lp.settle(c)
		return
	}
	rest := data[k:]
	switch {
	case len(rest) == 0:
		c.in = nil
	case len(c.in) > 0:
		c.in = c.in[:copy(c.in, rest)]
	default:
		c.in = append(make([]byte, 0, max(len(rest), 512)), rest...)
	}
	if len(c.in) > lp.cfg.MaxPendingInput {
		lp.fail(c, ErrInputTooLarge)
	}
	lp.settle(c)
}

// peerClosed handles EOF: stop reading, send what is queued, then close with io.EOF.
func (lp *loop) peerClosed(c *Conn) {
	c.flags |= fEOF
	c.in = nil
	if c.state.CompareAndSwap(stateOpen, stateClosing) {
		c.closeErr = io.EOF
	}
	lp.settle(c)
}

// fail closes c with err as soon as the current callback returns, without draining its queue.
func (lp *loop) fail(c *Conn, err error) {
	if c.state.CompareAndSwap(stateOpen, stateClosing) || c.closeErr == nil {
		c.closeErr = err
	}
	c.flags |= fAbort
}

// settle finishes a close that a callback, another goroutine or an error requested.
func (lp *loop) settle(c *Conn) {
	if c.state.Load() != stateClosing || c.flags&fClosing != 0 && c.flags&fAbort == 0 {
		return
	}
	c.flags |= fClosing
	if c.flags&fAbort != 0 || len(c.out) == 0 {
		lp.closeConn(c, c.closeErr)
		return
	}
	c.deadline = lp.now + int64(lp.cfg.CloseTimeout)
	c.idleAt = 0
	lp.arm(c)
	lp.interest(c)
}

// interest brings the poller registration in line with what c needs.
func (lp *loop) interest(c *Conn) {
	r := c.flags&(fPaused|fEOF|fClosing) == 0
	w := len(c.out) > 0
	oldR, oldW := c.flags&fRegR != 0, c.flags&fRegW != 0
	if r == oldR && w == oldW {
		return
	}
	if err := lp.p.mod(int(c.fd), oldR, oldW, r, w); err != nil {
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
	n, err := writeFD(int(c.fd), c.out)
	lp.stats.writes.Add(1)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		lp.closeConn(c, os.NewSyscallError("write", err))
		return
	}
	lp.stats.bytesWritten.Add(uint64(n))
	c.out = c.out[n:]
	if len(c.out) == 0 {
		c.out = nil
		if c.flags&fShutWr != 0 && c.flags&fWrShut == 0 {
			c.flags |= fWrShut
			unix.Shutdown(int(c.fd), unix.SHUT_WR)
		}
	}
	if len(c.out) <= lp.cfg.WriteLowWatermark {
		c.flags &^= fPaused
	}
	if c.flags&fClosing != 0 {
		if len(c.out) == 0 {
			lp.closeConn(c, c.closeErr)
			return
		}
		lp.interest(c)
		return
	}
	if len(c.out) <= lp.cfg.WriteLowWatermark && c.flags&fAsyncHeld != 0 {
		c.flags &^= fAsyncHeld
		c.mu.Lock()
		buf := c.async
		c.async = nil
		c.mu.Unlock()
		if len(buf) > 0 && c.state.Load() == stateOpen {
			lp.send(c, buf)
		}
	}
	lp.interest(c)
	if len(c.out) <= lp.cfg.WriteLowWatermark && c.flags&fWantWritable != 0 && c.state.Load() == stateOpen {
		c.flags &^= fWantWritable
		callWritable(lp.h, c)
		lp.settle(c)
	}
}

// closeConn closes c now and calls OnClose.
func (lp *loop) closeConn(c *Conn, err error) {
	if c.state.Load() == stateClosed {
		return
	}
	c.mu.Lock()
	c.state.Store(stateClosed)
	c.async = nil
	c.mu.Unlock()
	if ch, ok := lp.dials[c]; ok {
		delete(lp.dials, c)
		lp.drop(c)
		ch <- err
		return
	}
	lp.conns[c.fd] = nil
	lp.nconns--
	lp.stats.conns.Add(-1)
	lp.stats.closed.Add(1)
	unix.Close(int(c.fd))
	c.in, c.out = nil, nil
	callClose(lp.h, c, err)
}

// drain starts a graceful shutdown of this loop.
func (lp *loop) drain() {
	lp.draining = true
	for _, ln := range lp.listeners {
		lp.closeListener(ln)
	}
	for _, c := range lp.conns {
		if c == nil {
			continue
		}
		if c.flags&fConnecting != 0 {
			lp.closeConn(c, ErrShutdown)
			continue
		}
		if c.state.CompareAndSwap(stateOpen, stateClosing) {
			c.closeErr = ErrShutdown
		}
		lp.settle(c)
	}
}

func (lp *loop) forceClose() {
	for _, c := range lp.conns {
		if c != nil {
			lp.closeConn(c, ErrShutdown)
		}
	}
}

// Fd returns the socket's file descriptor. Any goroutine; do not use it after OnClose.
func (c *Conn) Fd() int { return int(c.fd) }

// Context returns the context slot set by SetContext or DialOptions.Value.
func (c *Conn) Context() any { return c.ctx }

// SetContext sets the context slot, for the protocol layer's per-connection state.
func (c *Conn) SetContext(v any) { c.ctx = v }

// LocalAddr returns the local address (a syscall; nil after close).
func (c *Conn) LocalAddr() net.Addr {
	sa, err := unix.Getsockname(int(c.fd))
	if err != nil || c.state.Load() == stateClosed {
		return nil
	}
	return sockaddrToAddr(sa)
}

// RemoteAddr returns the peer's address (a syscall; nil after close).
func (c *Conn) RemoteAddr() net.Addr {
	sa, err := unix.Getpeername(int(c.fd))
	if err != nil || c.state.Load() == stateClosed {
		return nil
	}
	return sockaddrToAddr(sa)
}

// Queued returns the number of bytes waiting in the write queue.
func (c *Conn) Queued() int { return len(c.out) }

// Write sends b: directly when the queue is empty, and it queues (copies) what the kernel refused.
// It returns len(b) when b was sent or queued. ErrQueueFull (SlowReaderDrop, or past twice the high
// watermark with SlowReaderPause) means nothing of b was sent, and OnWritable follows once the queue
// drained; ErrSlowReader (SlowReaderClose) means the connection closes.
func (c *Conn) Write(b []byte) (int, error) {
	if c.state.Load() != stateOpen || c.flags&fShutWr != 0 {
		return 0, ErrClosed
	}
	lp := c.lp
	if len(c.out) > 0 {
		if err := lp.admit(c, len(b)); err != nil {
			return 0, err
		}
	}
	if err := lp.send(c, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// send writes b, or queues it behind output already waiting, without admission control.
func (lp *loop) send(c *Conn, b []byte) error {
	if len(c.out) > 0 {
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
	if c.state.Load() != stateOpen || c.flags&fShutWr != 0 {
		return 0, ErrClosed
	}
	lp := c.lp
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if len(c.out) > 0 {
		if err := lp.admit(c, total); err != nil {
			return 0, err
		}
		for _, b := range bufs {
			c.out = append(c.out, b...)
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
	var err2 error
	for _, b := range bufs {
		if n >= len(b) {
			n -= len(b)
			continue
		}
		if err2 = lp.queue(c, b[n:]); err2 != nil {
			break
		}
		n = 0
	}
	return total, err2
}

// admit applies the slow-reader policy before n more bytes join a non-empty queue.
func (lp *loop) admit(c *Conn, n int) error {
	q := len(c.out) + n
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
	c.out = append(c.out, b...)
	if len(c.out) > lp.cfg.WriteHighWatermark {
		switch lp.cfg.SlowReader {
		case SlowReaderClose:
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
// ErrClosed once the connection is closing and with ErrQueueFull when more than twice the high
// watermark waits for the loop.
func (c *Conn) AsyncWrite(b []byte) error {
	c.mu.Lock()
	if c.state.Load() != stateOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	if len(c.async)+len(b) > 2*c.lp.cfg.WriteHighWatermark {
		c.mu.Unlock()
		return ErrQueueFull
	}
	c.async = append(c.async, b...)
	need := c.aflags&aQueued == 0
	c.aflags |= aQueued
	c.mu.Unlock()
	if need {
		c.lp.enqueue(c)
	}
	return nil
}

// Wake makes the loop call OnWritable for c soon. Safe from any goroutine: a producer that keeps
// its own queue calls Wake and writes from OnWritable.
func (c *Conn) Wake() error {
	c.mu.Lock()
	if c.state.Load() != stateOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	need := c.aflags&aQueued == 0
	c.aflags |= aQueued | aWake
	c.mu.Unlock()
	if need {
		c.lp.enqueue(c)
	}
	return nil
}

// Close closes the connection after its queued output is sent (bounded by Config.CloseTimeout);
// OnClose follows with a nil error. Safe from any goroutine; on the loop it takes effect when the
// current callback returns.
func (c *Conn) Close() error {
	c.mu.Lock()
	if !c.state.CompareAndSwap(stateOpen, stateClosing) {
		c.mu.Unlock()
		return ErrClosed
	}
	need := c.aflags&aQueued == 0
	c.aflags |= aQueued
	c.mu.Unlock()
	if need {
		c.lp.enqueue(c)
	}
	return nil
}

// CloseWrite shuts the write side (TCP FIN) once the queued output is sent; reading goes on.
func (c *Conn) CloseWrite() error {
	if c.state.Load() != stateOpen || c.flags&fShutWr != 0 {
		return ErrClosed
	}
	c.flags |= fShutWr
	if len(c.out) == 0 {
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
	if c.state.Load() != stateOpen {
		return ErrClosed
	}
	lp := c.lp
	if t.IsZero() {
		c.deadline = 0
		return nil
	}
	c.deadline = lp.nanotime() + int64(time.Until(t))
	if c.deadline <= 0 {
		c.deadline = 1
	}
	lp.arm(c)
	return nil
}

// expiry is the earliest of the deadline and the idle time (0: none).
func (c *Conn) expiry() int64 {
	d, i := c.deadline, c.idleAt
	switch {
	case d == 0:
		return i
	case i == 0 || d < i:
		return d
	}
	return i
}
