package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/internal/acceptretry"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// The WAMP router `autobahn serve` hosts: one realm, anonymous, reached
// over WebSocket at /ws on the HTTP port and on the event-loop port, and
// over RawSocket when asked.

var wampSerializers = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}, flatbuffers.Serializer{}}

// wampServer is the router and its RawSocket listener.
type wampServer struct {
	r     *router.Router
	opts  websocket.Options
	log   *slog.Logger
	realm string

	rawLn     net.Listener
	rawFailed <-chan error    // the RawSocket accept loop's end (acceptRawSocket)
	ctx       context.Context // ends RawSocket handshakes under way at close
	cancel    context.CancelFunc
	wg        sync.WaitGroup // the RawSocket accept loop and handshakes
	closed    sync.Once

	fabric joinedFabric // --nats: left before the router closes, closed after
}

// newWAMPServer makes the router of realm; its WebSocket sessions, on
// net/http and on the event loop, take wsOpts (serve's flags: message
// sizes, timeouts, keepalive, origins, compression).
func newWAMPServer(realm string, wsOpts *ws.Options, logger *slog.Logger, stdout io.Writer, openFabric openFabric) (*wampServer, error) {
	fab, err := openFabric.open(stdout, logger) // serve_fabric.go
	if err != nil {
		return nil, err
	}
	r, err := router.New(router.Config{
		Realms: []router.RealmConfig{{Name: wamp.URI(realm), AllowAnonymous: true}},
		Logger: logger,
		Fabric: fab.fab,
	})
	if err != nil {
		fab.leave()
		fab.close()
		return nil, err
	}
	w := &wampServer{r: r, log: logger, realm: realm, fabric: fab, opts: websocket.Options{Serializers: wampSerializers, WS: wsOpts}}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w, nil
}

// httpHandler serves WAMP over WebSocket on net/http: one goroutine
// transport per session (the router's reader and writer).
func (w *wampServer) httpHandler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(rw, req, w.opts)
		if err != nil {
			return // Accept answered already
		}
		// Attach, not ServeTransport: this handler returns and net/http's
		// connection goroutine ends with it, freeing its grown stack and
		// the 8 KiB of bufio buffers its conn holds while the handler
		// runs (about 14 KiB per idle session, bench/run-router.sh). The
		// router closes the session on Close.
		_ = w.r.Attach(c)
	})
}

// loopHandler serves WAMP at /ws on the event loop (no goroutine per
// session) and other on every other path.
func (w *wampServer) loopHandler(other ws.Handler) ws.Handler {
	return &wampMux{wamp: w.r.LoopHandler(w.opts), other: other}
}

// wampMux picks the handler of a loop connection by its path; once open,
// a connection is WAMP's when the handshake chose a WAMP subprotocol (the
// WAMP handler always chooses one, the other handler none of WAMP's).
type wampMux struct {
	wamp, other ws.Handler
}

func (m *wampMux) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	path, _, _ := strings.Cut(req.Target, "?")
	if path == "/ws" {
		return m.wamp.OnConnect(req)
	}
	return m.other.OnConnect(req)
}

func (m *wampMux) pick(c *ws.Conn) ws.Handler {
	if strings.HasPrefix(c.Subprotocol(), "wamp.2.") {
		return m.wamp
	}
	return m.other
}

func (m *wampMux) OnOpen(c *ws.Conn) { m.pick(c).OnOpen(c) }
func (m *wampMux) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	m.pick(c).OnMessage(c, op, p)
}
func (m *wampMux) OnClose(c *ws.Conn, clean bool, code ws.StatusCode, reason string) {
	m.pick(c).OnClose(c, clean, code, reason)
}

// listenRawSocket serves WAMP over RawSocket on addr.
func (w *wampServer) listenRawSocket(addr string) (net.Addr, error) {
	ln, err := listenTCP(addr) // serve_flags.go: SO_REUSEPORT in a prefork child
	if err != nil {
		return nil, err
	}
	w.rawLn = ln
	opts := rawsocket.ServerOptions{Serializers: wampSerializers}
	if ws := w.opts.WS; ws != nil && ws.MaxMessagePayload > 0 {
		// --max-message: the largest length RawSocket can announce that
		// does not exceed it (at least its least, 512 octets).
		opts.MaxMessageLen = rawMaxLen(ws.MaxMessagePayload)
	}
	if ws := w.opts.WS; ws != nil && ws.HandshakeTimeout > 0 {
		// --handshake-timeout: a client that does not finish its
		// handshake is let go, as on the WebSocket ports (--max-conns
		// counts a RawSocket session only after it).
		opts.HandshakeTimeout = ws.HandshakeTimeout
	}
	if ws := w.opts.WS; ws != nil && ws.MaxConnections > 0 {
		// --max-conns: as many RawSocket sessions again; more are
		// refused in the handshake (CodeMaxConnections).
		opts.Admit = admitUpTo(ws.MaxConnections)
	}
	w.rawFailed = acceptRawSocket(w.ctx, ln, &w.wg, w.log, opts, w.r.Attach)
	return ln.Addr(), nil
}

// admitUpTo is a rawsocket.ServerOptions.Admit that lets n connections be
// open at once.
func admitUpTo(n int) func() (func(), bool) {
	var open atomic.Int64
	return func() (func(), bool) {
		if open.Add(1) > int64(n) {
			open.Add(-1)
			return nil, false
		}
		return func() { open.Add(-1) }, true // called once, by Conn.Close
	}
}

// rawMaxLen is the largest RawSocket maximum message length (a power of
// two from 2^9 to 2^24) not above n, or 2^9 when n is smaller.
func rawMaxLen(n int64) int {
	m := int64(rawsocket.MinMaxMessageLen)
	for m*2 <= min(n, rawsocket.MaxMaxMessageLen) {
		m *= 2
	}
	return int(m)
}

// acceptRawSocket serves RawSocket sessions from ln until it is closed:
// each connection's handshake (ended by ctx) on a goroutine counted in
// wg, then attach. A failed Accept that may pass (EMFILE, ENFILE:
// descriptors run out under load) is logged and retried after a back-off
// of up to a second, as net/http's Serve does; any other error but the
// listener's close ends the loop, logged, and is sent on the channel
// returned (buffered; nothing else is).
func acceptRawSocket(ctx context.Context, ln net.Listener, wg *sync.WaitGroup, log *slog.Logger, opts rawsocket.ServerOptions, attach func(wamp.Transport) error) <-chan error {
	failed := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var backoff time.Duration
		for {
			nc, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
					return
				}
				if !acceptretry.Transient(err) {
					log.Error("rawsocket accept failed: no more connections", "addr", ln.Addr().String(), "err", err)
					failed <- err
					return
				}
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				log.Warn("rawsocket accept failed: retrying", "addr", ln.Addr().String(), "err", err, "in", backoff)
				t := time.NewTimer(backoff)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
				continue
			}
			backoff = 0
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := rawsocket.Accept(ctx, nc, opts)
				if err != nil {
					log.Info("rawsocket handshake failed", "remote", nc.RemoteAddr().String(), "err", err)
					_ = nc.Close()
					return
				}
				_ = attach(c)
			}()
		}
	}()
	return failed
}

// announce prints where clients join.
func (w *wampServer) announce(out io.Writer, mainScheme string, mainAddr net.Addr, loopScheme string, loopAddr net.Addr) {
	fmt.Fprintf(out, "autobahn serve: WAMP router, realm %s, on %s://%s/ws", w.realm, mainScheme, mainAddr)
	if loopAddr != nil {
		fmt.Fprintf(out, " and %s://%s/ws (event loop)", loopScheme, loopAddr)
	}
	if w.rawLn != nil {
		fmt.Fprintf(out, " and rawsocket tcp://%s", w.rawLn.Addr())
	}
	fmt.Fprintln(out)
}

// close is shutdown within a few seconds, for the paths that have no
// deadline of their own (serve failing to start).
func (w *wampServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.shutdown(ctx)
}

// shutdown stops RawSocket and closes the router: every session still
// open (on net/http, whose Shutdown does not wait for upgraded
// connections, and on RawSocket) gets GOODBYE wamp.close.system_shutdown;
// it waits for them until ctx ends, then drops those left and returns
// ctx's error. Only the first call of shutdown or close does anything.
func (w *wampServer) shutdown(ctx context.Context) (err error) {
	w.closed.Do(func() { err = w.closeOnce(ctx) })
	return err
}

func (w *wampServer) closeOnce(ctx context.Context) error {
	if w.rawLn != nil {
		_ = w.rawLn.Close()
	}
	w.cancel()
	w.fabric.leave()
	err := w.r.Close(ctx)
	if err != nil {
		w.log.Warn("WAMP router close", "err", err)
	}
	w.fabric.close()
	w.wg.Wait()
	return err
}
