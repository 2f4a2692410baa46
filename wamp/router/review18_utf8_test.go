package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// A Go string may hold bytes that are not UTF-8; an in-process peer (or a
// Go session's handler) can send one. JSON cannot carry it (RFC 8259 8.1),
// and MessagePack str and CBOR text strings must be UTF-8 too (our
// decoders and Autobahn's reject others), but the serializers encoded it
// anyway: a JSON WebSocket peer's transport refused the text frame and the
// router ended the session as a failed write (Stats.Unencodable 0), and
// over RawSocket, or to a MessagePack or CBOR peer, the peer got a message
// it rejected, ending its session. The serializers refuse such a string
// now, so the router's unencodable path answers for it (payload_size.go):
// the EVENT is dropped and counted, calls get wamp.error.invalid_argument,
// and every session goes on. Each serializer is tried over each transport
// (JSON's with a small message limit, smallDialers).

var utf8Peer = map[string][]string{"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}}

// utf8Dialers joins realm1 of r as a JSON peer (smallDialers), and as a
// MessagePack and a CBOR peer, each over RawSocket and WebSocket.
func utf8Dialers(t *testing.T, r *router.Router) map[string]func(*testing.T, map[string][]string) *raw {
	t.Helper()
	out := map[string]func(*testing.T, map[string][]string) *raw{}
	for name, dial := range smallDialers(t, r) { // review15_payload_size_test.go
		out["json/"+name] = dial
	}
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

func TestReview18InvalidUTF8(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range utf8Dialers(t, r) {
		t.Run(name, func(t *testing.T) {
			t.Run("event", func(t *testing.T) { invalidUTF8Event(t, r, name, dial) })
			t.Run("call", func(t *testing.T) { invalidUTF8Call(t, r, name, dial) })
		})
	}
}

// invalidUTF8Event: an EVENT holding a string that is not UTF-8 is
// dropped for each of two subscribers that dial (the fan-out encodes once
// for both, fanout.go), counted for each; the next EVENTs reach them.
func invalidUTF8Event(t *testing.T, r *router.Router, name string, dial func(*testing.T, map[string][]string) *raw) {
	before := r.Stats().Unencodable
	topic := wamp.URI("utf8.event." + strings.ReplaceAll(name, "/", "_"))
	sub, sub2 := dial(t, utf8Peer), dial(t, utf8Peer)
	subIDs := []wamp.ID{sub.subscribe(1, topic), sub2.subscribe(1, topic)}
	pub, _ := rawJoinAs(t, r, utf8Peer) // in process: no serializer
	bad := 0
	for i, ev := range []struct {
		args wamp.List
		ok   bool
	}{
		{wamp.List{"a\xffb"}, false},
		{wamp.List{"ok é\ufffd"}, true},
		{wamp.List{wamp.Dict{"k\xc3": "v"}}, false},
		{wamp.List{wamp.List{"x", "\xed\xa0\x80"}}, false}, // a surrogate half
		{wamp.List{"after"}, true},
	} {
		if !ev.ok {
			bad++
		}
		pub.send(&wamp.Publish{Request: wamp.ID(i + 1), Options: wamp.Dict{"acknowledge": true}, Topic: topic, Args: ev.args})
		if m, ok := pub.recv().(*wamp.Published); !ok || m.Request != wamp.ID(i+1) {
			t.Fatalf("publisher got %v", m)
		}
	}
	for i, c := range []*raw{sub, sub2} {
		for _, want := range []string{"ok é\ufffd", "after"} {
			ev, ok := c.recv().(*wamp.Event)
			if !ok || ev.Subscription != subIDs[i] || len(ev.Args) != 1 || ev.Args[0] != want {
				t.Fatalf("subscriber %d got %v, want the EVENT %q", i, ev, want)
			}
		}
		c.quiet(2) // its session goes on
	}
	if n, want := r.Stats().Unencodable-before, uint64(2*bad); n != want {
		t.Errorf("Stats.Unencodable grew by %d, want %d", n, want)
	}
}

// invalidUTF8Call: an INVOCATION for a callee that dials, and a RESULT or
// a callee's ERROR for a caller that dials, holding a string that is not
// UTF-8: the caller gets ERROR wamp.error.invalid_argument, and both peers
// keep their sessions.
func invalidUTF8Call(t *testing.T, r *router.Router, name string, dial func(*testing.T, map[string][]string) *raw) {
	before := r.Stats().Unencodable
	suffix := wamp.URI(strings.ReplaceAll(name, "/", "_"))

	// The peer that dials is the callee.
	callee := dial(t, plainPeer)
	proc := "utf8.in." + suffix
	callee.register(1, proc, nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	req := wamp.ID(0)
	for _, call := range []*wamp.Call{
		{Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"\xfe"}},
		{Options: wamp.Dict{}, Procedure: proc, Kwargs: wamp.Dict{"\xfe": int64(1)}},
	} {
		req++
		call.Request = req
		caller.send(call)
		e := caller.expectError(req, wamp.ErrInvalidArgument)
		if len(e.Args) != 1 || !strings.Contains(e.Args[0].(string), "cannot be encoded") {
			t.Errorf("ERROR args %v", e.Args)
		}
	}
	req++
	caller.send(&wamp.Call{Request: req, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"é"}})
	inv := callee.expectInvocation()
	if len(inv.Args) != 1 || inv.Args[0] != "é" {
		t.Fatalf("callee got %v", inv.Args)
	}
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != req || res.Args[0] != "ok" {
		t.Fatalf("caller got %v", res)
	}

	// The peer that dials is the caller.
	callee2, _ := rawJoinAs(t, r, plainPeer)
	proc2 := "utf8.out." + suffix
	callee2.register(1, proc2, nil)
	caller2 := dial(t, plainPeer)
	caller2.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc2})
	inv = callee2.expectInvocation()
	callee2.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Kwargs: wamp.Dict{"\x80": int64(1)}})
	caller2.expectError(1, wamp.ErrInvalidArgument)
	caller2.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc2})
	inv = callee2.expectInvocation()
	callee2.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{},
		Error: "app.error", Args: wamp.List{"bad \xff"}})
	caller2.expectError(2, wamp.ErrInvalidArgument)
	caller2.quiet(3)
	callee.quiet(4)
	if n := r.Stats().Unencodable - before; n != 4 {
		t.Errorf("Stats.Unencodable grew by %d, want 4", n)
	}
}
