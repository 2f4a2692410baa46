package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// subscribed42 subscribes s to com.example.t, the router side answering
// with subscription 42.
func subscribed42(t *testing.T, s *client.Session, r *memTransport) *client.Subscription {
	t.Helper()
	type result struct {
		sub *client.Subscription
		err error
	}
	done := make(chan result, 1)
	go func() {
		sub, err := s.Subscribe(ctxT(t), "com.example.t", func(*wamp.Event) {}, nil)
		done <- result{sub, err}
	}()
	first := recvType[*wamp.Subscribe](t, r)
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: first.Request, Subscription: 42}); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res.sub
}

// A Subscribe of a topic while an Unsubscribe of the same topic is on its
// way: the router keeps one subscription per session and topic, so when it
// handles the SUBSCRIBE first it answers with the subscription the
// UNSUBSCRIBE then ends. The new Subscription must not be left with an ID
// that gets no events: the client subscribes again once the UNSUBSCRIBE is
// answered.
func TestSubscribeDuringUnsubscribeOfSameTopic(t *testing.T) {
	s, r := scriptedJoin(t)
	s1 := subscribed42(t, s, r)

	events := make(chan *wamp.Event, 4)
	type result struct {
		id  wamp.ID
		err error
	}
	subc := make(chan result, 1)
	go func() {
		sub, err := s.Subscribe(ctxT(t), "com.example.t", func(e *wamp.Event) { events <- e }, nil)
		if err != nil {
			subc <- result{err: err}
			return
		}
		subc <- result{id: sub.ID}
	}()
	second := recvType[*wamp.Subscribe](t, r)
	unsubc := make(chan error, 1)
	go func() { unsubc <- s.Unsubscribe(ctxT(t), s1) }()
	un := recvType[*wamp.Unsubscribe](t, r)
	if un.Subscription != 42 {
		t.Fatalf("UNSUBSCRIBE %d, want 42", un.Subscription)
	}
	// The router handles the SUBSCRIBE (sent first) and then the UNSUBSCRIBE,
	// which ends subscription 42 for this session.
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: second.Request, Subscription: 42}); err != nil {
		t.Fatal(err)
	}
	if err := r.Send(ctxT(t), &wamp.Unsubscribed{Request: un.Request}); err != nil {
		t.Fatal(err)
	}
	if err := <-unsubc; err != nil {
		t.Fatal(err)
	}
	// The client subscribes again; the router makes a new subscription.
	third := recvType[*wamp.Subscribe](t, r)
	if third.Topic != "com.example.t" {
		t.Fatalf("SUBSCRIBE %q", third.Topic)
	}
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: third.Request, Subscription: 43}); err != nil {
		t.Fatal(err)
	}
	res := <-subc
	if res.err != nil || res.id != 43 {
		t.Fatalf("Subscribe: id %d, %v; want 43", res.id, res.err)
	}
	if err := r.Send(ctxT(t), &wamp.Event{Subscription: 43, Publication: 1, Details: wamp.Dict{}}); err != nil {
		t.Fatal(err)
	}
	if e := <-events; e.Publication != 1 {
		t.Fatalf("event %d", e.Publication)
	}
}

// When the UNSUBSCRIBE was handled first, the SUBSCRIBED after it is a live
// subscription (the same ID when other sessions keep it alive): nothing is
// sent again.
func TestSubscribeAfterUnsubscribeAnswered(t *testing.T) {
	s, r := scriptedJoin(t)
	s1 := subscribed42(t, s, r)
	unsubc := make(chan error, 1)
	go func() { unsubc <- s.Unsubscribe(ctxT(t), s1) }()
	un := recvType[*wamp.Unsubscribe](t, r)
	subc := subscribeID(t, s)
	second := recvType[*wamp.Subscribe](t, r)
	if err := r.Send(ctxT(t), &wamp.Unsubscribed{Request: un.Request}); err != nil {
		t.Fatal(err)
	}
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: second.Request, Subscription: 42}); err != nil {
		t.Fatal(err)
	}
	if id := <-subc; id != 42 {
		t.Fatalf("Subscribe: id %d, want 42", id)
	}
	if err := <-unsubc; err != nil {
		t.Fatal(err)
	}
	// Nothing more from the client.
	onlyMarkerFollows(t, s, r)
}

// An Unsubscribe whose ctx ends before the answer still counts until the
// answer is read: a SUBSCRIBED read before it is retried.
func TestSubscribeDuringAbandonedUnsubscribe(t *testing.T) {
	s, r := scriptedJoin(t)
	s1 := subscribed42(t, s, r)
	subc := subscribeID(t, s)
	second := recvType[*wamp.Subscribe](t, r)
	ctx, cancel := context.WithCancel(ctxT(t))
	unsubc := make(chan error, 1)
	go func() { unsubc <- s.Unsubscribe(ctx, s1) }()
	un := recvType[*wamp.Unsubscribe](t, r)
	cancel()
	if err := <-unsubc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Unsubscribe: %v, want context.Canceled", err)
	}
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: second.Request, Subscription: 42}); err != nil {
		t.Fatal(err)
	}
	if err := r.Send(ctxT(t), &wamp.Unsubscribed{Request: un.Request}); err != nil {
		t.Fatal(err)
	}
	third := recvType[*wamp.Subscribe](t, r)
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: third.Request, Subscription: 44}); err != nil {
		t.Fatal(err)
	}
	if id := <-subc; id != 44 {
		t.Fatalf("Subscribe: id %d, want 44", id)
	}
}

// subscribeID subscribes s to com.example.t in a goroutine; the channel gets
// the subscription ID (0 after an error).
func subscribeID(t *testing.T, s *client.Session) <-chan wamp.ID {
	subc := make(chan wamp.ID, 1)
	go func() {
		sub, err := s.Subscribe(ctxT(t), "com.example.t", func(*wamp.Event) {}, nil)
		if err != nil {
			t.Error(err)
			subc <- 0
			return
		}
		subc <- sub.ID
	}()
	return subc
}

// onlyMarkerFollows publishes a marker and checks that it is the next
// message the router side gets: the client sent nothing else before it.
func onlyMarkerFollows(t *testing.T, s *client.Session, r *memTransport) {
	t.Helper()
	if err := s.Publish(ctxT(t), "com.example.marker", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	m, err := r.Recv(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := m.(*wamp.Publish); !ok || p.Topic != "com.example.marker" {
		t.Fatalf("the router got %T %v, want only the marker PUBLISH", m, m)
	}
}
