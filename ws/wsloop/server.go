package wsloop

import (
	"context"
	"crypto/tls"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/chunked"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// Server serves a ws.Handler on event loops: the opening handshake, every
// message and the close handshake run on the loops' goroutines, with no
// goroutine and no buffer per idle connection. Set Handler; Options and
// Config are optional. Fields must not change after Listen.
type Server struct {
	Handler ws.Handler
	// Options are the WebSocket options (limits, timeouts, keepalive,
	// origins, subprotocols, extensions, MaxConnections); nil: defaults.
	Options *ws.Options
	// Config configures the loops (their number, buffers, write
	// watermarks, idle timeout...); zero fields take eventloop's defaults,
	// except the write watermarks: 64 KiB high (ws.DefaultOutputHigh) and a
	// quarter of that low, the bound of each connection's output; and the
	// idle timeout, off unless set while Options' keepalive is on (it drops
	// a silent peer after PingInterval + PingTimeout, sooner).
	Config eventloop.Config
	// MaxPendingHandshakes bounds the connections whose request head has
	// not fully arrived (0: DefaultMaxPendingHandshakes; negative: no
	// bound); more are answered with 503, as during Shutdown, and the
	// answer lingers as HTTP's does. Options.MaxConnections counts a
	// connection only once its request head is in, so that clients slow to
	// send it cannot take the slots of real ones; this bounds them apart.
	MaxPendingHandshakes int
	// TLSConfig, if set, makes the server serve wss://: TLS runs on the
	// loops too (see the package doc), with a copy of TLSConfig taken at
	// Listen (ALPN offers NextProtos but h2, which the server does not
	// speak, or http/1.1 if that leaves none). It must hold a
	// certificate; to replace certificates without a restart, set
	// GetCertificate (called for every handshake) instead of
	// Certificates and have it return the current one. After a TLS 1.3
	// handshake the loop runs the connection's record layer itself (see
	// the package doc); each handshake uses a copy of the configuration
	// whose KeyLogWriter takes the traffic secrets for it, and passes
	// every line on to TLSConfig.KeyLogWriter if that is set.
	TLSConfig *tls.Config
	// Metrics, if set, counts the server's connections, messages, closes
	// and refused handshakes (see package ws/wsmetrics); nil: not counted.
	Metrics *wsmetrics.Set
	// HTTP, if set, answers a request that is not a WebSocket upgrade (no
	// Upgrade header lists websocket: an Upgrade to h2c, say, is ignored,
	// as net/http ignores it) instead of the 426 such a request gets
	// otherwise: a health check, metrics, a small page, served on the loop
	// like the WebSockets. It is called on the loop with the request head
	// (valid only during the call) and must not block. Its response is
	// sent with Connection: close. A request body is not read but
	// discarded: the server shuts its side once the response is out and
	// closes when the client does, or 1 s later (CloseTimeout if shorter)
	// or after 8 MiB of input (closing with input unread would reset the
	// connection, which can destroy the response); a response the client
	// is slow to read is sent for HandshakeTimeout at most. Such a request
	// does not count toward Options.MaxConnections. At most 256
	// connections linger so at once, those of refused upgrades (4xx, 503)
	// too; more are closed as soon as their answer is queued. An answer
	// is queued whole, and the answers of the connections still open take
	// 64 MiB at most in all: an answer that does not fit now is replaced
	// by a 503 (counted as a refusal in Metrics), one larger than that by
	// a 500 (logged on Options.Logger).
	HTTP func(r *ws.Request) HTTPResponse
	// Admit, if set, is asked for every WebSocket upgrade once its request
	// head is in, valid and from an allowed origin (else it gets its 4xx
	// without a slot), and Options.MaxConnections has a slot for it,
	// before the answer: an error refuses the upgrade with 503 (the
	// error's text its reason).
	// Otherwise release, if not nil, is called once, when the connection
	// has ended or its handshake failed. A bound that this server shares
	// with others goes here; AdmitWith shares a ws.Server's. It is called
	// on a loop and must not block.
	Admit func() (release func(), err error)

	once    sync.Once
	made    atomic.Bool // init ran: loop (or newErr) is set
	loop    *eventloop.Loop
	newErr  error
	d       driver
	mu      sync.Mutex
	conns   chunked.Slice[*conn] // open connections, each holding a slot (admit); conn.slot is the index + 1
	pending map[*conn]struct{}   // request head not in yet
	slots   int                  // admitted: request head in, or open
	admits  map[*conn]func()     // the Admit releases of open connections
	closing bool
	wg      sync.WaitGroup // pending and admitted connections
	panics  atomic.Int64
	// lingers counts the connections that linger after an HTTP answer
	// (lingerHTTP), up to maxLingers (maxHTTPLingers; tests change it).
	lingers    atomic.Int64
	maxLingers int64
	maxPend    int
	// httpQueued is the size of Server.HTTP's answers whose connections
	// are open, up to maxQueued (maxHTTPQueued; tests change it).
	httpQueued atomic.Int64
	maxQueued  int64
}

// DefaultMaxPendingHandshakes is the default of
// Server.MaxPendingHandshakes.
const DefaultMaxPendingHandshakes = 4096

// HTTPResponse is Server.HTTP's answer.
type HTTPResponse struct {
	Status int              // 0: 200; a status below 200 or above 999 is logged and answered 500
	Header []ws.HeaderField // e.g. Content-Type; Content-Length and Connection are the server's
	Body   []byte
}

// ListenAndServe serves h on a TCP address ("127.0.0.1:9000") until ctx is
// done, then shuts down as Server.Shutdown does (every connection gets
// 1001, bounded by Options.CloseTimeout, and not at all if that is off):
// the event-loop counterpart of serving with ws.Server or ws/wshttp. It
// returns nil after a clean shutdown, else the error of the loops or of
// the shutdown.
func ListenAndServe(ctx context.Context, addr string, h ws.Handler, opts *ws.Options) error {
	return listenAndServe(ctx, &Server{Handler: h, Options: opts}, addr)
}

func listenAndServe(ctx context.Context, s *Server, addr string) error {
	if _, err := s.Listen("tcp", addr); err != nil {
		if s.loop != nil {
			_ = s.loop.Shutdown(context.Background()) // release what New opened
		}
		return err
	}
	shut := make(chan error, 1)
	stop := context.AfterFunc(ctx, func() { shut <- s.Shutdown(context.Background()) })
	err := s.Run()
	if !stop() {
		// Shutdown ran (it made Run return): wait for it and report it.
		if serr := <-shut; err == nil {
			err = serr
		}
	}
	return err
}

// Panics returns how many Handler panics the server contained (see
// ws.Options.PanicCrash).
func (s *Server) Panics() int64 { return s.panics.Load() }

// panicked logs and counts a contained panic of the Handler on c.
func (d *driver) panicked(c *conn, v any) {
	d.opts.Logger.Error("ws: handler panicked", "remote", c.ec.RemoteAddr().String(), "panic", v, "stack", string(debug.Stack()))
	if d.srv != nil {
		d.srv.panics.Add(1) // after the log: who sees the count finds the log
	}
}

func (s *Server) init() error {
	s.once.Do(func() {
		s.d = driver{srv: s, opts: s.Options.Resolve()}
		if s.TLSConfig != nil {
			if s.d.tls, s.newErr = serverTLSConfig(s.TLSConfig); s.newErr != nil {
				return
			}
		}
		cfg := loopConfig(s.Config, s.d.opts)
		s.d.bounds = ws.OutputBounds{High: cfg.WriteHighWatermark, Low: cfg.WriteLowWatermark}
		s.d.slowClose = cfg.SlowReader == eventloop.SlowReaderClose
		s.maxPend = s.MaxPendingHandshakes
		if s.maxPend == 0 {
			s.maxPend = DefaultMaxPendingHandshakes
		}
		if s.maxLingers == 0 {
			s.maxLingers = maxHTTPLingers
		}
		if s.maxQueued == 0 {
			s.maxQueued = maxHTTPQueued
		}
		s.loop, s.newErr = eventloop.New(cfg, &s.d)
	})
	s.made.Store(true)
	return s.newErr
}

// Listen starts listening on network ("tcp", "tcp4", "tcp6" or "unix") and
// addr; connections are served once Run runs. It may be called more than
// once, also while Run runs.
func (s *Server) Listen(network, addr string) (net.Addr, error) {
	if err := s.init(); err != nil {
		return nil, err
	}
	return s.loop.Listen(network, addr)
}

// Run runs the loops until Shutdown.
func (s *Server) Run() error {
	if err := s.init(); err != nil {
		return err
	}
	return s.loop.Run()
}

// Stats returns the loops' counters: all zero before Listen or Run, which
// Stats does not stand for (it makes no loops, which hold descriptors).
func (s *Server) Stats() eventloop.Stats {
	if !s.made.Load() || s.newErr != nil {
		return eventloop.Stats{}
	}
	return s.loop.Stats()
}

// Shutdown refuses new connections (503, until the loops stop), drops
// the handshakes in progress, queues every open connection's close frame
// (StatusGoingAway) at once, then waits for the replies under one
// deadline for all: Options.CloseTimeout from the call, or ctx's if
// sooner (ctx's alone if CloseTimeout is off: with a ctx that never ends,
// Shutdown waits for every peer's answer or end). Then it stops the loops (Run returns), dropping the
// connections still open (a peer that reads
// nothing cannot hold the others or the process). It returns nil if the
// loops stopped cleanly, or ctx.Err() if ctx ended first; either way
// every connection has ended (OnClose was called) when it returns.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.init(); err != nil {
		return err
	}
	s.mu.Lock()
	s.closing = true
	open := make([]*ws.Conn, 0, s.conns.Len())
	for i := range s.conns.Len() {
		open = append(open, (*s.conns.At(i)).wsConn())
	}
	pending := make([]*conn, 0, len(s.pending))
	for c := range s.pending {
		pending = append(pending, c)
	}
	s.mu.Unlock()
	for _, c := range pending {
		_ = c.ec.Close() // no close frame is owed before the 101
	}
	// Close only queues the frame and wakes the loop: every peer has its
	// frame at once, none waits for another.
	for _, c := range open {
		_ = c.Close(ws.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var expired <-chan time.Time // nil, never ready, with CloseTimeout off: ctx alone bounds the wait
	if ct := s.d.opts.CloseTimeout; ct > 0 {
		t := time.NewTimer(ct)
		defer t.Stop()
		expired = t.C
	}
	var err error
	stopCtx := ctx
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	case <-expired:
		// The shared deadline: what is left is dropped, not drained
		// (a stopped context makes the loops close at once).
		c, cancel := context.WithCancel(context.Background())
		cancel()
		stopCtx = c
	}
	if err2 := s.loop.Shutdown(stopCtx); err == nil && stopCtx == ctx {
		err = err2
	}
	<-done // the loops are gone: every connection has ended
	return err
}

// enterPending holds c, accepted, while its request head arrives:
// ws.ErrClosed after Shutdown, ws.ErrTooManyConnections past
// MaxPendingHandshakes. leavePending undoes it.
func (s *Server) enterPending(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ws.ErrClosed
	}
	if s.maxPend > 0 && len(s.pending) >= s.maxPend {
		return ws.ErrTooManyConnections
	}
	if s.pending == nil {
		s.pending = map[*conn]struct{}{}
	}
	s.pending[c] = struct{}{}
	s.wg.Add(1)
	return nil
}

func (s *Server) leavePending(c *conn) {
	s.mu.Lock()
	_, ok := s.pending[c]
	delete(s.pending, c)
	s.mu.Unlock()
	if ok {
		s.wg.Done()
	}
}

// admit reserves a slot for a connection whose request head is in:
// ws.ErrClosed after Shutdown, ws.ErrTooManyConnections at
// Options.MaxConnections.
func (s *Server) admit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ws.ErrClosed
	}
	if m := s.d.opts.MaxConnections; m > 0 && s.slots >= m {
		return ws.ErrTooManyConnections
	}
	s.slots++
	s.wg.Add(1)
	return nil
}

func (s *Server) release() {
	s.mu.Lock()
	s.slots--
	s.mu.Unlock()
	s.wg.Done()
}

// admitAlso asks Admit, if set, for a connection that admit let in; its
// release (nil: none) goes with the slot, which a refusal (or a panic of
// Admit) gives back at once.
func (s *Server) admitAlso() (adm func(), err error) {
	if s.Admit == nil {
		return nil, nil
	}
	ok := false
	defer func() {
		if !ok {
			s.release()
		}
	}()
	adm, err = s.Admit()
	ok = err == nil
	if !ok {
		adm = nil
	}
	return adm, err
}

// releaseAll gives back admit's slot and adm, Admit's release.
func (s *Server) releaseAll(adm func()) {
	if adm != nil {
		adm()
	}
	s.release()
}

// AdmitWith returns a Server.Admit that admits connections under s's
// Options.MaxConnections, as s admits its own (ws/wshttp's too): one bound
// for the connections of both servers. After s.Shutdown it refuses (503),
// and s.Shutdown waits for the connections it admitted, as for its own,
// under its deadline: shut both servers down together.
func AdmitWith(s *ws.Server) func() (release func(), err error) {
	return func() (func(), error) { return serverhooks.Admit(s) }
}

// track adds an open connection, which holds a slot (Shutdown closes it);
// untrack removes it and frees its slot.
func (s *Server) track(c *conn) {
	s.mu.Lock()
	s.conns.Push(c)
	c.slot = int32(s.conns.Len())
	closing := s.closing
	s.mu.Unlock()
	if closing {
		_ = c.wsConn().Close(ws.StatusGoingAway, "server shutting down")
	}
}

// untrack moves the last connection into c's place: an array with the
// index in the connection costs less per connection than a map, and in
// chunks it leaves no garbage as it grows and gives back what a peak left.
func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	i := int(c.slot) - 1
	var adm func()
	if i >= 0 {
		last := s.conns.Pop()
		if last != c {
			*s.conns.At(i), last.slot = last, c.slot
		}
		c.slot = 0
		if adm = s.admits[c]; adm != nil {
			delete(s.admits, c)
		}
	}
	s.mu.Unlock()
	if i >= 0 {
		s.releaseAll(adm)
	}
}

// keepAdmit holds adm, Admit's release, for c, which track tracks next:
// untrack calls it.
func (s *Server) keepAdmit(c *conn, adm func()) {
	if adm == nil {
		return
	}
	s.mu.Lock()
	if s.admits == nil {
		s.admits = map[*conn]func(){}
	}
	s.admits[c] = adm
	s.mu.Unlock()
}
