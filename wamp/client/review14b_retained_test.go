package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// TestRetainedEventOnlyToItsSubscribe: when a session subscribes a second
// time to a topic with GetRetained, the router answers with the
// subscription the session has already and sends the retained event after
// it; that event goes to the Subscription that asked for it, not again to
// the earlier one, which had it live (its handler ran twice for one
// event).
func TestRetainedEventOnlyToItsSubscribe(t *testing.T) {
	ss := r14bRouterSessions(t, 2)
	s, pub := ss[0], ss[1]
	first := make(chan *wamp.Event, 8)
	if _, err := s.Subscribe(ctxT(t), "com.example.t", func(e *wamp.Event) { first <- e }, nil); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctxT(t), "com.example.t", wamp.List{"e1"}, nil, &client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	if e := <-first; e.Args[0] != "e1" {
		t.Fatalf("first got %v", e.Args)
	}
	second := make(chan *wamp.Event, 8)
	if _, err := s.Subscribe(ctxT(t), "com.example.t", func(e *wamp.Event) { second <- e }, &client.SubscribeOptions{GetRetained: true}); err != nil {
		t.Fatal(err)
	}
	if e := <-second; e.Args[0] != "e1" || e.Details["retained"] != true {
		t.Fatalf("second got %v %v; want the retained e1", e.Args, e.Details)
	}
	// A live event after it: the first Subscription's next event must be
	// this one.
	if err := pub.Publish(ctxT(t), "com.example.t", wamp.List{"e2"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	if e := <-second; e.Args[0] != "e2" {
		t.Fatalf("second got %v; want e2", e.Args)
	}
	if e := <-first; e.Args[0] != "e2" {
		t.Fatalf("first got %v (retained: %v) again; want e2", e.Args, e.Details["retained"])
	}
}

// TestRetainedEventOfAbandonedSubscribe: the retained event that follows
// the late SUBSCRIBED of a Subscribe whose ctx ended goes to nobody, not
// to the Subscription of this session that shares the router's
// subscription (which had the event live already).
func TestRetainedEventOfAbandonedSubscribe(t *testing.T) {
	s, r := scriptedJoin(t)
	first := make(chan *wamp.Event, 8)
	out := make(chan error, 1)
	go func() {
		_, err := s.Subscribe(ctxT(t), "com.example.t", func(e *wamp.Event) { first <- e }, nil)
		out <- err
	}()
	sub := r14bRecv[*wamp.Subscribe](t, r)
	r.Send(ctxT(t), &wamp.Subscribed{Request: sub.Request, Subscription: 7})
	if err := <-out; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(ctxT(t))
	go func() {
		_, err := s.Subscribe(ctx, "com.example.t", func(*wamp.Event) {}, &client.SubscribeOptions{GetRetained: true})
		out <- err
	}()
	sub = r14bRecv[*wamp.Subscribe](t, r)
	cancel()
	if err := <-out; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned Subscribe = %v", err)
	}
	r.Send(ctxT(t), &wamp.Subscribed{Request: sub.Request, Subscription: 7})
	r.Send(ctxT(t), &wamp.Event{Subscription: 7, Publication: 1, Details: wamp.Dict{"retained": true}, Args: wamp.List{"e1"}})
	r.Send(ctxT(t), &wamp.Event{Subscription: 7, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{"e2"}})
	if e := <-first; e.Args[0] != "e2" {
		t.Fatalf("first got %v (retained: %v); want e2", e.Args, e.Details["retained"])
	}
}
