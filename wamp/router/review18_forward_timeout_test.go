package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// A callee that took over a call's timeout (call_timeout announced,
// registered with forward_timeout) and never answers no longer leaves
// the caller waiting for ever: a grace after the deadline the dealer
// ends the call as its own timeout would, ERROR wamp.error.timeout to the
// caller and INTERRUPT killnowait (reason wamp.error.timeout) to the
// callee, whose late answer is dropped.
func TestReview18ForwardTimeoutBackstop(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, map[string][]string{"callee": {"call_canceling", "call_timeout"}})
	callee.register(1, "p", wamp.Dict{"forward_timeout": true})
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{"timeout": int64(50)}, Procedure: "p"})
	inv := callee.expectInvocation()
	if _, ok := inv.Details["timeout"]; !ok {
		t.Fatalf("INVOCATION.Details = %v, want the timeout forwarded", inv.Details)
	}
	e := caller.expectError(5, wamp.ErrTimeout)
	if len(e.Args) != 1 || !strings.Contains(e.Args[0].(string), "took over the timeout") {
		t.Errorf("ERROR args %v", e.Args)
	}
	in, ok := callee.recv().(*wamp.Interrupt)
	if !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" || in.Options["reason"] != string(wamp.ErrTimeout) {
		t.Fatalf("callee got %v, want INTERRUPT killnowait wamp.error.timeout", in)
	}
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}}) // late: dropped
	caller.expectNothing(6)
}
