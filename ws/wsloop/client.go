package wsloop

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"sync"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// ErrUnsupported: the URL needs what the event-loop client does not do
// (proxies); ws.Dial does.
var ErrUnsupported = errors.New("wsloop: proxies need ws.Dial")

// Client dials WebSocket connections that run on its event loops, for
// load generators and clients of very many connections. Options and Config
// are optional and must not change after the first Dial; zero fields of
// Config are taken as Server's are. Close ends every connection and the
// loops.
type Client struct {
	Options *ws.Options
	Config  eventloop.Config

	once   sync.Once
	loop   *eventloop.Loop
	newErr error
	run    chan error
	d      driver
}

func (cl *Client) init() error {
	cl.once.Do(func() {
		cl.d = driver{opts: cl.Options.Resolve()}
		cfg := loopConfig(cl.Config, cl.d.opts)
		cl.d.bounds = ws.OutputBounds{High: cfg.WriteHighWatermark, Low: cfg.WriteLowWatermark}
		cl.d.slowClose = cfg.SlowReader == eventloop.SlowReaderClose
		cl.loop, cl.newErr = eventloop.New(cfg, &cl.d)
		if cl.newErr == nil {
			cl.run = make(chan error, 1)
			go func() { cl.run <- cl.loop.Run() }()
		}
	})
	return cl.newErr
}

// Dial opens a WebSocket connection to a ws:// or wss:// URL (TLS with
// Options.TLSConfig, its handshake on a goroutine of its own, the records
// on the loop; a server's request to renegotiate ends the connection)
// and runs h on it on the client's loop: h.OnOpen, then h.OnMessage per
// message, then h.OnClose (h.OnConnect is not called). It returns the open connection once the
// handshake is done, or an error within Options.HandshakeTimeout or ctx.
// Dial must not be called from a Handler callback.
func (cl *Client) Dial(ctx context.Context, rawURL string, h ws.Handler) (*ws.Conn, error) {
	return cl.DialWith(ctx, rawURL, h, DialOptions{})
}

// DialOptions are the optional parts of DialWith.
type DialOptions struct {
	// LocalAddr, if set, is the local address to bind before connecting
	// ("127.0.0.2:0"): a load generator spreads its connections over
	// source addresses to open more than one port range's worth.
	LocalAddr string
}

// DialWith is Dial with options.
func (cl *Client) DialWith(ctx context.Context, rawURL string, h ws.Handler, opt DialOptions) (*ws.Conn, error) {
	if err := cl.init(); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	o := cl.d.opts
	var tlsCfg *tls.Config
	port := "80"
	switch u.Scheme {
	case "ws", "http":
	case "wss", "https":
		tlsCfg, port = clientTLSConfig(o.TLSConfig, u.Hostname()), "443"
	default:
		return nil, errors.New("wsloop: URL scheme must be ws or wss")
	}
	if u.Hostname() == "" {
		// The dial would take ":80" for the local system.
		return nil, errors.New("wsloop: URL has no host")
	}
	proxy := o.Proxy
	if proxy == nil {
		proxy = ws.ProxyFromEnvironment
	}
	if p, err := proxy(u); err != nil || p != nil {
		return nil, errors.Join(ErrUnsupported, err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	key := ws.NewKey()
	req, err := ws.AppendRequest(nil, u, key, o)
	if err != nil {
		return nil, err
	}
	if o.HandshakeTimeout > 0 { // negative (resolved 0): no bound but ctx
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.HandshakeTimeout)
		defer cancel()
	}
	done := make(chan error, 1)
	c := &conn{x: &connExtra{h: h, hs: &handshake{key: key, request: req, done: done, tls: tlsCfg}}}
	ec, err := cl.loop.DialWith(ctx, "tcp", addr, eventloop.DialOptions{LocalAddr: opt.LocalAddr, Value: c})
	if err != nil {
		return nil, err
	}
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = ec.Close()
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	return c.wsConn(), nil
}

// Close closes every connection (without a close handshake: close them
// first for a clean end) and stops the loops.
func (cl *Client) Close() error {
	if err := cl.init(); err != nil {
		return err
	}
	err := cl.loop.Shutdown(context.Background())
	<-cl.run
	return err
}
