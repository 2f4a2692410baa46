package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

func init() {
	commands["serve"] = command{"WebSocket echo, a WAMP router on /ws (realm1) and the demo page on --addr (default 127.0.0.1:9000)", runServe}
}

//go:embed serve.html
var servePage []byte

// echoHandler sends every message back as it came.
type echoHandler struct {
	ws.BaseHandler
	log *slog.Logger
}

func (h echoHandler) OnOpen(c *ws.Conn) {
	h.log.Info("open", "remote", c.RemoteAddr())
}

func (h echoHandler) OnMessage(c *ws.Conn, payload []byte, isBinary bool) {
	op := ws.OpText
	if isBinary {
		op = ws.OpBinary
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, op, payload); err != nil {
		h.log.Debug("echo failed", "remote", c.RemoteAddr(), "err", err)
	}
}

func (h echoHandler) OnClose(c *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	h.log.Info("close", "remote", c.RemoteAddr(), "clean", wasClean, "code", int(code), "reason", reason)
}

// runServe listens on --addr, echoes WebSocket messages on /echo and serves
// a demo page at /. It stops on ctx cancellation (SIGINT), closing every
// WebSocket connection with 1001.
// maxHeaderBytes bounds a request head on serve's HTTP port.
const maxHeaderBytes = 16 << 10

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "listen address")
	verbose := fs.Bool("v", false, "log every connection")
	loopAddr := fs.String("loop-addr", "", "also serve the echo handler on the event loop (ws/wsloop) at this address")
	realm := fs.String("realm", "realm1", "realm of the WAMP router on /ws (anonymous)")
	rawAddr := fs.String("rawsocket-addr", "", "also serve the WAMP router over RawSocket at this address")
	configFile := fs.String("config", "", "serve the WAMP router and transports of this Crossbar-style JSON file instead (SIGHUP reloads principals and permissions)")
	checkFile := fs.String("check-config", "", "check this configuration file, print a summary and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *checkFile != "" || *configFile != "" {
		return runConfig(ctx, fs, *checkFile, *configFile, logger, stdout) // config.go
	}
	wampSrv, err := newWAMPServer(*realm, logger) // router.go
	if err != nil {
		return err
	}
	defer wampSrv.close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	wsrv := &ws.Server{Handler: echoHandler{log: logger}, Options: &ws.Options{Logger: logger}}
	mux := http.NewServeMux()
	mux.Handle("/echo", wshttp.Handler(wsrv))
	mux.Handle("/ws", wampSrv.httpHandler())
	if *rawAddr != "" {
		if _, err := wampSrv.listenRawSocket(*rawAddr); err != nil {
			_ = ln.Close()
			return err
		}
	}
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(servePage)
	})
	// Bounded like the WebSocket side: a request head within 10 s and 16 KiB
	// (net/http's default is 1 MB, which lets 200 connections hold 1 GB),
	// a whole request within 30 s (a slow body), an idle keep-alive
	// connection for 2 minutes. wshttp clears the deadlines of the
	// connections it takes over.
	hsrv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "autobahn serve: http://%s/ (WebSocket echo on ws://%s/echo)\n", ln.Addr(), ln.Addr())
	logger.Info("listening", "addr", ln.Addr().String())

	// The same handler on the event loop: one line differs.
	lsrv := &wsloop.Server{Handler: wampSrv.loopHandler(echoHandler{log: logger}), Options: &ws.Options{Logger: logger}}
	var loopLn net.Addr
	lerrc := make(chan error, 1)
	if *loopAddr != "" {
		la, err := lsrv.Listen("tcp", *loopAddr)
		if err != nil {
			_ = ln.Close()
			return err
		}
		fmt.Fprintf(stdout, "autobahn serve: event-loop WebSocket echo on ws://%s/\n", la)
		loopLn = la
		go func() { lerrc <- lsrv.Run() }()
	} else {
		lerrc <- nil
	}
	wampSrv.announce(stdout, ln.Addr(), loopLn)

	errc := make(chan error, 1)
	go func() { errc <- hsrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	// Every server shuts down at once, under one deadline: each sends all
	// its connections their close frame (1001) together and waits at most
	// its CloseTimeout for the replies, then drops the rest, so peers that
	// do not answer cannot add up. A clean shutdown returns nil (exit 0).
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shutdowns := []func(context.Context) error{hsrv.Shutdown, wsrv.Shutdown}
	if *loopAddr != "" {
		shutdowns = append(shutdowns, lsrv.Shutdown)
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
	err = errors.Join(errs...)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, <-lerrc)
}
