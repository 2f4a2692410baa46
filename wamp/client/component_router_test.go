package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// wsRouter is a router served over WebSocket on addr, as `autobahn serve`
// serves it at /ws.
type wsRouter struct {
	r   *router.Router
	srv *http.Server
	ln  net.Listener
}

func startWSRouter(t *testing.T, addr string) *wsRouter {
	t.Helper()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.Close(context.Background())
		t.Fatal(err)
	}
	w := &wsRouter{r: r, ln: ln}
	w.srv = &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(rw, req, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	go w.srv.Serve(ln)
	return w
}

func (w *wsRouter) stop(t *testing.T) {
	t.Helper()
	w.srv.Close()
	if err := w.r.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// With the default RetryPolicy a Component retries forever, like
// Autobahn's: the router stops, connection attempts fail (more than
// once), the router starts again on the same address, and the component
// joins it again, dialing the URL itself.
func TestComponentRejoinsRestartedRouter(t *testing.T) {
	first := startWSRouter(t, "127.0.0.1:0")
	addr := first.ln.Addr().String()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()

	joined := make(chan *client.Session, 4)
	left := make(chan error, 4)
	var attempts atomic.Int64
	c := &client.Component{
		URL:   "ws://" + addr + "/ws",
		Realm: "realm1",
		// Only the delays are shortened; MaxRetries stays 0 (forever).
		Retry: client.RetryPolicy{InitialDelay: 2 * time.Millisecond, MaxDelay: 10 * time.Millisecond},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			joined <- s
			return nil
		},
		OnLeave: func(s *client.Session, reason error) { left <- reason },
	}
	c.Connect = func(ctx context.Context) (wamp.Transport, error) {
		attempts.Add(1)
		return client.Dial(ctx, c.URL, client.ConnectOptions{})
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	s1 := recvT(t, joined)
	first.stop(t)
	recvT(t, left)
	// Attempts against the stopped router fail and are retried.
	before := attempts.Load()
	deadline := time.Now().Add(5 * time.Second)
	for attempts.Load() < before+3 {
		if time.Now().After(deadline) {
			t.Fatalf("no retries while the router is down: %d attempts", attempts.Load())
		}
		time.Sleep(time.Millisecond)
	}
	second := startWSRouter(t, addr)
	defer second.stop(t)
	s2 := recvT(t, joined)
	if s2 == s1 {
		t.Fatal("rejoined with the old session")
	}
	res, err := s2.Call(ctx, "wamp.session.count", nil, nil, nil)
	if err != nil || res.Args[0] != uint64(1) && res.Args[0] != int64(1) {
		t.Errorf("session count on the restarted router: %v, %v", res, err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
}

func recvT[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// Dial refuses URLs it cannot serve with an error naming the problem.
func TestDialBadURL(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:1/ws", "rs://", "::bad", "unix://"} {
		if _, err := client.Dial(ctxT(t), u, client.ConnectOptions{}); err == nil {
			t.Errorf("Dial(%q): no error", u)
		}
	}
}

// serveRawSocket serves r over RawSocket on ln (TCP or Unix) until the
// test ends.
func serveRawSocket(t *testing.T, r *router.Router, ln net.Listener) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{cbor.Serializer{}, json.Serializer{}}})
			if err != nil {
				continue
			}
			r.Attach(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
}

// Connect picks the transport from the URL: WebSocket for ws://, RawSocket
// over TCP for rs:// and over a Unix socket for unix://; each joins our
// router and calls through it.
func TestConnectSchemes(t *testing.T) {
	w := startWSRouter(t, "127.0.0.1:0")
	defer w.stop(t)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveRawSocket(t, w.r, tcp)
	sock := filepath.Join(t.TempDir(), "router.sock")
	unix, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveRawSocket(t, w.r, unix)

	ctx := ctxT(t)
	callee, err := client.Join(ctx, w.r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer callee.Leave(ctx, "")
	upper := func(ctx context.Context, s string) (string, error) { return strings.ToUpper(s), nil }
	if _, err := callee.Register(ctx, "com.example.upper", client.Func1(upper), nil); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"ws://" + w.ln.Addr().String() + "/ws", "rs://" + tcp.Addr().String(), "unix://" + sock} {
		s, err := client.Connect(ctx, u, "realm1", client.ConnectOptions{})
		if err != nil {
			t.Errorf("Connect(%s): %v", u, err)
			continue
		}
		res, err := s.Call(ctx, "com.example.upper", wamp.List{"via " + u}, nil, nil)
		if err != nil || res.Args[0] != strings.ToUpper("via "+u) {
			t.Errorf("%s: call: %v, %v", u, res, err)
		}
		if err := s.Leave(ctx, ""); err != nil {
			t.Errorf("%s: leave: %v", u, err)
		}
	}
}

// The FuncN helpers answer calls whose arguments do not fit with
// wamp.error.invalid_argument, pass an *Error through and turn other
// errors into wamp.error.runtime_error.
func TestFuncErrors(t *testing.T) {
	r := newRouter()
	defer r.Close(ctxT(t))
	ctx := ctxT(t)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Leave(ctx, "")
	reg := func(uri wamp.URI, h client.Handler) {
		if _, err := s.Register(ctx, uri, h, nil); err != nil {
			t.Fatal(err)
		}
	}
	reg("t.div", client.Func2(func(ctx context.Context, a, b float64) (float64, error) {
		if b == 0 {
			return 0, &client.Error{URI: "com.example.division_by_zero"}
		}
		return a / b, nil
	}))
	reg("t.fail", client.Func0(func(ctx context.Context) (int, error) { return 0, errors.New("boom") }))
	reg("t.join", client.Func3(func(ctx context.Context, a, b, c string) (string, error) { return a + b + c, nil }))
	for _, tt := range []struct {
		uri  wamp.URI
		args wamp.List
		want any
		err  wamp.URI
	}{
		{"t.div", wamp.List{1, 4}, 0.25, ""},
		{"t.div", wamp.List{1}, nil, wamp.ErrInvalidArgument},
		{"t.div", wamp.List{"1", 2}, nil, wamp.ErrInvalidArgument},
		{"t.div", wamp.List{1, 0}, nil, "com.example.division_by_zero"},
		{"t.fail", nil, nil, "wamp.error.runtime_error"},
		{"t.join", wamp.List{"a", "b", "c", "extra"}, "abc", ""},
	} {
		res, err := s.Call(ctx, tt.uri, tt.args, nil, nil)
		if tt.err != "" {
			var we *client.Error
			if !errors.As(err, &we) || we.URI != tt.err {
				t.Errorf("%s%v: %v, want %s", tt.uri, tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || len(res.Args) != 1 || res.Args[0] != tt.want {
			t.Errorf("%s%v: %v, %v, want %v", tt.uri, tt.args, res, err, tt.want)
		}
	}
}
