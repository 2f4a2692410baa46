package router_test

import (
	"math"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The calls below carry values JSON has no form for (a NaN, an infinity),
// as a MessagePack or CBOR peer may send them (here an in-process peer):
// their INVOCATION, RESULT or ERROR cannot be encoded for a JSON peer
// (smallDialers' peers are JSON ones; their size limit plays no part).
// The router answers for such a message, as for one too large for the
// peer's transport (payload_size.go), instead of failing the peer's
// transport and ending its session.

// An INVOCATION the callee's serializer cannot encode: the caller gets
// ERROR wamp.error.invalid_argument (it got no_available_callee on the
// event loop, and the callee's session ended); the callee is told
// nothing and keeps its session.
func TestUnencodableInvocation(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) { c.Logger = logs.logger() })
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			callee := dial(t, plainPeer)
			proc := wamp.URI("nan.in." + name)
			callee.register(1, proc, nil)
			caller, _ := rawJoinAs(t, r, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{math.NaN()}})
			e := caller.expectError(1, wamp.ErrInvalidArgument)
			if len(e.Args) != 1 || !strings.Contains(e.Args[0].(string), "cannot be encoded") {
				t.Errorf("ERROR args %v", e.Args)
			}
			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc, Kwargs: wamp.Dict{"x": math.Inf(1)}})
			caller.expectError(2, wamp.ErrInvalidArgument)
			caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{1.5}})
			inv := callee.expectInvocation()
			if inv.Args[0] != 1.5 {
				t.Fatalf("callee got %v", inv.Args)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"ok"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 3 || res.Args[0] != "ok" {
				t.Fatalf("caller got %v", res)
			}
			if n := r.Stats().Unencodable - before; n != 2 {
				t.Errorf("Stats.Unencodable grew by %d, want 2", n)
			}
		})
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"wamp/router: INVOCATION not sent: the callee's serializer cannot encode it\"") {
		t.Error("the unencodable INVOCATIONs were not logged at Warn")
	}
}

// A call whose first callee's serializer cannot encode the INVOCATION
// goes to the next callee of its shared registration, as a reroute would.
func TestUnencodableInvocationNextCallee(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			proc := wamp.URI("nan.first." + name)
			first := dial(t, plainPeer)
			first.register(1, proc, wamp.Dict{"invoke": router.InvokeFirst})
			next, _ := rawJoinAs(t, r, plainPeer)
			next.register(1, proc, wamp.Dict{"invoke": router.InvokeFirst})
			caller, _ := rawJoinAs(t, r, plainPeer)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{math.Inf(-1)}})
			inv := next.expectInvocation()
			if !math.IsInf(inv.Args[0].(float64), -1) {
				t.Fatalf("next callee got %v", inv.Args)
			}
			next.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"next"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 1 || res.Args[0] != "next" {
				t.Fatalf("caller got %v", res)
			}
			first.quiet(2)
		})
	}
}

// A part of a progressive call invocation the callee's serializer cannot
// encode ends the call (a stream goes to one callee): the caller gets
// ERROR wamp.error.invalid_argument, the callee INTERRUPT (killnowait);
// both keep their sessions.
func TestUnencodableInvocationPart(t *testing.T) {
	r := newRouter(t, nil)
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			callee := dial(t, progressiveCallee)
			proc := wamp.URI("nan.stream." + name)
			callee.register(1, proc, nil)
			caller, _ := rawJoinAs(t, r, progressiveCaller)
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{"progress": true}, Procedure: proc, Args: wamp.List{"first"}})
			inv := callee.expectInvocation()
			if inv.Args[0] != "first" {
				t.Fatalf("callee got %v", inv.Args)
			}
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{"progress": true}, Procedure: proc, Args: wamp.List{math.NaN()}})
			caller.expectError(1, wamp.ErrInvalidArgument)
			callee.expectInterrupt(inv.Request, "killnowait")
			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc, Args: wamp.List{"last"}}) // discarded
			caller.quiet(2)
			callee.quiet(3)
			if n := r.Stats().Unencodable - before; n != 1 {
				t.Errorf("Stats.Unencodable grew by %d, want 1", n)
			}
		})
	}
}

// A RESULT, a progressive RESULT or a callee's ERROR the caller's
// serializer cannot encode: the caller gets ERROR
// wamp.error.invalid_argument as the call's one answer and keeps its
// session (it ended); a progressive call's callee gets INTERRUPT
// (killnowait), as for a progressive result too large for the caller.
func TestUnencodableAnswer(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) { c.Logger = logs.logger() })
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			callee, _ := rawJoinAs(t, r, progressiveCallee)
			proc := wamp.URI("nan.out." + name)
			callee.register(1, proc, nil)
			caller := dial(t, progressiveCaller)

			caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: proc})
			inv := callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{math.Inf(1)}})
			e := caller.expectError(1, wamp.ErrInvalidArgument)
			if len(e.Args) != 1 || !strings.Contains(e.Args[0].(string), "json") {
				t.Errorf("ERROR args %v, want a text naming the serializer", e.Args)
			}

			caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: proc})
			inv = callee.expectInvocation()
			callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{},
				Error: "app.error", Kwargs: wamp.Dict{"v": math.NaN()}})
			caller.expectError(2, wamp.ErrInvalidArgument)

			caller.send(&wamp.Call{Request: 3, Options: wamp.Dict{"receive_progress": true}, Procedure: proc})
			inv = callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{"part"}})
			if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 3 || res.Details["progress"] != true {
				t.Fatalf("caller got %v", res)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{math.NaN()}})
			caller.expectError(3, wamp.ErrInvalidArgument)
			callee.expectInterrupt(inv.Request, "killnowait")
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"late"}})

			// An unencodable progressive result followed at once by the
			// final one: whether the call has ended when the writer finds
			// the progressive result refused or not, the caller's one
			// answer is invalid_argument.
			caller.send(&wamp.Call{Request: 4, Options: wamp.Dict{"receive_progress": true}, Procedure: proc})
			inv = callee.expectInvocation()
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: wamp.List{math.Inf(1)}})
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{"final"}})
			caller.expectError(4, wamp.ErrInvalidArgument)
			caller.quiet(5)
			if n := r.Stats().Unencodable - before; n != 4 {
				t.Errorf("Stats.Unencodable grew by %d, want 4", n)
			}
		})
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"wamp/router: answer not sent: the caller's serializer cannot encode it\"") {
		t.Error("the unencodable answers were not logged at Warn")
	}
}
