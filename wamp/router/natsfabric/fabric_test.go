package natsfabric_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const (
	realm1 = "realm1"
	realm2 = "com.example.realm" // a realm with dots: one subject token
)

// Short heartbeats so that routers learn of registrations quickly; a TTL
// that a loaded machine does not reach by accident, but in
// TestRouterCrashMidTraffic, which needs a stopped router noticed quickly.
var (
	testOpts  = natsfabric.Options{Heartbeat: 50 * time.Millisecond, TTL: 10 * time.Second}
	crashOpts = natsfabric.Options{Heartbeat: 50 * time.Millisecond, TTL: 500 * time.Millisecond}
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startNATS starts an in-process NATS server (no listener) for the test.
func startNATS(t testing.TB) *server.Server {
	return startNATSWith(t, &server.Options{})
}

func startNATSWith(t testing.TB, o *server.Options) *server.Server {
	t.Helper()
	o.DontListen, o.NoLog, o.NoSigs = true, true, true
	ns, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

// node is one router of the cluster with its fabric and NATS connection.
type node struct {
	r  *router.Router
	f  *natsfabric.Fabric
	nc *nats.Conn
}

func newNode(t testing.TB, ns *server.Server, opts natsfabric.Options) *node {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	f := natsfabric.New(nc, opts)
	r, err := router.New(router.Config{Realms: []router.RealmConfig{
		{Name: realm1, AllowAnonymous: true}, {Name: realm2, AllowAnonymous: true}}, Fabric: f})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	n := &node{r: r, f: f, nc: nc}
	t.Cleanup(func() {
		if err := f.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("fabric Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
		nc.Close()
	})
	return n
}

func (n *node) join(t testing.TB) *client.Session {
	t.Helper()
	return n.joinRealm(t, realm1)
}

func (n *node) joinRealm(t testing.TB, realm wamp.URI) *client.Session {
	t.Helper()
	s, err := client.Join(ctxT(t), n.r.Connect(), realm, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func cluster(t testing.TB) (a, b, c *node) { return clusterWith(t, testOpts) }

func clusterWith(t testing.TB, opts natsfabric.Options) (a, b, c *node) {
	ns := startNATS(t)
	return newNode(t, ns, opts), newNode(t, ns, opts), newNode(t, ns, opts)
}

// callWhenRegistered calls procedure from s until it is no longer
// wamp.error.no_such_procedure (the callee's router has not been heard
// from yet) or the deadline passes.
func callWhenRegistered(t testing.TB, s *client.Session, procedure wamp.URI, args wamp.List, opts *client.CallOptions) (*wamp.Result, error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := s.Call(ctxT(t), procedure, args, nil, opts)
		var we *client.Error
		if errors.As(err, &we) && we.URI == wamp.ErrNoSuchProcedure && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		return res, err
	}
}

func errorURI(err error) wamp.URI {
	var we *client.Error
	if errors.As(err, &we) {
		return we.URI
	}
	return ""
}

// A caller on router A reaches a callee on router C, with caller
// disclosure and a prefix registration.
func TestCallAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	callee, caller := c.join(t), a.join(t)
	ctx := ctxT(t)
	_, err := callee.Register(ctx, "com.example.add2", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		var x, y int64
		if err := client.DecodeArgs(inv.Args, &x, &y); err != nil {
			return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
		}
		id, _ := inv.Caller()
		return &client.Result{Args: wamp.List{x + y, uint64(id), inv.Details["caller_authrole"]}}, nil
	}, &client.RegisterOptions{DiscloseCaller: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = callee.Register(ctx, "com.example.any.", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{string(inv.Procedure())}}, nil
	}, &client.RegisterOptions{Match: wamp.MatchPrefix})
	if err != nil {
		t.Fatal(err)
	}

	res, err := callWhenRegistered(t, caller, "com.example.add2", wamp.List{2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	var who uint64
	var role string
	if err := client.DecodeArgs(res.Args, &sum, &who, &role); err != nil {
		t.Fatal(err)
	}
	if sum != 5 || wamp.ID(who) != caller.ID() || role != "anonymous" {
		t.Fatalf("result %v, want 5, caller %d, anonymous", res.Args, caller.ID())
	}

	res, err = callWhenRegistered(t, caller, "com.example.any.thing", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Args) != 1 || res.Args[0] != "com.example.any.thing" {
		t.Fatalf("prefix call: %v", res.Args)
	}

	// A callee's error comes back as it was raised.
	if _, err := caller.Call(ctx, "com.example.add2", wamp.List{"x"}, nil, nil); errorURI(err) != wamp.ErrInvalidArgument {
		t.Fatalf("bad arguments: %v, want %s", err, wamp.ErrInvalidArgument)
	}
}

// event is an EVENT a subscriber got, or its handler's failure.
func collect(t *testing.T, s *client.Session, topic wamp.URI) <-chan *wamp.Event {
	t.Helper()
	ch := make(chan *wamp.Event, 16)
	if _, err := s.Subscribe(ctxT(t), topic, func(e *wamp.Event) { ch <- e }, nil); err != nil {
		t.Fatal(err)
	}
	return ch
}

func next(t *testing.T, ch <-chan *wamp.Event) *wamp.Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(15 * time.Second):
		t.Fatal("no event")
		return nil
	}
}

// A publisher on router B reaches subscribers on A and C, not itself
// (publisher exclusion by default), with disclosure, exclude and
// eligible lists applied on the subscribers' routers.
func TestPublishAcrossRouters(t *testing.T) {
	a, b, c := cluster(t)
	subA, subC, pub := a.join(t), c.join(t), b.join(t)
	const topic = "com.example.news"
	evA, evC, evPub := collect(t, subA, topic), collect(t, subC, topic), collect(t, pub, topic)
	ctx := ctxT(t)

	if err := pub.Publish(ctx, topic, wamp.List{"one"}, nil, &client.PublishOptions{DiscloseMe: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []<-chan *wamp.Event{evA, evC} {
		e := next(t, ch)
		if e.Args[0] != "one" {
			t.Fatalf("event %v", e.Args)
		}
		if id, _ := wamp.AsID(e.Details["publisher"]); id != pub.ID() {
			t.Fatalf("publisher disclosed as %v, want %d", e.Details["publisher"], pub.ID())
		}
	}
	// A's session excluded by ID, then C's by an eligible list it is not
	// on; the publisher included this time.
	if err := pub.Publish(ctx, topic, wamp.List{"two"}, nil, &client.PublishOptions{Exclude: []wamp.ID{subA.ID()}}); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, topic, wamp.List{"three"}, nil, &client.PublishOptions{Eligible: []wamp.ID{subA.ID(), pub.ID()}, IncludeMe: true}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, evC); e.Args[0] != "two" || e.Details["publisher"] != nil {
		t.Fatalf("C got %v %v, want two without disclosure", e.Args, e.Details)
	}
	if e := next(t, evA); e.Args[0] != "three" {
		t.Fatalf("A got %v, want three (two excluded it)", e.Args)
	}
	// The publisher's first event is its own "three": "one" and "two"
	// excluded it.
	if e := next(t, evPub); e.Args[0] != "three" {
		t.Fatalf("publisher got %v, want three", e.Args)
	}
	// C was not eligible for "three": the next it gets is "four".
	if err := pub.Publish(ctx, topic, wamp.List{"four"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if e := next(t, evC); e.Args[0] != "four" {
		t.Fatalf("C got %v, want four", e.Args)
	}
}

// blocker is a callee that holds its invocations until released.
type blocker struct {
	started chan struct{}
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}, 64), release: make(chan struct{})}
}

func (b *blocker) handle(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
	b.started <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return &client.Result{Args: wamp.List{"late"}}, nil
}

// startCalls makes n calls from s and returns where their errors go.
func startCalls(t *testing.T, s *client.Session, procedure wamp.URI, n int, bl *blocker) <-chan error {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Call(ctxT(t), procedure, nil, nil, nil)
			errs <- err
		}()
	}
	t.Cleanup(wg.Wait)
	for range n {
		select {
		case <-bl.started:
		case <-time.After(15 * time.Second):
			t.Fatal("the callee did not get the calls")
		}
	}
	return errs
}

// A router that stops without a word (its NATS connection cut) while
// calls to its callee are in flight: the callers get ERROR
// wamp.error.canceled once its registrations expire (TTL), and the
// registration is gone from the other routers.
func TestRouterCrashMidTraffic(t *testing.T) {
	a, b, c := clusterWith(t, crashOpts)
	bl := newBlocker()
	defer close(bl.release)
	callee, caller, other := c.join(t), a.join(t), b.join(t)
	if _, err := callee.Register(ctxT(t), "com.example.slow", bl.handle, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callee.Register(ctxT(t), "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, caller, "com.example.echo", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, other, "com.example.echo", nil, nil); err != nil {
		t.Fatal(err)
	}
	const n = 5
	errs := startCalls(t, caller, "com.example.slow", n, bl)

	start := time.Now()
	c.nc.Close() // the crash: no goodbye
	for range n {
		select {
		case err := <-errs:
			if errorURI(err) != wamp.ErrCanceled {
				t.Fatalf("call in flight to the stopped router: %v, want %s", err, wamp.ErrCanceled)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("a call in flight to the stopped router got no answer")
		}
	}
	elapsed := time.Since(start)
	bound := crashOpts.TTL + crashOpts.Heartbeat
	t.Logf("calls in flight answered %v after the crash (bound TTL+Heartbeat = %v)", elapsed, bound)
	// The bound is the design's; the slack is for a loaded machine.
	if elapsed > 20*bound {
		t.Errorf("answered after %v, far past the bound %v", elapsed, bound)
	}
	for _, s := range []*client.Session{caller, other} {
		waitNoProcedure(t, s, "com.example.echo")
	}
}

// waitNoProcedure waits until calling procedure from s fails with
// wamp.error.no_such_procedure.
func waitNoProcedure(t *testing.T, s *client.Session, procedure wamp.URI) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := s.Call(ctxT(t), procedure, nil, nil, nil)
		if errorURI(err) == wamp.ErrNoSuchProcedure {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still callable: %v", procedure, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A router whose fabric closes while calls to its callee are in flight:
// the callers get ERROR wamp.error.canceled at once, and its
// registrations are gone from the others.
func TestRouterCloseMidTraffic(t *testing.T) {
	a, _, c := cluster(t)
	bl := newBlocker()
	defer close(bl.release)
	callee, caller := c.join(t), a.join(t)
	if _, err := callee.Register(ctxT(t), "com.example.slow", bl.handle, nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() {
		_, err := callWhenRegistered(t, caller, "com.example.slow", nil, nil)
		errs <- err
	}()
	select {
	case <-bl.started:
	case <-time.After(15 * time.Second):
		t.Fatal("the callee did not get the call")
	}
	if err := c.f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; errorURI(err) != wamp.ErrCanceled {
		t.Fatalf("call in flight to the closed router: %v, want %s", err, wamp.ErrCanceled)
	}
	waitNoProcedure(t, caller, "com.example.slow")
}

// A shared registration with callees on B and C, called from A, goes
// round robin to both.
func TestSharedRegistrationAcrossRouters(t *testing.T) {
	a, b, c := cluster(t)
	caller := a.join(t)
	rr := &client.RegisterOptions{Invoke: router.InvokeRoundRobin}
	for _, n := range []struct {
		node *node
		name string
	}{{b, "b"}, {c, "c"}} {
		s := n.node.join(t)
		if _, err := s.Register(ctxT(t), "com.example.who", func(context.Context, *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: wamp.List{n.name}}, nil
		}, rr); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[any]bool{}
	deadline := time.Now().Add(15 * time.Second)
	for len(seen) < 2 {
		res, err := callWhenRegistered(t, caller, "com.example.who", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		seen[res.Args[0]] = true
		if time.Now().After(deadline) {
			t.Fatalf("only %v answered", seen)
		}
	}
}
