package router_test

import (
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A call the fabric cannot encode for the callee's router (Fabric.Invoke,
// or FabricCallControl.Continue for a further part of a progressive call
// invocation, reports an error wrapping router.ErrFabricUnencodable: a
// string that is not UTF-8 from an in-process caller) is answered
// wamp.error.invalid_argument, as a local callee's serializer refusing
// it is, and counted in Stats.Unencodable. Before, the caller got
// wamp.error.no_available_callee, "over its outbound queue limit or
// closing". A call the fabric cannot carry (router.ErrFabricTooLarge)
// is answered wamp.error.payload_size_exceeded likewise. Any other
// refusal still answers no_available_callee.
func TestReview18FabricUnencodableCall(t *testing.T) {
	unencodable := fmt.Errorf("natsfabric: cbor: %w", router.ErrFabricUnencodable)
	t.Run("invoke", func(t *testing.T) {
		r, f := fabricRouter(t)
		if _, err := f.link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: "com.remote.p", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err != nil {
			t.Fatal(err)
		}
		caller := join(t, r)
		before := r.Stats().Unencodable
		f.refuse = unencodable
		if _, err := caller.Call(ctxT(t), "com.remote.p", wamp.List{"\xff"}, nil, nil); errURI(err) != wamp.ErrInvalidArgument {
			t.Fatalf("unencodable call: %v, want %s", err, wamp.ErrInvalidArgument)
		}
		if n := r.Stats().Unencodable - before; n != 1 {
			t.Errorf("Stats.Unencodable grew by %d, want 1", n)
		}
		f.refuse = fmt.Errorf("natsfabric: %w", router.ErrFabricTooLarge)
		if _, err := caller.Call(ctxT(t), "com.remote.p", nil, nil, nil); errURI(err) != wamp.ErrPayloadSizeExceeded {
			t.Fatalf("call too large for the fabric: %v, want %s", err, wamp.ErrPayloadSizeExceeded)
		}
		f.refuse = fmt.Errorf("link down")
		if _, err := caller.Call(ctxT(t), "com.remote.p", nil, nil, nil); errURI(err) != wamp.ErrNoAvailableCallee {
			t.Fatalf("refused call: %v, want %s", err, wamp.ErrNoAvailableCallee)
		}
	})
	t.Run("part", func(t *testing.T) {
		r, f := ctlRouter(t)
		if _, err := f.link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: "com.remote.sum", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err != nil {
			t.Fatal(err)
		}
		c, _ := rawJoinAs(t, r, progressiveCaller)
		c.send(&wamp.Call{Request: 6, Options: wamp.Dict{"progress": true}, Procedure: "com.remote.sum", Args: wamp.List{1}})
		fc := recv(t, f.calls)
		f.refusePart = unencodable
		c.send(&wamp.Call{Request: 6, Options: wamp.Dict{"progress": true}, Procedure: "com.remote.sum", Args: wamp.List{"\xff"}})
		c.expectError(6, wamp.ErrInvalidArgument)
		if in := recv(t, f.interrupts); in.call != fc || in.mode != "killnowait" {
			t.Fatalf("interrupt %s", in.mode)
		}
	})
}
