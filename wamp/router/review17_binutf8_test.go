package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// The binary serializers took a string that is not UTF-8 as text too
// (MessagePack str, CBOR text string), which our decoders (and
// Autobahn's) reject: the router was told the EVENT could be encoded and
// sent a MessagePack or CBOR subscriber a message that ended its session.
// They refuse such a string now, as JSON does, so the router's
// unencodable path answers for it: the EVENT is dropped and counted in
// Stats.Unencodable, calls get wamp.error.invalid_argument, and every
// session goes on.

// binDialers joins realm1 of r as a MessagePack and a CBOR peer, each
// over RawSocket and WebSocket.
func binDialers(t *testing.T, r *router.Router) map[string]func(*testing.T, map[string][]string) *raw {
	t.Helper()
	rsAddr, wsURL := serveRawSocket(t, r), serveWebSocket(t, r)
	join := func(t *testing.T, tr wamp.Transport, features map[string][]string) *raw {
		c := &raw{t: t, tr: tr}
		t.Cleanup(func() { tr.Close() })
		c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(features)}})
		if m, ok := c.recv().(*wamp.Welcome); !ok {
			t.Fatalf("no WELCOME: %v", m)
		}
		return c
	}
	out := map[string]func(*testing.T, map[string][]string) *raw{}
	for _, s := range []wamp.Serializer{msgpack.Serializer{}, cbor.Serializer{}} {
		out[s.Name()+"/rawsocket"] = func(t *testing.T, features map[string][]string) *raw {
			c, err := rawsocket.Dial(ctxT(t), "tcp", rsAddr, rawsocket.Options{Serializer: s})
			if err != nil {
				t.Fatal(err)
			}
			return join(t, c, features)
		}
		out[s.Name()+"/websocket"] = func(t *testing.T, features map[string][]string) *raw {
			c, err := websocket.Dial(ctxT(t), wsURL, websocket.Options{Serializers: []wamp.Serializer{s}})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Serializer().Name(); got != s.Name() {
				t.Fatalf("negotiated %s, want %s", got, s.Name())
			}
			return join(t, c, features)
		}
	}
	return out
}

func TestReview17InvalidUTF8EventBinary(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range binDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			topic := wamp.URI("binutf8.event." + name)
			sub := dial(t, utf8Peer)
			subID := sub.subscribe(1, topic)
			pub, _ := rawJoinAs(t, r, utf8Peer) // in process: no serializer
			for i, args := range []wamp.List{{"a\xffb"}, {"ok é\ufffd"}, {wamp.Dict{"k\xc3": "v"}}, {wamp.List{"x", "\xed\xa0\x80"}}, {"after"}} {
				pub.send(&wamp.Publish{Request: wamp.ID(i + 1), Options: wamp.Dict{"acknowledge": true}, Topic: topic, Args: args})
				if m, ok := pub.recv().(*wamp.Published); !ok || m.Request != wamp.ID(i+1) {
					t.Fatalf("publisher got %v", m)
				}
			}
			for _, want := range []string{"ok é\ufffd", "after"} {
				ev, ok := sub.recv().(*wamp.Event)
				if !ok || ev.Subscription != subID || len(ev.Args) != 1 || ev.Args[0] != want {
					t.Fatalf("subscriber got %v, want the EVENT %q", ev, want)
				}
			}
			sub.quiet(2) // its session goes on
			if n := r.Stats().Unencodable - before; n != 3 {
				t.Errorf("Stats.Unencodable grew by %d, want 3", n)
			}
		})
	}
}

// A MessagePack or CBOR callee sent an INVOCATION holding a string that is
// not UTF-8: the caller gets wamp.error.invalid_argument and both go on.
func TestReview17InvalidUTF8CallBinary(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range binDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			callee := dial(t, plainPeer)
			proc := wamp.URI("binutf8.call." + name)
			callee.register(1, proc, nil)
			caller, _ := rawJoinAs(t, r, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Kwargs: wamp.Dict{"\xfe": int64(1)}})
			caller.expectError(1, wamp.ErrInvalidArgument)
			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"é"}})
			inv := callee.expectInvocation()
			if len(inv.Args) != 1 || inv.Args[0] != "é" {
				t.Fatalf("callee got %v", inv.Args)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 2 || res.Args[0] != "ok" {
				t.Fatalf("caller got %v", res)
			}
			callee.quiet(3)
			if n := r.Stats().Unencodable - before; n != 1 {
				t.Errorf("Stats.Unencodable grew by %d, want 1", n)
			}
		})
	}
}
