package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// AddCallee takes the match and invoke policies a REGISTER may have, and
// empty ones as a REGISTER without them (exact, single); others fail as
// a REGISTER with them would, and leave no registration behind.
func TestReview14bAddCalleeChecksPolicyAndMatch(t *testing.T) {
	r, f := fabricRouter(t)
	caller := join(t, r)
	ctx := ctxT(t)
	for _, reg := range []router.FabricRegistration{
		{Procedure: "com.remote.bogus", Match: wamp.MatchExact, Policy: "bogus"},
		{Procedure: "com.remote.bogus", Match: "regex", Policy: router.InvokeSingle},
		{Procedure: "com.remote.bogus", Match: "Exact", Policy: ""},
	} {
		if rc, err := f.link.AddCallee(realm1, "nodeX", reg); err == nil {
			rc.Remove()
			t.Errorf("AddCallee(%+v) succeeded", reg)
		}
	}
	if _, err := caller.Call(ctx, "com.remote.bogus", nil, nil, nil); errURI(err) != wamp.ErrNoSuchProcedure {
		t.Fatalf("call after refused AddCallees: %v, want %s", err, wamp.ErrNoSuchProcedure)
	}

	// Empty match and policy: an exact, single registration.
	empty := router.FabricRegistration{Procedure: "com.remote.plain"}
	if _, err := f.link.AddCallee(realm1, "nodeX", empty); err != nil {
		t.Fatalf("AddCallee with an empty match and policy: %v", err)
	}
	if _, err := f.link.AddCallee(realm1, "nodeY", empty); err == nil {
		t.Fatal("a second callee joined a single registration")
	}
	if _, err := f.link.AddCallee(realm1, "nodeY", router.FabricRegistration{Procedure: "com.remote.plain",
		Match: wamp.MatchExact, Policy: router.InvokeSingle}); err == nil {
		t.Fatal("a second callee joined a single registration (explicit exact, single)")
	}

	// Every valid policy still works, shared by two routers' callees.
	for _, policy := range []string{router.InvokeRoundRobin, router.InvokeRandom, router.InvokeFirst, router.InvokeLast} {
		reg := router.FabricRegistration{Procedure: wamp.URI("com.remote.shared." + policy), Match: wamp.MatchExact, Policy: policy}
		for _, node := range []string{"nodeX", "nodeY"} {
			if _, err := f.link.AddCallee(realm1, node, reg); err != nil {
				t.Fatalf("AddCallee(%+v) from %s: %v", reg, node, err)
			}
		}
	}
	if _, err := f.link.AddCallee(realm1, "nodeZ", router.FabricRegistration{Procedure: "com.remote.", Match: wamp.MatchPrefix}); err != nil {
		t.Fatalf("prefix AddCallee: %v", err)
	}
}
