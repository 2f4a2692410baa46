package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// Progressive call invocations and a dealer timeout over WebSocket, on
// goroutines and on the event loop (where the timer's ERROR and INTERRUPT
// are encoded into the connections' output by the timer's goroutine),
// with every serializer: the options survive encoding.
func TestAdvancedDealerWebSocket(t *testing.T) {
	r := newRouter(t, nil)
	urls := map[string]string{"goroutines": serveWebSocket(t, r), "loop": serveLoop(t, r, eventloop.Config{Loops: 2})}
	for _, server := range []string{"goroutines", "loop"} {
		url := urls[server]
		for _, ser := range serializers {
			t.Run(server+"/"+ser.Name(), func(t *testing.T) {
				dial := func(features map[string][]string) *raw {
					conn, err := websocket.Dial(ctxT(t), url, websocket.Options{Serializers: []wamp.Serializer{ser}})
					if err != nil {
						t.Fatal(err)
					}
					c := &raw{t: t, tr: conn}
					t.Cleanup(func() { conn.Close() })
					c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(features)}})
					if _, ok := c.recv().(*wamp.Welcome); !ok {
						t.Fatal("no WELCOME")
					}
					return c
				}
				callee := dial(progressiveCallee)
				proc := wamp.URI("up." + server + "." + ser.Name())
				callee.register(1, proc, nil)
				caller := dial(progressiveCaller)
				for i := range 3 {
					caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{"progress": i < 2}, Procedure: proc, Args: wamp.List{int64(i), []byte{byte(i)}}})
				}
				var invID wamp.ID
				for i := range 3 {
					inv := callee.expectInvocation()
					if n, _ := wamp.AsInt64(inv.Args[0]); n != int64(i) || invID != 0 && inv.Request != invID {
						t.Fatalf("part %d: %v", i, inv)
					}
					if b, ok := inv.Args[1].([]byte); !ok || len(b) != 1 || b[0] != byte(i) {
						t.Fatalf("part %d: bytes %#v", i, inv.Args[1])
					}
					invID = inv.Request
				}
				callee.send(&wamp.Yield{Request: invID, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
				if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 1 || res.Args[0] != "ok" {
					t.Fatalf("got %v", res)
				}
				caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{"timeout": int64(20)}, Procedure: proc})
				inv := callee.expectInvocation()
				caller.expectError(2, wamp.ErrTimeout)
				if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request {
					t.Fatalf("callee got %v", in)
				}
			})
		}
	}
}
