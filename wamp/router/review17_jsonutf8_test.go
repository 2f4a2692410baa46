package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// A Go string may hold bytes that are not UTF-8; an in-process peer (or a
// Go session's handler) can send one. JSON cannot carry it (RFC 8259 8.1),
// but the JSON serializer encoded it anyway: a JSON WebSocket subscriber's
// transport then refused the text frame and the router ended the session
// as a failed write (Stats.Unencodable 0), and over RawSocket the
// subscriber got JSON it rejected. The serializer refuses such a string
// now, so the router's unencodable path answers for it (payload_size.go):
// the EVENT is dropped and counted, calls get wamp.error.invalid_argument,
// and every session goes on.

var utf8Peer = map[string][]string{"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}}

func TestReview17InvalidUTF8Event(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			topic := wamp.URI("utf8.event." + name)
			// Two subscribers: the fan-out encodes once for both (fanout.go).
			sub, sub2 := dial(t, utf8Peer), dial(t, utf8Peer)
			subID := sub.subscribe(1, topic)
			sub2ID := sub2.subscribe(1, topic)
			pub, _ := rawJoinAs(t, r, utf8Peer)
			for i, args := range []wamp.List{{"a\xffb"}, {"ok"}, {wamp.Dict{"k\xc3": "v"}}, {"after"}} {
				pub.send(&wamp.Publish{Request: wamp.ID(i + 1), Options: wamp.Dict{"acknowledge": true}, Topic: topic, Args: args})
				if m, ok := pub.recv().(*wamp.Published); !ok || m.Request != wamp.ID(i+1) {
					t.Fatalf("publisher got %v", m)
				}
			}
			for i, c := range []*raw{sub, sub2} {
				for _, want := range []string{"ok", "after"} {
					ev, ok := c.recv().(*wamp.Event)
					if !ok || ev.Subscription != []wamp.ID{subID, sub2ID}[i] || len(ev.Args) != 1 || ev.Args[0] != want {
						t.Fatalf("subscriber %d got %v, want the EVENT %q", i, ev, want)
					}
				}
				c.quiet(2) // its session goes on
			}
			if n := r.Stats().Unencodable - before; n != 4 {
				t.Errorf("Stats.Unencodable grew by %d, want 4", n)
			}
		})
	}
}

// An INVOCATION, a RESULT or a callee's ERROR holding a string that is
// not UTF-8, for a JSON peer: the caller gets ERROR
// wamp.error.invalid_argument, and both peers keep their sessions.
func TestReview17InvalidUTF8Call(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable

			// The JSON peer is the callee.
			callee := dial(t, plainPeer)
			proc := wamp.URI("utf8.in." + name)
			callee.register(1, proc, nil)
			caller, _ := rawJoinAs(t, r, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"\xfe"}})
			e := caller.expectError(1, wamp.ErrInvalidArgument)
			if len(e.Args) != 1 || !strings.Contains(e.Args[0].(string), "cannot be encoded") {
				t.Errorf("ERROR args %v", e.Args)
			}
			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"é"}})
			inv := callee.expectInvocation()
			if inv.Args[0] != "é" {
				t.Fatalf("callee got %v", inv.Args)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 2 || res.Args[0] != "ok" {
				t.Fatalf("caller got %v", res)
			}

			// The JSON peer is the caller.
			callee2, _ := rawJoinAs(t, r, plainPeer)
			proc2 := wamp.URI("utf8.out." + name)
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
			if n := r.Stats().Unencodable - before; n != 3 {
				t.Errorf("Stats.Unencodable grew by %d, want 3", n)
			}
		})
	}
}
