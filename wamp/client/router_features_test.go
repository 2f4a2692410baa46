package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// inProcessRouter is a router with realm1 (anonymous), closed when the
// test ends; join joins it over an in-memory pipe.
func inProcessRouter(t *testing.T) *router.Router {
	t.Helper()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

func joinRouter(t *testing.T, r *router.Router) *client.Session {
	t.Helper()
	s, err := client.Join(ctxT(t), r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A call whose timeout the dealer forwards (forward_timeout) gives the
// handler's ctx that deadline; a handler that gives up when it passes
// answers wamp.error.timeout, which the caller gets. Without a forwarded
// timeout the ctx has no deadline.
//
// The deadline is checked against when the call was made and when the
// handler ran, not against the time left when the handler starts: a
// handler that starts late (a slow machine) may find it passed already.
func TestInvocationTimeout(t *testing.T) {
	r := inProcessRouter(t)
	callee, caller := joinRouter(t, r), joinRouter(t, r)
	type seen struct {
		dl, at time.Time // the ctx's deadline (zero: none); when the handler started
	}
	got := make(chan seen, 1)
	h := func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		at := time.Now()
		dl, ok := ctx.Deadline()
		got <- seen{dl, at}
		if !ok {
			return &client.Result{Args: wamp.List{"no deadline"}}, nil
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if _, err := callee.Register(ctxT(t), "com.slow", h, &client.RegisterOptions{Options: wamp.Dict{"forward_timeout": true}}); err != nil {
		t.Fatal(err)
	}
	// The caller's own wait is bounded by ctxT only: the answer must be
	// the callee's.
	called := time.Now()
	_, err := caller.Call(ctxT(t), "com.slow", nil, nil, &client.CallOptions{Options: wamp.Dict{"timeout": int64(50)}})
	var we *client.Error
	if !errors.As(err, &we) || we.URI != wamp.ErrTimeout {
		t.Fatalf("call: %v, want wamp.error.timeout", err)
	}
	// The dealer forwards the (rounded up) milliseconds left of the 50 it
	// started when the CALL came, and the callee starts its ctx's timer
	// when the INVOCATION comes, before the handler runs: so the deadline
	// is at least 50 ms after the call was made, and at most 50 ms after
	// the handler started.
	s := <-got
	if s.dl.IsZero() {
		t.Fatal("the handler's ctx has no deadline, want the call's 50 ms")
	}
	if d := s.dl.Sub(called); d < 50*time.Millisecond {
		t.Fatalf("the handler's deadline was %v after the call was made, want at least the call's 50 ms", d)
	}
	if d := s.dl.Sub(s.at); d > 50*time.Millisecond {
		t.Fatalf("the handler's deadline was %v away when it started, want within the call's 50 ms", d)
	}
	if _, err := caller.Call(ctxT(t), "com.slow", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if s := <-got; !s.dl.IsZero() {
		t.Fatalf("a call without timeout gave the handler a deadline %v away", s.dl.Sub(s.at))
	}
}

// The session announces subscription_revocation; when the router revokes
// a subscription (UNSUBSCRIBED with Request 0) its handler gets no more
// events and the Subscription reports it with the router's reason.
func TestSubscriptionRevoked(t *testing.T) {
	r := inProcessRouter(t)
	sub, pub := joinRouter(t, r), joinRouter(t, r)
	events := make(chan wamp.List, 16)
	s, err := sub.Subscribe(ctxT(t), "com.news", func(e *wamp.Event) { events <- e.Args }, nil)
	if err != nil {
		t.Fatal(err)
	}
	markers := make(chan struct{}, 16)
	if _, err := sub.Subscribe(ctxT(t), "com.marker", func(*wamp.Event) { markers <- struct{}{} }, nil); err != nil {
		t.Fatal(err)
	}
	if _, revoked := s.RevokedReason(); revoked {
		t.Fatal("revoked before the router revoked it")
	}
	ack := &client.PublishOptions{Acknowledge: true}
	if err := pub.Publish(ctxT(t), "com.news", wamp.List{"before"}, nil, ack); err != nil {
		t.Fatal(err)
	}
	if got := <-events; got[0] != "before" {
		t.Fatalf("event %v", got)
	}
	if err := r.RemoveSubscriber("realm1", s.ID, sub.ID(), "wamp.test.revoked"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Revoked():
	case <-ctxT(t).Done():
		t.Fatal("Revoked not closed")
	}
	if reason, revoked := s.RevokedReason(); !revoked || reason != "wamp.test.revoked" {
		t.Fatalf("RevokedReason = %q, %v", reason, revoked)
	}
	// Events in one publisher's order: the marker comes after "after",
	// which must not reach the revoked handler.
	for _, topic := range []wamp.URI{"com.news", "com.marker"} {
		if err := pub.Publish(ctxT(t), topic, wamp.List{"after"}, nil, ack); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-markers:
	case <-ctxT(t).Done():
		t.Fatal("no marker event")
	}
	select {
	case got := <-events:
		t.Fatalf("a revoked subscription got %v", got)
	default:
	}
}
