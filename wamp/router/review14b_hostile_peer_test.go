package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A session cannot answer another session's INVOCATION: a YIELD or ERROR
// (wamp.error.unavailable included, which would reroute) with its request
// ID from a session that is not its callee is dropped, and the callee's
// own answer is the caller's one answer.
func TestReview14bAnswerForeignInvocation(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	callee.register(1, "p", wamp.Dict{"invoke": router.InvokeFirst})
	hostile, _ := rawJoinAs(t, r, cancelingCallee)
	hostile.register(1, "p", wamp.Dict{"invoke": router.InvokeFirst}) // a fellow callee: a reroute would reach it
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "p"})
	inv := callee.expectInvocation()
	hostile.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"forged"}})
	hostile.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: wamp.ErrUnavailable})
	hostile.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: "app.forged"})
	hostile.quiet(2) // its messages are handled: nothing was rerouted to it
	caller.quiet(6)  // nothing reached the caller
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"real"}})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 5 || len(res.Args) != 1 || res.Args[0] != "real" {
		t.Fatalf("caller got %v, want the callee's RESULT", res)
	}
}

// A session cannot be a callee of one registration twice: a second
// REGISTER of the same procedure, under any policy, is refused
// (procedure_already_exists) and the registration keeps one callee.
func TestReview14bRegisterTwice(t *testing.T) {
	r := newRouter(t, nil)
	c, _ := rawJoinAs(t, r, plainPeer)
	for i, policy := range []string{router.InvokeSingle, router.InvokeRoundRobin} {
		proc := wamp.URI("twice." + policy)
		req := wamp.ID(10 * (i + 1))
		c.register(req, proc, wamp.Dict{"invoke": policy})
		c.send(&wamp.Register{Request: req + 1, Options: wamp.Dict{"invoke": policy}, Procedure: proc})
		c.expectError(req+1, wamp.ErrProcedureAlreadyExists)
	}
	s := join(t, r)
	reg := result0(t, metaCall(t, s, "wamp.registration.lookup", wamp.List{"twice.roundrobin"}, nil))
	if n, _ := wamp.AsInt64(result0(t, metaCall(t, s, "wamp.registration.count_callees", wamp.List{reg}, nil))); n != 1 {
		t.Fatalf("count_callees = %d, want 1", n)
	}
}

// A session killed (wamp.session.kill) while it is the callee of one call
// and the caller of another: the caller of the first gets ERROR
// wamp.error.canceled, the callee of the second INTERRUPT killnowait, the
// killed session GOODBYE; their late answers go nowhere.
func TestReview14bKillCallerAndCallee(t *testing.T) {
	r := newRouter(t, nil)
	both, bothID := rawJoinAs(t, r, map[string][]string{"caller": {}, "callee": {"call_canceling"}})
	both.register(1, "both.p", nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	callee.register(1, "callee.p", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)

	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "both.p"})
	in := both.expectInvocation()
	both.send(&wamp.Call{Request: 9, Options: wamp.Dict{}, Procedure: "callee.p"})
	out := callee.expectInvocation()

	killer := join(t, r)
	metaCall(t, killer, "wamp.session.kill", wamp.List{uint64(bothID)}, nil)
	caller.expectError(5, wamp.ErrCanceled)
	callee.expectInterrupt(out.Request, "killnowait")
	if g, ok := both.recv().(*wamp.Goodbye); !ok || g.Reason != wamp.ErrCloseNormal {
		t.Fatalf("killed session got %v, want GOODBYE", g)
	}
	both.send(&wamp.Yield{Request: in.Request, Options: wamp.Dict{}}) // after its GOODBYE: dropped
	callee.send(&wamp.Yield{Request: out.Request, Options: wamp.Dict{}})
	callee.quiet(2)
	caller.quiet(6)
}

// A callee that unregisters while it runs invocations still answers them:
// its YIELD reaches the caller; when it then leaves, the calls it still
// runs end with ERROR wamp.error.canceled. New calls find no procedure
// from the UNREGISTERED on.
func TestReview14bUnregisterWhileRunning(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	regID := callee.register(1, "busy", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "busy"})
	first := callee.expectInvocation()
	caller.send(&wamp.Call{Request: 6, Options: wamp.Dict{}, Procedure: "busy"})
	callee.expectInvocation()
	callee.send(&wamp.Unregister{Request: 2, Registration: regID})
	if m, ok := callee.recv().(*wamp.Unregistered); !ok || m.Request != 2 {
		t.Fatalf("got %v, want UNREGISTERED", m)
	}
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{}, Procedure: "busy"})
	caller.expectError(7, wamp.ErrNoSuchProcedure)
	callee.send(&wamp.Yield{Request: first.Request, Options: wamp.Dict{}, Args: wamp.List{"done"}})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 5 || res.Args[0] != "done" {
		t.Fatalf("caller got %v, want RESULT of 5", res)
	}
	callee.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseNormal})
	caller.expectError(6, wamp.ErrCanceled)
	caller.quiet(8)
}
