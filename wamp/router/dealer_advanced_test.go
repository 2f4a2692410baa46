package router_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// roles returns HELLO.Details.roles announcing features per role.
func roles(features map[string][]string) wamp.Dict {
	d := wamp.Dict{}
	for role, names := range features {
		f := wamp.Dict{}
		for _, n := range names {
			f[n] = true
		}
		d[role] = wamp.Dict{"features": f}
	}
	return d
}

// Feature sets of hand-driven peers.
var (
	progressiveCaller = map[string][]string{"caller": {"progressive_call_invocations", "progressive_call_results", "call_canceling"}}
	progressiveCallee = map[string][]string{"callee": {"progressive_call_invocations", "progressive_call_results", "call_canceling"}}
	cancelingCallee   = map[string][]string{"callee": {"call_canceling"}}
	plainPeer         = map[string][]string{"caller": {}, "callee": {}}
)

// rawJoinAs joins realm1 by hand announcing features.
func rawJoinAs(t *testing.T, r *router.Router, features map[string][]string) (*raw, wamp.ID) {
	t.Helper()
	c := rawConn(t, r)
	c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": roles(features)}})
	w, ok := c.recv().(*wamp.Welcome)
	if !ok {
		t.Fatal("no WELCOME")
	}
	return c, w.Session
}

// registerRaw registers proc by hand and returns the registration ID.
func (c *raw) register(req wamp.ID, proc wamp.URI, options wamp.Dict) wamp.ID {
	c.t.Helper()
	if options == nil {
		options = wamp.Dict{}
	}
	c.send(&wamp.Register{Request: req, Options: options, Procedure: proc})
	m, ok := c.recv().(*wamp.Registered)
	if !ok || m.Request != req {
		c.t.Fatalf("REGISTER %s: got %v", proc, m)
	}
	return m.Registration
}

// expectError receives the next message, which must be ERROR uri for request.
func (c *raw) expectError(request wamp.ID, uri wamp.URI) *wamp.Error {
	c.t.Helper()
	m := c.recv()
	e, ok := m.(*wamp.Error)
	if !ok || e.Request != request || e.Error != uri {
		c.t.Fatalf("got %T %v, want ERROR %s for request %d", m, m, uri, request)
	}
	return e
}

// expectInvocation receives the next message, which must be an INVOCATION.
func (c *raw) expectInvocation() *wamp.Invocation {
	c.t.Helper()
	m := c.recv()
	inv, ok := m.(*wamp.Invocation)
	if !ok {
		c.t.Fatalf("got %T %v, want INVOCATION", m, m)
	}
	return inv
}

// quiet shows that nothing is queued for c: a CALL of an unknown
// procedure is answered, and that ERROR is the next message c gets (the
// router handles c's messages in order, queuing what they cause).
func (c *raw) quiet(req wamp.ID) {
	c.t.Helper()
	c.send(&wamp.Call{Request: req, Options: wamp.Dict{}, Procedure: "no.such.proc"})
	c.expectError(req, wamp.ErrNoSuchProcedure)
}

func TestCallTimeout(t *testing.T) {
	t.Run("killnowait", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, cancelingCallee)
		callee.register(1, "slow", nil)
		caller, _ := rawJoinAs(t, r, plainPeer)
		caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{"timeout": int64(30)}, Procedure: "slow", Args: wamp.List{"x"}})
		inv := callee.expectInvocation()
		if _, ok := inv.Details["timeout"]; ok {
			t.Fatalf("timeout forwarded without forward_timeout: %v", inv.Details)
		}
		e := caller.expectError(5, wamp.ErrTimeout)
		if len(e.Args) != 1 || !strings.Contains(fmt.Sprint(e.Args[0]), "30 ms") {
			t.Errorf("ERROR args %v", e.Args)
		}
		in, ok := callee.recv().(*wamp.Interrupt)
		if !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" || in.Options["reason"] != string(wamp.ErrTimeout) {
			t.Fatalf("callee got %v, want INTERRUPT killnowait", in)
		}
		// The late YIELD is dropped: the caller's next message is the
		// answer to its next call.
		callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"late"}})
		caller.quiet(6)
	})
	t.Run("skip", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, plainPeer) // no call_canceling: mode skip
		callee.register(1, "slow", nil)
		caller, _ := rawJoinAs(t, r, plainPeer)
		caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{"timeout": int64(20)}, Procedure: "slow"})
		inv := callee.expectInvocation()
		caller.expectError(5, wamp.ErrTimeout)
		callee.quiet(2) // no INTERRUPT
		callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: "app.late"})
		caller.quiet(6)
	})
	t.Run("answered in time", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, caller := join(t, r), join(t, r)
		register(t, callee, "echo", echo, nil)
		for i := range 20 {
			res, err := caller.Call(ctxT(t), "echo", wamp.List{int64(i)}, nil, &client.CallOptions{Options: wamp.Dict{"timeout": int64(60_000)}})
			if err != nil || res.Args[0] != int64(i) {
				t.Fatal(res, err)
			}
		}
	})
	t.Run("client", func(t *testing.T) {
		// Through wamp/client: the dealer's ERROR, the handler's ctx
		// ended by the INTERRUPT.
		r := newRouter(t, nil)
		callee, caller := join(t, r), join(t, r)
		interrupted := make(chan struct{})
		register(t, callee, "block", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
			<-ctx.Done()
			close(interrupted)
			return nil, ctx.Err()
		}, nil)
		_, err := caller.Call(ctxT(t), "block", nil, nil, &client.CallOptions{Options: wamp.Dict{"timeout": int64(25)}})
		if !isWampError(err, wamp.ErrTimeout) {
			t.Fatalf("err = %v, want %s", err, wamp.ErrTimeout)
		}
		<-interrupted
	})
	t.Run("forward_timeout", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, caller := join(t, r), join(t, r) // wamp/client announces callee call_timeout
		register(t, callee, "fwd", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			ms, ok := wamp.AsInt64(inv.Details["timeout"])
			if !ok || ms <= 0 || ms > 40 {
				return nil, &client.Error{URI: "test.bad_timeout", Args: wamp.List{fmt.Sprint(inv.Details)}}
			}
			// The callee times the call itself, as the spec asks of it:
			// wamp/client gives the handler's ctx that deadline.
			if _, ok := ctx.Deadline(); !ok {
				return nil, &client.Error{URI: "test.no_deadline"}
			}
			<-ctx.Done()
			return nil, &client.Error{URI: wamp.ErrTimeout, Args: wamp.List{"callee's own timeout"}}
		}, &client.RegisterOptions{Options: wamp.Dict{"forward_timeout": true}})
		_, err := caller.Call(ctxT(t), "fwd", nil, nil, &client.CallOptions{Options: wamp.Dict{"timeout": int64(40)}})
		var we *client.Error
		if !errors.As(err, &we) || we.URI != wamp.ErrTimeout || len(we.Args) != 1 || we.Args[0] != "callee's own timeout" {
			t.Fatalf("err = %v, want the callee's wamp.error.timeout", err)
		}
	})
	t.Run("forward_timeout unannounced", func(t *testing.T) {
		// A callee that did not announce call_timeout gets no timeout:
		// the dealer times the call.
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, cancelingCallee)
		callee.register(1, "fwd", wamp.Dict{"forward_timeout": true})
		caller, _ := rawJoinAs(t, r, plainPeer)
		caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{"timeout": int64(20)}, Procedure: "fwd"})
		if inv := callee.expectInvocation(); inv.Details["timeout"] != nil {
			t.Fatalf("INVOCATION.Details = %v", inv.Details)
		}
		caller.expectError(5, wamp.ErrTimeout)
	})
	t.Run("bad values", func(t *testing.T) {
		// Zero, negative and non-integer timeouts mean none.
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, cancelingCallee)
		callee.register(1, "p", nil)
		caller, _ := rawJoinAs(t, r, plainPeer)
		for i, v := range []any{int64(0), int64(-5), "10", 1.5, uint64(1) << 63} {
			req := wamp.ID(10 + i)
			caller.send(&wamp.Call{Request: req, Options: wamp.Dict{"timeout": v}, Procedure: "p"})
			inv := callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != req {
				t.Fatalf("timeout %v: got %v", v, res)
			}
		}
	})
}

func TestProgressiveCallInvocations(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, progressiveCallee)
		regID := callee.register(1, "upload", nil)
		caller, callerID := rawJoinAs(t, r, progressiveCaller)
		// The first CALL's options hold for the whole stream.
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true, "receive_progress": true, "disclose_me": true}, Procedure: "upload", Args: wamp.List{int64(0)}})
		first := callee.expectInvocation()
		// Another call in between.
		caller.send(&wamp.Call{Request: 4, Options: wamp.Dict{}, Procedure: "no.such"})
		caller.expectError(4, wamp.ErrNoSuchProcedure)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "upload", Args: wamp.List{int64(1)}})
		second := callee.expectInvocation()
		callee.send(&wamp.Yield{Request: first.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{"got 0 1"}})
		if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 3 || res.Details["progress"] != true || res.Args[0] != "got 0 1" {
			t.Fatalf("caller got %v, want a progressive RESULT", res)
		}
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "upload", Args: wamp.List{int64(2)}})
		last := callee.expectInvocation()
		for i, inv := range []*wamp.Invocation{first, second, last} {
			if inv.Request != first.Request || inv.Registration != regID || inv.Args[0] != int64(i) {
				t.Fatalf("INVOCATION %d: %+v", i, inv)
			}
			if p, _ := inv.Details["progress"].(bool); p != (i < 2) {
				t.Errorf("INVOCATION %d: Details.progress = %v", i, inv.Details["progress"])
			}
			if id, _ := wamp.AsID(inv.Details["caller"]); id != callerID || inv.Details["receive_progress"] != true {
				t.Errorf("INVOCATION %d: Details %v, want the first CALL's options", i, inv.Details)
			}
		}
		callee.send(&wamp.Yield{Request: first.Request, Options: wamp.Dict{}, Args: wamp.List{"done"}})
		if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 3 || res.Details["progress"] != nil || res.Args[0] != "done" {
			t.Fatalf("caller got %v, want the final RESULT", res)
		}
		caller.quiet(5)
	})
	t.Run("shared registration stays with one callee", func(t *testing.T) {
		r := newRouter(t, nil)
		a, _ := rawJoinAs(t, r, progressiveCallee)
		b, _ := rawJoinAs(t, r, progressiveCallee)
		a.register(1, "up", wamp.Dict{"invoke": router.InvokeRoundRobin})
		b.register(1, "up", wamp.Dict{"invoke": router.InvokeRoundRobin})
		caller, _ := rawJoinAs(t, r, progressiveCaller)
		for i := range 4 {
			caller.send(&wamp.Call{Request: 9, Options: wamp.Dict{"progress": i < 3}, Procedure: "up", Args: wamp.List{int64(i)}})
		}
		for i := range 4 {
			if inv := a.expectInvocation(); inv.Args[0] != int64(i) {
				t.Fatalf("part %d: %v", i, inv.Args)
			}
		}
		b.quiet(2)
	})
	t.Run("callee without the feature", func(t *testing.T) {
		r := newRouter(t, nil)
		callee := join(t, r) // wamp/client: no progressive_call_invocations
		register(t, callee, "up", echo, nil)
		caller, _ := rawJoinAs(t, r, progressiveCaller)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		caller.expectError(3, wamp.ErrFeatureNotSupported)
		// The rest of the stream is discarded: one answer per request.
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "up"})
		caller.quiet(4)
		// The request ID is free again once the stream was closed.
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "up", Args: wamp.List{"again"}})
		if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 3 || res.Args[0] != "again" {
			t.Fatalf("got %v", res)
		}
	})
	t.Run("caller without the feature", func(t *testing.T) {
		r := newRouter(t, nil)
		caller, _ := rawJoinAs(t, r, plainPeer)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		if a, ok := caller.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
			t.Fatalf("got %v, want ABORT protocol_violation", a)
		}
	})
	t.Run("another procedure mid-stream", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, progressiveCallee)
		callee.register(1, "up", nil)
		caller, _ := rawJoinAs(t, r, progressiveCaller)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		callee.expectInvocation()
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "down"})
		if a, ok := caller.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
			t.Fatalf("got %v, want ABORT protocol_violation", a)
		}
	})
	// The stream ends before the caller closed it: the caller gets exactly
	// one final ERROR, its further parts are discarded and reach nobody.
	for _, end := range []string{"cancel killnowait", "cancel skip", "callee leaves", "callee error", "timeout"} {
		t.Run(end, func(t *testing.T) {
			r := newRouter(t, nil)
			callee, _ := rawJoinAs(t, r, progressiveCallee)
			callee.register(1, "up", nil)
			caller, _ := rawJoinAs(t, r, progressiveCaller)
			opts := wamp.Dict{"progress": true}
			if end == "timeout" {
				opts["timeout"] = int64(20)
			}
			caller.send(&wamp.Call{Request: 3, Options: opts, Procedure: "up", Args: wamp.List{int64(0)}})
			inv := callee.expectInvocation()
			caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up", Args: wamp.List{int64(1)}})
			callee.expectInvocation()
			want := wamp.ErrCanceled
			switch end {
			case "cancel killnowait":
				caller.send(&wamp.Cancel{Request: 3, Options: wamp.Dict{"mode": "killnowait"}})
			case "cancel skip":
				caller.send(&wamp.Cancel{Request: 3, Options: wamp.Dict{"mode": "skip"}})
			case "callee leaves":
				callee.tr.Close()
			case "callee error":
				callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: "app.full"})
				want = "app.full"
			case "timeout":
				want = wamp.ErrTimeout
			}
			caller.expectError(3, want)
			for i := 2; i < 5; i++ {
				caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": i < 4}, Procedure: "up", Args: wamp.List{int64(i)}})
			}
			caller.quiet(4)
			switch end {
			case "cancel killnowait", "timeout":
				if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" {
					t.Fatalf("callee got %v, want INTERRUPT", in)
				}
				fallthrough
			case "cancel skip", "callee error":
				callee.quiet(2) // no more INVOCATIONs
			}
		})
	}
	t.Run("cancel kill", func(t *testing.T) {
		// kill: the callee's answer ends the call; parts after the
		// INTERRUPT go nowhere.
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, progressiveCallee)
		callee.register(1, "up", nil)
		caller, _ := rawJoinAs(t, r, progressiveCaller)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		inv := callee.expectInvocation()
		caller.send(&wamp.Cancel{Request: 3, Options: wamp.Dict{"mode": "kill"}})
		if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Options["mode"] != "kill" {
			t.Fatalf("callee got %v", in)
		}
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		callee.quiet(2)
		callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
		caller.expectError(3, wamp.ErrCanceled)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "up"})
		caller.quiet(4)
		callee.quiet(3)
	})
	t.Run("caller leaves", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, progressiveCallee)
		callee.register(1, "up", nil)
		caller, _ := rawJoinAs(t, r, progressiveCaller)
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up"})
		inv := callee.expectInvocation()
		caller.tr.Close()
		if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" {
			t.Fatalf("callee got %v, want INTERRUPT killnowait", in)
		}
	})
}

// A stream's parts go to one callee: when it is over its queue's soft
// limit the call ends (no_available_callee, INTERRUPT queued), never
// queued past the limit nor dropped silently.
func TestProgressiveCallSlowCallee(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.QueueSoftLimit = 16 << 10 })
	callee, _ := rawJoinAs(t, r, progressiveCallee) // reads nothing while the caller streams
	callee.register(1, "up", nil)
	caller, _ := rawJoinAs(t, r, progressiveCaller)
	part := wamp.List{strings.Repeat("x", 1024)}
	caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up", Args: part})
	// The pipe holds DefaultPipeBuffer messages, the queue 16 KiB: the
	// refusal comes well within 200 parts.
	const parts = 200
	for range parts {
		caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"progress": true}, Procedure: "up", Args: part})
	}
	caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "up", Args: part})
	e := caller.expectError(3, wamp.ErrNoAvailableCallee)
	if !strings.Contains(fmt.Sprint(e.Args), "over its outbound queue limit") {
		t.Errorf("ERROR args %v", e.Args)
	}
	caller.quiet(4)
	// The callee gets the parts that fit, then the INTERRUPT.
	got := 0
	for {
		m := callee.recv()
		if in, ok := m.(*wamp.Interrupt); ok {
			if in.Options["mode"] != "killnowait" {
				t.Fatalf("INTERRUPT %v", in.Options)
			}
			break
		}
		if _, ok := m.(*wamp.Invocation); !ok {
			t.Fatalf("callee got %v", m)
		}
		got++
	}
	if got < 2 || got > parts {
		t.Fatalf("callee got %d parts", got)
	}
	callee.quiet(2)
}
