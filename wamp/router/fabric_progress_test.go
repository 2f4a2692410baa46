package router_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// ctlFabric is a fakeFabric that implements router.FabricCallControl:
// the INTERRUPTs and further parts of the calls it was given go to the
// test.
type ctlFabric struct {
	*fakeFabric
	interrupts chan interruptRec
	parts      chan *router.FabricCallPart
	refusePart error
}

type interruptRec struct {
	call   *router.FabricCall
	mode   string
	reason wamp.URI
}

func (f *ctlFabric) Interrupt(c *router.FabricCall, mode string, reason wamp.URI) {
	f.interrupts <- interruptRec{c, mode, reason}
}

func (f *ctlFabric) Continue(_ *router.FabricCall, p *router.FabricCallPart) error {
	if f.refusePart != nil {
		return f.refusePart
	}
	f.parts <- p
	return nil
}

func ctlRouter(t *testing.T) (*router.Router, *ctlFabric) {
	f := &ctlFabric{fakeFabric: newFakeFabric(), interrupts: make(chan interruptRec, 16), parts: make(chan *router.FabricCallPart, 16)}
	r := newRouter(t, func(c *router.Config) { c.Fabric = f })
	return r, f
}

// expectNothing checks that the next thing c gets is the answer to a call
// of an unknown procedure: nothing came before it.
func (c *raw) expectNothing(req wamp.ID) {
	c.t.Helper()
	c.send(&wamp.Call{Request: req, Options: wamp.Dict{}, Procedure: "com.none"})
	c.expectError(req, wamp.ErrNoSuchProcedure)
}

// A remote callee's progressive results reach a caller that asked for
// them, in order, before the final result; one that did not ask gets the
// final result only; late ones are dropped.
func TestFabricProgressiveResultsCaller(t *testing.T) {
	for _, fabric := range []string{"plain", "control"} {
		t.Run(fabric, func(t *testing.T) {
			var link *router.FabricLink
			var calls chan *router.FabricCall
			var r *router.Router
			if fabric == "plain" {
				var f *fakeFabric
				r, f = fabricRouter(t)
				link, calls = f.link, f.calls
			} else {
				var f *ctlFabric
				r, f = ctlRouter(t)
				link, calls = f.link, f.calls
			}
			if _, err := link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: "com.remote.count", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err != nil {
				t.Fatal(err)
			}
			caller := join(t, r)
			const n = 100
			type answer struct {
				got []int64
				res *wamp.Result
				err error
			}
			done := make(chan answer, 1)
			go func() {
				var a answer
				a.res, a.err = caller.Call(ctxT(t), "com.remote.count", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
					i, _ := wamp.AsInt64(r.Args[0])
					a.got = append(a.got, i)
				}})
				done <- a
			}()
			fc := recv(t, calls)
			if fc.Options["receive_progress"] != true {
				t.Fatalf("call options %v, want receive_progress", fc.Options)
			}
			for i := range n {
				fc.Progress(&wamp.Result{Details: wamp.Dict{"progress": true}, Args: wamp.List{int64(i)}})
			}
			fc.Answer(&wamp.Result{Args: wamp.List{"done"}})
			fc.Progress(&wamp.Result{Details: wamp.Dict{"progress": true}, Args: wamp.List{int64(n)}}) // late: dropped
			a := recv(t, done)
			if a.err != nil || a.res.Args[0] != "done" {
				t.Fatalf("final answer %v %v", a.res, a.err)
			}
			if len(a.got) != n {
				t.Fatalf("%d progressive results, want %d", len(a.got), n)
			}
			for i, v := range a.got {
				if v != int64(i) {
					t.Fatalf("progressive result %d is %d", i, v)
				}
			}

			// A caller that did not ask: its first message is the final RESULT.
			c := rawConn(t, r)
			c.join()
			c.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "com.remote.count"})
			fc = recv(t, calls)
			fc.Progress(&wamp.Result{Details: wamp.Dict{"progress": true}, Args: wamp.List{int64(0)}})
			fc.Answer(&wamp.Result{Args: wamp.List{"done"}})
			if m, ok := c.recv().(*wamp.Result); !ok || m.Request != 3 || m.Details["progress"] != nil || m.Args[0] != "done" {
				t.Fatalf("got %v, want the final RESULT only", m)
			}
		})
	}
}

// A call from another router that asks for progressive results gets the
// local callee's, in order, then the final one; one that does not ask
// gets the final one only, and the callee is told.
func TestFabricProgressiveResultsServe(t *testing.T) {
	r, f := fabricRouter(t)
	callee := join(t, r)
	register(t, callee, "com.local.count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		for i := range 5 {
			if err := inv.SendProgress(ctx, wamp.List{int64(i)}, nil); err != nil {
				return nil, err
			}
		}
		return &client.Result{Args: wamp.List{"done", inv.ReceiveProgress()}}, nil
	}, nil)
	for _, receive := range []bool{true, false} {
		opts := wamp.Dict{}
		if receive {
			opts["receive_progress"] = true
		}
		ch := make(chan wamp.Message, 16)
		sc := f.link.Serve(&router.FabricCall{Realm: realm1, Registration: "com.local.count", Match: wamp.MatchExact,
			Procedure: "com.local.count", Caller: 4242, Options: opts}, func(m wamp.Message) { ch <- m })
		if sc == nil {
			t.Fatal("Serve returned no ServedCall for a call it runs")
		}
		var got []string
		for {
			m := recv(t, ch)
			got = append(got, fmt.Sprint(m.(*wamp.Result).Details["progress"], m.(*wamp.Result).Args))
			if m.(*wamp.Result).Details["progress"] != true {
				break
			}
		}
		want := "[true [0] true [1] true [2] true [3] true [4] <nil> [done true]]"
		if !receive {
			want = "[<nil> [done false]]"
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("receive_progress %v: answers %v, want %v", receive, got, want)
		}
		sc.Cancel("killnowait") // answered already: nothing happens
		select {
		case m := <-ch:
			t.Fatalf("answer after the final one: %v", m)
		default:
		}
	}
}

// CANCEL of a call to a remote callee, with a Fabric that carries
// INTERRUPTs: the dealer does what it does for a local callee that
// announced call_canceling; the caller gets exactly one ERROR
// wamp.error.canceled. With a Fabric that does not, every mode is skip.
func TestFabricCancelCaller(t *testing.T) {
	for _, mode := range []string{"skip", "kill", "killnowait", "leave", "plain-kill"} {
		t.Run(mode, func(t *testing.T) {
			var link *router.FabricLink
			var calls chan *router.FabricCall
			var interrupts chan interruptRec
			var r *router.Router
			if mode == "plain-kill" {
				var f *fakeFabric
				r, f = fabricRouter(t)
				link, calls, interrupts = f.link, f.calls, make(chan interruptRec)
			} else {
				var f *ctlFabric
				r, f = ctlRouter(t)
				link, calls, interrupts = f.link, f.calls, f.interrupts
			}
			if _, err := link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: "com.remote.slow", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err != nil {
				t.Fatal(err)
			}
			c := rawConn(t, r)
			c.join()
			c.send(&wamp.Call{Request: 7, Options: wamp.Dict{"receive_progress": true}, Procedure: "com.remote.slow"})
			fc := recv(t, calls)
			if mode == "leave" {
				c.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseNormal})
				in := recv(t, interrupts)
				if in.call != fc || in.mode != "killnowait" || in.reason != wamp.ErrCanceled {
					t.Fatalf("interrupt %v %s %s, want killnowait canceled", in.call == fc, in.mode, in.reason)
				}
				return
			}
			sent := mode
			if mode == "plain-kill" {
				sent = "kill"
			}
			c.send(&wamp.Cancel{Request: 7, Options: wamp.Dict{"mode": sent}})
			switch mode {
			case "kill":
				in := recv(t, interrupts)
				if in.call != fc || in.mode != "kill" {
					t.Fatalf("interrupt %s, want kill", in.mode)
				}
				// Progress after kill is not forwarded; the callee's router's answer ends the call.
				fc.Progress(&wamp.Result{Details: wamp.Dict{"progress": true}, Args: wamp.List{1}})
				fc.Answer(&wamp.Error{Error: wamp.ErrCanceled})
			case "killnowait":
				in := recv(t, interrupts)
				if in.call != fc || in.mode != "killnowait" {
					t.Fatalf("interrupt %s, want killnowait", in.mode)
				}
			}
			c.expectError(7, wamp.ErrCanceled)
			fc.Answer(&wamp.Result{}) // late for skip and killnowait; a second answer for kill: dropped
			c.expectNothing(8)
			select {
			case in := <-interrupts:
				t.Fatalf("an interrupt more: %s", in.mode)
			default:
			}
		})
	}
}

// The caller's call timeout passing interrupts the remote call
// (killnowait, reason wamp.error.timeout).
func TestFabricTimeoutInterrupts(t *testing.T) {
	r, f := ctlRouter(t)
	if _, err := f.link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: "com.remote.slow", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err != nil {
		t.Fatal(err)
	}
	c := rawConn(t, r)
	c.join()
	c.send(&wamp.Call{Request: 7, Options: wamp.Dict{"timeout": 20}, Procedure: "com.remote.slow"})
	fc := recv(t, f.calls)
	in := recv(t, f.interrupts)
	if in.call != fc || in.mode != "killnowait" || in.reason != wamp.ErrTimeout {
		t.Fatalf("interrupt %s %s, want killnowait timeout", in.mode, in.reason)
	}
	c.expectError(7, wamp.ErrTimeout)
}

// ServedCall.Cancel does for a call from another router what the
// caller's CANCEL does locally: INTERRUPT to a callee that announced
// call_canceling (kill, killnowait), one ERROR wamp.error.canceled.
func TestFabricServeCancel(t *testing.T) {
	for _, mode := range []string{"skip", "kill", "killnowait"} {
		t.Run(mode, func(t *testing.T) {
			r, f := fabricRouter(t)
			callee, _ := rawJoinAs(t, r, cancelingCallee)
			callee.register(1, "com.local.slow", nil)
			ch := make(chan wamp.Message, 4)
			sc := f.link.Serve(&router.FabricCall{Realm: realm1, Registration: "com.local.slow", Match: wamp.MatchExact,
				Procedure: "com.local.slow", Caller: 4242}, func(m wamp.Message) { ch <- m })
			inv := callee.expectInvocation()
			sc.Cancel(mode)
			if mode != "skip" {
				in, ok := callee.recv().(*wamp.Interrupt)
				if !ok || in.Request != inv.Request || in.Options["mode"] != mode {
					t.Fatalf("callee got %v, want INTERRUPT %s", in, mode)
				}
			}
			if mode == "kill" {
				select {
				case m := <-ch:
					t.Fatalf("answered before the callee: %v", m)
				default:
				}
				callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
			}
			if e, ok := recv(t, ch).(*wamp.Error); !ok || e.Error != wamp.ErrCanceled {
				t.Fatalf("answer %v, want ERROR canceled", e)
			}
			callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}}) // late: dropped
			sc.Cancel(mode)
			callee.expectNothing(9)
			select {
			case m := <-ch:
				t.Fatalf("a second answer: %v", m)
			default:
			}
		})
	}
}

// A progressive call invocation to a remote callee: its further parts go
// to the fabric in order; on the callee's router, ServedCall.Continue
// hands them to the local callee as INVOCATIONs of the same request.
func TestFabricProgressiveInvocations(t *testing.T) {
	t.Run("caller", func(t *testing.T) {
		r, f := ctlRouter(t)
		if _, err := f.link.AddCallee(realm1, "nodeX", router.FabricRegistration{Procedure: "com.remote.sum", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err != nil {
			t.Fatal(err)
		}
		c, _ := rawJoinAs(t, r, progressiveCaller)
		c.send(&wamp.Call{Request: 5, Options: wamp.Dict{"progress": true}, Procedure: "com.remote.sum", Args: wamp.List{1}})
		fc := recv(t, f.calls)
		if fc.Options["progress"] != true || fc.Args[0] != 1 {
			t.Fatalf("call %v %v", fc.Options, fc.Args)
		}
		c.send(&wamp.Call{Request: 5, Options: wamp.Dict{"progress": true}, Procedure: "com.remote.sum", Args: wamp.List{2}})
		c.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "com.remote.sum", Args: wamp.List{3}})
		if p := recv(t, f.parts); !p.Progress || p.Args[0] != 2 {
			t.Fatalf("part %+v", p)
		}
		if p := recv(t, f.parts); p.Progress || p.Args[0] != 3 {
			t.Fatalf("last part %+v", p)
		}
		fc.Answer(&wamp.Result{Args: wamp.List{6}})
		if m, ok := c.recv().(*wamp.Result); !ok || m.Request != 5 || m.Args[0] != 6 {
			t.Fatalf("got %v", m)
		}

		// A part the fabric refuses ends the call: ERROR to the caller,
		// INTERRUPT killnowait to the fabric.
		c.send(&wamp.Call{Request: 6, Options: wamp.Dict{"progress": true}, Procedure: "com.remote.sum", Args: wamp.List{1}})
		fc = recv(t, f.calls)
		f.refusePart = errors.New("too large")
		c.send(&wamp.Call{Request: 6, Options: wamp.Dict{"progress": true}, Procedure: "com.remote.sum", Args: wamp.List{2}})
		c.expectError(6, wamp.ErrNoAvailableCallee)
		if in := recv(t, f.interrupts); in.call != fc || in.mode != "killnowait" {
			t.Fatalf("interrupt %s", in.mode)
		}
		c.send(&wamp.Call{Request: 6, Options: wamp.Dict{}, Procedure: "com.remote.sum", Args: wamp.List{3}}) // discarded
		c.expectNothing(10)
	})
	t.Run("serve", func(t *testing.T) {
		r, f := fabricRouter(t)
		callee, _ := rawJoinAs(t, r, progressiveCallee)
		callee.register(1, "com.local.sum", nil)
		ch := make(chan wamp.Message, 4)
		fc := &router.FabricCall{Realm: realm1, Registration: "com.local.sum", Match: wamp.MatchExact,
			Procedure: "com.local.sum", Caller: 4242, Options: wamp.Dict{"progress": true}, Args: wamp.List{1}}
		sc := f.link.Serve(fc, func(m wamp.Message) { ch <- m })
		inv := callee.expectInvocation()
		if inv.Details["progress"] != true || inv.Args[0] != 1 {
			t.Fatalf("first INVOCATION %v %v", inv.Details, inv.Args)
		}
		sc.Continue(&router.FabricCallPart{Progress: true, Args: wamp.List{2}})
		sc.Continue(&router.FabricCallPart{Args: wamp.List{3}})
		sc.Continue(&router.FabricCallPart{Args: wamp.List{4}}) // after the last: dropped
		for i, want := range []string{"true [2]", "<nil> [3]"} {
			m := callee.expectInvocation()
			if m.Request != inv.Request || fmt.Sprint(m.Details["progress"], " ", m.Args) != want {
				t.Fatalf("part %d: %v %v, want %s", i, m.Details["progress"], m.Args, want)
			}
		}
		callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}, Args: wamp.List{6}})
		if res, ok := recv(t, ch).(*wamp.Result); !ok || res.Args[0] != 6 {
			t.Fatalf("answer %v", res)
		}
		callee.expectNothing(9)

		// No local callee takes a progressive call invocation: its
		// callee did not announce the feature.
		plain, _ := rawJoinAs(t, r, cancelingCallee)
		plain.register(2, "com.local.plain", nil)
		fc = &router.FabricCall{Realm: realm1, Registration: "com.local.plain", Match: wamp.MatchExact,
			Procedure: "com.local.plain", Caller: 4242, Options: wamp.Dict{"progress": true}}
		if sc := f.link.Serve(fc, func(m wamp.Message) { ch <- m }); sc != nil {
			t.Fatal("a ServedCall for a refused call")
		}
		if e, ok := recv(t, ch).(*wamp.Error); !ok || e.Error != wamp.ErrFeatureNotSupported {
			t.Fatalf("answer %v, want %s", e, wamp.ErrFeatureNotSupported)
		}
	})
}
