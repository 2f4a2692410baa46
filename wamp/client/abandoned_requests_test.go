package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// recvType reads messages from the router side until one of type T comes.
func recvType[T wamp.Message](t *testing.T, r *memTransport) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for {
		m, err := r.Recv(ctx)
		if err != nil {
			var zero T
			t.Fatalf("router side: waiting for %T: %v", zero, err)
		}
		if x, ok := m.(T); ok {
			return x
		}
	}
}

// A Register whose ctx ends before REGISTERED leaves the caller with an
// error; when the router's REGISTERED comes late, the procedure is
// registered at the router for this session, which no longer has its
// handler: every call gets no_such_registration and no other session can
// register the procedure until this one ends. The session must undo the
// late registration (UNREGISTER).
func TestReviewRegisterAbandonedIsUndone(t *testing.T) {
	s, r := scriptedJoin(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, err := s.Register(ctx, "com.example.p", echoHandler, nil)
		errc <- err
	}()
	reg := recvType[*wamp.Register](t, r)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Register: %v, want context.Canceled", err)
	}
	// The router's late answer.
	if err := r.Send(ctxT(t), &wamp.Registered{Request: reg.Request, Registration: 77}); err != nil {
		t.Fatal(err)
	}
	un := recvType[*wamp.Unregister](t, r)
	if un.Registration != 77 {
		t.Fatalf("UNREGISTER %d, want 77", un.Registration)
	}
}

func echoHandler(_ context.Context, inv *client.Invocation) (*client.Result, error) {
	return &client.Result{Args: inv.Args}, nil
}

// The same for Subscribe: a late SUBSCRIBED left the router sending events
// the session dropped without a trace; it is unsubscribed unless another
// Subscription of the session shares the router's subscription.
func TestReviewSubscribeAbandonedIsUndone(t *testing.T) {
	s, r := scriptedJoin(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, err := s.Subscribe(ctx, "com.example.t", func(*wamp.Event) {}, nil)
		errc <- err
	}()
	sub := recvType[*wamp.Subscribe](t, r)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe: %v, want context.Canceled", err)
	}
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: sub.Request, Subscription: 88}); err != nil {
		t.Fatal(err)
	}
	if un := recvType[*wamp.Unsubscribe](t, r); un.Subscription != 88 {
		t.Fatalf("UNSUBSCRIBE %d, want 88", un.Subscription)
	}
}

// A late SUBSCRIBED whose subscription another Subscription of the session
// shares (the router gives a session one subscription per topic) is left
// alone: an UNSUBSCRIBE would end the other's events too.
func TestSubscribeAbandonedSharedIsKept(t *testing.T) {
	s, r := scriptedJoin(t)
	events := make(chan *wamp.Event, 1)
	done := make(chan error, 1)
	go func() {
		_, err := s.Subscribe(ctxT(t), "com.example.t", func(e *wamp.Event) { events <- e }, nil)
		done <- err
	}()
	first := recvType[*wamp.Subscribe](t, r)
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: first.Request, Subscription: 88}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	go func() {
		_, err := s.Subscribe(ctx, "com.example.t", func(*wamp.Event) {}, nil)
		done <- err
	}()
	second := recvType[*wamp.Subscribe](t, r)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Subscribe: %v, want context.Canceled", err)
	}
	if err := r.Send(ctxT(t), &wamp.Subscribed{Request: second.Request, Subscription: 88}); err != nil {
		t.Fatal(err)
	}
	// The reader handles messages in order: once the first Subscription
	// has this event, the late SUBSCRIBED was handled before it.
	if err := r.Send(ctxT(t), &wamp.Event{Subscription: 88, Publication: 1, Details: wamp.Dict{}}); err != nil {
		t.Fatal(err)
	}
	<-events
	onlyMarkerFollows(t, s, r)
}
