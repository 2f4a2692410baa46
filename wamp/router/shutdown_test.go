package router_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// Router.Close sends every session, on every transport, GOODBYE
// wamp.close.system_shutdown with its reason, then closes: WebSocket on
// goroutines and on the event loop (LoopHandler), RawSocket, in-process.
func TestCloseGoodbyeEveryTransport(t *testing.T) {
	r := newRouter(t, nil)
	url, addr := serveWebSocket(t, r), serveRawSocket(t, r)
	loopURL := serveLoop(t, r, eventloop.Config{Loops: 1})
	sessions := map[string]*client.Session{
		"websocket": joinWebSocket(t, url, json.Serializer{}),
		"loop":      joinWebSocket(t, loopURL, msgpack.Serializer{}),
		"rawsocket": joinRawSocket(t, addr, cbor.Serializer{}),
		"pipe":      join(t, r),
	}
	if err := r.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	for name, s := range sessions {
		select {
		case <-s.Done():
		case <-ctxT(t).Done():
			t.Fatalf("%s: session did not end", name)
		}
		var ge *client.GoodbyeError
		if !errors.As(s.Err(), &ge) || ge.Reason != wamp.ErrSystemShutdown {
			t.Fatalf("%s: session ended with %v, want GOODBYE %s", name, s.Err(), wamp.ErrSystemShutdown)
		}
		if msg, _ := ge.Details["message"].(string); msg == "" {
			t.Fatalf("%s: GOODBYE details %v carry no message", name, ge.Details)
		}
	}
}
