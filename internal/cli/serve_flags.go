package cli

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/prefork"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
)

// serveFlags is serve's command line.
type serveFlags struct {
	fs                  *flag.FlagSet
	addr, loopAddr      string
	metricsAddr         string
	realm, rawAddr      string
	configFile          string
	checkFile           string
	verbose             bool
	demo                bool
	driver              string
	procs               int
	tlsCert, tlsKey     string
	compress            string
	compressThreshold   int
	deflateLevel        int
	deflateServerBits   int
	deflateClientBits   int
	deflateNoClientCtx  bool
	maxConns            int
	maxMessage          int64
	maxFrame            int64
	handshakeTimeout    time.Duration
	closeTimeout        time.Duration
	shutdownTimeout     time.Duration
	pingInterval        time.Duration
	pingTimeout         time.Duration
	origins             string
	logFormat, logLevel string
	fabric              ServeFabric // Extension.ServeFlags (serve_fabric.go)
}

const serveUsage = `usage: autobahn serve [flags]

Serves, in the foreground until SIGINT or SIGTERM (then every WebSocket
gets close code 1001 and the exit status is 0; a WAMP session gets GOODBYE
wamp.close.system_shutdown first, then its WebSocket closes with 1001 too;
no daemonizing, suits systemd's Type=simple;
SIGHUP reads --tls-cert again; a listener that fails for good stops serve
the same way, with exit status 1), on --addr:
  /echo    WebSocket echo (every message sent back as it came)
  /ws      a WAMP router, realm --realm, anonymous (JSON, MessagePack, CBOR)
  /        a demo page;  /healthz  {"status":"ok","pid":N} (503 once stopping)
  /metrics Prometheus text: WebSocket counters of every listener, WAMP sessions
By default (--driver loop) the event loop serves --addr (ws/wsloop: no
goroutine per connection): WebSocket echo on every path but /ws, WAMP on
/ws, and plain HTTP requests (1.0 or 1.1) for the page, /healthz and
/metrics, each answered on a connection of its own (Connection: close).
--driver std serves --addr with net/http instead (a goroutine per
connection; HTTP keep-alive too). --loop-addr adds an event-loop port: with
--driver loop a second port of the same server, with --driver std the
echo and WAMP on the loop beside net/http. --metrics-addr serves /metrics
and /healthz on a separate plain-HTTP port (net/http, either driver).
--config serves its file's transports with net/http (--driver does not
apply; the flags of serve's own listeners, TLS and limits are refused). With --procs N, N processes share the ports (SO_REUSEPORT,
Linux), one parent restarting those that die; each process has its own
WAMP router (realms are not shared between them) and its own counters.

Flags:
`

// parseServeFlags parses serve's arguments. -h and --help print the usage
// on stdout and return flag.ErrHelp (exit status 0); a bad flag is a
// usageError (exit status 2).
func parseServeFlags(args []string, stdout io.Writer, ext Extension) (*serveFlags, error) {
	f := &serveFlags{fs: flag.NewFlagSet("serve", flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(io.Discard) // the error returned says it all
	fs.Usage = func() {}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:9000", "listen address")
	fs.BoolVar(&f.verbose, "v", false, "log every connection (same as --log-level info)")
	fs.StringVar(&f.driver, "driver", "loop", "what serves --addr: loop (the event loop, no goroutine per connection; plain HTTP/1.1 requests get the page, /metrics, /healthz, one per connection) or std (net/http, a goroutine per connection)")
	fs.StringVar(&f.loopAddr, "loop-addr", "", "also serve on the event loop at this address: with --driver loop a second port like --addr (wss:// with --tls-cert); with --driver std the echo and WAMP on the loop beside net/http (plain ws://)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "also serve /metrics and /healthz over plain HTTP at this address (net/http, either driver: for keep-alive scrapers)")
	fs.StringVar(&f.realm, "realm", "realm1", "realm of the WAMP router on /ws (anonymous)")
	fs.StringVar(&f.rawAddr, "rawsocket-addr", "", "also serve the WAMP router over RawSocket at this address")
	fs.BoolVar(&f.demo, "demo", true, "register the demo procedures com.example.add2 and com.example.echo that the page's WAMP tab calls (--demo=false: none)")
	fs.StringVar(&f.configFile, "config", "", "serve the WAMP router and transports of this Crossbar-style JSON file instead (SIGHUP reloads principals, permissions and max_sessions)")
	fs.StringVar(&f.checkFile, "check-config", "", "check this configuration file, print a summary and exit")
	fs.IntVar(&f.procs, "procs", 1, "processes sharing the ports (SO_REUSEPORT, Linux), supervised by this one")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate chain: serve https:// and wss:// on --addr (either driver; --loop-addr too with --driver loop); reloaded when the file changes, at once on SIGHUP")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&f.compress, "compress", "", "per-message compression to accept, in order of preference: deflate, bzip2, snappy (comma-separated)")
	fs.IntVar(&f.compressThreshold, "compress-threshold", 0, "messages below this many bytes are sent uncompressed (0: 128; negative: compress all)")
	fs.IntVar(&f.deflateLevel, "deflate-level", 0, "permessage-deflate level 1-9 (0: 1)")
	fs.IntVar(&f.deflateServerBits, "deflate-server-window-bits", 0, "permessage-deflate: the server's window, 9-15 bits (0: 15; 8 is taken as 9); memory per connection")
	fs.IntVar(&f.deflateClientBits, "deflate-client-window-bits", 0, "permessage-deflate: the window asked of clients, 9-15 bits (0: 15; 8 is taken as 9)")
	fs.BoolVar(&f.deflateNoClientCtx, "deflate-client-no-context-takeover", false, "permessage-deflate: ask clients to compress every message on its own (saves the server's window)")
	fs.IntVar(&f.maxConns, "max-conns", 0, "open WebSocket connections (echo and WAMP) per process, on all its ports together; more are answered 503 (0: no limit). --rawsocket-addr allows this many RawSocket sessions apart (more are refused with the handshake's code 4)")
	fs.Int64Var(&f.maxMessage, "max-message", 0, "largest message in bytes, else close 1009 (0: 16 MiB; negative: no limit); RawSocket announces the largest power of two not above it (512 at least)")
	fs.Int64Var(&f.maxFrame, "max-frame", 0, "largest frame payload in bytes (0: 16 MiB; negative: no limit)")
	fs.DurationVar(&f.handshakeTimeout, "handshake-timeout", 0, "opening handshake bound, WebSocket and RawSocket (0: 10s)")
	fs.DurationVar(&f.closeTimeout, "close-timeout", 0, "wait for the peer's close frame (0: 5s)")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, wait this long in all for the close handshakes, then drop what is left (exit status 1)")
	fs.DurationVar(&f.pingInterval, "ping-interval", 0, "ping after this long without input (0: 30s; negative: no keepalive)")
	fs.DurationVar(&f.pingTimeout, "ping-timeout", 0, "drop a connection whose pong does not come within this (0: 15s)")
	fs.StringVar(&f.origins, "origins", "", "Origin host patterns allowed besides same-origin (comma-separated, e.g. *.example.com; * allows all)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error (default warn; info with -v)")
	if ext.ServeFlags != nil {
		f.fabric = ext.ServeFlags(fs)
	} else {
		f.fabric = noNATSFlags(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, serveUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil, err
		}
		return nil, usageError{fmt.Errorf("serve: %w (autobahn serve -h lists the flags)", err)}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("serve: unexpected argument %q (autobahn serve -h lists the flags)", fs.Arg(0))}
	}
	if err := f.check(); err != nil {
		return nil, usageError{err}
	}
	return f, nil
}

// check rejects combinations that cannot work, with the reason.
func (f *serveFlags) check() error {
	switch f.driver {
	case "std", "goroutines":
		f.driver = "std"
	case "loop":
		if f.addr == "" {
			return errors.New("serve: --addr \"\": want host:port (e.g. 127.0.0.1:9000, :9000)")
		}
	default:
		return fmt.Errorf("serve: --driver %q: want loop or std", f.driver)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return errors.New("serve: --tls-cert and --tls-key go together")
	}
	if f.shutdownTimeout <= 0 {
		return fmt.Errorf("serve: --shutdown-timeout %v: want more than 0", f.shutdownTimeout)
	}
	// ws.Options reads a negative bound as none: these flags document no
	// such value, and a handshake or a close without a bound is not one
	// to get by a typo.
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"handshake-timeout", f.handshakeTimeout}, {"close-timeout", f.closeTimeout}, {"ping-timeout", f.pingTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("serve: --%s %v: want 0 (the default) or more", d.name, d.v)
		}
	}
	if f.maxConns < 0 {
		return fmt.Errorf("serve: --max-conns %d: want 0 (no limit) or more", f.maxConns)
	}
	// permessage-deflate clamps what is out of range: refuse it instead.
	if f.deflateLevel < 0 || f.deflateLevel > 9 {
		return fmt.Errorf("serve: --deflate-level %d: want 1-9 (0: 1)", f.deflateLevel)
	}
	for _, b := range []struct {
		name string
		v    int
	}{{"deflate-server-window-bits", f.deflateServerBits}, {"deflate-client-window-bits", f.deflateClientBits}} {
		if b.v != 0 && (b.v < 8 || b.v > 15) {
			return fmt.Errorf("serve: --%s %d: want 8-15 (0: 15)", b.name, b.v)
		}
	}
	if f.procs < 1 {
		return fmt.Errorf("serve: --procs %d: want 1 or more", f.procs)
	}
	// The router would refuse it in every process, a prefork child too.
	if f.configFile == "" && f.checkFile == "" && !wamp.ValidURI(wamp.URI(f.realm), false, wamp.MatchExact) {
		return fmt.Errorf("serve: --realm %q: want a WAMP URI (e.g. realm1, com.example)", f.realm)
	}
	if f.procs > 1 && (f.configFile != "" || f.checkFile != "") {
		return errors.New("serve: --procs does not combine with --config or --check-config")
	}
	if f.procs > 1 && f.addr == "" {
		// net.Listen would give each process a port of its own.
		return errors.New("serve: --procs with --addr \"\": want host:port the processes share (e.g. 127.0.0.1:0 for any free port)")
	}
	if f.fabric.Check != nil {
		if err := f.fabric.Check(f.procs); err != nil {
			return err
		}
	}
	if _, err := f.extensions(); err != nil {
		return err
	}
	_, err := f.level()
	if err == nil && f.logFormat != "text" && f.logFormat != "json" {
		err = fmt.Errorf("serve: --log-format %q: want text or json", f.logFormat)
	}
	return err
}

func (f *serveFlags) level() (slog.Level, error) {
	switch f.logLevel {
	case "":
		if f.verbose {
			return slog.LevelInfo, nil
		}
		return slog.LevelWarn, nil
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("serve: --log-level %q: want debug, info, warn or error", f.logLevel)
}

// logger is serve's structured log on w; a prefork child's lines carry its
// pid.
func (f *serveFlags) logger(w io.Writer) *slog.Logger {
	level, _ := f.level() // checked by check
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if f.logFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	l := slog.New(h)
	if _, child := prefork.Child(); child {
		l = l.With("pid", os.Getpid())
	}
	return l
}

// extensions are the per-message compressions of --compress.
func (f *serveFlags) extensions() ([]ws.Extension, error) {
	var exts []ws.Extension
	seen := map[string]bool{}
	for _, name := range strings.Split(f.compress, ",") {
		name = strings.TrimSpace(name)
		if name == "" || name == "none" {
			continue
		}
		if seen[name] {
			return nil, fmt.Errorf("serve: --compress names %s twice", name)
		}
		seen[name] = true
		switch name {
		case "deflate", "permessage-deflate":
			exts = append(exts, deflate.New(deflate.Options{
				Threshold: f.compressThreshold, Level: f.deflateLevel,
				ServerMaxWindowBits: f.deflateServerBits, ClientMaxWindowBits: f.deflateClientBits,
				ClientNoContextTakeover: f.deflateNoClientCtx,
			}))
		case "bzip2", "permessage-bzip2":
			exts = append(exts, bzip2.New(bzip2.Options{Threshold: f.compressThreshold}))
		case "snappy", "permessage-snappy":
			exts = append(exts, snappy.New(snappy.Options{Threshold: f.compressThreshold}))
		default:
			return nil, fmt.Errorf("serve: --compress %q: want deflate, bzip2 or snappy", name)
		}
	}
	return exts, nil
}

// wsOptions are the WebSocket options of every listener.
func (f *serveFlags) wsOptions(logger *slog.Logger) *ws.Options {
	exts, _ := f.extensions() // checked by check
	o := &ws.Options{
		Logger:            logger,
		Extensions:        exts,
		MaxConnections:    f.maxConns,
		MaxMessagePayload: f.maxMessage,
		MaxFramePayload:   f.maxFrame,
		HandshakeTimeout:  f.handshakeTimeout,
		CloseTimeout:      f.closeTimeout,
		PingInterval:      f.pingInterval,
		PingTimeout:       f.pingTimeout,
	}
	for _, o2 := range strings.Split(f.origins, ",") {
		if o2 = strings.TrimSpace(o2); o2 != "" {
			o.AllowedOrigins = append(o.AllowedOrigins, o2)
		}
	}
	return o
}

// addrInUse adds to an "address already in use" the flag that named the
// address, so that the message says what to change.
func (f *serveFlags) addrInUse(err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	for _, a := range []struct{ flag, addr string }{
		{"--addr", f.addr}, {"--loop-addr", f.loopAddr}, {"--rawsocket-addr", f.rawAddr}, {"--metrics-addr", f.metricsAddr},
	} {
		if a.addr != "" && strings.Contains(err.Error(), "tcp "+a.addr+":") {
			return fmt.Errorf("%w (something else listens there: %s picks another address)", err, a.flag)
		}
	}
	return fmt.Errorf("%w (something else listens there: --addr, --loop-addr, --rawsocket-addr and --metrics-addr pick other addresses)", err)
}

// checkAddrFree fails as net.Listen does ("address already in use")
// when a socket already listens on addr. The event loop's listening
// sockets (one per loop) and those of --procs carry SO_REUSEPORT on
// Linux, and would otherwise join those of another process on the port,
// another serve say, which then gets some of the connections, instead of
// failing. (A process could still bind between this check and the
// Listen.) A prefork child shares the port with its siblings on purpose;
// port 0 cannot clash.
func checkAddrFree(addr string) error {
	if _, child := prefork.Child(); child {
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ln.Close()
}

// listenTCP listens on addr; in a prefork child with SO_REUSEPORT, beside
// its siblings.
func listenTCP(addr string) (ln net.Listener, err error) {
	if _, child := prefork.Child(); child {
		ln, err = prefork.Listen("tcp", addr)
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err == nil && listenHook != nil {
		ln = listenHook(ln)
	}
	return ln, err
}

// listenHook, if set (by a test), wraps every listener listenTCP opens:
// a test makes one fail.
var listenHook func(net.Listener) net.Listener

// tlsConfig serves --tls-cert and --tls-key: HTTP/1.1 only (a WebSocket
// upgrade needs it), TLS 1.2 or later, the key pair reloaded when either
// file changes (checked at most once a second, on a handshake, and on
// SIGHUP: reload), so a renewed certificate needs no restart. nil, nil
// without --tls-cert.
func (f *serveFlags) tlsConfig(logger *slog.Logger) (*tls.Config, *certReloader, error) {
	if f.tlsCert == "" {
		return nil, nil, nil
	}
	r := &certReloader{certFile: f.tlsCert, keyFile: f.tlsKey, log: logger}
	if err := r.load(time.Now()); err != nil {
		return nil, nil, err
	}
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"http/1.1"},
		GetCertificate: r.get,
	}, r, nil
}

// certReloader holds the key pair of --tls-cert and --tls-key.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	mu                sync.Mutex
	cert              *tls.Certificate
	stamp             string // the files' sizes and modification times
	checked           time.Time
}

func (r *certReloader) filesStamp() (string, error) {
	var b strings.Builder
	for _, p := range []string{r.certFile, r.keyFile} {
		st, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%d/%d;", st.Size(), st.ModTime().UnixNano())
	}
	return b.String(), nil
}

// load reads the key pair if the files changed; r.mu held or not yet shared.
func (r *certReloader) load(now time.Time) error {
	r.checked = now
	stamp, err := r.filesStamp()
	if err != nil {
		return fmt.Errorf("serve: TLS key pair: %w", err)
	}
	if stamp == r.stamp {
		return nil
	}
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("serve: TLS key pair: %w", err)
	}
	if r.cert != nil {
		r.log.Info("TLS certificate reloaded", "cert", r.certFile)
	}
	r.cert, r.stamp = &c, stamp
	return nil
}

func (r *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= time.Second {
		if err := r.load(now); err != nil {
			// A half-written renewal: keep serving the pair we have.
			r.log.Warn("TLS certificate not reloaded", "err", err)
		}
	}
	return r.cert, nil
}

// reload reads the key pair now if the files changed (SIGHUP), rather
// than on the first handshake a second after; nil (no --tls-cert) has
// nothing to reload.
func (r *certReloader) reload() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(time.Now()); err != nil {
		r.log.Warn("TLS certificate not reloaded", "err", err)
	}
}

// onHangup calls reload on every SIGHUP (systemctl reload, kill -HUP),
// whose default action would end the process without a close frame,
// until the returned stop is called; stop waits for a reload under way.
func onHangup(logger *slog.Logger, reload func()) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-hup:
				logger.Info("SIGHUP")
				reload()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
		wg.Wait()
	}
}
