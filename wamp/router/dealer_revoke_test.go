package router_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestRemoveCallee(t *testing.T) {
	revoking := map[string][]string{"callee": {"call_canceling", "registration_revocation"}}
	t.Run("announced", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, calleeID := rawJoinAs(t, r, revoking)
		regID := callee.register(1, "p", nil)
		caller, _ := rawJoinAs(t, r, plainPeer)
		caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "p"})
		inv := callee.expectInvocation()
		if err := r.RemoveCallee(realm1, regID, calleeID, "moving to another callee"); err != nil {
			t.Fatal(err)
		}
		u, ok := callee.recv().(*wamp.Unregistered)
		if !ok || u.Request != 0 || u.Details["reason"] != "moving to another callee" {
			t.Fatalf("callee got %v, want UNREGISTERED", u)
		}
		if id, _ := wamp.AsID(u.Details["registration"]); id != regID {
			t.Fatalf("UNREGISTERED.Details = %v", u.Details)
		}
		if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" {
			t.Fatalf("callee got %v, want INTERRUPT", in)
		}
		e := caller.expectError(5, wamp.ErrCanceled)
		if fmt.Sprint(e.Args) != "[registration revoked: moving to another callee]" {
			t.Errorf("ERROR args %v", e.Args)
		}
		callee.send(&wamp.Yield{Request: inv.Request, Options: wamp.Dict{}}) // late: dropped
		caller.send(&wamp.Call{Request: 6, Options: wamp.Dict{}, Procedure: "p"})
		caller.expectError(6, wamp.ErrNoSuchProcedure)
		callee.send(&wamp.Unregister{Request: 2, Registration: regID})
		callee.expectError(2, wamp.ErrNoSuchRegistration)
		// The procedure is free for anyone.
		callee.register(3, "p", nil)
	})
	t.Run("not announced", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, calleeID := rawJoinAs(t, r, cancelingCallee)
		regID := callee.register(1, "p", nil)
		if err := r.RemoveCallee(realm1, regID, calleeID, ""); err != nil {
			t.Fatal(err)
		}
		callee.quiet(2) // no UNREGISTERED
	})
	t.Run("shared", func(t *testing.T) {
		r := newRouter(t, nil)
		caller := join(t, r)
		a, b := join(t, r), join(t, r)
		reg := register(t, a, "p", answer("a"), &client.RegisterOptions{Invoke: router.InvokeRoundRobin})
		register(t, b, "p", answer("b"), &client.RegisterOptions{Invoke: router.InvokeRoundRobin})
		if err := r.RemoveCallee(realm1, reg.ID, a.ID(), "drain"); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			if res, err := caller.Call(ctxT(t), "p", nil, nil, nil); err != nil || res.Args[0] != "b" {
				t.Fatal(res, err)
			}
		}
	})
	t.Run("client", func(t *testing.T) {
		// wamp/client announcing the feature: its handler's ctx ends,
		// the caller gets its ERROR.
		r := newRouter(t, nil)
		callee, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{Details: wamp.Dict{"roles": roles(map[string][]string{
			"caller": {}, "callee": {"call_canceling", "registration_revocation"}})}})
		if err != nil {
			t.Fatal(err)
		}
		defer callee.Close()
		caller := join(t, r)
		started, interrupted := make(chan struct{}), make(chan struct{})
		reg := register(t, callee, "p", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
			close(started)
			<-ctx.Done()
			close(interrupted)
			return nil, ctx.Err()
		}, nil)
		errc := make(chan error, 1)
		go func() {
			_, err := caller.Call(ctxT(t), "p", nil, nil, nil)
			errc <- err
		}()
		<-started
		if err := r.RemoveCallee(realm1, reg.ID, callee.ID(), "bye"); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !isWampError(err, wamp.ErrCanceled) {
			t.Fatalf("caller: %v", err)
		}
		<-interrupted
	})
	t.Run("errors", func(t *testing.T) {
		r := newRouter(t, nil)
		callee, other := join(t, r), join(t, r)
		reg := register(t, callee, "p", echo, nil)
		for _, c := range []struct {
			realm   wamp.URI
			reg     wamp.ID
			session wamp.ID
			want    wamp.URI
		}{
			{"nope", reg.ID, callee.ID(), wamp.ErrNoSuchRealm},
			{realm1, reg.ID, 12345, "wamp.error.no_such_session"},
			{realm1, reg.ID + 1000, callee.ID(), wamp.ErrNoSuchRegistration},
			{realm1, reg.ID, other.ID(), wamp.ErrNoSuchRegistration},
		} {
			err := r.RemoveCallee(c.realm, c.reg, c.session, "")
			if err == nil || !strings.Contains(err.Error(), string(c.want)) {
				t.Errorf("RemoveCallee(%s, %d, %d) = %v, want %s", c.realm, c.reg, c.session, err, c.want)
			}
		}
		if res, err := other.Call(ctxT(t), "p", wamp.List{"still"}, nil, nil); err != nil || res.Args[0] != "still" {
			t.Fatal(res, err)
		}
	})
}

func answer(tag string) client.Handler {
	return func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{tag}}, nil
	}
}

func TestCallTrustLevels(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].Tickets = map[string]router.TicketPrincipal{"ann": {Ticket: "t", Role: "staff"}}
		c.Realms[0].CallTrustLevels = map[string]int{"staff": 2, "anonymous": 0}
	})
	callee, anon := join(t, r), join(t, r)
	staff, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{AuthID: "ann", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer staff.Close()
	register(t, callee, "level", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		lvl, ok := inv.Details["trustlevel"]
		return &client.Result{Args: wamp.List{ok, lvl}}, nil
	}, nil)
	for _, c := range []struct {
		s    *client.Session
		want string
	}{{staff, "[true 2]"}, {anon, "[true 0]"}} {
		res, err := c.s.Call(ctxT(t), "level", nil, nil, nil)
		if err != nil || fmt.Sprint(res.Args) != c.want {
			t.Fatalf("got %v %v, want %s", res, err, c.want)
		}
	}
	// A role without a level gets none.
	r2 := newRouter(t, func(c *router.Config) { c.Realms[0].CallTrustLevels = map[string]int{"staff": 2} })
	callee2, caller2 := join(t, r2), join(t, r2)
	register(t, callee2, "level", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		_, ok := inv.Details["trustlevel"]
		return &client.Result{Args: wamp.List{ok}}, nil
	}, nil)
	if res, err := caller2.Call(ctxT(t), "level", nil, nil, nil); err != nil || res.Args[0] != false {
		t.Fatal(res, err)
	}
}
