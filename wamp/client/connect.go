package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// ConnectOptions configure Connect and Dial.
type ConnectOptions struct {
	// Join configures the session (authentication, limits, logger).
	Join JoinOptions
	// Serializers in order of preference: a WebSocket offers them all, a
	// RawSocket asks for the first. Default: CBOR, MessagePack, JSON.
	Serializers []wamp.Serializer
	// TLSConfig is used for wss:// and rss:// URLs (nil: Go's defaults).
	TLSConfig *tls.Config
}

// Connect dials url and joins realm: the one call most programs need.
// The URL picks the transport, as Autobahn's do:
//
//	ws://host:port/path, wss://…   WebSocket (wamp/transport/websocket)
//	rs://host:port, rss://host:port  RawSocket over TCP (rss: TLS)
//	unix:///path/to/socket         RawSocket over a Unix socket
//
// For other transport settings dial yourself and call Join.
func Connect(ctx context.Context, url string, realm wamp.URI, opts ConnectOptions) (*Session, error) {
	t, err := Dial(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	return Join(ctx, t, realm, opts.Join)
}

// Dial opens the transport Connect would use for url, e.g. for
// Component.Connect.
func Dial(ctx context.Context, rawURL string, opts ConnectOptions) (wamp.Transport, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("wamp/client: router URL: %w", err)
	}
	sers := opts.Serializers
	if len(sers) == 0 {
		sers = []wamp.Serializer{cbor.Serializer{}, msgpack.Serializer{}, json.Serializer{}}
	}
	switch u.Scheme {
	case "ws", "wss":
		wo := websocket.Options{Serializers: sers}
		if opts.TLSConfig != nil {
			wo.WS = &ws.Options{TLSConfig: opts.TLSConfig}
		}
		return websocket.Dial(ctx, rawURL, wo)
	case "rs", "rss", "unix":
		ro := rawsocket.Options{Serializer: sers[0]}
		network, addr := "tcp", u.Host
		switch u.Scheme {
		case "rss":
			ro.TLSConfig = opts.TLSConfig
			if ro.TLSConfig == nil {
				ro.TLSConfig = &tls.Config{ServerName: u.Hostname()}
			}
		case "unix":
			network, addr = "unix", u.Path
		}
		if addr == "" {
			return nil, fmt.Errorf("wamp/client: router URL %q has no address", rawURL)
		}
		return rawsocket.Dial(ctx, network, addr, ro)
	default:
		return nil, fmt.Errorf("wamp/client: router URL %q: scheme must be ws, wss, rs, rss or unix", rawURL)
	}
}
