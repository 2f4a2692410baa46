package ws

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/url"
	"time"
)

// Defaults applied to zero Options fields.
const (
	DefaultMaxFramePayload   = 16 << 20
	DefaultMaxMessagePayload = 16 << 20
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultCloseTimeout      = 5 * time.Second
	DefaultPingInterval      = 30 * time.Second
	DefaultPingTimeout       = 15 * time.Second
	DefaultReadBufferSize    = 4096
	DefaultMessageTimeout    = 60 * time.Second
)

// Options configure a connection, client or server. The zero value is safe:
// every zero field takes its default, and a negative value turns a limit or
// timer off. Options are read when a connection starts; do not change them
// while connections use them.
type Options struct {
	// MaxFramePayload and MaxMessagePayload fail the connection with 1009
	// when the peer declares more (default 16 MiB each; negative: no limit).
	MaxFramePayload   int64
	MaxMessagePayload int64
	// AutoFragmentSize splits outgoing messages into frames of at most this
	// many payload bytes (0: one frame per message).
	AutoFragmentSize int
	// HandshakeTimeout bounds the opening handshake (default 10 s).
	HandshakeTimeout time.Duration
	// CloseTimeout is how long to wait for the peer's close frame after ours
	// before dropping the TCP connection (default 5 s), and it bounds the
	// writes of the close frame and of pongs. Negative: no bound; the wait
	// ends only with the peer's answer or end, or CloseNow (as
	// Server.Shutdown's context ends the connections still open): a peer
	// that neither answers nor closes holds its connection until then.
	// A client (Dial's) waits for the server to close TCP first once the
	// close frames are exchanged (RFC 6455 §7.1.1), until the same
	// deadline; with CloseTimeout off it closes TCP itself at once, as
	// that wait has no other bound (a server that keeps TCP open would
	// hold it for ever).
	CloseTimeout time.Duration
	// PingInterval: after this long without input a ping is sent; if no
	// pong (or any input) comes within PingTimeout the connection is dropped.
	// Defaults 30 s and 15 s; negative PingInterval turns keepalive off;
	// negative PingTimeout only the pong's timer: an idle peer is pinged
	// every PingInterval, and never dropped for want of an answer.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// Subprotocols: a client offers these; a server picks the first one the
	// client also offers (unless Handler.OnConnect chooses).
	Subprotocols []string
	// AllowedOrigins are host patterns (path.Match syntax, e.g.
	// "*.example.com") accepted in addition to same-origin requests.
	// Requests without an Origin header (non-browser clients) are accepted.
	// "*" allows every origin.
	AllowedOrigins []string
	// MaxConnections bounds a Server's open connections; more are answered
	// with 503 (0: no limit).
	MaxConnections int
	// DisableNoDelay leaves Nagle's algorithm on (TCP_NODELAY is on by default).
	DisableNoDelay bool
	// FailByDrop drops the TCP connection on a protocol error without
	// sending a close frame first.
	FailByDrop bool
	// Extensions are the per-message extensions (see ws/ext) a client
	// offers, in order, and a server accepts (the first one the client
	// offers). None by default.
	Extensions []Extension
	// ReadBufferSize is the size of the pooled read buffer a connection
	// uses while data streams in (default 4096); an idle connection holds
	// only a 256-byte buffer.
	ReadBufferSize int
	// MessageTimeout bounds how long a message that spans frames or reads
	// may take to arrive whole (default 60 s; negative: no bound): a peer
	// that starts a large message and then trickles it, or stops, is not
	// left holding its memory. The connection is closed with 1008. The
	// keepalive timer checks it, so a message is cut off after the longer
	// of MessageTimeout and about PingInterval, and never without
	// keepalive.
	// Raise it for peers that upload large messages slowly.
	MessageTimeout time.Duration
	// MemoryBudget bounds the bytes that all connections sharing it hold
	// in messages being assembled and in push-mode output queues (see
	// MemoryBudget). nil: one process-wide budget of DefaultMemoryBudget.
	MemoryBudget *MemoryBudget

	// Client only.

	// Header holds extra request headers for Dial (an http.Header works).
	// A Host in it replaces the URL's host in the request (not the address
	// dialled, nor the TLS server name).
	Header map[string][]string
	// TLSConfig is used for wss:// URLs (nil: default config).
	TLSConfig *tls.Config
	// NetDial dials the TCP connection (nil: a net.Dialer).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Proxy returns the HTTP proxy for a request URL, or nil for none.
	// nil means ProxyFromEnvironment.
	Proxy func(u *url.URL) (*url.URL, error)

	// Logger receives connection-level logs (nil: none).
	Logger *slog.Logger

	// PanicCrash lets a panic in a Handler method crash the process, as
	// an unrecovered panic does. By default a server driver (ws.Server,
	// wshttp, wsloop, the package-level Serve) recovers it: the
	// connection is closed with 1011 (a panic in OnConnect, or in the
	// Accept of one of Extensions, is answered with 500), the panic is
	// logged once with its stack on Logger and counted (Server.Panics;
	// ServePanics for Serve), and the other connections go on.
	PanicCrash bool

	complete bool // every default is filled in (by Resolve)
}

// Resolve returns a copy of o (which may be nil) with every default
// filled in. Connections made with a resolved Options share it instead of
// keeping their own copy, which saves memory per connection; a Server
// resolves its Options once. (Keepalive timers are the process's, shared
// by every connection whatever its Options.)
func (o *Options) Resolve() *Options {
	r := o.withDefaults()
	r.complete = true
	return &r
}

// resolved returns o if it is resolved, else a resolved copy, shared
// with the connections whose Options resolve to the same (optintern.go).
func (o *Options) resolved() *Options {
	r, _ := o.resolvedShared()
	return r
}

// resolvedShared is resolved, and reports whether the Options it returns
// may be another connection's too: o itself or the interned copy, not a
// copy made for one connection alone (see internNegotiated).
func (o *Options) resolvedShared() (*Options, bool) {
	if o != nil && o.complete {
		return o, true
	}
	return internResolved(o.Resolve())
}

func (o *Options) withDefaults() Options {
	var d Options
	if o != nil {
		d = *o
	}
	d.MaxFramePayload = limit64(d.MaxFramePayload, DefaultMaxFramePayload)
	d.MaxMessagePayload = limit64(d.MaxMessagePayload, DefaultMaxMessagePayload)
	d.HandshakeTimeout = dur(d.HandshakeTimeout, DefaultHandshakeTimeout)
	d.CloseTimeout = dur(d.CloseTimeout, DefaultCloseTimeout)
	d.PingInterval = dur(d.PingInterval, DefaultPingInterval)
	d.PingTimeout = dur(d.PingTimeout, DefaultPingTimeout)
	d.MessageTimeout = dur(d.MessageTimeout, DefaultMessageTimeout)
	if d.ReadBufferSize <= 0 {
		d.ReadBufferSize = DefaultReadBufferSize
	}
	if d.AutoFragmentSize < 0 {
		d.AutoFragmentSize = 0
	}
	if d.Logger == nil {
		d.Logger = discardLogger
	}
	return d
}

func limit64(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func dur(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
