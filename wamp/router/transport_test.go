package router_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

var serializers = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}

// serveWebSocket serves r over WebSocket on an httptest server and returns
// its ws:// URL.
func serveWebSocket(t *testing.T, r *router.Router) string {
	t.Helper()
	return serveWebSocketWith(t, r, websocket.Options{Serializers: serializers})
}

// serveWebSocketWith is serveWebSocket with the server's opts.
func serveWebSocketWith(t *testing.T, r *router.Router, opts websocket.Options) string {
	t.Helper()
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, opts)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		r.ServeTransport(context.Background(), c)
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// serveRawSocket serves r over RawSocket on a TCP listener and returns its
// address.
func serveRawSocket(t *testing.T, r *router.Router) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: serializers})
			if err != nil {
				nc.Close()
				continue
			}
			r.Attach(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func joinWebSocket(t *testing.T, url string, ser wamp.Serializer) *client.Session {
	t.Helper()
	c, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{ser}})
	if err != nil {
		t.Fatal(err)
	}
	return joinOver(t, c)
}

func joinRawSocket(t *testing.T, addr string, ser wamp.Serializer) *client.Session {
	t.Helper()
	c, err := rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: ser})
	if err != nil {
		t.Fatal(err)
	}
	return joinOver(t, c)
}

// Calls and events across WebSocket, RawSocket and the in-process pipe,
// with JSON and binary serializers mixed: bytes in arguments stay bytes.
func TestTransportsMixed(t *testing.T) {
	r := newRouter(t, nil)
	url, addr := serveWebSocket(t, r), serveRawSocket(t, r)
	callee := joinWebSocket(t, url, cbor.Serializer{})
	register(t, callee, "bytes.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		b, ok := inv.Args[0].([]byte)
		if !ok {
			return nil, errors.New("argument is not bytes")
		}
		return &client.Result{Args: wamp.List{append(b, 0xFF)}}, nil
	}, nil)
	sub := joinRawSocket(t, addr, msgpack.Serializer{})
	_, events := subscribe(t, sub, "bytes.topic", nil)
	callers := map[string]*client.Session{
		"websocket json":    joinWebSocket(t, url, json.Serializer{}),
		"websocket msgpack": joinWebSocket(t, url, msgpack.Serializer{}),
		"rawsocket json":    joinRawSocket(t, addr, json.Serializer{}),
		"rawsocket cbor":    joinRawSocket(t, addr, cbor.Serializer{}),
		"pipe":              join(t, r),
	}
	for name, s := range callers {
		in := []byte{0, 1, 2, 0x80, 'x'}
		res, err := s.Call(ctxT(t), "bytes.echo", wamp.List{in}, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b, ok := res.Args[0].([]byte); !ok || !bytes.Equal(b, append(in, 0xFF)) {
			t.Fatalf("%s: result %#v", name, res.Args[0])
		}
		publish(t, s, "bytes.topic", wamp.List{in, name}, nil)
		e := next(t, events)
		if b, ok := e.Args[0].([]byte); !ok || !bytes.Equal(b, in) || e.Args[1] != name {
			t.Fatalf("%s: event %#v", name, e.Args)
		}
	}
}

// Protocol violations and ABORTs over real transports: the client reads
// the ABORT before the connection closes.
func TestTransportAbort(t *testing.T) {
	r := newRouter(t, nil)
	url, addr := serveWebSocket(t, r), serveRawSocket(t, r)
	for name, dial := range map[string]func() (wamp.Transport, error){
		"websocket": func() (wamp.Transport, error) {
			return websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		},
		"rawsocket": func() (wamp.Transport, error) {
			return rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: cbor.Serializer{}})
		},
	} {
		for _, first := range []wamp.Message{
			&wamp.Hello{Realm: "nowhere", Details: helloDetails},
			&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "a.b"},
		} {
			tr, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			ctx := ctxT(t)
			tr.Send(ctx, first)
			m, err := tr.Recv(ctx)
			a, ok := m.(*wamp.Abort)
			if !ok || (a.Reason != wamp.ErrNoSuchRealm && a.Reason != wamp.ErrProtocolViolationURI) {
				t.Errorf("%s, %s first: got %v %v, want ABORT", name, first.Type(), m, err)
			}
			if _, err := tr.Recv(ctx); err == nil {
				t.Errorf("%s: the connection stays open after ABORT", name)
			}
			tr.Close()
		}
	}
}
