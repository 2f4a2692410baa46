package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/autobahn-go/autobahn/internal/tlsrec"

	"github.com/autobahn-go/autobahn/ws"
	"golang.org/x/sys/unix"
)

// Bounds of the uring engine.
const (
	// uringRecvBuf is each connection's receive buffer: one recv per
	// connection is in flight at a time, into it.
	uringRecvBuf = 8 << 10
	// uringMaxConns bounds a run's connections: each has at most a recv
	// and a send in flight, and the kernel's queues hold 32768
	// submissions and 65536 completions, so neither queue ever fills.
	uringMaxConns = 16384
	// uringWait bounds one wait in io_uring_enter, so that the engine
	// notices the end of the run.
	uringWait = 10 * time.Millisecond
	// uringBatch is how many completions a wait asks for, so that one
	// wake-up reaps many; uringBatchWait bounds how long it waits for
	// them once one is ready (and so the delay a batch adds to the
	// latencies). Without the kernel's minimum wait (before 6.12) a wait
	// asks for one completion.
	uringBatch     = 64
	uringBatchWait = 50 * time.Microsecond
	// uringCloseWait bounds the closing handshakes at the end.
	uringCloseWait = time.Second
	// uringPlainBuf is the engine's one buffer for the plaintext of a
	// wss:// connection's input: a TLS record's at most.
	uringPlainBuf = 16 << 10
)

// uconn is one connection of the uring engine; only the engine's
// goroutine touches it once the engine runs.
type uconn struct {
	idx    int // in uengine.conns: tags its ring operations
	fd     int
	parser ws.Parser
	rbuf   []byte // the recv in flight writes here
	lead   []byte // bytes read with the handshake response, parsed first
	wbuf   []byte // the send in flight reads from here
	woff   int    // of wbuf, sent
	next   []byte // frames queued behind wbuf
	recvOn bool   // a recv is in flight
	sendOn bool   // a send is in flight

	ring      []pending // messages in flight, in order
	head, n   int
	seq       uint64
	msgLen    int // the echo being received, so far
	msgOp     ws.Opcode
	msgBad    bool // the echo so far differs from the payload sent
	gone      bool // no more traffic: closed, failed or shut down
	closeSent bool // our close frame is queued (sent first, or the answer to the server's)
	fdClosed  bool

	tls   *tls.Conn // wss://: the client over tlsIn, else nil
	tlsIn *utlsConn
	rec   *tlsrec.Conn // wss://: instead of tls, the record layer (uring_tlsrec_linux.go)
	part  []byte       // rec: a record cut by the end of a recv
}

// uengine drives every connection of a run from one io_uring.
type uengine struct {
	g       *gen
	conns   []*uconn
	r       *uring
	started bool        // the first messages went out
	closing atomic.Bool // set by Start: close every connection and stop
	ops     int         // operations in flight
	err     error       // the ring failed
	plain   []byte      // wss://: plaintext read from a tls.Conn
	frame   []byte      // wss://: a frame on its way into a tls.Conn
}

// checkURing refuses what the uring engine does not do.
func (r *Run) checkURing(u *url.URL) error {
	switch {
	case u.Scheme != "ws" && u.Scheme != "http" && !isTLS(u):
		return errors.New("loadgen: the uring engine speaks ws:// and wss:// only")
	case r.MsgRate > 0:
		return errors.New("loadgen: the uring engine runs the closed loop only, not the open loop (MsgRate)")
	case r.Batch:
		return errors.New("loadgen: the uring engine does not batch")
	case r.Compress:
		return errors.New("loadgen: the uring engine does not compress")
	case r.Conns > uringMaxConns:
		return fmt.Errorf("loadgen: the uring engine opens at most %d connections", uringMaxConns)
	}
	return nil
}

// startURing is Start on the uring engine: r is checked and has its
// defaults.
func (r *Run) startURing(ctx context.Context, u *url.URL) (*Result, error) {
	if err := r.checkURing(u); err != nil {
		return nil, err
	}
	g := newGen(r)
	res := &Result{Mode: "closed", URL: r.URL, Conns: r.Conns, InFlight: r.InFlight, Sizes: r.Sizes.String(), Text: r.Text, Engine: "uring"}
	prog := newProgressor(r, g)
	defer prog.stop()

	conns, failed, dialErr := r.dialRaw(ctx, u, g.open)
	e := &uengine{g: g}
	for _, c := range conns {
		if c != nil {
			c.idx = len(e.conns)
			e.conns = append(e.conns, c)
		}
	}
	res.ConnectErrors, res.Connected = failed, len(e.conns)
	if len(e.conns) == 0 {
		return nil, errors.Join(errors.New("loadgen: no connection opened"), dialErr)
	}
	if dialErr != nil {
		res.FirstConnectError = dialErr.Error()
	}
	ready, done := make(chan error, 1), make(chan struct{})
	go func() { defer close(done); e.run(ready) }()
	if err := <-ready; err != nil {
		<-done
		return nil, err
	}

	t0 := g.now()
	g.measureStart.Store(t0 + int64(r.Warmup))
	g.measureEnd.Store(t0 + int64(r.Warmup+r.Duration))
	g.sending.Store(true)
	prog.setPhase("warmup")
	w := measure(ctx, g, r, res, prog, t0)
	drain(ctx, g, r, prog)
	g.open.startClosing()
	e.closing.Store(true)
	<-done
	prog.stop()
	if e.err != nil {
		return nil, e.err
	}
	res.finish(g, r, w)
	return res, nil
}

// run is the engine's goroutine: it owns the ring (created on its locked
// thread, the ring's single issuer) and every connection until the end.
func (e *uengine) run(ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Two operations per connection at most are in flight: both queues
	// hold them all.
	sq := uint32(8)
	for sq < uint32(2*len(e.conns)) {
		sq <<= 1
	}
	cq := 2 * sq
	var err error
	if e.r, err = newURing(sq, cq); err != nil {
		for _, c := range e.conns {
			_ = unix.Close(c.fd)
		}
		ready <- err
		return
	}
	ready <- nil
	for _, c := range e.conns {
		if len(c.lead) > 0 {
			e.parse(c, c.lead)
			c.lead = nil
		}
		if c.tls != nil {
			e.input(c, nil)
		}
		e.armRecv(c)
	}
	var closeBy time.Time
	for e.err == nil {
		if !e.started && e.g.sending.Load() {
			e.started = true
			for k := 0; k < e.g.cfg.InFlight; k++ {
				for _, c := range e.conns {
					e.send(c, e.g.now())
				}
			}
		}
		if e.closing.Load() && closeBy.IsZero() {
			closeBy = time.Now().Add(uringCloseWait)
			for _, c := range e.conns {
				e.queueClose(c, ws.StatusNormalClosure)
			}
		}
		if !closeBy.IsZero() && (e.ops == 0 || time.Now().After(closeBy)) {
			break
		}
		if err := e.r.enter(e.batch(), uringWait, uringBatchWait); err != nil {
			e.err = err
			break
		}
		e.r.reap(e.complete)
	}
	// Whatever is still open is cut; its operations complete at once and
	// are reaped, so that none writes to a buffer after the end.
	for _, c := range e.conns {
		e.fail(c)
	}
	for end := time.Now().Add(uringCloseWait); e.ops > 0 && time.Now().Before(end); {
		if e.r.enter(1, uringWait, 0) != nil {
			break
		}
		e.r.reap(e.complete)
	}
	// Closing the ring cancels what might still be in flight (nothing,
	// but for a kernel that failed to end an operation on shutdown).
	e.r.close()
	for _, c := range e.conns {
		if !c.fdClosed {
			c.fdClosed = true
			_ = unix.Close(c.fd)
		}
	}
}

// batch is the number of completions to wait for: uringBatch, at most
// half of what is in flight, one without the kernel's minimum wait.
func (e *uengine) batch() uint32 {
	if !e.r.minTimeout {
		return 1
	}
	return uint32(max(1, min(e.ops/2, uringBatch)))
}

// userData tags an operation with its connection and its kind.
func userData(c *uconn, send bool) uint64 {
	if send {
		return uint64(c.idx)<<1 | 1
	}
	return uint64(c.idx) << 1
}

// armRecv starts c's recv into its buffer.
func (e *uengine) armRecv(c *uconn) {
	if c.gone || c.recvOn {
		return
	}
	if err := e.r.prep(uringOpRecv, uringRecvSendPollFirst, c.fd, unsafe.Pointer(&c.rbuf[0]), len(c.rbuf), userData(c, false)); err != nil {
		e.err = err
		return
	}
	c.recvOn = true
	e.ops++
}

// flush starts a send of what is queued when none is in flight.
func (e *uengine) flush(c *uconn) {
	if c.sendOn || c.gone {
		return
	}
	if c.woff == len(c.wbuf) {
		if len(c.next) == 0 {
			return
		}
		c.wbuf, c.next, c.woff = c.next, c.wbuf[:0], 0
	}
	if err := e.r.prep(uringOpSend, 0, c.fd, unsafe.Pointer(&c.wbuf[c.woff]), len(c.wbuf)-c.woff, userData(c, true)); err != nil {
		e.err = err
		return
	}
	c.sendOn = true
	e.ops++
}

// complete handles one completion.
func (e *uengine) complete(q *cqe) {
	i, isSend := int(q.userData>>1), q.userData&1 == 1
	if i >= len(e.conns) {
		return
	}
	c := e.conns[i]
	e.ops--
	res := int(q.res)
	if isSend {
		c.sendOn = false
		switch {
		case res >= 0:
			c.woff += res
		case syscall.Errno(-res) == unix.EINTR || syscall.Errno(-res) == unix.EAGAIN:
		default:
			e.fail(c)
		}
		e.flush(c)
		e.closeFD(c)
		return
	}
	c.recvOn = false
	switch {
	case res > 0:
		e.input(c, c.rbuf[:res])
		e.armRecv(c)
	case res < 0 && (syscall.Errno(-res) == unix.EINTR || syscall.Errno(-res) == unix.EAGAIN):
		e.armRecv(c)
	default: // end of stream or an error
		e.fail(c)
	}
	e.closeFD(c)
}

// parse feeds the server's bytes to c's parser; a protocol error fails
// the connection (its close frame is queued, but the socket is shut down
// at once).
func (e *uengine) parse(c *uconn, data []byte) {
	for !c.gone {
		n, ev, err := c.parser.Parse(data)
		data = data[n:]
		if err != nil {
			var pe *ws.ProtocolError
			code := ws.StatusProtocolError
			if errors.As(err, &pe) {
				code = pe.Code
			}
			e.queueClose(c, code)
			e.fail(c)
			return
		}
		switch ev.Kind {
		case ws.EventData:
			if ev.First {
				c.msgLen, c.msgOp, c.msgBad = 0, ev.Op, false
			}
			end := c.msgLen + len(ev.Payload)
			c.msgBad = c.msgBad || end > len(e.g.payload) || !bytes.Equal(ev.Payload, e.g.payload[c.msgLen:end])
			c.msgLen = end
			if ev.Final {
				e.onMessage(c, c.msgOp, c.msgLen, !c.msgBad)
			}
		case ws.EventPing:
			e.queueFrame(c, ws.OpPong, ev.Payload)
		case ws.EventClose:
			e.queueClose(c, ev.Code)
		case ws.EventNone:
			if n == 0 || len(data) == 0 {
				return
			}
		}
	}
}

// onMessage matches an echo of op and n bytes, whose content is the
// payload's if same, with c's oldest message in flight, like
// lconn.OnMessage, and sends the next message.
func (e *uengine) onMessage(c *uconn, op ws.Opcode, n int, same bool) {
	g := e.g
	now := g.now()
	if c.n == 0 {
		g.unsolicited.Add(1)
		return
	}
	pm := c.ring[c.head]
	c.head = (c.head + 1) % len(c.ring)
	c.n--
	g.answers.Add(1)
	ok := n == int(pm.size) && op == g.op && same
	g.countRight(ok, n)
	if pm.measured {
		g.inflight.Add(-1)
		if ok {
			g.received.Add(1)
			g.hist.Record(time.Duration(now - pm.t))
		} else {
			g.errs.Add(1)
		}
	}
	if g.sending.Load() {
		e.send(c, g.now())
	}
}

// send queues one message due at t on c and starts its send unless one
// is in flight.
func (e *uengine) send(c *uconn, t int64) {
	g := e.g
	m := g.measured(t)
	if m {
		g.sent.Add(1)
	}
	if c.gone || c.closeSent || c.n == len(c.ring) {
		if m {
			g.errs.Add(1)
			g.writeErrs.Add(1)
		}
		return
	}
	size := g.cfg.Sizes.at(c.seq)
	c.seq++
	c.ring[(c.head+c.n)%len(c.ring)] = pending{t: t, size: int32(size), measured: m}
	c.n++
	if m {
		g.inflight.Add(1)
	}
	e.queueFrame(c, g.op, g.payload[:size])
}

// queueClose queues c's close frame (once) and starts its send.
func (e *uengine) queueClose(c *uconn, code ws.StatusCode) {
	if c.closeSent || c.gone {
		return
	}
	c.closeSent = true
	var b [2]byte
	e.queueFrame(c, ws.OpClose, ws.AppendClosePayload(b[:0], code, ""))
}

// fail ends c's traffic: its messages in flight are lost, and a close
// the run did not ask for counts as unexpected.
func (e *uengine) fail(c *uconn) {
	if c.gone {
		return
	}
	c.gone = true
	g := e.g
	var lost int64
	for k := range c.n {
		if c.ring[(c.head+k)%len(c.ring)].measured {
			lost++
		}
	}
	c.n = 0
	if lost > 0 {
		g.inflight.Add(-lost)
		g.errs.Add(lost)
		g.lost.Add(lost)
	}
	if !g.open.closing.Load() {
		g.unexpectedCloses.Add(1)
	}
	g.open.closed()
	if !c.fdClosed {
		// Operations still in flight on the socket complete at once.
		_ = unix.Shutdown(c.fd, unix.SHUT_RDWR)
	}
}

// closeFD closes c's socket once it is gone and nothing of its is in
// flight.
func (e *uengine) closeFD(c *uconn) {
	if !c.gone || c.recvOn || c.sendOn || c.fdClosed {
		return
	}
	c.fdClosed = true
	_ = unix.Close(c.fd)
}

// maskKey returns a frame's masking key. Keys need not be unpredictable
// here (RFC 6455 §10.3 guards a browser's peers from its scripts); a
// fast generator's suffice.
func maskKey() [4]byte {
	v := rand.Uint32()
	return [4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
}
