package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// expectInterrupt receives the next message, which must be INTERRUPT of
// request with the mode.
func (c *raw) expectInterrupt(request wamp.ID, mode string) {
	c.t.Helper()
	m := c.recv()
	in, ok := m.(*wamp.Interrupt)
	if !ok || in.Request != request || in.Options["mode"] != mode {
		c.t.Fatalf("got %T %v, want INTERRUPT %s of %d", m, m, mode, request)
	}
}

// A callee interrupted once (CANCEL kill) is not interrupted again for
// the same invocation when the caller then leaves: the router sends at
// most one INTERRUPT per INVOCATION (abortCall's rule).
func TestReviewKillThenCallerLeaves(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	callee.register(1, "slow", nil)
	caller, callerID := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "slow"})
	inv := callee.expectInvocation()
	caller.send(&wamp.Cancel{Request: 5, Options: wamp.Dict{"mode": "kill"}})
	callee.expectInterrupt(inv.Request, "kill")
	caller.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseNormal})
	if m, ok := caller.recv().(*wamp.Goodbye); !ok {
		t.Fatalf("caller got %v, want GOODBYE", m)
	}
	waitFor(t, "the caller's removal", func() bool { _, ok := r.Session(realm1, callerID); return !ok })
	callee.quiet(2)
}

// A call timeout after CANCEL kill answers the caller (wamp.error.timeout)
// without a second INTERRUPT.
func TestReviewKillThenTimeout(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	callee.register(1, "slow", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{"timeout": int64(50)}, Procedure: "slow"})
	inv := callee.expectInvocation()
	caller.send(&wamp.Cancel{Request: 5, Options: wamp.Dict{"mode": "kill"}})
	callee.expectInterrupt(inv.Request, "kill")
	caller.expectError(5, wamp.ErrTimeout)
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}}) // late: dropped
	callee.quiet(2)
	caller.quiet(6)
}

// After CANCEL kill the callee's progressive results go nowhere; its final
// answer is the caller's one answer.
func TestReviewKillProgressiveResults(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, map[string][]string{"callee": {"call_canceling", "progressive_call_results"}})
	callee.register(1, "stream", nil)
	caller, _ := rawJoinAs(t, r, map[string][]string{"caller": {"call_canceling", "progressive_call_results"}})
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{"receive_progress": true}, Procedure: "stream"})
	inv := callee.expectInvocation()
	caller.send(&wamp.Cancel{Request: 5, Options: wamp.Dict{"mode": "kill"}})
	callee.expectInterrupt(inv.Request, "kill")
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{"part"}})
	callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
	caller.expectError(5, wamp.ErrCanceled)
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}}) // late: dropped
	caller.quiet(6)
}

// A caller that reuses the request ID of a call it canceled (skip) gets the
// answer of its new call, never the old invocation's late YIELD.
func TestReviewReuseCanceledRequestID(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	callee.register(1, "slow", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "slow", Args: wamp.List{"old"}})
	old := callee.expectInvocation()
	caller.send(&wamp.Cancel{Request: 5, Options: wamp.Dict{"mode": "skip"}})
	caller.expectError(5, wamp.ErrCanceled)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "slow", Args: wamp.List{"new"}})
	nw := callee.expectInvocation()
	if nw.Request == old.Request {
		t.Fatalf("both invocations have request %d", old.Request)
	}
	callee.send(&wamp.Yield{Request: old.Request, Options: wamp.Dict{}, Args: wamp.List{"old"}})
	callee.send(&wamp.Yield{Request: nw.Request, Options: wamp.Dict{}, Args: wamp.List{"new"}})
	m := caller.recv()
	if res, ok := m.(*wamp.Result); !ok || res.Request != 5 || res.Args[0] != "new" {
		t.Fatalf("caller got %v, want the new call's RESULT", m)
	}
	caller.quiet(6)
}

// Request IDs: 2^53 is the largest valid one; 0 and 2^53+1 break the
// protocol (ABORT wamp.error.protocol_violation, which reaches the client).
func TestReviewRequestIDBounds(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, plainPeer)
	callee.register(wamp.MaxID, "echo", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: wamp.MaxID, Options: wamp.Dict{}, Procedure: "echo"})
	inv := callee.expectInvocation()
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != wamp.MaxID {
		t.Fatalf("got %v, want RESULT of 2^53", res)
	}
	for _, id := range []wamp.ID{0, wamp.MaxID + 1} {
		c, _ := rawJoinAs(t, r, plainPeer)
		c.send(&wamp.Call{Request: id, Options: wamp.Dict{}, Procedure: "echo"})
		if a, ok := c.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
			t.Fatalf("request %d: got %v, want ABORT protocol_violation", id, a)
		}
	}
}
