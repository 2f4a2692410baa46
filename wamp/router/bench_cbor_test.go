package router_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// BenchmarkCallWebSocketCBOR: call round trips over WebSocket with CBOR,
// one in flight, the router's sessions on the event loop: the setting of
// the router's per-call allocation profile (CBOR decoding of CALL and
// YIELD, the dealer). allocs/op counts both clients too.
func BenchmarkCallWebSocketCBOR(b *testing.B) {
	r := benchRouter(b)
	url := serveLoop(b, r, eventloop.Config{Loops: 1})
	join := func() *client.Session {
		c, err := websocket.Dial(context.Background(), url, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}})
		if err != nil {
			b.Fatal(err)
		}
		s, err := client.Join(context.Background(), c, realm1, client.JoinOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	callee, caller := join(), join()
	if _, err := callee.Register(context.Background(), "bench.echo", echo, nil); err != nil {
		b.Fatal(err)
	}
	args := wamp.List{"hello", int64(1)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := caller.Call(context.Background(), "bench.echo", args, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
