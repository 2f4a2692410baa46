package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// answers counts c's final answers per request (progressive RESULTs are
// not final). It reads until each of the requests 1..n has
// one, then sends a CALL for a procedure nobody registered (request
// marker) and reads on until its ERROR, so that a second answer the realm
// produced before the marker (in order on this session) is counted too.
// The callee's last YIELDs go through another session's reader, so the
// marker alone would not order them.
func (c *raw) answers(n int, marker wamp.ID) map[wamp.ID]int {
	c.t.Helper()
	got := map[wamp.ID]int{}
	count := func(m wamp.Message) bool {
		switch m := m.(type) {
		case *wamp.Result:
			if p, _ := m.Details["progress"].(bool); !p {
				got[m.Request]++
			}
		case *wamp.Error:
			if m.Request == marker {
				return true
			}
			got[m.Request]++
		default:
			c.t.Fatalf("caller got %T %v", m, m)
		}
		return false
	}
	for len(got) < n {
		count(c.recv())
	}
	c.send(&wamp.Call{Request: marker, Options: wamp.Dict{}, Procedure: "no.such.proc"})
	for !count(c.recv()) {
	}
	return got
}

// The dealer's call timeout racing the callee's YIELD, and the caller's
// CANCEL racing it: whichever the realm takes first decides, and the
// caller gets exactly one answer per call.
func TestReviewOneAnswerUnderRaces(t *testing.T) {
	r := newRouter(t, nil)
	callee, _ := rawJoinAs(t, r, cancelingCallee)
	callee.register(1, "p", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	const n = 200
	done := make(chan struct{})
	go func() { // the callee answers every INVOCATION at once; INTERRUPTs are skipped
		defer close(done)
		for answered := 0; answered < n; {
			m, err := callee.tr.Recv(ctxT(t))
			if err != nil {
				t.Errorf("callee: %v", err)
				return
			}
			if inv, ok := m.(*wamp.Invocation); ok {
				callee.tr.Send(ctxT(t), &wamp.Yield{Request: inv.Request, Options: wamp.Dict{}})
				answered++
			}
		}
	}()
	modes := []string{"", "skip", "kill", "killnowait"}
	for i := wamp.ID(1); i <= n; i++ {
		opts := wamp.Dict{}
		if i%2 == 0 {
			opts["timeout"] = int64(1)
		}
		caller.send(&wamp.Call{Request: i, Options: opts, Procedure: "p"})
		if mode := modes[i%4]; mode != "" {
			caller.send(&wamp.Cancel{Request: i, Options: wamp.Dict{"mode": mode}})
		}
	}
	<-done
	got := caller.answers(n, n+1)
	for i := wamp.ID(1); i <= n; i++ {
		if got[i] != 1 {
			t.Errorf("call %d: %d answers", i, got[i])
		}
	}
}

// A callee that answers and leaves at once (its transport dropped right
// after the YIELD): the caller gets one answer, the RESULT.
func TestReviewCalleeYieldsAndLeaves(t *testing.T) {
	r := newRouter(t, nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	for i := wamp.ID(1); i <= 30; i++ {
		callee, calleeID := rawJoinAs(t, r, cancelingCallee)
		callee.register(1, "p", nil)
		caller.send(&wamp.Call{Request: i, Options: wamp.Dict{}, Procedure: "p"})
		inv := callee.expectInvocation()
		callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
		callee.tr.Close()
		m := caller.recv()
		if res, ok := m.(*wamp.Result); !ok || res.Request != i {
			t.Fatalf("call %d: got %T %v, want its RESULT", i, m, m)
		}
		waitFor(t, "the callee's removal", func() bool { _, ok := r.Session(realm1, calleeID); return !ok })
	}
	caller.quiet(2000)
}
