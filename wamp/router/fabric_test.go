package router_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// fakeFabric is an in-memory router.Fabric: it hands what the router
// gives it to the test, which plays the other routers through the link.
type fakeFabric struct {
	link    *router.FabricLink
	pubs    chan router.FabricPublication
	calls   chan *router.FabricCall
	changed chan wamp.URI
	refuse  error // Invoke's answer when set
}

func newFakeFabric() *fakeFabric {
	return &fakeFabric{pubs: make(chan router.FabricPublication, 16), calls: make(chan *router.FabricCall, 16),
		changed: make(chan wamp.URI, 64)}
}

func (f *fakeFabric) Start(l *router.FabricLink) error { f.link = l; return nil }

// Publish keeps a copy: p itself is the router's.
func (f *fakeFabric) Publish(p *router.FabricPublication) { f.pubs <- *p }

func (f *fakeFabric) Invoke(c *router.FabricCall) error {
	if f.refuse != nil {
		return f.refuse
	}
	f.calls <- c
	return nil
}

func (f *fakeFabric) RegistrationsChanged(realm wamp.URI) {
	select {
	case f.changed <- realm:
	default:
	}
}

func fabricRouter(t *testing.T) (*router.Router, *fakeFabric) {
	f := newFakeFabric()
	r := newRouter(t, func(c *router.Config) { c.Fabric = f })
	if f.link == nil {
		t.Fatal("New did not start the fabric")
	}
	return r, f
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatal("nothing received")
		var zero T
		return zero
	}
}

func errURI(err error) wamp.URI {
	var we *client.Error
	if errors.As(err, &we) {
		return we.URI
	}
	return ""
}

// Local publications go to the fabric with what the other routers need;
// remote ones reach local subscribers with the lists applied here.
func TestFabricPublications(t *testing.T) {
	r, f := fabricRouter(t)
	sub1, sub2, pub := join(t, r), join(t, r), join(t, r)
	ctx := ctxT(t)
	ev1, ev2 := make(chan *wamp.Event, 8), make(chan *wamp.Event, 8)
	if _, err := sub1.Subscribe(ctx, "com.example.t", func(e *wamp.Event) { ev1 <- e }, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sub2.Subscribe(ctx, "com.example.", func(e *wamp.Event) { ev2 <- e }, &client.SubscribeOptions{Match: wamp.MatchPrefix}); err != nil {
		t.Fatal(err)
	}

	err := pub.Publish(ctx, "com.example.t", wamp.List{"local"}, nil, &client.PublishOptions{DiscloseMe: true, Exclude: []wamp.ID{sub2.ID()}, Acknowledge: true})
	if err != nil {
		t.Fatal(err)
	}
	p := recv(t, f.pubs)
	if p.Realm != realm1 || p.Topic != "com.example.t" || p.Publisher != pub.ID() || !p.Disclose || p.ID == 0 {
		t.Fatalf("fabric got %+v", p)
	}
	if ex, _ := p.Options["exclude"].([]any); len(ex) != 1 {
		t.Fatalf("fabric got options %v, want the exclude list", p.Options)
	}
	if e := recv(t, ev1); e.Args[0] != "local" || e.Publication != p.ID {
		t.Fatalf("local delivery %v", e)
	}

	remote := &router.FabricPublication{Realm: realm1, ID: 77, Topic: "com.example.t", Publisher: 4242,
		PublisherAuthID: "alice", PublisherAuthRole: "user", Disclose: true, Trusted: true, TrustLevel: 3,
		Options: wamp.Dict{"exclude": []any{uint64(sub1.ID())}}, Args: wamp.List{"remote"}}
	if err := f.link.Publish(remote); err != nil {
		t.Fatal(err)
	}
	e := recv(t, ev2)
	if e.Args[0] != "remote" || e.Publication != 77 || e.Details["publisher_authid"] != "alice" ||
		e.Details["topic"] != "com.example.t" || e.Details["trustlevel"] != int64(3) {
		t.Fatalf("remote event %v %v", e.Args, e.Details)
	}
	// sub1 was excluded: the next event it gets is the following one.
	if err := f.link.Publish(&router.FabricPublication{Realm: realm1, ID: 78, Topic: "com.example.t", Publisher: 4242, Args: wamp.List{"next"}}); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, ev1); e.Publication != 78 || e.Details["publisher"] != nil {
		t.Fatalf("sub1 got %v %v, want 78 undisclosed", e.Publication, e.Details)
	}
	if f.link.Publish(&router.FabricPublication{Realm: "nowhere", Topic: "a.b"}) == nil {
		t.Fatal("publication to an unknown realm accepted")
	}
	if f.link.Publish(&router.FabricPublication{Realm: realm1, Topic: "a..b"}) == nil {
		t.Fatal("publication to an invalid topic accepted")
	}
}

// A RemoteCallee is a callee like a local one: calls go to the fabric,
// its answers to the caller, and removing it ends its calls in flight.
func TestFabricRemoteCallee(t *testing.T) {
	r, f := fabricRouter(t)
	caller := join(t, r)
	ctx := ctxT(t)
	reg := router.FabricRegistration{Procedure: "com.remote.add", Match: wamp.MatchExact, Policy: router.InvokeSingle}
	rc, err := f.link.AddCallee(realm1, "nodeX", reg)
	if err != nil {
		t.Fatal(err)
	}
	if regs := f.link.Registrations(realm1); len(regs) != 0 {
		t.Fatalf("a remote registration listed as local: %v", regs)
	}

	type answer struct {
		res *wamp.Result
		err error
	}
	call := func(opts *client.CallOptions) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			res, err := caller.Call(ctx, "com.remote.add", wamp.List{2, 3}, nil, opts)
			ch <- answer{res, err}
		}()
		return ch
	}

	got := call(&client.CallOptions{DiscloseMe: true, Timeout: time.Minute})
	fc := recv(t, f.calls)
	if fc.Callee != rc || fc.Procedure != "com.remote.add" || fc.Registration != reg.Procedure || fc.Caller != caller.ID() ||
		fc.CallerAuthRole != "anonymous" || fc.Options["disclose_me"] != true || fc.Timeout <= 0 || fc.Timeout > time.Minute {
		t.Fatalf("fabric got %+v", fc)
	}
	fc.Answer(&wamp.Result{Args: wamp.List{5}})
	fc.Answer(&wamp.Result{Args: wamp.List{6}}) // a second answer is dropped
	if a := <-got; a.err != nil || a.res.Args[0] != 5 {
		t.Fatalf("answer %v %v", a.res, a.err)
	}

	got = call(nil)
	recv(t, f.calls).Answer(&wamp.Error{Error: "com.example.oops", Args: wamp.List{"no"}})
	if a := <-got; errURI(a.err) != "com.example.oops" {
		t.Fatalf("error answer: %v", a.err)
	}

	got = call(nil)
	fc = recv(t, f.calls)
	rc.Remove()
	if a := <-got; errURI(a.err) != wamp.ErrCanceled {
		t.Fatalf("call in flight to a removed callee: %v, want %s", a.err, wamp.ErrCanceled)
	}
	fc.Answer(&wamp.Result{}) // too late: dropped
	rc.Remove()
	if _, err := caller.Call(ctx, "com.remote.add", nil, nil, nil); errURI(err) != wamp.ErrNoSuchProcedure {
		t.Fatalf("call after Remove: %v", err)
	}

	// A fabric that refuses the call: the caller is answered at once.
	if _, err := f.link.AddCallee(realm1, "nodeX", reg); err != nil {
		t.Fatal(err)
	}
	f.refuse = errors.New("link down")
	if _, err := caller.Call(ctx, "com.remote.add", nil, nil, nil); errURI(err) != wamp.ErrNoAvailableCallee {
		t.Fatalf("refused call: %v, want %s", err, wamp.ErrNoAvailableCallee)
	}
	f.refuse = nil

	// A remote callee cannot take a procedure a local callee registered
	// (single), nor the other way round.
	local := join(t, r)
	if _, err := local.Register(ctx, "com.remote.add", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); errURI(err) != wamp.ErrProcedureAlreadyExists {
		t.Fatalf("local REGISTER over a remote one: %v", err)
	}
	if _, err := local.Register(ctx, "com.local.p", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.link.AddCallee(realm1, "nodeY", router.FabricRegistration{Procedure: "com.local.p", Match: wamp.MatchExact, Policy: router.InvokeSingle}); err == nil {
		t.Fatal("remote callee registered over a local single registration")
	}
	if _, err := f.link.AddCallee("nowhere", "nodeY", reg); !errors.Is(err, router.ErrNoRealm) {
		t.Fatalf("AddCallee to an unknown realm: %v", err)
	}
}

// Calls from other routers run on local callees, with the remote
// caller's identity; the fabric learns of local registrations.
func TestFabricServe(t *testing.T) {
	r, f := fabricRouter(t)
	callee := join(t, r)
	ctx := ctxT(t)
	_, err := callee.Register(ctx, "com.local.who", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{inv.Details["caller"], inv.Details["caller_authid"], inv.Args[0]}}, nil
	}, &client.RegisterOptions{DiscloseCaller: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, f.changed); got != realm1 {
		t.Fatalf("RegistrationsChanged(%q)", got)
	}
	regs := f.link.Registrations(realm1)
	if len(regs) != 1 || regs[0] != (router.FabricRegistration{Procedure: "com.local.who", Match: wamp.MatchExact, Policy: router.InvokeSingle}) {
		t.Fatalf("Registrations: %v", regs)
	}
	if rs := f.link.Realms(); len(rs) != 1 || rs[0] != realm1 {
		t.Fatalf("Realms: %v", rs)
	}

	serve := func(fc *router.FabricCall) wamp.Message {
		ch := make(chan wamp.Message, 2)
		f.link.Serve(fc, func(m wamp.Message) { ch <- m })
		return recv(t, ch)
	}
	m := serve(&router.FabricCall{Realm: realm1, Registration: "com.local.who", Match: wamp.MatchExact, Procedure: "com.local.who",
		Caller: 4242, CallerAuthID: "alice", CallerAuthRole: "user", Timeout: time.Minute, Args: wamp.List{"x"}})
	res, ok := m.(*wamp.Result)
	if !ok || len(res.Args) != 3 || res.Args[0] != uint64(4242) || res.Args[1] != "alice" || res.Args[2] != "x" {
		t.Fatalf("served call answered %v", m)
	}
	for _, c := range []struct {
		fc  *router.FabricCall
		uri wamp.URI
	}{
		{&router.FabricCall{Realm: realm1, Registration: "com.local.none", Match: wamp.MatchExact, Procedure: "com.local.none", Caller: 1}, wamp.ErrUnavailable},
		{&router.FabricCall{Realm: "nowhere", Registration: "a", Match: wamp.MatchExact, Procedure: "a", Caller: 1}, wamp.ErrNoSuchRealm},
		{&router.FabricCall{Realm: realm1, Registration: "com.local.who", Match: wamp.MatchExact, Procedure: "com..who", Caller: 1}, wamp.ErrInvalidURI},
	} {
		if e, ok := serve(c.fc).(*wamp.Error); !ok || e.Error != c.uri {
			t.Errorf("Serve(%s in %s): %v, want %s", c.fc.Procedure, c.fc.Realm, e, c.uri)
		}
	}
}
