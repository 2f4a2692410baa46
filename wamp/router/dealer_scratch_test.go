package router_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// On the event loop a plain call's INVOCATION and RESULT come from the
// realm's scratch structs (dealer_scratch.go): the router allocates only
// what the CBOR decoder makes of the CALL and the YIELD (one box each,
// one more per string argument). The process-wide count also holds both
// raw clients' own allocations (their decoded INVOCATION and RESULT,
// their reads and writes), which this test measured as they are: 14 per
// call with the scratch structs, 16 with a new INVOCATION and RESULT.
func TestLoopCallAllocs(t *testing.T) {
	r := newRouter(t, nil)
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	callee, caller := dialRaw(t, url, cbor.Serializer{}, 0), dialRaw(t, url, cbor.Serializer{}, 0)
	rawJoin(t, callee)
	rawJoin(t, caller)
	ctx := ctxT(t)
	if m := rawRequest(t, callee, &wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "com.allocs"}); m.Type() != wamp.TypeRegistered {
		t.Fatalf("got %v, want REGISTERED", m)
	}
	args := wamp.List{"hello", int64(1)}
	call := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.allocs", Args: args}
	yield := &wamp.Yield{Options: wamp.Dict{}, Args: args}
	var failed error
	round := func() {
		if failed != nil {
			return
		}
		call.Request++
		failed = loopRound(ctx, caller, callee, call, yield)
	}
	for range 10 { // warm the pools and the realm's free list
		round()
	}
	got := testing.AllocsPerRun(500, round)
	if failed != nil {
		t.Fatal(failed)
	}
	if raceEnabled {
		return // the calls went through; the race detector adds allocations
	}
	t.Logf("%.1f allocations per call (router and both clients)", got)
	if got > 14 {
		t.Errorf("a plain call on the loop: %.1f allocations (router and both clients), want at most 14", got)
	}
}

// loopRound makes one call from caller to callee and checks its RESULT.
func loopRound(ctx context.Context, caller, callee wamp.Transport, call *wamp.Call, yield *wamp.Yield) error {
	if err := caller.Send(ctx, call); err != nil {
		return err
	}
	m, err := callee.Recv(ctx)
	inv, ok := m.(*wamp.Invocation)
	if err != nil || !ok {
		return fmt.Errorf("callee got %v %v, want INVOCATION", m, err)
	}
	if len(inv.Args) != 2 || inv.Args[0] != "hello" {
		return fmt.Errorf("INVOCATION args %v, want [hello 1]", inv.Args)
	}
	yield.Request = inv.Request
	if err := callee.Send(ctx, yield); err != nil {
		return err
	}
	m, err = caller.Recv(ctx)
	if res, ok := m.(*wamp.Result); err != nil || !ok || res.Request != call.Request || len(res.Args) != 2 || res.Args[0] != "hello" {
		return fmt.Errorf("caller got %v %v, want RESULT %d [hello 1]", m, err, call.Request)
	}
	return nil
}
