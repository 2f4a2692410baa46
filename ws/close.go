package ws

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// finished returns the connection's final error once it has one.
func (c *Conn) finished() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cerr := c.closeErr(); cerr != nil {
		return cerr
	}
	return nil
}

// peerClosed answers the peer's close frame and finishes the connection.
// One deadline bounds the whole handshake: the one set when our close
// frame went out (Close, fail), or, if the peer's came first, one set now.
func (c *Conn) peerClosed(ev Event) error {
	c.mu.Lock()
	sent := c.has(flagCloseSent)
	c.setFlag(flagCloseSent, true)
	cerr := c.setCloseErr(&CloseError{Code: ev.Code, Reason: string(ev.Reason), WasClean: true})
	var closing, writing chan struct{}
	var deadline time.Time // of the whole handshake (zero: CloseTimeout off)
	if !c.push {
		if sent {
			closing = c.p.closing
			if c.p.closeDL != 0 {
				deadline = time.Unix(0, c.p.closeDL)
			}
		} else {
			deadline = c.closeDeadline()
			c.boundWritesLocked(deadline)
			writing = c.publishClosingLocked()
		}
	}
	c.mu.Unlock()
	if !sent || c.push {
		// Echo the peer's code (§5.5.1); an empty close gets an empty one.
		// In push mode also when a Close took the handshake but has not
		// queued its frame yet: the queue takes one close frame only (if
		// Close's is there, this one is refused), and Close's would come
		// too late, after the connection ended (shutdown).
		var b [2]byte
		_ = c.writeClose(AppendClosePayload(b[:0], ev.Code, ""))
		if writing != nil {
			close(writing)
		}
	} else if closing != nil {
		// Another is sending ours (within its deadline): closing the
		// socket now would cut it.
		c.awaitClosing(closing)
	}
	if c.role == RoleClient && !c.push && !deadline.IsZero() {
		// The server closes TCP first (§7.1.1): wait for it, until the
		// handshake's deadline (not a new CloseTimeout from now). With
		// CloseTimeout off the handshake ends with the close frames: a
		// server that keeps TCP open would hold this side for ever.
		_ = c.nc.SetReadDeadline(deadline)
		_, _ = io.Copy(io.Discard, c.nc)
	}
	c.shutdown()
	return cerr
}

// fail closes the connection because of a protocol error (§7.1.7).
func (c *Conn) fail(err error) error {
	var pe *ProtocolError
	code := StatusProtocolError
	if errors.As(err, &pe) {
		code = pe.Code
	}
	c.mu.Lock()
	sent := c.has(flagCloseSent)
	c.setFlag(flagCloseSent, true)
	if c.closeErr() == nil {
		c.setCloseErr(&CloseError{Code: code, Reason: err.Error()})
	}
	deadline := c.closeDeadline()
	var closing, writing chan struct{}
	if !sent && !c.opts.FailByDrop && !c.push {
		c.boundWritesLocked(deadline)
		writing = c.publishClosingLocked()
	}
	if sent && !c.push {
		closing = c.p.closing
	}
	c.mu.Unlock()
	c.debug("ws: failing connection", "err", err)
	if (!sent || c.push) && !c.opts.FailByDrop {
		// In push mode also when a Close took the handshake but has not
		// queued its frame yet, as in peerClosed.
		var b [128]byte
		werr := c.writeClose(AppendClosePayload(b[:0], code, ""))
		if writing != nil {
			close(writing)
		}
		if werr == nil {
			c.linger(deadline)
		}
	} else if closing != nil {
		// Another is sending ours (within its deadline): closing the
		// socket now would cut it, as in peerClosed.
		c.awaitClosing(closing)
	}
	c.shutdown()
	return err
}

// publishClosingLocked publishes that the caller, which took the close
// handshake (flagCloseSent), is writing the close frame: whoever ends the
// connection meanwhile (peerClosed, fail) waits for the returned channel,
// which the caller closes once the frame is written or failed, instead of
// cutting the frame short. c.mu must be held; pull mode.
func (c *Conn) publishClosingLocked() chan struct{} {
	ch := make(chan struct{})
	c.p.closing = ch
	return ch
}

// awaitClosing waits until the close frame that another goroutine writes
// (closing, published by publishClosingLocked) is written or failed. Its
// write is bounded by the close deadline (boundWritesLocked), or, with
// CloseTimeout off, by CloseNow.
func (c *Conn) awaitClosing(closing chan struct{}) {
	if h := closingHook.Load(); h != nil {
		(*h)(c)
	}
	<-closing
}

// closingHook, set by tests only, runs when awaitClosing begins to wait.
var closingHook atomic.Pointer[func(*Conn)]

// pushCloseHook, set by tests only, runs when a push-mode Close has taken
// the close handshake (flagCloseSent) and not yet queued its frame.
var pushCloseHook atomic.Pointer[func(*Conn)]

// debug logs msg with the peer's address and args at Debug level, if the
// Logger takes Debug: the address (a net.Addr made on each call on the
// loop) is not made for nothing.
func (c *Conn) debug(msg string, args ...any) {
	if l := c.opts.Logger; l != nil && l.Enabled(context.Background(), slog.LevelDebug) {
		l.Debug(msg, append([]any{"remote", c.nc.RemoteAddr()}, args...)...)
	}
}

// drop ends the connection without a close handshake and returns its final
// error.
func (c *Conn) drop(cause error) error {
	c.mu.Lock()
	cerr := c.closeErr()
	first := cerr == nil
	if first {
		cerr = c.setCloseErr(&CloseError{Code: StatusAbnormalClosure, Err: cause})
	}
	c.mu.Unlock()
	if first {
		c.debug("ws: dropping connection", "cause", cause)
	}
	c.shutdown()
	return cerr
}

// linger half-closes the connection and discards input until the peer
// closes or deadline passes (zero: CloseTimeout is off, no bound), so that
// closing does not reset the connection while the peer's data is unread
// (which could destroy our close frame).
// The bound is a timer that ends the connection: the read deadline is not
// linger's alone when fail runs on a writer's goroutine, as a reader
// clears or moves it (read clears awaitHot's), and a peer that neither
// sends nor closes would then hold the socket, and the writer, for ever.
func (c *Conn) linger(deadline time.Time) {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil || c.push {
		return // in push mode the driver discards input until the peer closes
	}
	if !deadline.IsZero() {
		t := time.AfterFunc(time.Until(deadline), c.shutdown)
		defer t.Stop()
	}
	_ = c.nc.SetReadDeadline(deadline)
	if h := lingerHook.Load(); h != nil {
		(*h)(c)
	}
	_, _ = io.Copy(io.Discard, c.nc)
}

// lingerHook, set by tests only, runs once linger has set its deadline.
var lingerHook atomic.Pointer[func(*Conn)]

func (c *Conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.has(flagEnded) {
		return
	}
	c.setFlag(flagEnded, true)
	if r := c.rare.Load(); r != nil && r.done != nil {
		close(r.done)
	}
	if c.out != nil {
		// What is queued stays for the driver, which sends it before it
		// closes its socket (PushOutput); nothing more joins it.
		c.endOutput()
	}
	if !c.push {
		idleCancel(c) // a waiter of AwaitInputFunc: its socket closes without an event
	}
	_ = c.nc.Close()
	if c.opts.PingInterval > 0 {
		keepaliveOf(c).remove(c)
	}
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.rareOf()
	if r.done == nil {
		// Made on demand: most connections never need it.
		r.done = make(chan struct{})
		if c.has(flagEnded) {
			close(r.done)
		}
	}
	return r.done
}

// Err returns how the connection ended: nil while it is open, then (in
// OnClose, and once Done is closed) an error matching ErrClosed, a
// *CloseError but for rare ends. Of a connection dropped without a close
// handshake (StatusAbnormalClosure, which Handler.OnClose reports with no
// reason) it tells the cause, where known, for errors.Is: the peer went
// away (io.EOF), ErrPingTimeout, a read's or write's error, CloseNow
// (ErrClosed), or what an event-loop driver dropped the connection for
// (eventloop.ErrTimeout, eventloop.ErrSlowReader, ...).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cerr := c.closeErr(); cerr != nil {
		return cerr
	}
	if c.has(flagEnded) {
		return ErrClosed
	}
	return nil
}

// Close starts the closing handshake with code and reason (UTF-8, cut to
// 123 bytes; StatusNoStatusReceived sends an empty close frame), waits up
// to Options.CloseTimeout for the peer's answer (with CloseTimeout off,
// until the peer answers or closes, or CloseNow ends the connection) and
// closes the TCP connection. It is safe to call more than once and
// concurrently with reads and writes; if no goroutine is reading, Close
// reads (and discards) until the peer's close frame arrives. A read under
// way in another goroutine goes on (and may end with the peer's close);
// once it returns, Close does the reading, so that a reader that stops at
// some message does not leave the answer unread (a later read then waits
// for Close and returns the connection's end). On a push-mode
// connection (an event-loop driver) Close returns once the close frame is
// queued: the driver's loop reads the answer, and the connection is dropped
// if none comes within Options.CloseTimeout.
func (c *Conn) Close(code StatusCode, reason string) error {
	if code != StatusNoStatusReceived && !code.ValidOnWire() {
		return errors.New("ws: close code " + code.String() + " may not be sent")
	}
	if !utf8.ValidString(reason) {
		return errors.New("ws: close reason is not UTF-8")
	}
	c.mu.Lock()
	if c.has(flagCloseSent) {
		c.mu.Unlock()
		if c.push {
			return nil
		}
		var expired <-chan time.Time // nil, never ready, with CloseTimeout off
		if ct := c.opts.CloseTimeout; ct > 0 {
			t := time.NewTimer(ct)
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-c.Done():
		case <-expired:
			c.drop(errNoCloseAnswer)
		}
		return nil
	}
	c.setFlag(flagCloseSent, true)
	deadline := c.closeDeadline()
	var closing chan struct{} // pull mode: closed once the frame is written
	if c.out == nil {
		c.boundWritesLocked(deadline)
		closing = c.publishClosingLocked()
	}
	c.mu.Unlock()
	var b [128]byte
	if c.out != nil {
		// Queued like every write; the driver's loop reads the answer
		// (Feed), so it must read again if it was paused, and waiting
		// here could block that loop.
		c.ResumeRead()
		if h := pushCloseHook.Load(); h != nil {
			(*h)(c)
		}
		if err := c.pushControl(OpClose, AppendClosePayload(b[:0], code, reason)); err != nil {
			if c.closedClean() {
				// The peer's close frame came after we took the
				// handshake and before our frame was queued: the loop
				// answered it (peerClosed), and the close was clean,
				// as pull mode's Close reports in the same crossing.
				return nil
			}
			c.drop(err)
			return err
		}
		if !deadline.IsZero() {
			c.closeTimer(deadline)
		}
		return nil
	}
	err := c.writeFrame(context.Background(), OpClose, 0, true, AppendClosePayload(b[:0], code, reason), deadline)
	close(closing)
	if err != nil {
		c.drop(err)
		return err
	}
	c.readCloseAnswer(deadline)
	c.mu.Lock()
	if c.closeErr() == nil {
		// No close frame came back within CloseTimeout: the connection is
		// dropped, and ends with 1006 (RFC 6455 §7.1.5) as in push mode
		// and as Server.Shutdown's drop at the same moment says.
		c.setCloseErr(&CloseError{Code: StatusAbnormalClosure, Err: errNoCloseAnswer})
	}
	c.mu.Unlock()
	c.shutdown()
	return nil
}

// closedClean reports whether the connection ended with a clean close
// handshake.
func (c *Conn) closedClean() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cerr := c.closeErr()
	return cerr != nil && cerr.WasClean
}

// readCloseAnswer reads and discards input until the peer's close frame
// ends the connection, or until deadline (zero: none); pull mode. While
// another goroutine reads, the connection ends through its reads, but that
// goroutine may stop at any message (a WAMP session stops at the router's
// GOODBYE): then nobody would read the peer's answer, and the connection
// would be dropped at deadline. So Close takes over reading as soon as the
// reader lets go of the read lock (unlockRead wakes it).
func (c *Conn) readCloseAnswer(deadline time.Time) {
	wake := make(chan struct{}, 1)
	c.p.readFree.Store(&wake) // before TryLock: a reader that holds rmu now sees it when it lets go
	defer c.p.readFree.Store(nil)
	var t *time.Timer
	var expired <-chan time.Time // nil, never ready, with no deadline
	for !c.rmu.TryLock() {
		if t == nil && !deadline.IsZero() {
			t = time.NewTimer(time.Until(deadline))
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-c.Done():
			return
		case <-expired:
			return
		case <-wake:
		}
	}
	defer c.rmu.Unlock()
	c.p.hotDL = 0 // this deadline is not awaitHot's: read keeps it
	_ = c.nc.SetReadDeadline(deadline)
	c.detachRead()
	for {
		if _, err := c.nextEvent(context.Background()); err != nil {
			return
		}
	}
}

// unlockRead lets go of the read lock (pull mode) and wakes a Close that
// waits for it to read the peer's answer (readCloseAnswer).
func (c *Conn) unlockRead() {
	c.rmu.Unlock()
	if w := c.p.readFree.Load(); w != nil {
		select {
		case *w <- struct{}{}:
		default:
		}
	}
}

// errNoCloseAnswer is what dropped a connection whose peer did not answer
// our close frame within CloseTimeout (CloseError.Err).
var errNoCloseAnswer = errors.New("ws: no close frame from the peer within CloseTimeout")

// boundWritesLocked bounds every write from now on by deadline, the one
// under way too: it holds the frame lock that the close frame needs, and
// it may be stuck on a peer that reads nothing, with no deadline of its
// own. Writers set their deadline under c.mu and never past closeDL, so
// none can undo this. A zero deadline (CloseTimeout off) bounds nothing.
// c.mu must be held; pull mode.
func (c *Conn) boundWritesLocked(deadline time.Time) {
	if deadline.IsZero() {
		return
	}
	c.p.closeDL = deadline.UnixNano()
	_ = c.nc.SetWriteDeadline(deadline)
	c.p.wdl, c.p.wdlSet = c.p.closeDL, true
}

// closeDeadline is the deadline of a close handshake that starts now:
// Options.CloseTimeout from now, or none (the zero time) if it is off
// (negative, resolved to 0). Off, nothing but the peer (its close frame,
// or its end of the connection) or CloseNow (Server.Shutdown's context)
// ends the wait.
func (c *Conn) closeDeadline() time.Time {
	if c.opts.CloseTimeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(c.opts.CloseTimeout)
}

// closeTimer drops a push-mode connection still open at deadline; the
// timer goes with the connection's end (shutdown).
func (c *Conn) closeTimer(deadline time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.has(flagEnded) {
		return
	}
	q := c.out
	q.mu.Lock()
	defer q.mu.Unlock()
	if r := c.outRareLocked(); r.closeT == nil {
		r.closeT = time.AfterFunc(time.Until(deadline), func() { c.drop(errNoCloseAnswer) })
	}
}
