package router_test

import (
	"math"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The fabric's paths for a message a local peer cannot take (its JSON
// serializer has no NaN; its transport carries nothing over smallLimit)
// are answered for as the local ones are (payload_size.go): a call from
// another router (FabricLink.Serve) whose INVOCATION no local callee
// takes gets ERROR wamp.error.invalid_argument (unencodable) or
// wamp.error.payload_size_exceeded (too large), not
// wamp.error.no_available_callee ("over its outbound queue limit or
// closing", which it got when the callee was on the event loop, whose
// transport refuses the message at once); a remote publication is dropped
// for that subscriber; a remote callee's answer becomes that ERROR. Each
// is counted in Stats.Unencodable, and the local sessions go on.
func TestReview17FabricUnencodable(t *testing.T) {
	r, f := fabricRouter(t)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			serve := func(proc wamp.URI, args wamp.List) wamp.Message {
				t.Helper()
				ch := make(chan wamp.Message, 2)
				f.link.Serve(&router.FabricCall{Realm: realm1, Registration: proc, Match: wamp.MatchExact, Procedure: proc,
					Caller: 4242, CallerAuthID: "alice", CallerAuthRole: "user", Args: args}, func(m wamp.Message) { ch <- m })
				return recv(t, ch)
			}
			expectErr := func(m wamp.Message, uri wamp.URI) {
				t.Helper()
				if e, ok := m.(*wamp.Error); !ok || e.Error != uri {
					t.Fatalf("served call answered %v, want ERROR %s", m, uri)
				}
			}

			// A call from another router.
			callee := dial(t, plainPeer)
			proc := wamp.URI("fabric.nan." + name)
			callee.register(1, proc, nil)
			before := r.Stats().Unencodable
			expectErr(serve(proc, wamp.List{math.NaN()}), wamp.ErrInvalidArgument)
			if n := r.Stats().Unencodable - before; n != 1 {
				t.Errorf("Stats.Unencodable grew by %d, want 1", n)
			}
			expectErr(serve(proc, wamp.List{bigArg}), wamp.ErrPayloadSizeExceeded)
			done := make(chan wamp.Message, 2)
			f.link.Serve(&router.FabricCall{Realm: realm1, Registration: proc, Match: wamp.MatchExact, Procedure: proc,
				Caller: 4242, Args: wamp.List{1.5}}, func(m wamp.Message) { done <- m })
			inv := callee.expectInvocation()
			if inv.Args[0] != 1.5 {
				t.Fatalf("callee got %v", inv.Args)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
			if res, ok := recv(t, done).(*wamp.Result); !ok || res.Args[0] != "ok" {
				t.Fatalf("served call answered %v", res)
			}

			// A publication from another router.
			sub := dial(t, plainPeer)
			topic := wamp.URI("fabric.topic." + name)
			sub.send(&wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: topic})
			subscribed, ok := sub.recv().(*wamp.Subscribed)
			if !ok {
				t.Fatalf("SUBSCRIBE: got %v", subscribed)
			}
			before, dropped := r.Stats().Unencodable, r.Stats().EventsDropped
			for i, args := range []wamp.List{{math.Inf(1)}, {"next"}} {
				if err := f.link.Publish(&router.FabricPublication{Realm: realm1, ID: wamp.ID(100 + i), Topic: topic, Publisher: 4242, Args: args}); err != nil {
					t.Fatal(err)
				}
			}
			if ev, ok := sub.recv().(*wamp.Event); !ok || ev.Publication != 101 || ev.Args[0] != "next" {
				t.Fatalf("subscriber got %v, want the event of publication 101", ev)
			}
			if n, d := r.Stats().Unencodable-before, r.Stats().EventsDropped-dropped; n != 1 || d != 1 {
				t.Errorf("Stats.Unencodable grew by %d, EventsDropped by %d, want 1 and 1", n, d)
			}

			// A remote callee's answer to a local caller.
			rproc := wamp.URI("fabric.remote." + name)
			rc, err := f.link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: rproc, Match: wamp.MatchExact, Policy: router.InvokeSingle})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(rc.Remove)
			caller := dial(t, plainPeer)
			before = r.Stats().Unencodable
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: rproc})
			recv(t, f.calls).Answer(&wamp.Result{Args: wamp.List{math.NaN()}})
			caller.expectError(1, wamp.ErrInvalidArgument)
			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: rproc})
			recv(t, f.calls).Answer(&wamp.Result{Args: wamp.List{"fine"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 2 || res.Args[0] != "fine" {
				t.Fatalf("caller got %v", res)
			}
			if n := r.Stats().Unencodable - before; n != 1 {
				t.Errorf("Stats.Unencodable grew by %d, want 1", n)
			}
		})
	}
}
