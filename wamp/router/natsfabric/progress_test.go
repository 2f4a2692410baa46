package natsfabric_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// rawPeer is a session driven by hand on a router of the cluster, to see
// the router's messages themselves.
type rawPeer struct {
	t  *testing.T
	tr wamp.Transport
}

func features(roles map[string][]string) wamp.Dict {
	d := wamp.Dict{}
	for role, names := range roles {
		f := wamp.Dict{}
		for _, n := range names {
			f[n] = true
		}
		d[role] = wamp.Dict{"features": f}
	}
	return d
}

var (
	rawCaller = map[string][]string{"caller": {"progressive_call_invocations", "progressive_call_results", "call_canceling"}}
	rawCallee = map[string][]string{"callee": {"progressive_call_invocations", "progressive_call_results", "call_canceling"}}
)

func (n *node) rawJoin(t *testing.T, roles map[string][]string) *rawPeer {
	t.Helper()
	p := &rawPeer{t: t, tr: n.r.Connect()}
	t.Cleanup(func() { p.tr.Close() })
	p.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": features(roles)}})
	if _, ok := p.recv().(*wamp.Welcome); !ok {
		t.Fatal("no WELCOME")
	}
	return p
}

func (p *rawPeer) send(m wamp.Message) {
	p.t.Helper()
	if err := p.tr.Send(ctxT(p.t), m); err != nil {
		p.t.Fatalf("send %s: %v", m.Type(), err)
	}
}

func (p *rawPeer) recv() wamp.Message {
	p.t.Helper()
	m, err := p.tr.Recv(ctxT(p.t))
	if err != nil {
		p.t.Fatalf("recv: %v", err)
	}
	return m
}

func (p *rawPeer) expectError(req wamp.ID, uri wamp.URI) {
	p.t.Helper()
	if e, ok := p.recv().(*wamp.Error); !ok || e.Request != req || e.Error != uri {
		p.t.Fatalf("got %v, want ERROR %s for request %d", e, uri, req)
	}
}

// expectNothing checks that nothing came for the calls made before:
// the next message is the answer to a call of an unknown procedure.
func (p *rawPeer) expectNothing(req wamp.ID) {
	p.t.Helper()
	p.send(&wamp.Call{Request: req, Options: wamp.Dict{}, Procedure: "com.example.none"})
	p.expectError(req, wamp.ErrNoSuchProcedure)
}

// callWhenKnown calls procedure from s with the argument "probe" until
// s's router knows the callee (not wamp.error.no_such_procedure); the
// answer is not checked.
func callWhenKnown(t *testing.T, s *client.Session, procedure wamp.URI) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := s.Call(ctxT(t), procedure, wamp.List{"probe"}, nil, nil)
		if errorURI(err) != wamp.ErrNoSuchProcedure || time.Now().After(deadline) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A caller on A gets the progressive results of a callee on C, all of
// them, in order, then the final result once; a caller that did not ask
// gets the final result only.
func TestProgressiveResultsAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	callee, caller := c.join(t), a.join(t)
	const n = 1000
	if _, err := callee.Register(ctxT(t), "com.example.count", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		for i := range n {
			if err := inv.SendProgress(ctx, wamp.List{int64(i)}, nil); err != nil {
				return nil, err
			}
		}
		return &client.Result{Args: wamp.List{"done", inv.ReceiveProgress()}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, caller, "com.example.count", nil, nil); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		var got []int64
		res, err := caller.Call(ctxT(t), "com.example.count", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
			i, _ := wamp.AsInt64(r.Args[0])
			got = append(got, i)
		}})
		if err != nil || res.Args[0] != "done" || res.Args[1] != true {
			t.Fatalf("round %d: final answer %v %v", round, res, err)
		}
		if len(got) != n {
			t.Fatalf("round %d: %d progressive results, want %d", round, len(got), n)
		}
		for i, v := range got {
			if v != int64(i) {
				t.Fatalf("round %d: progressive result %d is %d", round, i, v)
			}
		}
	}

	// Without receive_progress: the callee is not asked, the caller's
	// first message is the final RESULT.
	p := a.rawJoin(t, rawCaller)
	p.send(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "com.example.count"})
	if m, ok := p.recv().(*wamp.Result); !ok || m.Request != 3 || m.Details["progress"] != nil || fmt.Sprint(m.Args) != "[done false]" {
		t.Fatalf("got %v, want the final RESULT only", m)
	}
}

// held is a callee on C whose calls block until released or interrupted.
type held struct {
	started     chan wamp.ID
	interrupted chan string // the call's INTERRUPT mode, as the handler saw it end
	release     chan struct{}
}

func registerHeld(t *testing.T, s *client.Session, procedure wamp.URI) *held {
	t.Helper()
	h := &held{started: make(chan wamp.ID, 16), interrupted: make(chan string, 16), release: make(chan struct{})}
	if _, err := s.Register(ctxT(t), procedure, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if inv.Args != nil {
			return &client.Result{}, nil // the probe of callWhenKnown
		}
		h.started <- inv.Request
		select {
		case <-ctx.Done():
			h.interrupted <- "interrupted"
			<-h.release
			return nil, ctx.Err()
		case <-h.release:
			return &client.Result{Args: wamp.List{"late"}}, nil
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	return h
}

func recvT[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatal("timed out waiting for " + what)
		var zero T
		return zero
	}
}

// CANCEL of a call running on another router: C's dealer does what it
// does for a local caller (INTERRUPT to the callee for kill and
// killnowait), and the caller gets exactly one ERROR wamp.error.canceled:
// at once for skip and killnowait, after the callee's answer for kill.
func TestCancelAcrossRouters(t *testing.T) {
	for _, mode := range []string{"skip", "kill", "killnowait"} {
		t.Run(mode, func(t *testing.T) {
			a, _, c := cluster(t)
			h := registerHeld(t, c.join(t), "com.example.held")
			callWhenKnown(t, a.join(t), "com.example.held")
			p := a.rawJoin(t, rawCaller)
			p.send(&wamp.Call{Request: 7, Options: wamp.Dict{}, Procedure: "com.example.held"})
			recvT(t, h.started, "the call")
			p.send(&wamp.Cancel{Request: 7, Options: wamp.Dict{"mode": mode}})
			switch mode {
			case "skip":
				p.expectError(7, wamp.ErrCanceled)
				close(h.release) // the callee's late answer is dropped
			case "killnowait":
				p.expectError(7, wamp.ErrCanceled)
				recvT(t, h.interrupted, "the INTERRUPT")
				close(h.release)
			case "kill":
				recvT(t, h.interrupted, "the INTERRUPT")
				p.expectNothing(8) // the callee has not answered yet
				close(h.release)
				p.expectError(7, wamp.ErrCanceled)
			}
			p.expectNothing(9)
			if mode == "skip" {
				select {
				case <-h.interrupted:
					t.Fatal("skip interrupted the callee")
				default:
				}
			}
		})
	}
}

// A caller on A that leaves mid-call: its call on C is interrupted
// (killnowait), as it would be within one router.
func TestCallerLeavesAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	h := registerHeld(t, c.join(t), "com.example.held")
	defer close(h.release)
	callWhenKnown(t, a.join(t), "com.example.held")
	p := a.rawJoin(t, rawCaller)
	p.send(&wamp.Call{Request: 7, Options: wamp.Dict{"receive_progress": true}, Procedure: "com.example.held"})
	recvT(t, h.started, "the call")
	p.tr.Close()
	recvT(t, h.interrupted, "the INTERRUPT of the caller's call")
}

// The callee's router crashes while a progressive call is streaming its
// results to a caller on A: the caller gets ERROR wamp.error.canceled
// (once C's registrations expire), never silence.
func TestCalleeRouterCrashMidProgressive(t *testing.T) {
	a, _, c := clusterWith(t, crashOpts)
	callee, caller := c.join(t), a.join(t)
	stop := make(chan struct{})
	defer close(stop)
	if _, err := callee.Register(ctxT(t), "com.example.stream", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if !inv.ReceiveProgress() {
			return &client.Result{}, nil // the probe of callWhenKnown
		}
		for i := 0; ; i++ {
			if err := inv.SendProgress(ctx, wamp.List{int64(i)}, nil); err != nil {
				return nil, err
			}
			select {
			case <-stop:
				return &client.Result{}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	callWhenKnown(t, caller, "com.example.stream")
	progressed := make(chan int64, 1)
	done := make(chan error, 1)
	var orderErr error // set by OnProgress, read after done
	go func() {
		var last int64 = -1
		_, err := caller.Call(ctxT(t), "com.example.stream", nil, nil, &client.CallOptions{OnProgress: func(r *wamp.Result) {
			i, _ := wamp.AsInt64(r.Args[0])
			if i != last+1 && orderErr == nil {
				orderErr = fmt.Errorf("progressive result %d after %d", i, last)
			}
			last = i
			if i == 10 {
				progressed <- i
			}
		}})
		done <- err
	}()
	recvT(t, progressed, "progressive results")
	c.nc.Close() // the crash
	if err := recvT(t, done, "the caller's answer"); errorURI(err) != wamp.ErrCanceled {
		t.Fatalf("caller got %v, want %s", err, wamp.ErrCanceled)
	}
	if orderErr != nil {
		t.Fatal(orderErr)
	}
}

// A progressive call invocation from A to a callee on C: every part
// reaches the callee, in order, as INVOCATIONs of one request; the
// callee's progressive results reach the caller; a CANCEL kill in the
// middle of the stream interrupts it on C.
func TestProgressiveInvocationsAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	callee := c.rawJoin(t, rawCallee)
	callee.send(&wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "com.example.sum"})
	if _, ok := callee.recv().(*wamp.Registered); !ok {
		t.Fatal("not registered")
	}
	// C announces its registrations whole: once A knows one registered
	// after com.example.sum, it knows com.example.sum.
	if _, err := c.join(t).Register(ctxT(t), "com.example.ready", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	callWhenKnown(t, a.join(t), "com.example.ready")

	p := a.rawJoin(t, rawCaller)
	const parts = 200
	for i := range parts {
		opts := wamp.Dict{"progress": true, "receive_progress": true}
		if i == parts-1 {
			delete(opts, "progress")
		}
		p.send(&wamp.Call{Request: 5, Options: opts, Procedure: "com.example.sum", Args: wamp.List{int64(i)}})
	}
	var req wamp.ID
	sum := int64(0)
	for i := range parts {
		inv, ok := callee.recv().(*wamp.Invocation)
		if !ok {
			t.Fatalf("part %d: got %v", i, inv)
		}
		if i == 0 {
			req = inv.Request
		}
		v, _ := wamp.AsInt64(inv.Args[0])
		if inv.Request != req || v != int64(i) || (inv.Details["progress"] == true) != (i < parts-1) || inv.Details["receive_progress"] != true {
			t.Fatalf("part %d: request %d args %v details %v", i, inv.Request, inv.Args, inv.Details)
		}
		sum += v
		callee.send(&wamp.Yield{Request: req, Options: wamp.Dict{"progress": true}, Args: wamp.List{sum}})
	}
	callee.send(&wamp.Yield{Request: req, Options: wamp.Dict{}, Args: wamp.List{"total", sum}})
	sum = 0
	for i := range parts {
		r, ok := p.recv().(*wamp.Result)
		sum += int64(i)
		if !ok || r.Request != 5 || r.Details["progress"] != true || fmt.Sprint(r.Args) != fmt.Sprint([]any{sum}) {
			t.Fatalf("progressive result %d: %v", i, r)
		}
	}
	if r, ok := p.recv().(*wamp.Result); !ok || r.Details["progress"] != nil || fmt.Sprint(r.Args) != fmt.Sprint([]any{"total", sum}) {
		t.Fatalf("final result %v", r)
	}

	// CANCEL kill while the caller's stream is open.
	p.send(&wamp.Call{Request: 6, Options: wamp.Dict{"progress": true}, Procedure: "com.example.sum", Args: wamp.List{int64(1)}})
	inv, ok := callee.recv().(*wamp.Invocation)
	if !ok {
		t.Fatalf("got %v", inv)
	}
	p.send(&wamp.Cancel{Request: 6, Options: wamp.Dict{"mode": "kill"}})
	if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request || in.Options["mode"] != "kill" {
		t.Fatalf("callee got %v, want INTERRUPT kill", in)
	}
	p.send(&wamp.Call{Request: 6, Options: wamp.Dict{}, Procedure: "com.example.sum", Args: wamp.List{int64(2)}}) // goes nowhere
	callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
	p.expectError(6, wamp.ErrCanceled)
	p.expectNothing(9)
}

// A progressive call invocation to a callee on C that cannot take one is
// refused with ERROR wamp.error.feature_not_supported.
func TestProgressiveInvocationRefusedAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	if _, err := c.join(t).Register(ctxT(t), "com.example.plain", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	callWhenKnown(t, a.join(t), "com.example.plain")
	p := a.rawJoin(t, rawCaller)
	p.send(&wamp.Call{Request: 5, Options: wamp.Dict{"progress": true}, Procedure: "com.example.plain"})
	p.expectError(5, wamp.ErrFeatureNotSupported)
	p.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "com.example.plain"}) // the stream's last part: discarded
	p.expectNothing(6)
}
