package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// A client whose transport takes no message longer than 512 octets (the
// smallest maximum a RawSocket client may ask for; a loop server's
// MaxMessagePayload) joins: its WELCOME announces the router's roles
// without their features, and the session works. The full WELCOME (some
// 700 octets in JSON) was refused and the connection closed without a
// word: such a client could never join.
func TestReview15SmallClientJoins(t *testing.T) {
	r := newRouter(t, nil)
	addr := serveRawSocket(t, r)
	loopOpts := websocket.Options{Serializers: serializers, WS: &ws.Options{MaxMessagePayload: 512}}
	loopAddr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(loopOpts), Options: loopOpts.WS, Config: eventloop.Config{Loops: 1}})
	dials := map[string]func() (wamp.Transport, error){
		"rawsocket": func() (wamp.Transport, error) {
			return rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: 512})
		},
		"loop": func() (wamp.Transport, error) {
			return websocket.Dial(ctxT(t), "ws://"+loopAddr.String()+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		},
	}
	for name, dial := range dials {
		t.Run(name, func(t *testing.T) {
			tr, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			c := &raw{t: t, tr: tr}
			t.Cleanup(func() { tr.Close() })
			c.send(&wamp.Hello{Realm: realm1, Details: helloDetails})
			w, ok := c.recv().(*wamp.Welcome)
			if !ok {
				t.Fatalf("no WELCOME: %v", w)
			}
			roles, _ := w.Details["roles"].(wamp.Dict)
			if _, ok := roles["broker"]; !ok || roles["dealer"] == nil || w.Details["authrole"] != "anonymous" {
				t.Fatalf("WELCOME.Details %v", w.Details)
			}
			c.quiet(1)
		})
	}
}
