package router_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func echo(_ context.Context, inv *client.Invocation) (*client.Result, error) {
	return &client.Result{Args: inv.Args, Kwargs: inv.Kwargs}, nil
}

func register(t *testing.T, s *client.Session, proc wamp.URI, h client.Handler, opts *client.RegisterOptions) *client.Registration {
	t.Helper()
	reg, err := s.Register(ctxT(t), proc, h, opts)
	if err != nil {
		t.Fatalf("register %s: %v", proc, err)
	}
	return reg
}

func TestCall(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := join(t, r), join(t, r)
	register(t, callee, "com.example.echo", echo, nil)
	register(t, callee, "com.example.fail", func(context.Context, *client.Invocation) (*client.Result, error) {
		return nil, &client.Error{URI: "com.example.oops", Args: wamp.List{"bad"}, Kwargs: wamp.Dict{"k": "v"}}
	}, nil)
	ctx := ctxT(t)
	res, err := caller.Call(ctx, "com.example.echo", wamp.List{"a", int64(2)}, wamp.Dict{"x": true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Args) != 2 || res.Args[0] != "a" || res.Kwargs["x"] != true {
		t.Fatalf("RESULT = %+v", res)
	}
	_, err = caller.Call(ctx, "com.example.fail", nil, nil, nil)
	var we *client.Error
	if !errors.As(err, &we) || we.URI != "com.example.oops" || we.Args[0] != "bad" || we.Kwargs["k"] != "v" {
		t.Fatalf("error = %#v", err)
	}
	if _, err := caller.Call(ctx, "com.example.none", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("no such procedure: %v", err)
	}
	// An invalid procedure (a raw session: wamp/client refuses to send it).
	rc := rawConn(t, r)
	rc.join()
	rc.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.example.bad uri"})
	if e, ok := rc.recv().(*wamp.Error); !ok || e.Error != wamp.ErrInvalidURI {
		t.Fatalf("invalid URI: %v, want ERROR invalid_uri", e)
	}
	if _, err := callee.Register(ctx, "com.example.echo", echo, nil); !isWampError(err, wamp.ErrProcedureAlreadyExists) {
		t.Fatalf("second register: %v", err)
	}
}

func TestStrictURI(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.Realms[0].StrictURI = true })
	s := join(t, r)
	if _, err := s.Register(ctxT(t), "com.Example.x", echo, nil); !isWampError(err, wamp.ErrInvalidURI) {
		t.Fatalf("strict register: %v", err)
	}
	register(t, s, "com.example.x", echo, nil)
}

func TestUnregister(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := join(t, r), join(t, r)
	reg := register(t, callee, "a.proc", echo, nil)
	if err := callee.Unregister(ctxT(t), reg); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.Call(ctxT(t), "a.proc", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("call after unregister: %v", err)
	}
	if err := callee.Unregister(ctxT(t), reg); !isWampError(err, wamp.ErrNoSuchRegistration) {
		t.Fatalf("second unregister: %v", err)
	}
	register(t, callee, "a.proc", echo, nil) // free again
}

func TestProgressiveResults(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := join(t, r), join(t, r)
	register(t, callee, "count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		for i := range 5 {
			if err := inv.SendProgress(ctx, wamp.List{int64(i)}, nil); err != nil {
				return nil, err
			}
		}
		return &client.Result{Args: wamp.List{"done"}}, nil
	}, nil)
	var got []int64
	res, err := caller.Call(ctxT(t), "count", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
		n, _ := wamp.AsInt64(r.Args[0])
		got = append(got, n)
	}})
	if err != nil || res.Args[0] != "done" {
		t.Fatal(res, err)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("progress = %v", got)
	}
	// Without receive_progress, the callee sends none and the caller gets the result.
	if res, err := caller.Call(ctxT(t), "count", nil, nil, nil); err != nil || res.Args[0] != "done" {
		t.Fatal(res, err)
	}
}

func TestPatternRegistration(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := join(t, r), join(t, r)
	name := func(tag string) client.Handler {
		return func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: wamp.List{tag, string(inv.Procedure())}}, nil
		}
	}
	register(t, callee, "a.b.c", name("exact"), nil)
	register(t, callee, "a.b", name("prefix short"), &client.RegisterOptions{Match: wamp.MatchPrefix})
	register(t, callee, "a.b.c.d", name("prefix long"), &client.RegisterOptions{Match: wamp.MatchPrefix})
	register(t, callee, "a..c", name("wildcard a..c"), &client.RegisterOptions{Match: wamp.MatchWildcard})
	register(t, callee, "a.x.", name("wildcard a.x."), &client.RegisterOptions{Match: wamp.MatchWildcard})
	register(t, callee, ".x.c", name("wildcard .x.c"), &client.RegisterOptions{Match: wamp.MatchWildcard})
	tests := []struct{ uri, tag, proc string }{
		{"a.b.c", "exact", ""},
		{"a.b.c.d.e", "prefix long", "a.b.c.d.e"},
		{"a.b.c.d", "prefix long", "a.b.c.d"},
		{"a.bc", "prefix short", "a.bc"},
		{"a.x.c", "wildcard a.x.", "a.x.c"}, // a.x. beats a..c (concrete earlier)
		{"a.y.c", "wildcard a..c", "a.y.c"},
		{"b.x.c", "wildcard .x.c", "b.x.c"},
	}
	for _, tt := range tests {
		res, err := caller.Call(ctxT(t), wamp.URI(tt.uri), nil, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.uri, err)
		}
		if res.Args[0] != tt.tag || res.Args[1] != tt.proc {
			t.Errorf("%s went to %v, want %s (procedure %q)", tt.uri, res.Args, tt.tag, tt.proc)
		}
	}
	if _, err := caller.Call(ctxT(t), "a.y.d", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("a.y.d: %v", err)
	}
}

func TestSharedRegistration(t *testing.T) {
	for _, policy := range []string{router.InvokeRoundRobin, router.InvokeRandom, router.InvokeFirst, router.InvokeLast} {
		t.Run(policy, func(t *testing.T) {
			r := newRouter(t, nil)
			caller := join(t, r)
			var regIDs []wamp.ID
			for i := range 3 {
				callee := join(t, r)
				reg := register(t, callee, "shared", func(context.Context, *client.Invocation) (*client.Result, error) {
					return &client.Result{Args: wamp.List{int64(i)}}, nil
				}, &client.RegisterOptions{Invoke: policy})
				regIDs = append(regIDs, reg.ID)
			}
			if regIDs[0] != regIDs[1] || regIDs[1] != regIDs[2] {
				t.Fatalf("registration IDs %v differ", regIDs)
			}
			other := join(t, r)
			if _, err := other.Register(ctxT(t), "shared", echo, &client.RegisterOptions{Invoke: "single"}); !isWampError(err, wamp.ErrProcedureAlreadyExists) {
				t.Fatalf("mismatched policy: %v", err)
			}
			var got []int64
			for range 6 {
				res, err := caller.Call(ctxT(t), "shared", nil, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				n, _ := wamp.AsInt64(res.Args[0])
				got = append(got, n)
			}
			switch policy {
			case router.InvokeRoundRobin:
				if fmt.Sprint(got) != "[0 1 2 0 1 2]" {
					t.Fatalf("roundrobin: %v", got)
				}
			case router.InvokeFirst:
				if fmt.Sprint(got) != "[0 0 0 0 0 0]" {
					t.Fatalf("first: %v", got)
				}
			case router.InvokeLast:
				if fmt.Sprint(got) != "[2 2 2 2 2 2]" {
					t.Fatalf("last: %v", got)
				}
			}
		})
	}
}

func TestCallerDisclosure(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := join(t, r), join(t, r)
	who := func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		id, ok := inv.Caller()
		return &client.Result{Args: wamp.List{ok, uint64(id), inv.Details["caller_authrole"]}}, nil
	}
	register(t, callee, "who", who, nil)
	register(t, callee, "who.disclosed", who, &client.RegisterOptions{DiscloseCaller: true})
	res, _ := caller.Call(ctxT(t), "who", nil, nil, nil)
	if res.Args[0] != false {
		t.Fatalf("caller disclosed without asking: %v", res.Args)
	}
	for _, c := range []struct {
		proc wamp.URI
		opts *client.CallOptions
	}{{"who", &client.CallOptions{DiscloseMe: true}}, {"who.disclosed", nil}} {
		res, err := caller.Call(ctxT(t), c.proc, nil, nil, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Args[0] != true || wamp.ID(res.Args[1].(uint64)) != caller.ID() || res.Args[2] != "anonymous" {
			t.Fatalf("%s: %v", c.proc, res.Args)
		}
	}
}

// A callee that leaves mid-call: the caller gets wamp.error.canceled. A
// caller that leaves mid-call: the callee gets INTERRUPT.
func TestLeaveMidCall(t *testing.T) {
	r := newRouter(t, nil)
	callee, caller := join(t, r), join(t, r)
	started := make(chan struct{}, 1)
	interrupted := make(chan struct{}, 1)
	register(t, callee, "block", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		started <- struct{}{}
		<-ctx.Done()
		interrupted <- struct{}{}
		return nil, ctx.Err()
	}, nil)

	// The caller leaves.
	go caller.Call(context.Background(), "block", nil, nil, nil)
	<-started
	caller.Close()
	<-interrupted

	// The callee leaves.
	caller2 := join(t, r)
	errc := make(chan error, 1)
	go func() {
		_, err := caller2.Call(ctxT(t), "block", nil, nil, nil)
		errc <- err
	}()
	<-started
	callee.Close()
	if err := <-errc; !isWampError(err, wamp.ErrCanceled) {
		t.Fatalf("callee left: %v", err)
	}
	<-interrupted // the handler's ctx ends with the session
}

func TestCancel(t *testing.T) {
	for _, mode := range []string{client.CancelSkip, client.CancelKill, client.CancelKillNoWait} {
		t.Run(mode, func(t *testing.T) {
			r := newRouter(t, nil)
			callee, caller := join(t, r), join(t, r)
			started := make(chan struct{}, 1)
			var interrupted atomic.Bool
			release := make(chan struct{})
			handled := make(chan struct{})
			register(t, callee, "block", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
				defer close(handled)
				started <- struct{}{}
				select {
				case <-ctx.Done():
					interrupted.Store(true)
					return nil, ctx.Err()
				case <-release:
					return &client.Result{}, nil
				}
			}, nil)
			// Drive the caller by hand to see the router's answer itself.
			c := rawConn(t, r)
			c.join()
			c.send(&wamp.Call{Request: 7, Options: wamp.Dict{}, Procedure: "block"})
			<-started
			c.send(&wamp.Cancel{Request: 7, Options: wamp.Dict{"mode": mode}})
			m := c.recv()
			if e, ok := m.(*wamp.Error); !ok || e.Request != 7 || e.Error != wamp.ErrCanceled {
				t.Fatalf("got %v, want ERROR canceled", m)
			}
			if mode == client.CancelSkip {
				close(release) // its late YIELD is dropped
			}
			<-handled
			if got := interrupted.Load(); got != (mode != client.CancelSkip) {
				t.Fatalf("interrupted = %v", got)
			}
			// Nothing more for request 7: the next answer is the next call's.
			c.send(&wamp.Call{Request: 8, Options: wamp.Dict{}, Procedure: "none"})
			if e, ok := c.recv().(*wamp.Error); !ok || e.Request != 8 {
				t.Fatalf("got %v, want the ERROR of request 8", e)
			}
			_ = caller
		})
	}
}

func TestDuplicateCallRequest(t *testing.T) {
	r := newRouter(t, nil)
	callee := join(t, r)
	block := make(chan struct{})
	defer close(block)
	register(t, callee, "block", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil, nil
	}, nil)
	c := rawConn(t, r)
	c.join()
	c.send(&wamp.Call{Request: 1, Procedure: "block"})
	c.send(&wamp.Call{Request: 1, Procedure: "block"})
	if a, ok := c.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("got %v, want ABORT protocol_violation", a)
	}
}

// Every CALL gets exactly one final RESULT or ERROR while the caller's
// session lives: callees that leave mid-call, callers that cancel, errors
// and progressive results, at random.
func TestCallInvariant(t *testing.T) {
	r := newRouter(t, nil)
	const callers, calls = 4, 150
	var stop atomic.Bool
	var wg sync.WaitGroup
	// Callees come and go; each registers the shared procedure.
	handler := func() client.Handler {
		return func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			n, _ := wamp.AsInt64(inv.Args[0])
			switch n % 5 {
			case 0:
				return nil, &client.Error{URI: "app.error"}
			case 1:
				inv.SendProgress(ctx, wamp.List{"p"}, nil)
				inv.SendProgress(ctx, wamp.List{"p"}, nil)
			case 2:
				<-ctx.Done() // slow: may be canceled or its callee may leave
				return nil, ctx.Err()
			}
			return &client.Result{Args: wamp.List{n}}, nil
		}
	}
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; !stop.Load(); j++ {
				s, err := client.Join(context.Background(), r.Connect(), realm1, client.JoinOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Register(context.Background(), "inv.proc", handler(), &client.RegisterOptions{Invoke: router.InvokeRoundRobin}); err != nil {
					t.Error(err)
				}
				for k := 0; k < 20+i*7+j%5 && !stop.Load(); k++ {
					runtimeYield()
				}
				s.Close()
			}
		}()
	}
	var total, finals atomic.Int64
	var mu sync.Mutex
	reasons := map[string]int{}
	// Callers that leave mid-call, without reading: their pending calls
	// are interrupted at the callees.
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx := context.Background()
		for !stop.Load() {
			tr := r.Connect()
			tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails})
			for i := range 5 {
				tr.Send(ctx, &wamp.Call{Request: wamp.ID(i + 1), Options: wamp.Dict{}, Procedure: "inv.proc", Args: wamp.List{int64(5*i + 2)}})
			}
			runtimeYield()
			tr.Close()
		}
	}()
	var cwg sync.WaitGroup
	for i := range callers {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			tr := r.Connect()
			defer tr.Close()
			ctx := context.Background()
			tr.Send(ctx, &wamp.Hello{Realm: realm1, Details: helloDetails})
			if m, err := tr.Recv(ctx); err != nil || m.Type() != wamp.TypeWelcome {
				t.Errorf("join: %v %v", m, err)
				return
			}
			outstanding := map[wamp.ID]bool{}
			answered := map[wamp.ID]bool{}
			next := wamp.ID(1)
			for sent := 0; sent < calls || len(outstanding) > 0; {
				if sent < calls && len(outstanding) < 8 {
					id := next
					next++
					opts := wamp.Dict{}
					if sent%3 == 0 {
						opts["receive_progress"] = true
					}
					tr.Send(ctx, &wamp.Call{Request: id, Options: opts, Procedure: "inv.proc", Args: wamp.List{int64(sent + i)}})
					outstanding[id] = true
					sent++
					total.Add(1)
					if sent%7 == 0 {
						tr.Send(ctx, &wamp.Cancel{Request: id, Options: wamp.Dict{"mode": []string{"skip", "kill", "killnowait"}[sent%3]}})
					}
					continue
				}
				m, err := tr.Recv(ctx)
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
					return
				}
				var id wamp.ID
				switch m := m.(type) {
				case *wamp.Result:
					if p, _ := m.Details["progress"].(bool); p {
						if !outstanding[m.Request] {
							t.Errorf("progress for request %d not outstanding", m.Request)
						}
						continue
					}
					id = m.Request
				case *wamp.Error:
					id = m.Request
					mu.Lock()
					reasons[fmt.Sprint(m.Error, m.Args)]++
					mu.Unlock()
				default:
					t.Errorf("caller got %v", m)
					return
				}
				if answered[id] || !outstanding[id] {
					t.Errorf("request %d answered twice (or never sent)", id)
				}
				answered[id] = true
				delete(outstanding, id)
				finals.Add(1)
			}
		}()
	}
	cwg.Wait()
	stop.Store(true)
	wg.Wait()
	if total.Load() != finals.Load() || total.Load() != callers*calls {
		t.Fatalf("%d calls, %d final answers", total.Load(), finals.Load())
	}
	t.Logf("errors: %v", reasons)
	if reasons[fmt.Sprint(wamp.ErrCanceled, wamp.List{"the callee left"})] == 0 {
		t.Errorf("no call saw its callee leave")
	}
	// Nothing is left behind: every callee has gone, so has the procedure.
	waitFor(t, "every session to go", func() bool { return r.SessionCount(realm1) == 0 })
	if _, err := join(t, r).Call(ctxT(t), "inv.proc", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("after the callees left: %v", err)
	}
}
