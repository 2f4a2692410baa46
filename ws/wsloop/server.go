package wsloop

import (
	"context"
	"net"
	"sync"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
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
	// watermarks, idle timeout...); zero fields take eventloop's defaults.
	Config eventloop.Config

	once    sync.Once
	loop    *eventloop.Loop
	newErr  error
	d       driver
	mu      sync.Mutex
	conns   map[*conn]func() // open connections and their slot release
	slots   int              // admitted: handshaking or open
	closing bool
	wg      sync.WaitGroup
}

// ListenAndServe serves h on a TCP address ("127.0.0.1:9000") until the
// process ends or the loops fail: the event-loop counterpart of serving
// with ws.Server or ws/wshttp.
func ListenAndServe(addr string, h ws.Handler, opts *ws.Options) error {
	s := &Server{Handler: h, Options: opts}
	if _, err := s.Listen("tcp", addr); err != nil {
		return err
	}
	return s.Run()
}

func (s *Server) init() error {
	s.once.Do(func() {
		s.d = driver{srv: s, opts: s.Options.Resolve()}
		cfg := s.Config
		cfg.TCPDelay = cfg.TCPDelay || s.d.opts.DisableNoDelay
		if cfg.WriteHighWatermark <= 0 {
			cfg.WriteHighWatermark = eventloop.DefaultWriteHighWatermark
		}
		if cfg.WriteLowWatermark <= 0 || cfg.WriteLowWatermark > cfg.WriteHighWatermark {
			cfg.WriteLowWatermark = cfg.WriteHighWatermark / 4
		}
		s.d.bounds = ws.OutputBounds{High: cfg.WriteHighWatermark, Low: cfg.WriteLowWatermark}
		s.loop, s.newErr = eventloop.New(cfg, &s.d)
	})
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

// Stats returns the loops' counters.
func (s *Server) Stats() eventloop.Stats {
	if s.init() != nil {
		return eventloop.Stats{}
	}
	return s.loop.Stats()
}

// Shutdown stops accepting, closes every open connection with
// StatusGoingAway, waits until their close handshakes are over or ctx is
// done, then stops the loops (Run returns).
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.init(); err != nil {
		return err
	}
	s.mu.Lock()
	s.closing = true
	open := make([]*ws.Conn, 0, len(s.conns))
	for c := range s.conns {
		open = append(open, c.c)
	}
	s.mu.Unlock()
	for _, c := range open {
		_ = c.Close(ws.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err2 := s.loop.Shutdown(ctx); err == nil {
		err = err2
	}
	<-done // the loops are gone: every connection has ended
	return err
}

// admit reserves a slot for a new connection: ws.ErrClosed after
// Shutdown, ws.ErrTooManyConnections at Options.MaxConnections.
func (s *Server) admit() (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, ws.ErrClosed
	}
	if m := s.d.opts.MaxConnections; m > 0 && s.slots >= m {
		return nil, ws.ErrTooManyConnections
	}
	s.slots++
	s.wg.Add(1)
	return s.release, nil
}

func (s *Server) release() {
	s.mu.Lock()
	s.slots--
	s.mu.Unlock()
	s.wg.Done()
}

// track adds an open connection (Shutdown closes it); untrack removes it
// and frees its slot.
func (s *Server) track(c *conn, release func()) {
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[*conn]func(){}
	}
	s.conns[c] = release
	closing := s.closing
	s.mu.Unlock()
	if closing {
		_ = c.c.Close(ws.StatusGoingAway, "server shutting down")
	}
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	release, ok := s.conns[c]
	delete(s.conns, c)
	s.mu.Unlock()
	if ok {
		release()
	}
}
