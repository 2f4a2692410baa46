package ws

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/internal/acceptretry"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// Server runs a Handler on many connections and tracks them for
// MaxConnections and graceful shutdown. The zero value is not usable: set
// Handler. Its fields must not change after the first connection.
//
// A Handler that panics takes down only its connection: it is closed with
// 1011 (a panic in OnConnect is answered with 500), OnClose is still
// called once, the panic is logged with its stack on Options.Logger and
// counted (Panics). Options.PanicCrash restores crashing.
//
// Options.MaxConnections counts the handshakes in progress and the open
// connections. Past it a connection is answered 503 as soon as it is
// accepted, before its request is read: whatever the request (wsloop and
// ws/wshttp admit once the head is in, and answer a request that is no
// valid upgrade, or from an origin not allowed, with its own 4xx). A
// refused connection does not count while it lingers
// (up to a second) so that its client reads the answer; Shutdown ends it.
// At most 256 refusals are answered or linger at once; more are closed at
// once.
type Server struct {
	Handler Handler
	Options *Options
	// Metrics, if set, counts the server's connections, messages, closes
	// and refused handshakes (see package wsmetrics); nil: not counted.
	Metrics *wsmetrics.Set

	resolve sync.Once
	opts    *Options // Options resolved, shared by the connections

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	pending  map[net.Conn]struct{} // handshakes of Serve and ServeConn
	refusing map[net.Conn]struct{} // refusals answered or lingering (beginRefusal)
	admitted int
	closing  bool
	lns      map[net.Listener]struct{} // Serve's, closed by Shutdown
	down     chan struct{}             // closed by Shutdown: ends Serve's back-off
	wg       sync.WaitGroup
	// maxRefusals bounds len(refusing) (0: the const maxRefusals; tests
	// change it)
	maxRefusals int

	panics atomic.Int64
}

func init() {
	serverhooks.Admit = func(srv any) (func(), error) { return srv.(*Server).admit(nil) }
	serverhooks.Start = func(srv any, c any, done func()) { srv.(*Server).start(c.(*Conn), done) }
	serverhooks.Refused = func(srv any, err error) { srv.(*Server).refused(err) }
	serverhooks.Own = func(srv any, c any, release func()) func() { return srv.(*Server).own(c.(*Conn), release) }
	serverhooks.ParseRequest = func(req any, b []byte, from int) (int, error) {
		return parseRequest(req.(*Request), b, HandshakeLimits{}, from)
	}
}

// admit reserves a connection slot (for the drivers, before the
// handshake answer: ServeConn, and wshttp through serverhooks.Admit); it
// fails with ErrTooManyConnections, or ErrClosed after Shutdown. It also
// holds nc, if not nil, as a handshake in
// progress: Shutdown closes those at once (no close frame is owed before
// the 101), instead of waiting for their handshake timeout.
func (s *Server) admit(nc net.Conn) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, ErrClosed
	}
	if s.Options != nil && s.Options.MaxConnections > 0 && s.admitted >= s.Options.MaxConnections {
		return nil, ErrTooManyConnections
	}
	s.admitted++
	s.wg.Add(1)
	if nc != nil {
		if s.pending == nil {
			s.pending = map[net.Conn]struct{}{}
		}
		s.pending[nc] = struct{}{}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.admitted--
			s.mu.Unlock()
			s.wg.Done()
		})
	}, nil
}

// handshaken ends nc's time as a pending handshake (admit). If Shutdown
// cut the handshake short (a deadline in the past) after it succeeded,
// the deadline goes again: the connection is open, and Start's track
// closes it with a close frame (1001) like every other.
func (s *Server) handshaken(nc net.Conn) {
	s.mu.Lock()
	delete(s.pending, nc)
	if s.closing {
		_ = nc.SetDeadline(time.Time{})
	}
	s.mu.Unlock()
}

// armHandshake sets nc's handshake deadline, or, once Shutdown has begun,
// the deadline in the past that Shutdown gives the handshakes in progress:
// set under s.mu, it cannot undo Shutdown's.
func (s *Server) armHandshake(nc net.Conn, deadline time.Time) {
	s.mu.Lock()
	if s.closing {
		deadline = time.Unix(1, 0)
	}
	_ = nc.SetDeadline(deadline)
	s.mu.Unlock()
}

// options returns the resolved Options, resolving them once.
func (s *Server) options() *Options {
	s.resolve.Do(func() { s.opts = s.Options.Resolve() })
	return s.opts
}

// run serves an open connection with s.Handler until it ends, tracking it
// for Shutdown, for ServeConn. ctx cancellation closes it with
// StatusGoingAway. A panic of the Handler is contained as with start.
func (s *Server) run(ctx context.Context, c *Conn) {
	s.options()
	s.track(c)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.Close(StatusGoingAway, "server shutting down") })
		defer stop()
	}
	sv := &serving{c: c, s: s}
	sv.run()
}

// run is open on the calling goroutine, for Run.
func (s *serving) run() {
	defer s.guard()
	s.s.Handler.OnOpen(s.c)
	for {
		s.c.awaitData()
		op, p, err := s.c.ReadMessage(context.Background())
		if err != nil {
			s.told = true
			closed(s.c, s.s.Handler, err)
			s.end()
			return
		}
		s.s.Handler.OnMessage(s.c, op, p)
	}
}

// track adds c to the connections Shutdown closes (at once if it has
// begun); untrack removes it.
func (s *Server) track(c *Conn) {
	c.SetMetrics(s.Metrics)
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[*Conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	closing := s.closing
	s.mu.Unlock()
	if closing {
		go c.Close(StatusGoingAway, "server shutting down")
	}
}

func (s *Server) untrack(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// start serves an open connection with s.Handler like run, but returns at
// once (Serve's connections, and wshttp's through serverhooks.Start): the
// connection runs on goroutines of its own (Handler calls for it never
// overlap and come in order, though not always from the same goroutine;
// while idle it holds one goroutine with the smallest stack and no
// buffers). done, if not nil, is called when it has ended.
func (s *Server) start(c *Conn, done func()) {
	s.options()
	s.track(c)
	sv := &serving{c: c, s: s, done: done}
	sv.serve = sv.idle
	go sv.open()
}

// own tracks c, open, admitted (release) and served by its driver's
// caller rather than s.Handler (wshttp.AcceptConn), as one of s's
// connections: counted in s.Metrics and closed by Shutdown. The returned
// end, called once c has ended, counts its close, stops tracking it and
// calls release; calls after the first do nothing.
func (s *Server) own(c *Conn, release func()) (end func()) {
	s.options()
	s.track(c)
	var once sync.Once
	return func() {
		once.Do(func() {
			c.countClose(c.finished())
			s.untrack(c)
			release()
		})
	}
}

// Shutdown refuses new connections, drops the handshakes in progress and
// the refused connections still lingering (their answer written), ends
// Serve's back-off after an Accept error, and sends every open connection
// its close frame (StatusGoingAway) at once,
// then waits for the replies under one deadline for all: Options.
// CloseTimeout from the call, or ctx's if sooner (ctx's alone if
// CloseTimeout is off: with a ctx that never ends, Shutdown waits for
// every peer's answer or end). Connections still open
// then are dropped (1006 for their peer: a peer that reads nothing cannot
// hold the others or the process). It returns nil once every connection
// has ended, or ctx.Err() if ctx ended first (the handlers of dropped
// connections may then still be returning).
func (s *Server) Shutdown(ctx context.Context) error {
	o := s.options()
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		if s.down != nil {
			close(s.down)
		}
	}
	for ln := range s.lns {
		_ = ln.Close() // Serve returns ErrClosed
	}
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	// Handshakes under way end at once: a deadline in the past fails their
	// next read or write. Not Close: one whose 101 just went out must
	// still get its close frame, not a reset (handshaken), and the
	// deadline is set under s.mu, which orders it with handshaken's.
	for nc := range s.pending {
		_ = nc.SetDeadline(time.Unix(1, 0))
	}
	// Refusals, answered or lingering, end at once too (refusalDeadline),
	// and are waited for: none outlives Shutdown.
	for nc := range s.refusing {
		_ = nc.SetDeadline(time.Unix(1, 0))
	}
	s.mu.Unlock()
	// One goroutine per connection: a blocking Close waits for its peer,
	// and no peer may delay another's close frame.
	for _, c := range conns {
		go c.Close(StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var expired <-chan time.Time // nil, never ready, with CloseTimeout off: ctx alone bounds the wait
	if o.CloseTimeout > 0 {
		t := time.NewTimer(o.CloseTimeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-done:
		return nil
	case <-expired:
	case <-ctx.Done():
	}
	s.mu.Lock()
	rest := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		rest = append(rest, c)
	}
	s.mu.Unlock()
	for _, c := range rest {
		_ = c.CloseNow()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Serve accepts connections on ln and serves each: the handshake, parsed
// zero-copy, on a goroutine of its own, then the connection on goroutines
// of its own. It returns ErrClosed once Shutdown was called (Shutdown
// closes ln), else the error of ln.Accept (ln closed, or a permanent
// error).
func (s *Server) Serve(ln net.Listener) error {
	s.options()
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrClosed
	}
	if s.lns == nil {
		s.lns = make(map[net.Listener]struct{})
	}
	s.lns[ln] = struct{}{}
	if s.down == nil {
		s.down = make(chan struct{})
	}
	down := s.down
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || acceptretry.Transient(err) {
				// Out of fds and the like: back off as net/http does,
				// but no longer than until Shutdown.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-down:
					t.Stop()
					return ErrClosed
				}
				continue
			}
			return err
		}
		delay = 0
		s.accept(nc)
	}
}

// accept admits nc, which Serve accepted, or begins its refusal, on
// Serve's goroutine (so that from then on Shutdown ends it and waits for
// it), and goes on on a goroutine of its own.
func (s *Server) accept(nc net.Conn) {
	release, err := s.admit(nc)
	if err != nil {
		end, ok := s.beginRefusal(nc, false)
		if !ok {
			_ = nc.Close() // shutting down, or past maxRefusals: not answered
			return
		}
		s.Metrics.Rejected(503)
		go func() {
			defer end()
			s.answerRefusal(nc, err)
		}()
		return
	}
	go s.handshake(nc, release)
}

// handshake serves nc, admitted by accept (release), from its handshake.
func (s *Server) handshake(nc net.Conn, release func()) {
	c, err := upgradeConn(context.Background(), nc, s.Handler, s.opts, s)
	s.handshaken(nc)
	if err != nil {
		s.countPanic(err)
		s.closeRefused(nc, err, false, release)
		return
	}
	s.start(c, release)
}

// refuse answers nc, which ServeConn did not admit for err, with 503
// and closes it.
func (s *Server) refuse(nc net.Conn, err error) {
	s.Metrics.Rejected(503)
	end, ok := s.beginRefusal(nc, true)
	if !ok {
		_ = nc.Close() // past maxRefusals
		return
	}
	defer end()
	s.answerRefusal(nc, err)
}

// answerRefusal writes nc's 503 for err, its refusal begun
// (beginRefusal), and closes it. The answer is bounded by the handshake
// timeout, the default one if that is off (a refusal holds no slot: only
// its time bounds it): on a TLS connection the write first runs the TLS
// handshake, which a client that sends nothing would otherwise hold (a
// goroutine and an fd) forever.
func (s *Server) answerRefusal(nc net.Conn, err error) {
	timeout := s.options().HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	s.refusalDeadline(nc, time.Now().Add(timeout), false)
	if _, err := nc.Write(AppendReject(nil, 503, err.Error(), nil)); err != nil {
		_ = nc.Close()
		return
	}
	s.lingerClose(nc) // the request is not read
}

// ServeConn performs the server handshake on a raw connection (parsed
// zero-copy by ParseRequest) and serves it; it closes nc when done. ctx
// ending ends the handshake, or closes the open connection with
// StatusGoingAway.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) {
	release, err := s.admit(nc)
	if err != nil {
		s.refuse(nc, err)
		return
	}
	defer release()
	c, err := upgradeConn(ctx, nc, s.Handler, s.options(), s)
	s.handshaken(nc)
	if err != nil {
		s.countPanic(err)
		s.closeRefused(nc, err, true, release)
		return
	}
	s.run(ctx, c)
}

// UpgradeConn reads and answers the opening handshake on nc within
// Options.HandshakeTimeout, or until ctx ends (ctx.Err() is returned), and
// returns the open Conn. On failure it has
// written the HTTP error response; the caller closes nc.
func UpgradeConn(ctx context.Context, nc net.Conn, h Handler, opts *Options) (*Conn, error) {
	c, err := upgradeConn(ctx, nc, h, opts, nil)
	return c, unrefused(err)
}

// upgradeConn is UpgradeConn for s, if not nil (it admitted nc): a
// refusal is counted in s.Metrics, and the handshake's timeout does not
// replace the deadline of a Shutdown that came first (armHandshake).
func upgradeConn(ctx context.Context, nc net.Conn, h Handler, opts *Options, s *Server) (*Conn, error) {
	o := opts.resolved()
	deadline := handshakeDeadline(o)
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	var m *wsmetrics.Set
	if s != nil {
		m = s.Metrics
		s.armHandshake(nc, deadline)
	} else {
		_ = nc.SetDeadline(deadline)
	}
	// ctx ending cuts the handshake as its deadline does, until it is done
	// (then the Conn is the caller's).
	handshook := func() {}
	if ctx.Done() != nil {
		var mu sync.Mutex
		done := false
		stop := context.AfterFunc(ctx, func() {
			mu.Lock()
			if !done {
				_ = nc.SetDeadline(time.Unix(1, 0))
			}
			mu.Unlock()
		})
		defer stop()
		handshook = func() { mu.Lock(); done = true; mu.Unlock() }
	}
	// The head is read into a pooled buffer, parsed in place and copied out
	// once for OnConnect: a handshake leaves little garbage, which a server
	// taking many connections would otherwise carry (as resident memory)
	// until the next GC.
	bp := getBuf(0)
	defer putBuf(bp)
	buf := *bp
	req := requestPool.Get().(*Request)
	defer func() {
		clear(req.Header) // drop the references into buf
		*req = Request{Header: req.Header[:0]}
		requestPool.Put(req)
	}()
	var n, checked int // checked: the head's bytes parsed so far, incomplete
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
			*bp = buf
		}
		k, err := nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if k > 0 {
			var perr error
			n, perr = parseRequest(req, buf, HandshakeLimits{}, checked)
			if perr != nil {
				return nil, reject(nc, m, perr, false)
			}
			if n > 0 {
				break
			}
			checked = len(buf)
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			return nil, err
		}
	}
	head := string(req.Method) == "HEAD"
	if err := CheckRequest(req); err != nil {
		return nil, reject(nc, m, err, head)
	}
	acc, err := NegotiateRequest(req, nc, h, opts)
	if err != nil {
		return nil, reject(nc, m, err, head)
	}
	rp := getBuf(0)
	*rp = AppendResponse((*rp)[:0], req, acc.Protocol, acc.Extensions, HeaderFields(acc.Header))
	_, err = nc.Write(*rp)
	putBuf(rp)
	if err != nil {
		return nil, err
	}
	handshook()
	_ = nc.SetDeadline(time.Time{})
	return NewConn(nc, RoleServer, buf[n:], acc.Negotiated(), o), nil
}

// handshakeDeadline is the deadline of a handshake starting now under o,
// resolved: none (the zero time) if its HandshakeTimeout is off
// (negative, resolved to 0).
func handshakeDeadline(o *Options) time.Time {
	if o.HandshakeTimeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(o.HandshakeTimeout)
}

// requestPool holds the Requests of UpgradeConn, for their Header.
var requestPool = sync.Pool{New: func() any { return new(Request) }}

// HeaderFields lists the header h (an http.Header works) as fields for
// AppendResponse and AppendReject.
func HeaderFields(h map[string][]string) []HeaderField {
	var fs []HeaderField
	for k, vs := range h {
		for _, v := range vs {
			fs = append(fs, HeaderField{Name: []byte(k), Value: []byte(v)})
		}
	}
	return fs
}

// reject answers nc's refused handshake (err), with no content if it is a
// HEAD request, and returns err, marked refused if the answer was
// written: only then does closing linger (closeRefused), so that the
// client reads it.
func reject(nc net.Conn, m *wsmetrics.Set, err error, head bool) error {
	var he *HandshakeError
	if !errors.As(err, &he) {
		he = &HandshakeError{Status: 400, Reason: err.Error()}
	}
	m.Rejected(he.Status)
	resp := AppendReject(nil, he.Status, he.Reason, nil)
	if head {
		resp = headOnly(resp)
	}
	if _, werr := nc.Write(resp); werr != nil {
		return err
	}
	return refused{err}
}
