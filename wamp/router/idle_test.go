package router_test

import (
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

// An idle session on a goroutine transport holds one goroutine, its
// reader: the writer ends when the session has nothing more to send (and
// the reader that joined it hands over to a fresh one). The clients are
// raw connections that hold none.
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
