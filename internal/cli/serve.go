package cli

import (
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/prefork"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

func init() {
	commands["serve"] = command{summary: "WebSocket echo, a WAMP router on /ws (realm1) and the demo page on --addr (default 127.0.0.1:9000, on the event loop)", runExt: runServe}
}

//go:embed serve.html
var servePage []byte

// echoHandler sends every message back as it came.
type echoHandler struct {
	ws.BaseHandler
	log *slog.Logger
}

// OnOpen and OnClose log at Info (serve -v). The check comes first: the
// arguments of a disabled log call are still built (the remote address, the
// boxed values), garbage that 10,000 idle connections would pay for.
func (h echoHandler) OnOpen(c *ws.Conn) {
	if h.log.Enabled(context.Background(), slog.LevelInfo) {
		h.log.Info("open", "remote", remoteAddr(c))
	}
}

func (h echoHandler) OnMessage(c *ws.Conn, op ws.Opcode, payload []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, op, payload); err != nil && h.log.Enabled(ctx, slog.LevelDebug) {
		h.log.Debug("echo failed", "remote", remoteAddr(c), "err", err)
	}
}

func (h echoHandler) OnClose(c *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	if !h.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	h.log.Info("close", "remote", remoteAddr(c), "clean", wasClean, "code", int(code), "reason", reason)
}

// remoteAddr is the peer's address as a log value: a string such as
// "127.0.0.1:40622" in both log formats (a net.Addr would be written field
// by field by the JSON handler).
func remoteAddr(c *ws.Conn) string {
	if a := c.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

// maxHeaderBytes bounds a request head on serve's HTTP port.
const maxHeaderBytes = 16 << 10

// runServe listens on --addr (the event loop by default, net/http with
// --driver std), echoes WebSocket messages on /echo, hosts the WAMP router
// on /ws and serves a demo page at /. It stops on ctx cancellation
// (SIGINT, SIGTERM), closing every WebSocket connection with 1001.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, ext Extension) (err error) {
	f, err := parseServeFlags(args, stdout, ext) // serve_flags.go
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the usage on stdout, exit status 0
	} else if err != nil {
		return err
	}
	logger := f.logger(stderr)
	if f.checkFile != "" || f.configFile != "" {
		return runConfig(ctx, f.fs, f.checkFile, f.configFile, f.shutdownTimeout, logger, stdout, f.fabric.Open) // config.go
	}
	defer func() { err = f.addrInUse(err) }() // serve_flags.go
	_, child := prefork.Child()
	if f.procs > 1 {
		if !child {
			// What every child would fail on fails here, once: not N
			// children restarted until the parent gives up.
			if _, _, err := f.tlsConfig(logger); err != nil {
				return err
			}
			// The children check --tls-cert on their own: SIGHUP must
			// only not end the parent (serve_flags.go).
			defer onHangup(logger, func() {})()
			return runPrefork(ctx, f, args, stdout, stderr, logger) // serve_prefork.go
		}
		stdout = io.Discard // the parent lists the listeners, once
	}
	opts := f.wsOptions(logger)
	tlsCfg, certs, err := f.tlsConfig(logger)
	if err != nil {
		return err
	}
	// SIGHUP reads the key pair again (serve_flags.go).
	defer onHangup(logger, certs.reload)()
	wampSrv, err := newWAMPServer(f.realm, opts, logger, stdout, f.fabric.Open) // router.go
	if err != nil {
		return err
	}
	defer wampSrv.close()
	if f.demo {
		d, err := startDemo(ctx, wampSrv.r, wamp.URI(f.realm)) // demo.go
		if err != nil {
			return err
		}
		defer d.Close()
	}

	// --driver std: net/http serves --addr; --driver loop: the event loop
	// does (below), and the HTTP server has no listener (ln nil).
	var ln net.Listener
	if f.driver == "std" {
		if ln, err = listenTCP(f.addr); err != nil { // serve_flags.go
			return err
		}
		if tlsCfg != nil {
			ln = tls.NewListener(ln, tlsCfg)
		}
	}
	// One metrics set counts every WebSocket server below (metrics.go).
	metrics := new(wsmetrics.Set)
	wsrv := &ws.Server{Handler: echoHandler{log: logger}, Options: opts, Metrics: metrics}
	// WAMP on net/http's /ws: connections of wsrv too, under its
	// --max-conns and counted in its metrics.
	wampSrv.opts.Server = wsrv
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(metrics, wampSrv.r, f.realm))
	mux.Handle("/echo", wshttp.Handler(wsrv))
	mux.Handle("/ws", wampSrv.httpHandler())
	if f.rawAddr != "" {
		if _, err := wampSrv.listenRawSocket(f.rawAddr); err != nil {
			closeListener(ln)
			return err
		}
	}
	hc := new(health) // serve_prefork.go
	mux.Handle("/healthz", hc)
	var msrv *metricsServer // --metrics-addr (serve_metrics.go)
	if f.metricsAddr != "" {
		if msrv, err = listenMetrics(f.metricsAddr, metricsHandler(metrics, wampSrv.r, f.realm), hc, logger); err != nil {
			closeListener(ln)
			return err
		}
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(servePage)
	})
	// Bounded like the WebSocket side: a request head within the handshake
	// timeout (--handshake-timeout, default 10 s) and 16 KiB
	// (net/http's default is 1 MB, which lets 200 connections hold 1 GB),
	// a whole request within 30 s (a slow body), an idle keep-alive
	// connection for 2 minutes. wshttp clears the deadlines of the
	// connections it takes over.
	hsrv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: opts.Resolve().HandshakeTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	var mainAddr net.Addr
	if ln != nil {
		mainAddr = ln.Addr()
		announceHTTP(stdout, mainAddr, tlsCfg != nil) // serve_prefork.go
		logger.Info("listening", "addr", mainAddr.String(), "driver", "std", "tls", tlsCfg != nil)
	}

	// The same handler on the event loop: one line differs.
	// In a prefork child the loop's sockets share the port (SO_REUSEPORT).
	lsrv := &wsloop.Server{Handler: wampSrv.loopHandler(echoHandler{log: logger}), Options: opts,
		Config: eventloop.Config{ReusePort: child}, Metrics: metrics}
	if f.driver == "std" {
		// --max-conns bounds the process: beside net/http (--loop-addr)
		// the loop admits under wsrv's bound too, so the two count
		// together (wsrv.Shutdown then waits for the loop's connections
		// as well; both shut down together below).
		lsrv.Admit = wsloop.AdmitWith(wsrv)
	}
	loopScheme := "ws"
	if f.driver == "loop" {
		lsrv.HTTP = loopHTTP(mux, tlsCfg != nil) // the page, /metrics and /healthz on the loop's port (serve_loophttp.go)
	}
	if f.driver == "loop" && tlsCfg != nil {
		lsrv.TLSConfig, loopScheme = tlsCfg, "wss" // TLS on the loops (--loop-addr too)
	}
	var loopLn net.Addr
	lerrc := make(chan error, 1)
	loopOn := f.driver == "loop" || f.loopAddr != ""
	if loopOn {
		for i, a := range []string{f.addr, f.loopAddr} {
			if a == "" || i == 0 && f.driver != "loop" {
				continue
			}
			err := checkAddrFree(a) // serve_flags.go
			var la net.Addr
			if err == nil {
				la, err = lsrv.Listen("tcp", a)
			}
			if err != nil {
				closeListener(ln)
				msrv.abort()
				return errors.Join(err, lsrv.Shutdown(context.Background()))
			}
			logger.Info("listening", "addr", la.String(), "driver", "loop")
			if i == 0 {
				mainAddr = la
				announceLoop(stdout, la, tlsCfg != nil) // serve_prefork.go
			} else {
				loopLn = la
				fmt.Fprintf(stdout, "autobahn serve: event-loop WebSocket echo on %s://%s/\n", loopScheme, la)
			}
		}
		go func() { lerrc <- lsrv.Run() }()
	} else {
		lerrc <- nil
	}
	mainScheme := "ws"
	if tlsCfg != nil {
		mainScheme = "wss" // the std listener's TLS, or the loop's with --driver loop
	}
	wampSrv.announce(stdout, mainScheme, mainAddr, loopScheme, loopLn)
	if msrv != nil {
		announceMetrics(stdout, msrv.ln.Addr())
		logger.Info("listening", "addr", msrv.ln.Addr().String(), "metrics", true)
		msrv.serve()
	}

	errc := make(chan error, 1)
	if ln != nil {
		go func() { errc <- hsrv.Serve(ln) }()
	}
	// Set up: collect the start-up garbage and give it back to the system
	// before the connections come, so that the collector's one-time cost
	// (its metadata and code paged in, 0.5-1 MB) and the start-up garbage
	// are not paid on the first connections, and RSS from here on grows with
	// what they hold (BENCHMARKS.md, "100,000 connections").
	debug.FreeOSMemory()
	if err := prefork.Ready(); err != nil { // a prefork child serves now
		logger.Warn("prefork: ready", "err", err)
	}
	// A server that ends before ctx does (its listener failed, say) ends
	// serve: the others shut down as on SIGTERM, and serve returns its
	// error (exit status 1), rather than running on without it.
	var early error
	var lErrc, mErrc chan error // nil (never ready) for a server that does not run
	if loopOn {
		lErrc = lerrc
	}
	if msrv != nil {
		mErrc = msrv.errc
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		early = fmt.Errorf("serve: %s stopped: %w", f.addr, orStopped(err))
		errc <- http.ErrServerClosed // read again below
	case err := <-lErrc:
		early = fmt.Errorf("serve: the event loop stopped: %w", orStopped(err))
		lerrc <- nil
	case err := <-mErrc:
		early = fmt.Errorf("serve: --metrics-addr stopped: %w", orStopped(err))
		mErrc <- http.ErrServerClosed
	case err := <-wampSrv.rawFailed: // nil without --rawsocket-addr
		early = fmt.Errorf("serve: --rawsocket-addr stopped: %w", err)
	}
	if ln == nil {
		errc <- http.ErrServerClosed // no HTTP listener (--driver loop)
	}
	if early != nil {
		logger.Error("a listener failed: shutting down", "err", early)
	}
	logger.Info("shutting down")
	hc.stopping.Store(true) // /healthz: 503 from now on
	// One deadline, --shutdown-timeout, for all that follows.
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownTimeout)
	defer cancel()
	// The router first, while every server still runs: each WAMP session
	// (net/http, event loop, RawSocket, in-process) gets GOODBYE
	// wamp.close.system_shutdown and a chance to answer, before the
	// servers' close frames (1001) would end the loop's sessions without
	// it. (The deferred close then finds nothing to do.)
	rerr := wampSrv.shutdown(sctx)
	// Every server shuts down at once, under the same deadline: each sends
	// all its connections their close frame (1001) together and waits at
	// most its CloseTimeout for the replies, then drops the rest, so peers
	// that do not answer cannot add up. A clean shutdown returns nil (exit
	// 0).
	shutdowns := []func(context.Context) error{hsrv.Shutdown, wsrv.Shutdown}
	if loopOn {
		shutdowns = append(shutdowns, lsrv.Shutdown)
	}
	if msrv != nil {
		shutdowns = append(shutdowns, msrv.srv.Shutdown)
	}
	errs := make([]error, len(shutdowns))
	var wg sync.WaitGroup
	for i, shutdown := range shutdowns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = shutdown(sctx)
		}()
	}
	wg.Wait()
	err = errors.Join(append(errs, rerr)...)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if msrv != nil {
		err = errors.Join(err, msrv.wait())
	}
	return errors.Join(early, err, <-lerrc)
}

// errStopped: a server ended without an error, before serve stopped it.
var errStopped = errors.New("stopped unasked")

// orStopped is err, or errStopped for nil.
func orStopped(err error) error {
	if err == nil {
		return errStopped
	}
	return err
}
