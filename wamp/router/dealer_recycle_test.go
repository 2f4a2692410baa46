package router_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// A routed plain call allocates, in the router, only the INVOCATION and
// the RESULT it sends: the dealer's record of the call in flight is
// recycled (dealer_recycle.go). The caller's CALL and the callee's YIELD
// are the test's, reused for every call.
func TestCallAllocs(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := r.Connect(), r.Connect()
	defer callee.Close()
	defer caller.Close()
	rawJoin(t, callee)
	rawJoin(t, caller)
	ctx := context.Background()
	if err := callee.Send(ctx, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "com.allocs"}); err != nil {
		t.Fatal(err)
	}
	if m, err := callee.Recv(ctx); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*wamp.Registered); !ok {
		t.Fatalf("got %T, want REGISTERED", m)
	}
	args := wamp.List{"hello", int64(1)}
	call := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.allocs", Args: args}
	yield := &wamp.Yield{Options: wamp.Dict{}, Args: args}
	var failed error
	round := func() {
		call.Request++
		if err := caller.Send(ctx, call); err != nil {
			failed = err
			return
		}
		m, err := callee.Recv(ctx)
		inv, ok := m.(*wamp.Invocation)
		if err != nil || !ok {
			failed = fmt.Errorf("callee got %v %v, want INVOCATION", m, err)
			return
		}
		yield.Request = inv.Request
		if err := callee.Send(ctx, yield); err != nil {
			failed = err
			return
		}
		m, err = caller.Recv(ctx)
		if res, ok := m.(*wamp.Result); err != nil || !ok || res.Request != call.Request {
			failed = fmt.Errorf("caller got %v %v, want RESULT %d", m, err, call.Request)
		}
	}
	round() // the first call fills the realm's free list
	got := testing.AllocsPerRun(500, round)
	if failed != nil {
		t.Fatal(failed)
	}
	if got > 2 {
		t.Errorf("a plain call: %.1f allocations in the router, want at most 2 (INVOCATION, RESULT)", got)
	}
}
