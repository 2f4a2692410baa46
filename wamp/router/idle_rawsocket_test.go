package router_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// On Linux an idle RawSocket session attached to the router holds no
// goroutine at all, as a WebSocket one (TestIdleWebSocketNoGoroutine):
// its reader waits in the shared poller (rawsocket.Conn.AwaitInputFunc),
// and every parked session still answers: a SUBSCRIBE on each of them
// gets its SUBSCRIBED.
func TestIdleRawSocketNoGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("idle RawSocket sessions wait without a goroutine on Linux only")
	}
	r := newRouter(t, nil)
	addr := serveRawSocket(t, r)
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
		c, err := rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}})
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		rawJoin(t, c)
	}
	waitFor(t, "every idle session in the poller, none on a goroutine", func() bool {
		return rawsocket.IdleWaiters() == n && runtime.NumGoroutine() <= base+2 // the poller, a straggler
	})
	for i, c := range conns {
		m := rawRequest(t, c, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: wamp.URI(fmt.Sprint("com.example.t", i))})
		if _, ok := m.(*wamp.Subscribed); !ok {
			t.Fatalf("session %d: %v", i, m)
		}
	}
	waitFor(t, "the sessions back in the poller", func() bool { return rawsocket.IdleWaiters() == n })
}
