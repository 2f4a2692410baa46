package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/config"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// `autobahn serve --config FILE` and `--check-config FILE`: the router and
// its transports from a Crossbar-shaped configuration (wamp/router/config).

var serializerByName = map[string]wamp.Serializer{
	"json": json.Serializer{}, "msgpack": msgpack.Serializer{}, "cbor": cbor.Serializer{}, "ubjson": ubjson.Serializer{},
}

func serializersOf(names []string) []wamp.Serializer {
	out := make([]wamp.Serializer, 0, len(names))
	for _, n := range names {
		out = append(out, serializerByName[n])
	}
	return out
}

// runConfig runs --check-config or --config; the flags those replace
// must not be given with them.
func runConfig(ctx context.Context, fs *flag.FlagSet, check, serve string, shutdown time.Duration, logger *slog.Logger, stdout io.Writer, openFabric openFabric) error {
	var clash, unused []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr", "loop-addr", "realm", "rawsocket-addr":
			clash = append(clash, "--"+f.Name)
		case "metrics-addr", "tls-cert", "tls-key", "compress", "compress-threshold", "deflate-level",
			"deflate-server-window-bits", "deflate-client-window-bits", "deflate-client-no-context-takeover",
			"max-conns", "max-message", "max-frame", "handshake-timeout", "close-timeout", "ping-interval",
			"ping-timeout", "origins":
			// The built-in server's: the file's transports have none of
			// them (TLS and max_message_size are set per transport there).
			unused = append(unused, "--"+f.Name)
		}
	})
	switch {
	case check != "" && serve != "":
		return usageError{errors.New("serve: --check-config and --config exclude each other")}
	case len(clash) > 0:
		return usageError{fmt.Errorf("serve: the configuration file replaces %s", strings.Join(clash, ", "))}
	case len(unused) > 0:
		return usageError{fmt.Errorf("serve: %s: not used with a configuration file (its transports set their own TLS and limits)", strings.Join(unused, ", "))}
	case check != "":
		return checkConfig(check, stdout)
	}
	return serveConfig(ctx, serve, shutdown, logger, stdout, openFabric)
}

// loadConfig loads path and the TLS key pairs it names: what serving it
// needs beyond the file itself.
func loadConfig(path string) (*config.Config, map[int]tls.Certificate, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	certs := map[int]tls.Certificate{}
	for i, t := range cfg.Transports {
		if t.TLS == nil {
			continue
		}
		c, err := tls.LoadX509KeyPair(t.TLS.CertificateFile, t.TLS.KeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s.endpoint.tls: %w", path, t.Path, err)
		}
		certs[i] = c
	}
	return cfg, certs, nil
}

// checkConfig prints a summary of a valid configuration, or returns its error.
func checkConfig(path string, stdout io.Writer) error {
	cfg, _, err := loadConfig(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	for _, rc := range cfg.Router.Realms {
		fmt.Fprintf(stdout, "realm %s: %s\n", rc.Name, realmSummary(rc))
	}
	for _, t := range cfg.Transports {
		fmt.Fprintf(stdout, "%s: %s\n", t.Path, transportSummary(t))
		for _, e := range t.Endpoints {
			fmt.Fprintf(stdout, "%s auth: %s\n", e.Name, endpointSummary(e.Name, cfg.Router.Endpoints[e.Name]))
		}
	}
	return nil
}

// authSummary says which methods ac allows.
func authSummary(ac router.AuthConfig) []string {
	var parts []string
	if ac.AllowAnonymous {
		parts = append(parts, "anonymous as "+ac.AnonymousRole)
	}
	for _, m := range []struct {
		name string
		n    int
	}{{"ticket", len(ac.Tickets)}, {"wampcra", len(ac.CRA)}, {"scram", len(ac.SCRAM)}, {"cryptosign", len(ac.Cryptosign)}} {
		switch {
		case ac.Authenticators[m.name] != nil:
			parts = append(parts, m.name+" dynamic")
		case m.n > 0:
			parts = append(parts, fmt.Sprintf("%s %d principals", m.name, m.n))
		}
	}
	return parts
}

// endpointSummary says how endpoint name authenticates, per realm, and
// the bound on its listener's sessions.
func endpointSummary(name string, ec router.EndpointConfig) string {
	realms := make([]string, 0, len(ec.Realms))
	for name := range ec.Realms {
		realms = append(realms, string(name))
	}
	sort.Strings(realms)
	var parts []string
	for _, name := range realms {
		s := strings.Join(authSummary(ec.Realms[wamp.URI(name)]), "; ")
		if s == "" {
			s = "no method"
		}
		parts = append(parts, name+" "+s)
	}
	if ec.MaxSessions > 0 {
		parts = append(parts, fmt.Sprintf("at most %d sessions", ec.MaxSessions))
		if ec.Listener != "" && ec.Listener != name { // a web path
			parts[len(parts)-1] += " on " + ec.Listener
		}
	}
	return strings.Join(parts, "; ")
}

func realmSummary(rc router.RealmConfig) string {
	var parts []string
	if len(rc.Roles) == 0 {
		parts = append(parts, "no roles (every action allowed)")
	} else {
		names := make([]string, len(rc.Roles))
		for i, r := range rc.Roles {
			names[i] = fmt.Sprintf("%s (%d permissions)", r.Name, len(r.Permissions))
		}
		parts = append(parts, "roles "+strings.Join(names, ", "))
	}
	parts = append(parts, authSummary(router.AuthConfig{AllowAnonymous: rc.AllowAnonymous, AnonymousRole: rc.AnonymousRole,
		Tickets: rc.Tickets, CRA: rc.CRA, SCRAM: rc.SCRAM, Cryptosign: rc.Cryptosign, Authenticators: rc.Authenticators})...)
	if len(rc.EventHistory) > 0 {
		parts = append(parts, fmt.Sprintf("event history on %d topics", len(rc.EventHistory)))
	}
	return strings.Join(parts, "; ")
}

func transportSummary(t config.Transport) string {
	s := t.Type + " on " + t.Network + " " + t.Address
	if t.TLS != nil {
		s += " (TLS)"
	}
	eps := make([]string, len(t.Endpoints))
	for i, e := range t.Endpoints {
		eps[i] = "serializers " + strings.Join(e.Serializers, ", ")
		if e.URLPath != "" {
			eps[i] = "at " + e.URLPath + ", " + eps[i]
		}
	}
	if len(t.Endpoints) == 1 && t.Endpoints[0].URLPath == "" {
		return s + ", " + eps[0]
	}
	return s + " " + strings.Join(eps, "; ")
}

// configServer is the router of a configuration file and its listeners.
type configServer struct {
	path   string
	r      *router.Router
	log    *slog.Logger
	cfg    *config.Config
	ctx    context.Context // ends RawSocket handshakes under way at close
	cancel context.CancelFunc
	lns    []net.Listener // RawSocket
	https  []*http.Server
	wg     sync.WaitGroup // accept loops, handshakes, HTTP servers
	// shutdown bounds close (--shutdown-timeout; 0: 5 s).
	shutdown time.Duration

	fabric joinedFabric // --nats: left before the router closes, closed after
}

// serveConfig serves the configuration at path until ctx ends; SIGHUP
// reloads its principals, permissions and max_sessions (Router.Reload).
func serveConfig(ctx context.Context, path string, shutdown time.Duration, logger *slog.Logger, stdout io.Writer, openFabric openFabric) error {
	cfg, certs, err := loadConfig(path)
	if err != nil {
		return err
	}
	rcfg := cfg.Router
	rcfg.Logger = logger
	fab, err := openFabric.open(stdout, logger) // serve_fabric.go
	if err != nil {
		return err
	}
	rcfg.Fabric = fab.fab
	r, err := router.New(rcfg)
	if err != nil {
		fab.leave()
		fab.close()
		return err
	}
	cs := &configServer{path: path, r: r, log: logger, cfg: cfg, fabric: fab, shutdown: shutdown}
	cs.ctx, cs.cancel = context.WithCancel(context.Background())
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	names := make([]string, len(cfg.Router.Realms))
	for i, rc := range cfg.Router.Realms {
		names[i] = string(rc.Name)
	}
	fmt.Fprintf(stdout, "autobahn serve: WAMP router from %s, realms %s\n", path, strings.Join(names, ", "))
	for i, t := range cfg.Transports {
		var tc *tls.Config
		if c, ok := certs[i]; ok {
			tc = &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
		}
		where, err := cs.listen(t, tc)
		if err != nil {
			_ = cs.close() // the listen error says what went wrong
			return fmt.Errorf("%s: %w", t.Path, err)
		}
		fmt.Fprintf(stdout, "autobahn serve: %s %s\n", t.Type, where)
	}
	for done := false; !done; {
		select {
		case <-hup:
			fmt.Fprintln(stdout, cs.reload())
		case <-ctx.Done():
			done = true
		}
	}
	logger.Info("shutting down")
	return cs.close()
}

// reload applies the file's principals, permissions and max_sessions
// again; it says what it did.
func (cs *configServer) reload() string {
	cfg, _, err := loadConfig(cs.path)
	if err == nil {
		// The running transports' endpoints take the file's auth and
		// max_sessions; a transport (or web path) added needs a restart,
		// one removed keeps its auth, and its listener's max_sessions.
		rc := cfg.Router
		rc.Endpoints = map[string]router.EndpointConfig{}
		maxSessions := map[string]int{} // listener → its new max_sessions
		for _, ec := range cfg.Router.Endpoints {
			maxSessions[ec.Listener] = ec.MaxSessions
		}
		for name, old := range cs.cfg.Router.Endpoints {
			if ec, ok := cfg.Router.Endpoints[name]; ok && ec.Listener == old.Listener {
				old = ec
			} else if n, ok := maxSessions[old.Listener]; ok {
				old.MaxSessions = n
			}
			rc.Endpoints[name] = old
		}
		if err = cs.r.Reload(rc); err == nil {
			// What runs now: the next reload starts from it, so that an
			// endpoint left out of a later file keeps this auth, not the
			// one serve started with (a principal revoked stays revoked).
			cs.cfg.Router.Endpoints = rc.Endpoints
		}
	}
	if err != nil {
		cs.log.Error("reload failed", "err", err)
		return "autobahn serve: reload failed, nothing changed: " + err.Error()
	}
	msg := "autobahn serve: reloaded principals, permissions and max_sessions from " + cs.path
	if !reflect.DeepEqual(cfg.Transports, cs.cfg.Transports) {
		msg += " (the transports changed: they need a restart)"
	}
	cs.log.Info("reloaded", "file", cs.path)
	return msg
}

// listen starts serving t and returns where clients reach it.
func (cs *configServer) listen(t config.Transport, tc *tls.Config) (string, error) {
	if t.Network == "unix" {
		// A socket file left by a router that did not remove it.
		if fi, err := os.Lstat(t.Address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(t.Address)
		}
	}
	ln, err := net.Listen(t.Network, t.Address)
	if err != nil {
		return "", err
	}
	if tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	addr := ln.Addr().String()
	if t.Type == "rawsocket" {
		e := t.Endpoints[0]
		cs.lns = append(cs.lns, ln)
		opts := rawsocket.ServerOptions{Serializers: serializersOf(e.Serializers)}
		if e.MaxMessageSize > 0 {
			// As --max-message: the largest length RawSocket can announce
			// that does not exceed it (rawsocket rounds up).
			opts.MaxMessageLen = rawMaxLen(int64(e.MaxMessageSize))
		}
		cs.acceptRawSocket(ln, opts, cs.attach(e))
		scheme := "tcp://"
		if t.Network == "unix" {
			scheme = "unix:"
		}
		if tc != nil {
			scheme = "tls://"
		}
		return "rawsocket " + scheme + addr, nil
	}
	// One handler per endpoint: a web transport's websocket paths each
	// have their own serializers, message size and auth.
	handlers := make(map[string]http.Handler, len(t.Endpoints))
	paths := make([]string, 0, len(t.Endpoints))
	for _, e := range t.Endpoints {
		p := e.URLPath
		if p == "" {
			p = "/" // a websocket transport serves every path
		}
		handlers[e.URLPath], paths = cs.wsHandler(e), append(paths, p)
	}
	handler := handlers[""]
	if handler == nil {
		handler = http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
			h, ok := handlers[req.URL.Path]
			if !ok {
				http.NotFound(rw, req)
				return
			}
			h.ServeHTTP(rw, req)
		})
	}
	hs := &http.Server{
		Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(cs.log.Handler(), slog.LevelWarn),
	}
	cs.https = append(cs.https, hs)
	cs.wg.Add(1)
	go func() {
		defer cs.wg.Done()
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			cs.log.Error("serve", "addr", addr, "err", err)
		}
	}()
	scheme := "ws://"
	if tc != nil {
		scheme = "wss://"
	}
	if t.Network == "unix" {
		scheme = "ws+unix:"
	}
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = scheme + addr + p
	}
	sort.Strings(urls)
	return strings.Join(urls, " "), nil
}

// attach returns what attaches e's sessions: through its router
// endpoint, its auth and its listener's max_sessions (wamp/router/config).
func (cs *configServer) attach(e config.Endpoint) func(wamp.Transport) error {
	if ep := cs.r.Endpoint(e.Name); ep != nil {
		return ep.Attach
	}
	return cs.r.Attach
}

// wsHandler serves e's WebSocket upgrades.
func (cs *configServer) wsHandler(e config.Endpoint) http.Handler {
	wsOpts := &ws.Options{Logger: cs.log}
	if e.MaxMessageSize > 0 {
		wsOpts.MaxMessagePayload = int64(e.MaxMessageSize)
	}
	opts := websocket.Options{Serializers: serializersOf(e.Serializers), WS: wsOpts}
	attach := cs.attach(e)
	return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(rw, req, opts)
		if err != nil {
			return
		}
		_ = attach(c) // not ServeTransport: see wampServer.httpHandler
	})
}

// acceptRawSocket serves RawSocket sessions from ln until it is closed
// (router.go's acceptRawSocket).
func (cs *configServer) acceptRawSocket(ln net.Listener, opts rawsocket.ServerOptions, attach func(wamp.Transport) error) {
	acceptRawSocket(cs.ctx, ln, &cs.wg, cs.log, opts, attach)
}

// close stops the listeners and closes the router: every session gets
// GOODBYE wamp.close.system_shutdown (net/http's Shutdown does not wait
// for upgraded connections; the router does, a few seconds at most). It
// returns the deadline's error when sessions were still open at the end
// of it (dropped: exit status 1, as --shutdown-timeout says).
func (cs *configServer) close() error {
	for _, ln := range cs.lns {
		_ = ln.Close()
	}
	cs.cancel()
	d := cs.shutdown
	if d <= 0 {
		d = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var errs []error
	for _, hs := range cs.https {
		errs = append(errs, hs.Shutdown(ctx))
	}
	cs.fabric.leave()
	rerr := cs.r.Close(ctx)
	if rerr != nil {
		cs.log.Warn("WAMP router close", "err", rerr)
	}
	cs.fabric.close()
	cs.wg.Wait()
	return errors.Join(append(errs, rerr)...)
}
