package router_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// serveWebSocketAttach serves r over WebSocket with Router.Attach, as
// `autobahn serve` does: the handler returns at once.
func serveWebSocketAttach(t *testing.T, r *router.Router) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if c, err := websocket.Accept(w, req, websocket.Options{Serializers: serializers}); err == nil {
			r.Attach(c)
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// An idle session on a goroutine transport holds at most one goroutine,
// its reader (on Linux none: TestIdleNoGoroutine): the writer ends when
// the session has nothing more to send (and the reader that joined it
// hands over to a fresh one). The clients are raw connections that hold
// none.
func TestIdleGoroutines(t *testing.T) {
	r := newRouter(t, nil)
	wsURL, rsAddr := serveWebSocketAttach(t, r), serveRawSocket(t, r)
	var conns []wamp.Transport
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	open := func(n int) {
		for i := range n {
			var c wamp.Transport
			var err error
			if i%2 == 0 {
				c, err = websocket.Dial(ctxT(t), wsURL, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
			} else {
				c, err = rawsocket.Dial(ctxT(t), "tcp", rsAddr, rawsocket.Options{Serializer: json.Serializer{}})
			}
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			rawJoin(t, c)
		}
	}
	open(10)
	at10 := runtime.NumGoroutine()
	open(190)
	if n := r.SessionCount(realm1); n != 200 {
		t.Fatalf("%d sessions", n)
	}
	var at200 int
	waitFor(t, "one goroutine per idle session", func() bool {
		at200 = runtime.NumGoroutine()
		return at200-at10 <= 190+5
	})
	t.Logf("goroutines: %d with 10 idle sessions, %d with 200", at10, at200)
}

// On Linux an idle session attached to the router, WebSocket or
// RawSocket, holds no goroutine at all: its reader waits in the shared
// poller (AwaitInputFunc of websocket.Conn and rawsocket.Conn,
// internal/idlepoll), and every parked session still answers: a SUBSCRIBE
// on each of them gets its SUBSCRIBED.
func TestIdleNoGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("idle sessions wait without a goroutine on Linux only")
	}
	for _, tc := range []struct {
		name    string
		dial    func(t *testing.T, r *router.Router) func() (wamp.Transport, error)
		waiters func() int
	}{
		{"websocket", func(t *testing.T, r *router.Router) func() (wamp.Transport, error) {
			url := serveWebSocketAttach(t, r)
			return func() (wamp.Transport, error) {
				return websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
			}
		}, ws.IdleWaiters},
		{"rawsocket", func(t *testing.T, r *router.Router) func() (wamp.Transport, error) {
			addr := serveRawSocket(t, r)
			return func() (wamp.Transport, error) {
				return rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}})
			}
		}, rawsocket.IdleWaiters},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRouter(t, nil)
			dial := tc.dial(t, r)
			const n = 100
			conns := make([]wamp.Transport, n)
			t.Cleanup(func() {
				for _, c := range conns {
					if c != nil {
						c.Close()
					}
				}
			})
			base := runtime.NumGoroutine()
			for i := range conns {
				c, err := dial()
				if err != nil {
					t.Fatal(err)
				}
				conns[i] = c
				rawJoin(t, c)
			}
			waitFor(t, "every idle session in the poller, none on a goroutine", func() bool {
				return tc.waiters() == n && runtime.NumGoroutine() <= base+2 // the poller, a straggler
			})
			for i, c := range conns {
				m := rawRequest(t, c, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: wamp.URI(fmt.Sprint("com.example.t", i))})
				if _, ok := m.(*wamp.Subscribed); !ok {
					t.Fatalf("session %d: %v", i, m)
				}
			}
			waitFor(t, "the sessions back in the poller", func() bool { return tc.waiters() == n })
		})
	}
}
