package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A caller that stops reading the progressive results of a long call is
// bounded as any session that does not read: its queue takes them up to
// the hard limit, then the session is closed with ReasonQueueOverflow
// (counted in Stats.Closed), and the callee gets INTERRUPT killnowait for
// the call; its later YIELDs are dropped. (Evidence for the review of
// progressive results against the caller's hard limit.)
func TestReview15ProgressSlowCallerBounded(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.QueueSoftLimit = 16 << 10 })
	callee, _ := rawJoinAs(t, r, progressiveCallee)
	callee.register(1, "stream", nil)
	caller, callerID := rawJoinAs(t, r, progressiveCaller)
	caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{"receive_progress": true}, Procedure: "stream"})
	inv := callee.expectInvocation()
	part := wamp.List{strings.Repeat("p", 1024)}
	for n := 0; ; n++ {
		if _, ok := r.Session(realm1, callerID); !ok {
			break
		}
		if n > 10000 {
			t.Fatal("the caller that reads nothing was never closed")
		}
		callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: part})
	}
	callee.expectInterrupt(inv.Request, "killnowait")
	callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"late"}})
	callee.quiet(2)
	if n := r.Stats().Closed[router.ReasonQueueOverflow]; n != 1 {
		t.Fatalf("Closed[%s] = %d, want 1", router.ReasonQueueOverflow, n)
	}
}
