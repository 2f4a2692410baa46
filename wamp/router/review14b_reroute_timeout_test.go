package router_test

import (
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A call with a timeout rerouted from a callee the dealer timed (no
// forward_timeout) to one that times it itself (forward_timeout, and
// call_timeout announced) is the second callee's to time: the dealer's
// timer stops, as it never runs for a call that goes to such a callee
// first. The callee got Details.timeout; past it, its answer is what the
// caller gets, and it gets no INTERRUPT from the dealer.
func TestReview14bRerouteToForwardingCallee(t *testing.T) {
	r := newRouter(t, nil)
	timed, _ := rawJoinAs(t, r, cancelingCallee)
	timed.register(1, "p", wamp.Dict{"invoke": router.InvokeFirst})
	forwarding, _ := rawJoinAs(t, r, map[string][]string{"callee": {"call_canceling", "call_timeout"}})
	forwarding.register(1, "p", wamp.Dict{"invoke": router.InvokeFirst, "forward_timeout": true})
	caller, _ := rawJoinAs(t, r, plainPeer)

	const timeout = 300 * time.Millisecond // room for the reroute on a loaded machine
	sent := time.Now()
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{"timeout": timeout.Milliseconds()}, Procedure: "p"})
	first := timed.expectInvocation()
	if _, ok := first.Details["timeout"]; ok {
		t.Fatalf("timeout forwarded to a callee without forward_timeout: %v", first.Details)
	}
	timed.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: first.Request, Details: wamp.Dict{}, Error: wamp.ErrUnavailable})
	second := forwarding.expectInvocation()
	if ms, ok := wamp.AsInt64(second.Details["timeout"]); !ok || ms <= 0 || ms > timeout.Milliseconds() {
		t.Fatalf("rerouted INVOCATION.Details = %v, want the time left", second.Details)
	}
	// The callee answers well after the deadline (a dealer timer, had it
	// kept running, would have fired long before).
	for time.Since(sent) < 2*timeout {
		time.Sleep(timeout / 10)
	}
	forwarding.quiet(2) // no INTERRUPT came
	forwarding.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: second.Request, Details: wamp.Dict{},
		Error: wamp.ErrTimeout, Args: wamp.List{"the callee's own"}})
	e := caller.expectError(7, wamp.ErrTimeout)
	if len(e.Args) != 1 || e.Args[0] != "the callee's own" {
		t.Fatalf("caller got ERROR %v, want the callee's", e.Args)
	}
}
