//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Loop states.
const (
	loopNew int32 = iota
	loopRunning
	loopStopped
)

// Connection states, kept in Conn.aflags (see loadState); read by any goroutine.
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
	fUserPaused                      // reading stopped by PauseRead (the loop's view of aPause)
	fParked                          // unregistered after a hang-up while paused, until ResumeRead
	fNew                             // registered during the current batch (kqueue only, see stale)
	fResumed                         // ResumeRead applied: offer the unconsumed input again
	fErrEOF                          // the close error is io.EOF (see closeError)
	fErrShutdown                     // the close error is ErrShutdown
	fErrOther                        // the close error is in io.closeErr
	fInWheel                         // the timing wheel holds c, due at wheelAt
	fFarDeadline                     // the deadline is too far ahead for Conn.deadline: it is in io.farDeadline
	fFarIdle                         // the idle time is too far ahead for Conn.idleAt: it is in io.farIdle

	fErrs = fErrEOF | fErrShutdown | fErrOther
)

// Conn.aflags: flags any goroutine sets, and the state, in one word. A request (see request)
// sets its flag and aQueued with one compare-and-swap that checks the state too; the loop clears
// the async flags with one atomic AND; the address kinds are written once, when the connection
// opens; the state changes with compare-and-swap (see casState).
const (
	aQueued uint32 = 1 << iota // in the loop's wake list
	aWake                      // Wake was called
	aNotify                    // NotifyWritable was called
	aPause                     // PauseRead requested
	aShutWr                    // CloseWrite called: AsyncWrite refuses more

	aAsync = aQueued | aWake | aNotify

	aLocalShift  = 8  // the ip4Kind of Conn.laddr, 2 bits from here
	aRemoteShift = 10 // the ip4Kind of Conn.raddr
	aStateShift  = 12 // the state (stateConnecting...), 2 bits from here

	aState uint32 = 3 << aStateShift
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
	fds   fdTable // the connections of all loops by descriptor

	errOnce sync.Once
	err     error // why a loop stopped on its own (a poller error); set before done closes
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
	acceptPauses, timeouts, acceptDrops atomic.Uint64
	conns atomic.Int64
}

// loop is one event loop: a poller and a shared read buffer; its connections are in the Loop's
// table by fd (fdTable), which all its loops share.
type loop struct {
	l         *Loop
	h         Handler
	cfg       *Config
	p         *poller
	wakeFd    int
	nconns    int // connections of this loop in l.fds
	listeners map[int]*listener
	dials     map[*Conn]dialAttempt
	buf       []byte
	scratch   []byte
	wheel     wheel
	timers    []timer
	epoch     time.Time
	now       int64
	idle      int64
	draining  bool
	gen       uint32  // generation of the last connection registered (see poller)
	fresh     []*Conn // connections registered during the current batch (kqueue only)

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
	ctx      any
	io       *connIO                  // input left unconsumed, output refused, an uncommon close error, far times; nil until needed
	rare     atomic.Pointer[connRare] // addresses that are not both IPv4, AsyncWrite's data and its lock; nil until needed
	deadline uint32                   // loop time in ms, 32 bits (see packTime); 0: none, or fFarDeadline
	idleAt   uint32                   // loop time in ms, 32 bits (see packTime); 0: none, or fFarIdle
	wheelAt  uint32                   // the wheel's firing due to look at c (see wheel); valid with fInWheel
	fd       int32
	flags    uint32
	gen      uint32        // generation in the poller's registration; never 0
	aflags   atomic.Uint32 // aQueued..., the address kinds and the state
	laddr    ip4Port       // IPv4 addresses read when the connection opened (unless rare.far is set)
	raddr    ip4Port       //
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
			dials:     map[*Conn]dialAttempt{},
			buf:       make([]byte, cfg.ReadBufferSize),
			epoch:     time.Now(),
		}
		if cfg.IdleTimeout > 0 {
			lp.idle = int64(cfg.IdleTimeout)
		}
		// A coarser tick would leave a connection's 32-bit times unread too long (see packTime).
		lp.wheel.init(min(int64(cfg.TimerResolution), maxTick), 0)
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

// Run serves until Shutdown: the first loop on the calling goroutine, the others on their own.
// It returns nil after Shutdown, ErrRunning if the loop already runs, ErrClosed after Shutdown.
// A loop whose poller fails (epoll_wait or kevent returns an error other than EINTR) closes its
// connections with that error and stops every other loop as Shutdown does; Run then returns the
// error, wrapped.
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
	return l.err
}

// abort records err, the first reason a loop stopped on its own, and stops the other loops.
func (l *Loop) abort(err error) {
	l.errOnce.Do(func() { l.err = err })
	l.state.Store(loopStopped)
	for _, lp := range l.loops {
		lp.post(lp.drain)
	}
}

// Shutdown stops accepting, closes every connection after its queued output drained (OnClose gets
// ErrShutdown), ends the Dials still connecting (they return ErrShutdown) and waits for Run to
// return. When ctx ends first, the remaining connections are closed at once and Shutdown returns
// ctx.Err(). It may be called from any goroutine except a loop.
func (l *Loop) Shutdown(ctx context.Context) error {
	prev := l.state.Swap(loopStopped)
	switch prev {
	case loopNew:
		// Never ran: release what Listen and New opened.
		for _, lp := range l.loops {
			lp.stop(ErrShutdown)
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
		s.AcceptDrops += st.acceptDrops.Load()
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
	} else {
		// Wait on the runtime's netpoller: no thread blocked in the poller (see poller.park).
		lp.p.park()
	}
	lp.now = lp.nanotime()
	lp.wheel.next = lp.now + lp.wheel.tick
	lp.handleWakes()
	msec := 0
	for {
		n, err := lp.p.wait(msec)
		if err != nil {
			// Not EINTR (wait retries that): the poller is unusable, and waiting again would only
			// fail again.
			err = fmt.Errorf("eventloop: poll: %w", err)
			if lg := lp.l.logger(); lg != nil {
				lg.Error("eventloop: poller failed, loop stops", "err", err)
			}
			lp.stop(err)
			lp.l.abort(err)
			return
		}
		lp.stats.polls.Add(1)
		lp.stats.events.Add(uint64(n))
		lp.now = lp.nanotime()
		lp.events(n)
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
	lp.stop(ErrShutdown)
}

// events dispatches the n events of the batch the poller just returned.
func (lp *loop) events(n int) {
	for i, c := range lp.fresh {
		c.flags &^= fNew
		lp.fresh[i] = nil
	}
	lp.fresh = lp.fresh[:0]
	for i := 0; i < n; i++ {
		fd, gen, r, w, hup := lp.p.event(i)
		lp.dispatch(fd, gen, r, w, hup)
	}
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
// The connections still open are closed with err.
func (lp *loop) stop(err error) {
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
	lp.l.fds.each(lp, func(c *Conn) { lp.closeConn(c, err) })
	lp.p.close()
}

func (lp *loop) dispatch(fd int, gen uint32, r, w, hup bool) {
	if fd == lp.wakeFd {
		lp.p.drainWake()
		lp.handleWakes()
		return
	}
	if c := lp.l.fds.get(fd); c != nil {
		// Another loop's connection: this event is left from a descriptor
		// this loop closed, which the kernel gave to that connection.
		if c.lp != lp || lp.stale(c, gen) {
			return
		}
		lp.connEvent(c, r, w, hup)
		return
	}
	if ln, ok := lp.listeners[fd]; ok {
		lp.accept(ln)
	}
}

// stale reports whether an event of the current batch, registered with generation gen, was meant
// for an earlier holder of c's fd: one closed while this batch was being handled, its fd reused
// at once by c. With epoll the generation in the event data says so; with kqueue, which carries
// none, any event for a connection registered during this batch predates it (fNew).
func (lp *loop) stale(c *Conn, gen uint32) bool {
	if pollerGen {
		return c.gen != gen
	}
	return c.flags&fNew != 0
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

// nextGen returns the generation of a new registration: never 0, which listeners and the wake fd use.
func (lp *loop) nextGen() uint32 {
	lp.gen++
	if lp.gen == 0 {
		lp.gen = 1
	}
	return lp.gen
}

func (lp *loop) insert(c *Conn) {
	fd := int(c.fd)
	if !pollerGen {
		c.flags |= fNew
		lp.fresh = append(lp.fresh, c)
	}
	lp.l.fds.set(fd, c)
	lp.nconns++
}

// arm makes sure the timing wheel looks at c no later than its expiry.
func (lp *loop) arm(c *Conn) {
	at := c.expiry()
	if at == 0 || c.flags&fInWheel != 0 && lp.wheel.due(c.wheelAt) <= at {
		return
	}
	if lp.wheel.count == 0 && lp.wheel.next < lp.now {
		lp.wheel.next = lp.now + lp.wheel.tick
	}
	c.wheelAt = lp.wheel.add(c, at)
	c.flags |= fInWheel
}

func (lp *loop) expire(c *Conn) {
	lp.stats.timeouts.Add(1)
	err := c.closeError()
	if err == nil || c.flags&fClosing == 0 {
		err = ErrTimeout
	}
	lp.closeConn(c, err)
}

// drain starts a graceful shutdown of this loop.
func (lp *loop) drain() {
	lp.draining = true
	for _, ln := range lp.listeners {
		lp.closeListener(ln)
	}
	lp.l.fds.each(lp, func(c *Conn) {
		if c.flags&fConnecting != 0 {
			lp.closeConn(c, ErrShutdown)
			return
		}
		if c.casState(stateOpen, stateClosing) {
			c.setCloseError(ErrShutdown)
		}
		lp.settle(c)
	})
}

func (lp *loop) forceClose() {
	lp.l.fds.each(lp, func(c *Conn) { lp.closeConn(c, ErrShutdown) })
}
