package ws

import (
	"context"
	"errors"
	"net"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// Accept is a Handler's answer to accept an opening handshake.
type Accept struct {
	// Protocol is the chosen subprotocol: one of ConnectRequest.Protocols,
	// or "" for none.
	Protocol string
	// Header holds extra response headers.
	Header map[string][]string
	// Extensions and Codec are the negotiated per-message extension: the
	// Sec-WebSocket-Extensions answer and the connection's Codec. Negotiate
	// fills them from Options.Extensions unless OnConnect set Codec.
	Extensions string
	Codec      Codec
	// Data, if set, is the Conn's Data (Conn.Data) from OnOpen on: the
	// connection's own state, made from its request (its headers, the
	// authenticated user), on every driver, without a lookup table from
	// OnConnect to OnOpen.
	Data any
}

// Negotiated returns what a driver passes to NewConn.
func (a Accept) Negotiated() Negotiated {
	return Negotiated{Subprotocol: a.Protocol, Extensions: a.Extensions, Codec: a.Codec, Data: a.Data}
}

// Handler is the application side of a connection, in the shape of
// Autobahn's WebSocketServerProtocol. A driver calls OnConnect during the
// opening handshake (reject with a *HandshakeError carrying the HTTP status;
// req is valid only during the call, see ConnectRequest),
// then OnOpen, OnMessage for every message (op is OpText or OpBinary, the
// type WriteMessage takes, so an echo is c.WriteMessage(ctx, op, payload);
// the payload is valid only during the call) and OnClose exactly once. All calls for one connection come from
// one goroutine; a Handler may write to the Conn from any goroutine.
// Embed BaseHandler to implement only some of the methods.
type Handler interface {
	OnConnect(req *ConnectRequest) (Accept, error)
	OnOpen(c *Conn)
	OnMessage(c *Conn, op Opcode, payload []byte)
	OnClose(c *Conn, wasClean bool, code StatusCode, reason string)
}

// BaseHandler implements every Handler method: OnConnect accepts without a
// subprotocol, the others do nothing.
type BaseHandler struct{}

// OnConnect accepts the connection without a subprotocol.
func (BaseHandler) OnConnect(*ConnectRequest) (Accept, error) { return Accept{}, nil }

// OnOpen does nothing.
func (BaseHandler) OnOpen(*Conn) {}

// OnMessage drops the message.
func (BaseHandler) OnMessage(*Conn, Opcode, []byte) {}

// OnClose does nothing.
func (BaseHandler) OnClose(*Conn, bool, StatusCode, string) {}

// Serve runs h on an open connection until it ends: OnOpen, then OnMessage
// per message, then OnClose. When ctx is cancelled the connection is closed
// with StatusGoingAway. A panic of h is contained as on a Server (unless
// the connection's Options.PanicCrash): the connection is closed with
// 1011, OnClose is still called once, the panic is logged with its stack
// on Options.Logger and counted (ServePanics), and Serve returns.
func Serve(ctx context.Context, c *Conn, h Handler) {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.Close(StatusGoingAway, "server shutting down") })
		defer stop()
	}
	told := false // OnClose was called (or is under way)
	if !c.opts.PanicCrash {
		defer func() {
			if v := recover(); v != nil {
				contain(v, c, h, told, c.opts, &servePanics)
			}
		}()
	}
	h.OnOpen(c)
	for {
		// Wait for input here, low on the goroutine's stack and holding no
		// buffer.
		c.awaitData()
		op, p, err := c.ReadMessage(context.Background())
		if err != nil {
			told = true
			closed(c, h, err)
			return
		}
		h.OnMessage(c, op, p)
	}
}

// closed tells h how the connection ended and releases it.
func closed(c *Conn, h Handler, err error) {
	c.countClose(err)
	var ce *CloseError
	var pe *ProtocolError
	switch {
	case errors.As(err, &ce):
		h.OnClose(c, ce.WasClean, ce.Code, ce.Reason)
	case errors.As(err, &pe):
		h.OnClose(c, false, pe.Code, pe.Reason)
	default:
		h.OnClose(c, false, StatusAbnormalClosure, err.Error())
	}
	c.shutdown()
}

// serving is the state of a connection served by Server.start or run.
type serving struct {
	c     *Conn
	s     *Server
	done  func() // Start's, or nil
	serve func() // s.idle as a func value, made once: go s.serve() allocates nothing
	told  bool   // OnClose was called (or is under way)
}

// open runs OnOpen, then serves the connection as idle does.
func (s *serving) open() {
	defer s.guard()
	s.s.Handler.OnOpen(s.c)
	s.c.awaitData()
	s.loop()
}

// loop serves the messages that are buffered. Then, the connection going
// idle or not, it hands over to a fresh goroutine that reads (and waits)
// and lets this one, whose stack the handshake or the handler may have
// grown, end: an idle connection then costs only the smallest goroutine
// stack. (A goroutine cannot safely wait on a socket it did not find empty
// itself: the poller forgets readiness when a new wait starts.)
func (s *serving) loop() {
	for {
		op, p, err := s.c.ReadMessage(context.Background())
		if err != nil {
			s.told = true
			closed(s.c, s.s.Handler, err)
			s.end()
			return
		}
		s.s.Handler.OnMessage(s.c, op, p)
		if !s.c.buffered() && !s.c.awaitHotData(hotWait) {
			go s.serve()
			return
		}
	}
}

// hotWait is how long a connection's goroutine waits for the next input
// itself before it hands the connection to a fresh goroutine: a busy
// connection keeps its grown stack instead of growing a new one for every
// message (stack growth was a fifth of the echo's CPU), and an idle one
// still ends up on the smallest stack once this has passed.
const hotWait = 100 * time.Millisecond

func (s *serving) idle() {
	defer s.guard()
	s.c.awaitData()
	s.loop()
}

func (s *serving) end() {
	s.s.untrack(s.c)
	if s.done != nil {
		s.done()
	}
}

// CheckOrigin accepts a request with no Origin, one whose host equals host
// (same origin), or one matching a pattern in allowed (path.Match on the
// origin's host, case-insensitive; "*" allows all). Otherwise it returns a
// *HandshakeError with status 403 that matches ErrBadOrigin.
func CheckOrigin(origin, host string, allowed []string) error {
	if origin == "" || plainSameOrigin(origin, host) {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && strings.EqualFold(u.Host, host) {
		return nil
	}
	if err == nil {
		h := strings.ToLower(u.Host)
		for _, pat := range allowed {
			if ok, _ := path.Match(strings.ToLower(pat), h); ok {
				return nil
			}
		}
	}
	return &originError{HandshakeError{Status: 403, Reason: "origin " + origin + " not allowed"}}
}

// plainSameOrigin reports whether origin is "http://" or "https://" and a
// host (letters, digits, dots, hyphens, and a numeric port) equal to host
// without regard to case: the common same-origin request, which url.Parse
// would accept the same way, answered without the allocation of a URL.
// Anything else goes to url.Parse.
func plainSameOrigin(origin, host string) bool {
	rest, ok := strings.CutPrefix(origin, "http://")
	if !ok {
		if rest, ok = strings.CutPrefix(origin, "https://"); !ok {
			return false
		}
	}
	if len(rest) != len(host) || rest == "" {
		return false
	}
	name, port, hasPort := strings.Cut(rest, ":")
	if name == "" || (hasPort && port == "") {
		return false
	}
	for i := 0; i < len(name); i++ {
		lower, c := name[i]|0x20, name[i]
		if !('a' <= lower && lower <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return strings.EqualFold(rest, host)
}

type originError struct{ HandshakeError }

func (e *originError) Is(target error) bool { return target == ErrBadOrigin || target == ErrHandshake }
func (e *originError) As(target any) bool {
	if t, ok := target.(**HandshakeError); ok {
		*t = &e.HandshakeError
		return true
	}
	return false
}

// Negotiate runs the server side of a handshake's decisions: the Origin
// check, then h.OnConnect. If h chose no subprotocol, the first of offered
// protocols that opts.Subprotocols supports is taken.
func Negotiate(req *ConnectRequest, h Handler, opts *Options) (Accept, error) {
	var allowed []string
	if opts != nil {
		allowed = opts.AllowedOrigins
	}
	if err := CheckOrigin(req.Origin, req.Host, allowed); err != nil {
		return Accept{}, err
	}
	acc, err := onConnect(req, h, opts)
	req.detach()
	if err != nil {
		var he *HandshakeError
		if errors.As(err, &he) {
			return Accept{}, err
		}
		return Accept{}, &HandshakeError{Status: 500, Reason: err.Error()}
	}
	if acc.Codec == nil && opts != nil && len(opts.Extensions) > 0 {
		acc.Extensions, acc.Codec, err = NegotiateExtensions(req.Extensions, opts.Extensions)
		if err != nil {
			return Accept{}, err
		}
	}
	if acc.Protocol != "" {
		found := false
		for _, p := range req.Protocols {
			found = found || p == acc.Protocol
		}
		if !found {
			return Accept{}, &HandshakeError{Status: 500, Reason: "handler chose a subprotocol the client did not offer"}
		}
		return acc, nil
	}
	if opts != nil {
	outer:
		for _, s := range opts.Subprotocols {
			for _, p := range req.Protocols {
				if p == s {
					acc.Protocol = p
					break outer
				}
			}
		}
	}
	return acc, nil
}

// Server runs a Handler on many connections and tracks them for
// MaxConnections and graceful shutdown. The zero value is not usable: set
// Handler. Its fields must not change after the first connection.
//
// A Handler that panics takes down only its connection: it is closed with
// 1011 (a panic in OnConnect is answered with 500), OnClose is still
// called once, the panic is logged with its stack on Options.Logger and
// counted (Panics). Options.PanicCrash restores crashing.
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
	admitted int
	closing  bool
	lns      map[net.Listener]struct{} // Serve's, closed by Shutdown
	wg       sync.WaitGroup

	panics atomic.Int64
}

func init() {
	serverhooks.Admit = func(srv any) (func(), error) { return srv.(*Server).admit(nil) }
	serverhooks.Start = func(srv any, c any, done func()) { srv.(*Server).start(c.(*Conn), done) }
	serverhooks.Refused = func(srv any, err error) { srv.(*Server).refused(err) }
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

// Shutdown refuses new connections, drops the handshakes in progress and
// sends every open connection its close frame (StatusGoingAway) at once,
// then waits for the replies under one deadline for all: Options.
// CloseTimeout from the call, or ctx's if sooner. Connections still open
// then are dropped (1006 for their peer: a peer that reads nothing cannot
// hold the others or the process). It returns nil once every connection
// has ended, or ctx.Err() if ctx ended first (the handlers of dropped
// connections may then still be returning).
func (s *Server) Shutdown(ctx context.Context) error {
	o := s.options()
	s.mu.Lock()
	s.closing = true
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
	s.mu.Unlock()
	// One goroutine per connection: a blocking Close waits for its peer,
	// and no peer may delay another's close frame.
	for _, c := range conns {
		go c.Close(StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	t := time.NewTimer(o.CloseTimeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
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
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of fds and the like: back off as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		go s.accept(nc)
	}
}

func (s *Server) accept(nc net.Conn) {
	release, err := s.admit(nc)
	if err != nil {
		s.Metrics.Rejected(503)
		_, _ = nc.Write(AppendReject(nil, 503, err.Error(), nil))
		_ = nc.Close()
		return
	}
	c, err := upgradeConn(context.Background(), nc, s.Handler, s.opts, s.Metrics)
	s.handshaken(nc)
	if err != nil {
		s.countPanic(err)
		_ = nc.Close()
		release()
		return
	}
	s.start(c, release)
}

// ServeConn performs the server handshake on a raw connection (parsed
// zero-copy by ParseRequest) and serves it; it closes nc when done.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) {
	release, err := s.admit(nc)
	if err != nil {
		s.Metrics.Rejected(503)
		_, _ = nc.Write(AppendReject(nil, 503, err.Error(), nil))
		_ = nc.Close()
		return
	}
	defer release()
	c, err := upgradeConn(ctx, nc, s.Handler, s.options(), s.Metrics)
	s.handshaken(nc)
	if err != nil {
		s.countPanic(err)
		_ = nc.Close()
		return
	}
	s.run(ctx, c)
}

// UpgradeConn reads and answers the opening handshake on nc within
// Options.HandshakeTimeout and returns the open Conn. On failure it has
// written the HTTP error response; the caller closes nc.
func UpgradeConn(ctx context.Context, nc net.Conn, h Handler, opts *Options) (*Conn, error) {
	return upgradeConn(ctx, nc, h, opts, nil)
}

// upgradeConn is UpgradeConn that counts a refusal in m.
func upgradeConn(ctx context.Context, nc net.Conn, h Handler, opts *Options, m *wsmetrics.Set) (*Conn, error) {
	o := opts.resolved()
	deadline := time.Now().Add(o.HandshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = nc.SetDeadline(deadline)
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
	var n int
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
			*bp = buf
		}
		k, err := nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if k > 0 {
			var perr error
			n, perr = ParseRequest(req, buf, HandshakeLimits{})
			if perr != nil {
				return nil, reject(nc, m, perr)
			}
			if n > 0 {
				break
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := CheckRequest(req); err != nil {
		return nil, reject(nc, m, err)
	}
	acc, err := NegotiateRequest(req, nc, h, opts)
	if err != nil {
		return nil, reject(nc, m, err)
	}
	rp := getBuf(0)
	*rp = AppendResponse((*rp)[:0], req, acc.Protocol, acc.Extensions, HeaderFields(acc.Header))
	_, err = nc.Write(*rp)
	putBuf(rp)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return NewConn(nc, RoleServer, buf[n:], acc.Negotiated(), o), nil
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

func reject(nc net.Conn, m *wsmetrics.Set, err error) error {
	var he *HandshakeError
	if !errors.As(err, &he) {
		he = &HandshakeError{Status: 400, Reason: err.Error()}
	}
	m.Rejected(he.Status)
	_, _ = nc.Write(AppendReject(nil, he.Status, he.Reason, nil))
	return err
}
