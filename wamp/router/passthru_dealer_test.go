package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A caller or callee that uses payload passthru mode (ppt_scheme) in a
// CALL, YIELD or ERROR without announcing payload_passthru_mode for its
// role breaks the protocol: ABORT wamp.error.protocol_violation. The
// caller of the abandoned invocation still gets its one answer.
func TestPayloadPassthruDealerViolations(t *testing.T) {
	r := newRouter(t, nil)
	expectAbort := func(c *raw, what string) {
		t.Helper()
		if a, ok := c.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
			t.Fatalf("%s: got %v, want ABORT protocol_violation", what, a)
		}
	}
	c := rawConn(t, r)
	c.joinWith()
	c.send(&wamp.Call{Request: 1, Options: pptOptions("k1"), Procedure: "com.ppt.proc"})
	expectAbort(c, "CALL")

	// Announced for the caller role only: a YIELD with ppt is refused.
	for _, reply := range []func(inv *wamp.Invocation) wamp.Message{
		func(inv *wamp.Invocation) wamp.Message {
			return &wamp.Yield{Request: inv.Request, Options: pptOptions("k2"), Args: wamp.List{[]byte{1}}}
		},
		func(inv *wamp.Invocation) wamp.Message {
			return &wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: pptOptions("k3"), Error: "com.ppt.failed"}
		},
	} {
		callee, _ := rawJoinAs(t, r, map[string][]string{"caller": {"payload_passthru_mode"}, "callee": {}})
		callee.register(1, "com.ppt.proc", nil)
		caller := joinPPT(t, r)
		done := make(chan error, 1)
		go func() {
			_, err := caller.Call(ctxT(t), "com.ppt.proc", wamp.List{[]byte{0}}, nil, &client.CallOptions{Options: pptOptions("k1")})
			done <- err
		}()
		inv := callee.expectInvocation()
		m := reply(inv)
		callee.send(m)
		expectAbort(callee, m.Type().String())
		if err := <-done; !isWampError(err, wamp.ErrCanceled) {
			t.Fatalf("%s: the caller got %v, want wamp.error.canceled", m.Type(), err)
		}
	}
}
